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
 * {@code sem_clockwait} calls of at most 20 ms each, checking interruption and close in between
 * (the library's one sliced wait, shared with mutexes and child processes).
 * A post wakes the waiter at once whatever the slice.
 *
 * <p>On a virtual thread a wait that cannot take one at once is handed to a platform thread of the
 * library while the virtual thread parks, so that no carrier is held; interrupt and close behave
 * as above.
 */
public abstract class PosixSemaphore implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  PosixSemaphore() {}

  static final int POST = 0;
  static final int WAIT = 1;
  static final int VALUE = 2;

  /** One slice of {@link #acquire(Duration)}: see {@link Timeouts#await}. */
  private static final Timeouts.Slice<PosixSemaphore> SLICE = (s, slice) -> s.call(WAIT, slice);

  /**
   * Runs one native call (POST, WAIT with arg as the slice in nanoseconds, or VALUE) on the
   * semaphore, kept usable for the duration of the call. Returns its result (a negative errno on
   * failure).
   *
   * @throws java.nio.channels.ClosedChannelException when the handle is closed
   */
  abstract int call(int op, long arg) throws IOException;

  /** The native call itself, on the sem_t at sem: for {@link #call}. */
  static int invoke(int op, long sem, long arg) {
    switch (op) {
      case POST:
        return Core.pipc_sem_post(sem);
      case WAIT:
        return Core.pipc_sem_wait(sem, arg);
      default:
        return Core.pipc_sem_value(sem);
    }
  }

  /** True until close. */
  public abstract boolean isOpen();

  abstract String what();

  /** The largest value a semaphore can hold ({@code SEM_VALUE_MAX}). */
  public static int valueMax() {
    return Core.pipc_sem_value_max();
  }

  /**
   * The initial value of a semaphore, checked the same way for a named and an unnamed one.
   *
   * @throws IllegalArgumentException outside 0..{@link #valueMax()}
   */
  static int checkedValue(int value) {
    if (value < 0 || value > valueMax()) {
      throw new IllegalArgumentException("semaphore value outside 0.." + valueMax() + ": " + value);
    }
    return value;
  }

  /**
   * Adds one, waking a waiter if there is one ({@code sem_post}).
   *
   * @throws PosixException EOVERFLOW at {@link #valueMax()}
   */
  public final void post() throws IOException {
    int r = call(POST, 0);
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
    int r = Timeouts.await(SLICE, this, Timeouts.nanos(timeout), "sem_clockwait", what());
    if (r < 0) {
      throw Placement.failure(r, "sem_wait", what());
    }
  }

  /** Takes one if the value is above 0; never waits. Returns whether it took one. */
  public final boolean tryAcquire() throws IOException {
    int r = call(WAIT, 0);
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
    int r = call(VALUE, 0);
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
