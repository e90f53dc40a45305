package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * Where a semaphore, mutex or condition lives inside a {@link MappedRegion}: the region, the
 * offset, and the native address, plus the closed state of the Java handle. Native calls on the
 * address are bracketed by {@link #pin()} and {@link #unpin(Object)}, so that the region's
 * addresses stay mapped while a call is inside (see MappedRegion). The three placed types keep
 * only what differs between them (their native calls); the size, alignment, placement check,
 * pinned call bracket and closed state live here once.
 */
final class Placement {

  /**
   * The kinds of object that can be placed in a region: what the public size(), alignment() and
   * init() of each placed type report and do. The size and alignment are the C library's, asked
   * once since they never change while the process runs; init is the C call that initializes one
   * (arg: a semaphore's initial value, 0 otherwise), named by initCall in its errors.
   */
  enum Kind {
    MUTEX("mutex", Core::pipc_mutex_size, Core::pipc_mutex_align, "pthread_mutex_init",
        (op, address, arg) -> Core.pipc_mutex_init(address)),
    CONDITION("condition", Core::pipc_cond_size, Core::pipc_cond_align, "pthread_cond_init",
        (op, address, arg) -> Core.pipc_cond_init(address)),
    SEMAPHORE("semaphore", Core::pipc_sem_size, Core::pipc_sem_align, "sem_init",
        (op, address, value) -> Core.pipc_sem_init(address, (int) value));

    final String name;
    final int size;
    final int alignment;
    final String initCall;
    final Call init;

    Kind(String name, IntSupplier size, IntSupplier alignment, String initCall, Call init) {
      // The suppliers reach JavaCPP, which must not run before the library is in memory.
      Native.ensureLoaded();
      this.name = name;
      this.size = size.getAsInt();
      this.alignment = alignment.getAsInt();
      this.initCall = initCall;
      this.init = init;
    }
  }

  /**
   * One native call on a placed object: op chooses the call where one function serves several
   * (see PosixSemaphore), address is the object's, arg is what the call takes besides (a wait's
   * bound in nanoseconds, an initial value) or 0. It returns the call's result or a negative
   * errno. Implementations are method references or non-capturing lambdas, created once, so that
   * a call allocates nothing.
   */
  interface Call {
    int apply(int op, long address, long arg);
  }

  /** A native call that takes only the object's address, such as {@code pipc_mutex_unlock}. */
  interface Simple extends Call {
    int apply(long address);

    @Override
    default int apply(int op, long address, long arg) {
      return apply(address);
    }
  }

  final MappedRegion region;
  final Kind kind;
  final long offset;
  final long address;
  final String what;
  private volatile boolean closed;

  Placement(MappedRegion region, long offset, Kind kind) {
    this.region = Objects.requireNonNull(region, "region");
    this.kind = kind;
    this.address = region.addressOf(offset, kind.size, kind.alignment, kind.name);
    this.offset = offset;
    this.what = kind.name + " at offset " + offset + " of " + region.what();
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
   * Makes one native call with the region pinned around it; returns its result or a negative
   * errno.
   */
  int call(Call call, int op, long arg) throws ClosedChannelException {
    Object pin = pin();
    try {
      return call.apply(op, address, arg);
    } finally {
      unpin(pin);
    }
  }

  /** Makes one native call that never waits, on the address alone; its failure is thrown. */
  void run(Simple call, String syscall) throws IOException {
    check(call(call, 0, 0), syscall);
  }

  /**
   * Initializes the object here with its kind's C call, arg being a semaphore's initial value
   * (0 for the others): what every public init(region, offset...) does after placing it.
   */
  void initialize(long arg) throws IOException {
    check(call(kind.init, 0, arg), kind.initCall);
  }

  /** Throws the failure of syscall when r is a negative errno. */
  void check(int r, String syscall) throws IOException {
    if (r < 0) {
      throw failure(r, syscall, what);
    }
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

  /** The toString of the handle of type that stands here. */
  String describe(String type) {
    return type + "[" + what + (isOpen() ? "" : ", closed") + "]";
  }
}
