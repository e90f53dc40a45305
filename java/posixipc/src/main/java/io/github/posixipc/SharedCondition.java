package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A process-shared condition variable ({@code pthread_cond_t}) on the monotonic clock, placed at
 * an offset inside a {@link MappedRegion}, used with a {@link SharedMutex}.
 *
 * <pre>{@code
 * mutex.lock();
 * try {
 *   long nanos = TimeUnit.SECONDS.toNanos(5);
 *   while (region.getInt(DATA_READY) == 0) {
 *     if (nanos <= 0) throw new TimeoutException();
 *     nanos = cond.awaitNanos(mutex, nanos);
 *   }
 *   ...
 * } finally {
 *   mutex.unlock();
 * }
 * }</pre>
 *
 * <h2>Spurious wake-ups</h2>
 *
 * As with any condition variable, a wait may return although nobody signalled: always wait in a
 * loop that tests the condition under the mutex. Here a wait also returns at the latest after
 * 20 ms. A condition wait cannot be interrupted by a signal, so waits are bounded to notice
 * {@link Thread#interrupt()} and {@link #close()}; and a wait cannot simply be resumed after such
 * a slice, because a signal sent in the instant between two slices would be lost. Returning
 * lets the caller's loop look at the condition again, which is always correct.
 *
 * <p>Waiting releases the mutex and locks it again before returning, whatever the outcome
 * (including {@link InterruptedException} and {@link OwnerDiedException}).
 *
 * <h2>On a virtual thread</h2>
 *
 * A condition wait must be made by the thread that holds the mutex, and it holds that thread in
 * the kernel: a virtual thread's carrier. So on a virtual thread a wait is instead: unlock the
 * mutex, park for at most {@value #VIRTUAL_NAP_MILLIS} ms (or the time left), lock the mutex
 * again (tries with parks between, as {@link SharedMutex#lock()} does there), and return as a
 * spurious wake-up. A signal is then seen by the caller's loop within
 * {@value #VIRTUAL_NAP_MILLIS} ms rather than at once, and no carrier is held. If the mutex's
 * handle is closed meanwhile, the wait cannot lock it again and throws {@code
 * AsynchronousCloseException} with the mutex not held.
 */
public final class SharedCondition extends PlacedHandle {

  private SharedCondition(MappedRegion region, long offset) {
    super(region, offset, Placement.Kind.CONDITION);
  }

  /** {@code sizeof(pthread_cond_t)}. */
  public static int size() {
    return Placement.Kind.CONDITION.size;
  }

  /** {@code alignof(pthread_cond_t)}. */
  public static int alignment() {
    return Placement.Kind.CONDITION.alignment;
  }

  /**
   * Initializes a condition at offset; done once, by one process, before anyone uses it.
   *
   * @throws IllegalArgumentException for a misaligned or out-of-range offset or a read-only region
   */
  public static SharedCondition init(MappedRegion region, long offset) throws IOException {
    return initialized(new SharedCondition(region, offset));
  }

  /** The condition that some process initialized at offset. */
  public static SharedCondition at(MappedRegion region, long offset) {
    return new SharedCondition(region, offset);
  }

  /** Waits for a signal, at most 20 ms (a spurious wake-up). See the class description. */
  public void await(SharedMutex mutex) throws IOException, InterruptedException {
    awaitNanos(mutex, -1);
  }

  /**
   * Waits for a signal at most timeout. Returns false when the whole timeout passed, true
   * otherwise (a signal, or a spurious wake-up). A null timeout waits without a limit, which is
   * {@link #await(SharedMutex)}: at most one 20 ms slice, then a spurious wake-up (true).
   */
  public boolean await(SharedMutex mutex, Duration timeout) throws IOException, InterruptedException {
    return awaitNanos(mutex, Timeouts.nanos(timeout)) > 0;
  }

  /**
   * Waits for a signal at most nanos nanoseconds (a negative value: without a limit, but still
   * at most one 20 ms slice). Returns an estimate of the time left: 0 or less when the timeout
   * passed, as {@link java.util.concurrent.locks.Condition#awaitNanos} does.
   *
   * @throws OwnerDiedException the mutex is held again, but its previous owner died holding it
   * @throws InterruptedException when the thread is interrupted (the mutex is held again)
   * @throws AsynchronousCloseException when this handle, the mutex's or their region is closed
   * @throws PosixException EPERM when this thread does not hold the mutex
   */
  public long awaitNanos(SharedMutex mutex, long nanos) throws IOException, InterruptedException {
    Objects.requireNonNull(mutex, "mutex");
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (VirtualThreads.SUPPORTED && nanos != 0 && VirtualThreads.current()) {
      return awaitParking(mutex, nanos);
    }
    long start = System.nanoTime();
    long slice = nanos < 0 ? Timeouts.SLICE_NANOS : Math.min(nanos, Timeouts.SLICE_NANOS);
    Object pin = place.pin();
    Object mutexPin = mutex.place.pin();
    int r;
    try {
      r = Core.pipc_cond_wait(place.address, mutex.place.address, slice);
    } finally {
      Placement.unpin(pin);
      Placement.unpin(mutexPin);
    }
    if (r != 0 && r != -Errno.ETIMEDOUT && r != -Errno.EAGAIN) {
      throw Placement.failure(r, "pthread_cond_clockwait", place.what);
    }
    if (r != 0) {
      // The wait ended by its bound: look for the interrupt and the close it was bounded for.
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      if (!isOpen() || !mutex.isOpen()) {
        throw new AsynchronousCloseException();
      }
    }
    if (nanos < 0) {
      return Long.MAX_VALUE;
    }
    long left = nanos - (System.nanoTime() - start);
    return r == 0 ? Math.max(left, 1) : left;
  }

  /** The longest park of a wait on a virtual thread, see the class comment. */
  static final int VIRTUAL_NAP_MILLIS = 5;

  /** {@link #awaitNanos} on a virtual thread: see the class comment. */
  private long awaitParking(SharedMutex mutex, long nanos) throws IOException, InterruptedException {
    long start = System.nanoTime();
    Placement.unpin(place.pin());
    long nap = TimeUnit.MILLISECONDS.toNanos(VIRTUAL_NAP_MILLIS);
    if (nanos > 0) {
      nap = Math.min(nap, nanos);
    }
    // What the condition wait does first; EPERM when this thread does not hold the mutex.
    mutex.unlock();
    LockSupport.parkNanos(this, nap);
    int r = mutex.relock();
    if (r != 0) {
      throw Placement.failure(r, "pthread_mutex_lock", mutex.place.what);
    }
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    if (!isOpen()) {
      throw new AsynchronousCloseException();
    }
    if (nanos < 0) {
      return Long.MAX_VALUE;
    }
    return nanos - (System.nanoTime() - start);
  }

  /** Wakes one waiting thread, of any process ({@code pthread_cond_signal}). */
  public void signal() throws IOException {
    place.run(Core::pipc_cond_signal, "pthread_cond_signal");
  }

  /** Wakes every waiting thread ({@code pthread_cond_broadcast}). */
  public void signalAll() throws IOException {
    place.run(Core::pipc_cond_broadcast, "pthread_cond_broadcast");
  }

}
