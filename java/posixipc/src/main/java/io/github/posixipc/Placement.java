package io.github.posixipc;

import java.lang.ref.Reference;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Where a semaphore, mutex or condition lives inside a {@link MappedRegion}: the region, the
 * offset, and the native address, plus the closed state of the Java handle. Native calls on the
 * address are bracketed by {@link #pin()} and {@link #unpin(Object)}, so that the region's
 * addresses stay mapped while a call is inside (see MappedRegion).
 */
final class Placement {

  /**
   * The longest a waiting thread stays in one native wait. Futex-based waits cannot be woken by
   * closing a descriptor, and mutex and condition waits are not even interrupted by signals, so
   * every wait is a loop of bounded waits that checks interruption and close in between.
   */
  static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  final MappedRegion region;
  final long offset;
  final long address;
  final String what;
  private volatile boolean closed;

  Placement(MappedRegion region, long offset, int size, int alignment, String kind) {
    this.region = Objects.requireNonNull(region, "region");
    this.address = region.addressOf(offset, size, alignment, kind);
    this.offset = offset;
    this.what = kind + " at offset " + offset + " of " + region.what();
  }

  /**
   * Checks that the handle and the region are open; returns what to keep reachable until the
   * native call is over.
   */
  Object pin() throws ClosedChannelException {
    if (closed) {
      throw new Descriptor.ClosedException(what);
    }
    return region.pin();
  }

  /**
   * The exception for a failed call on a semaphore, mutex or condition (named or placed).
   * EFAULT is the core's fault guard reporting that the object's memory is gone: another process
   * shrank the object it lives in. That is thrown here as a {@link SharedMemoryFaultException};
   * anything else is returned for the caller to throw.
   */
  static PosixException failure(int r, String call, String object) {
    if (r == -Errno.EFAULT) {
      throw new SharedMemoryFaultException(object + " is gone (" + call + "): the shared memory"
          + " object it lives in was shrunk by another process", null);
    }
    return PosixException.of(r, call, object);
  }

  static void unpin(Object pin) {
    Reference.reachabilityFence(pin);
  }

  void close() {
    closed = true;
  }

  boolean isOpen() {
    return !closed && region.isOpen();
  }

  /** Between two slices of a wait: throws when interrupted or closed meanwhile. */
  void betweenSlices() throws InterruptedException, AsynchronousCloseException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (!isOpen()) {
      throw new AsynchronousCloseException();
    }
  }

  /** The length of the next slice of a wait with timeout t (ns) and deadline, or -1 when over. */
  static long slice(long t, long deadline) {
    if (t < 0) {
      return SLICE_NANOS;
    }
    if (t == 0) {
      return 0;
    }
    long left = deadline - System.nanoTime();
    return left <= 0 ? -1 : Math.min(SLICE_NANOS, left);
  }
}
