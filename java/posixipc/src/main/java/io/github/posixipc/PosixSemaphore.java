package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;

/**
 * What named and unnamed POSIX semaphores share: a counter that {@link #post()} increments and
 * {@link #acquire()} decrements, waiting while it is zero. See {@link NamedSemaphore} and
 * {@link UnnamedSemaphore}.
 *
 * <h2>Waiting</h2>
 *
 * Every wait takes an optional {@link Duration}: null waits as long as it takes, {@link
 * Duration#ZERO} only tries ({@link WouldBlockException}), a positive value waits at most that
 * long on the monotonic clock ({@link TimedOutException}). A waiting thread that is interrupted
 * gets {@link InterruptedException} (the count is untouched), and {@link #close()} from another
 * thread makes it leave with {@code AsynchronousCloseException}. Both are noticed within 20 ms:
 * a semaphore is a futex in memory, with no descriptor to close, so a long wait is a series of
 * {@code sem_clockwait} calls of at most 20 ms each, checking interruption and close in between.
 * A post wakes the waiter at once whatever the slice.
 */
public abstract class PosixSemaphore implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  PosixSemaphore() {}

  /** Keeps the semaphore usable during a native call; throws when closed. */
  abstract Object pin() throws IOException;

  abstract void unpin(Object pin);

  /** The sem_t address. Valid between pin and unpin. */
  abstract long handle();

  /** True until close. */
  public abstract boolean isOpen();

  abstract String what();

  /** The largest value a semaphore can hold ({@code SEM_VALUE_MAX}). */
  public static int valueMax() {
    return Core.pipc_sem_value_max();
  }

  /**
   * Adds one, waking a waiter if there is one ({@code sem_post}).
   *
   * @throws PosixException EOVERFLOW at {@link #valueMax()}
   */
  public final void post() throws IOException {
    Object pin = pin();
    int r;
    try {
      r = Core.pipc_sem_post(handle());
    } finally {
      unpin(pin);
    }
    if (r < 0) {
      throw Placement.failure(r, "sem_post", what());
    }
  }

  /** Takes one, waiting as long as it takes. */
  public final void acquire() throws IOException, InterruptedException {
    acquire(null);
  }

  /**
   * Takes one, waiting as timeout says (see the class description).
   *
   * @throws WouldBlockException with {@link Duration#ZERO} when the value is 0
   * @throws TimedOutException when the value stayed 0 for the whole timeout
   * @throws InterruptedException when the thread is interrupted (nothing taken)
   * @throws AsynchronousCloseException when another thread closes the semaphore (or its region)
   */
  public final void acquire(Duration timeout) throws IOException, InterruptedException {
    long t = Timeouts.nanos(timeout);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long deadline = t > 0 ? DescriptorChannel.deadlineAfter(t) : 0;
    for (;;) {
      long slice = Placement.slice(t, deadline);
      if (slice < 0) {
        throw new TimedOutException(Errno.ETIMEDOUT, "sem_clockwait", what());
      }
      Object pin = pin();
      int r;
      try {
        r = Core.pipc_sem_wait(handle(), slice);
      } finally {
        unpin(pin);
      }
      if (r == 0) {
        return;
      }
      if (t == 0 && r == -Errno.EAGAIN) {
        throw new WouldBlockException(Errno.EAGAIN, "sem_trywait", what());
      }
      if (r != -Errno.ETIMEDOUT && r != -Errno.EINTR) {
        throw Placement.failure(r, "sem_wait", what());
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      if (!isOpen()) {
        throw new AsynchronousCloseException();
      }
    }
  }

  /** Takes one if the value is above 0; never waits. Returns whether it took one. */
  public final boolean tryAcquire() throws IOException {
    Object pin = pin();
    int r;
    try {
      r = Core.pipc_sem_wait(handle(), 0);
    } finally {
      unpin(pin);
    }
    if (r == 0) {
      return true;
    }
    if (r == -Errno.EAGAIN || r == -Errno.EINTR) {
      return false;
    }
    throw Placement.failure(r, "sem_trywait", what());
  }

  /** The current value ({@code sem_getvalue}); may be stale as soon as it is returned. */
  public final int value() throws IOException {
    Object pin = pin();
    int r;
    try {
      r = Core.pipc_sem_value(handle());
    } finally {
      unpin(pin);
    }
    if (r < 0) {
      throw Placement.failure(r, "sem_getvalue", what());
    }
    return r;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + what() + (isOpen() ? "" : ", closed") + "]";
  }
}
