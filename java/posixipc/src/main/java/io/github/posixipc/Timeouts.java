package io.github.posixipc;

import java.time.Duration;

/** The library's timeout convention, from a {@link Duration} to the C core's nanoseconds. */
final class Timeouts {

  private Timeouts() {}

  /**
   * null waits forever (-1), {@link Duration#ZERO} tries once (0), a positive value waits at most
   * that long (saturated at Long.MAX_VALUE nanoseconds, about 292 years).
   *
   * @throws IllegalArgumentException for a negative duration
   */
  static long nanos(Duration timeout) {
    if (timeout == null) {
      return DescriptorChannel.FOREVER;
    }
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout: " + timeout);
    }
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
