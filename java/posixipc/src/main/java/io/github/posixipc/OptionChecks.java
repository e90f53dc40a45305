package io.github.posixipc;

/**
 * The checks that the {@code Options} builders of every mechanism make when a value is set, so
 * that a bad value fails where it was written, with the same words for every mechanism.
 */
final class OptionChecks {

  private OptionChecks() {}

  /**
   * Permission bits for a new object: the nine rwx bits, or the twelve of a file (with setuid,
   * setgid and sticky) where the object is one, as a FIFO is.
   *
   * @throws IllegalArgumentException for bits outside mask
   */
  static int mode(int mode, int mask) {
    if ((mode & ~mask) != 0) {
      throw new IllegalArgumentException("mode has bits outside 0" + Integer.toOctalString(mask) + ": 0"
          + Integer.toOctalString(mode));
    }
    return mode;
  }

  /** @throws IllegalArgumentException unless value is positive */
  static long positive(long value, String what) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive: " + value);
    }
    return value;
  }

  /** @throws IllegalArgumentException when value is negative */
  static long notNegative(long value, String what) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " must not be negative: " + value);
    }
    return value;
  }
}
