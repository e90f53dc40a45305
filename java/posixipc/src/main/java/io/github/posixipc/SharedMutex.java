package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;

/**
 * A process-shared, robust, error-checking mutex ({@code pthread_mutex_t}) placed at an offset
 * inside a {@link MappedRegion}: C and Java processes that map the same object lock the same
 * mutex.
 *
 * <pre>{@code
 * SharedMutex mutex = SharedMutex.init(region, 0);      // the creator, once; others: at(region, 0)
 * try {
 *   mutex.lock();
 * } catch (OwnerDiedException e) {
 *   repair(region);                                   // the previous owner died mid-update
 *   mutex.consistent();
 * }
 * try {
 *   region.putLong(256, region.getLong(256) + 1);
 * } finally {
 *   mutex.unlock();
 * }
 * }</pre>
 *
 * <h2>Robustness</h2>
 *
 * If the owner ends while holding the mutex (its process is killed, its thread ends), the next
 * {@link #lock()} acquires it and throws {@link OwnerDiedException}: the caller owns it, repairs
 * the shared data, calls {@link #consistent()}, and unlocks. Unlocking without
 * {@code consistent()} makes the mutex unrecoverable: every later lock throws a
 * {@link PosixException} with ENOTRECOVERABLE, and the mutex must be initialized again.
 *
 * <h2>Ownership</h2>
 *
 * The owner is the operating-system thread that locked it: unlock from the same platform thread
 * (a virtual thread may move between carriers between two calls, so do not hold it across a
 * blocking operation in one). Locking twice from one thread fails with EDEADLK; unlocking a mutex
 * this thread does not own fails with EPERM. Neither is undefined behaviour.
 *
 * <h2>Waiting</h2>
 *
 * As for {@link PosixSemaphore}: optional {@link Duration}, {@link InterruptedException}, and
 * {@code AsynchronousCloseException} on {@link #close()}, noticed within 20 ms, since a mutex
 * wait cannot be interrupted by a signal: the wait is a series of 20 ms
 * {@code pthread_mutex_clocklock} calls (the library's one sliced wait). The size and alignment come from the C library
 * ({@link #size()}, {@link #alignment()}).
 *
 * <p>On a virtual thread a lock that is taken does not wait in the kernel (that would hold the
 * carrier): it tries, then parks for 50 µs doubling to 20 ms between tries, so it is noticed
 * within that pause after the unlock. The owner is then the carrier the lock was taken on: unlock
 * before anything that may park.
 */
public final class SharedMutex extends PlacedHandle {

  private SharedMutex(MappedRegion region, long offset) {
    super(region, offset, Placement.Kind.MUTEX);
  }

  /** {@code sizeof(pthread_mutex_t)}. */
  public static int size() {
    return Placement.Kind.MUTEX.size;
  }

  /** {@code alignof(pthread_mutex_t)}. */
  public static int alignment() {
    return Placement.Kind.MUTEX.alignment;
  }

  /**
   * Initializes a mutex at offset; done once, by one process, before anyone uses it.
   *
   * @throws IllegalArgumentException for a misaligned or out-of-range offset or a read-only region
   */
  public static SharedMutex init(MappedRegion region, long offset) throws IOException {
    return initialized(new SharedMutex(region, offset));
  }

  /** The mutex that some process initialized at offset. */
  public static SharedMutex at(MappedRegion region, long offset) {
    return new SharedMutex(region, offset);
  }

  /** Locks, waiting as long as it takes. See {@link #lock(Duration)}. */
  public void lock() throws IOException, InterruptedException {
    lock(null);
  }

  /**
   * Locks, waiting as timeout says: null as long as it takes, {@link Duration#ZERO} only tries,
   * a positive value at most that long on the monotonic clock.
   *
   * @throws OwnerDiedException the lock is held, but the previous owner died holding it
   * @throws WouldBlockException with {@link Duration#ZERO} when another thread holds it
   * @throws TimedOutException when it stayed held for the whole timeout
   * @throws InterruptedException when the waiting thread is interrupted (not locked)
   * @throws AsynchronousCloseException when the handle or its region is closed meanwhile
   * @throws PosixException ENOTRECOVERABLE; EDEADLK when this thread already holds it
   */
  public void lock(Duration timeout) throws IOException, InterruptedException {
    int r = Timeouts.awaitHere(SLICE, this, Timeouts.nanos(timeout), "pthread_mutex_clocklock", place.what);
    if (r < 0) {
      throw Placement.failure(r, "pthread_mutex_lock", place.what);
    }
  }

  /**
   * Locks if nobody holds it; never waits. Returns whether it locked.
   *
   * @throws OwnerDiedException locked, but the previous owner died holding it
   */
  public boolean tryLock() throws IOException {
    int r = place.call(LOCK, 0, 0);
    if (r == 0) {
      return true;
    }
    if (r == -Errno.EAGAIN) {
      return false;
    }
    throw Placement.failure(r, "pthread_mutex_trylock", place.what);
  }

  /**
   * Unlocks.
   *
   * @throws PosixException EPERM when this thread does not hold it
   */
  public void unlock() throws IOException {
    place.run(Core::pipc_mutex_unlock, "pthread_mutex_unlock");
  }

  /**
   * Marks the mutex consistent after {@link OwnerDiedException}, before unlocking it.
   *
   * @throws PosixException EINVAL when it is not in that state or not held by this thread
   */
  public void consistent() throws IOException {
    place.run(Core::pipc_mutex_consistent, "pthread_mutex_consistent");
  }

  /**
   * Locks again after {@link SharedCondition}'s park on a virtual thread, as a condition wait
   * does before it returns: tries with parks in between, not ended by an interrupt (which stays
   * set for the caller) nor by a timeout. Returns 0 or a negative errno (EOWNERDEAD: locked).
   */
  int relock() throws IOException {
    boolean interrupted = false;
    try {
      for (int round = 0;; ) {
        int r;
        try {
          r = place.call(LOCK, 0, 0);
        } catch (java.nio.channels.ClosedChannelException e) {
          AsynchronousCloseException async = new AsynchronousCloseException();
          async.addSuppressed(e);
          throw async;
        }
        if (!Timeouts.again(r)) {
          return r;
        }
        // A park returns at once while the interrupt status is set: keep it aside meanwhile.
        interrupted |= Thread.interrupted();
        round = VirtualThreads.backoff(round, -1);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code pipc_mutex_lock}: arg is the longest wait in nanoseconds, 0 to only try. */
  private static final Placement.Call LOCK =
      (op, address, nanos) -> Core.pipc_mutex_lock(address, nanos);

  /** One slice of {@link #lock(Duration)}: see {@link Timeouts#await}. */
  private static final Timeouts.Slice<SharedMutex> SLICE =
      (m, slice) -> m.place.call(LOCK, 0, slice);
}
