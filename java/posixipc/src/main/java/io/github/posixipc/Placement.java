package io.github.posixipc;

import java.lang.ref.Reference;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * Where a semaphore, mutex or condition lives inside a {@link MappedRegion}: the region, the
 * offset, and the native address, plus the closed state of the Java handle. Native calls on the
 * address are bracketed by {@link #pin()} and {@link #unpin(Object)}, so that the region's
 * addresses stay mapped while a call is inside (see MappedRegion).
 */
final class Placement {

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
}
