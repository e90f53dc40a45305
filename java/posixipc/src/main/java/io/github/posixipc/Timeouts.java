package io.github.posixipc;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The library's timeout convention, from a {@link Duration} to the C core's nanoseconds, the one
 * way to turn a timeout into a deadline, and the one sliced wait for waits that have no
 * descriptor to close.
 */
final class Timeouts {

  /** A timeout of "wait as long as it takes" (or, on a byte channel, "as the blocking mode says"). */
  static final long FOREVER = -1;

  /**
   * The longest a thread stays in one native wait that neither a close nor an interrupt can end:
   * futex-based waits (semaphores, mutexes, conditions) have no descriptor to point elsewhere,
   * and mutex and condition waits are not even interrupted by signals. Such waits are a loop of
   * waits of at most this long, which check interruption and close in between.
   */
  static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private Timeouts() {}

  /**
   * null waits forever ({@link #FOREVER}), {@link Duration#ZERO} tries once (0), a positive value
   * waits at most that long (saturated at Long.MAX_VALUE nanoseconds, about 292 years).
   *
   * @throws IllegalArgumentException for a negative duration
   */
  static long nanos(Duration timeout) {
    if (timeout == null) {
      return FOREVER;
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

  /**
   * The System.nanoTime() deadline of a timeout t from {@link #nanos}: now + t for a positive t,
   * saturated so that a huge timeout never wraps around; 0 (unused) for FOREVER and for ZERO.
   */
  static long deadline(long t) {
    if (t <= 0) {
      return 0;
    }
    long now = System.nanoTime();
    return t > Long.MAX_VALUE / 2 ? now + Long.MAX_VALUE / 2 : now + t;
  }

  /**
   * The time left until deadline for a timeout t: t itself for FOREVER and for ZERO, otherwise
   * what remains, which is 0 or less once the deadline has passed.
   */
  static long left(long t, long deadline) {
    return t <= 0 ? t : deadline - System.nanoTime();
  }

  /**
   * The length of the next slice of a sliced wait with timeout t and its deadline: a whole slice
   * for FOREVER, 0 (try once) for ZERO, at most the time left otherwise, or -1 once it is over.
   */
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

  /**
   * One bounded native wait of a sliced wait. Implemented by static final, non-capturing lambdas
   * that get their target as an argument, so that waiting allocates nothing.
   */
  @FunctionalInterface
  interface Slice<T> {
    /**
     * Waits at most sliceNanos (0: only tries). Returns 0 when the wait is over (the thing
     * waited for happened), or a negative errno: -ETIMEDOUT, -EAGAIN or -EINTR to go on waiting,
     * anything else is thrown as it is by the caller of {@link #await}. Throws
     * ClosedChannelException when the target is closed.
     */
    int wait(T target, long sliceNanos) throws IOException;
  }

  /**
   * The one sliced wait: calls slice until it returns 0, the timeout t passes, the thread is
   * interrupted, or the target is closed. Returns 0, or the negative errno of a failure for the
   * caller to throw (so that each mechanism keeps its own exception for it).
   *
   * @throws WouldBlockException for t == 0 when the slice did not succeed
   * @throws TimedOutException when the whole timeout passed
   * @throws InterruptedException when the thread is interrupted, before or between slices
   * @throws AsynchronousCloseException when the target was closed during the wait
   */
  static <T> int await(Slice<T> slice, T target, long t, String call, String what)
      throws IOException, InterruptedException {
    // A virtual thread tries once itself, then hands the wait to a platform thread and parks, so
    // that no carrier is held while it waits; see VirtualThreads.
    if (VirtualThreads.SUPPORTED && t != 0 && VirtualThreads.current()) {
      checkInterrupt();
      long start = System.nanoTime();
      int r = once(slice, target, 0, false);
      for (long end = VirtualThreads.spinEnd(t); again(r) && VirtualThreads.spin(end); ) {
        checkInterrupt();
        r = once(slice, target, 0, true);
      }
      if (!again(r)) {
        return r;
      }
      // The time the spin took counts against the timeout.
      long rest = t < 0 ? t : t - (System.nanoTime() - start);
      if (t > 0 && rest <= 0) {
        throw new TimedOutException(Errno.ETIMEDOUT, call, what);
      }
      return VirtualThreads.handOff(() -> sliced(slice, target, rest, call, what));
    }
    return sliced(slice, target, t, call, what);
  }

  /**
   * {@link #await} for a wait that must stay on the calling thread (a mutex belongs to the
   * operating-system thread that locked it). On a virtual thread, the slices are tries only, with
   * parks of a growing length in between (at most one slice long), so that no carrier is held.
   */
  static <T> int awaitHere(Slice<T> slice, T target, long t, String call, String what)
      throws IOException, InterruptedException {
    if (!(VirtualThreads.SUPPORTED && t != 0 && VirtualThreads.current())) {
      return sliced(slice, target, t, call, what);
    }
    checkInterrupt();
    long deadline = deadline(t);
    long spinEnd = VirtualThreads.spinEnd(t);
    boolean tried = false;
    for (int round = 0;; ) {
      int r = once(slice, target, 0, tried);
      if (!again(r)) {
        return r;
      }
      tried = true;
      long left = t < 0 ? -1 : deadline - System.nanoTime();
      if (t > 0 && left <= 0) {
        throw new TimedOutException(Errno.ETIMEDOUT, call, what);
      }
      if (!VirtualThreads.spin(spinEnd)) {
        round = VirtualThreads.backoff(round, left);
      }
      checkInterrupt();
    }
  }

  /** Whether a wait's result r means "not yet": -ETIMEDOUT, -EAGAIN or -EINTR, go on waiting. */
  static boolean again(long r) {
    return r == -Errno.ETIMEDOUT || r == -Errno.EAGAIN || r == -Errno.EINTR;
  }

  /** Throws InterruptedException, clearing the status, when the thread is interrupted. */
  private static void checkInterrupt() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  /**
   * One slice of sliceNanos; a close met there is AsynchronousCloseException once the wait has
   * waited (waited), the handle's own closed exception before that.
   */
  private static <T> int once(Slice<T> slice, T target, long sliceNanos, boolean waited) throws IOException {
    try {
      return slice.wait(target, sliceNanos);
    } catch (ClosedChannelException e) {
      throw closedDuring(e, waited);
    }
  }

  private static ClosedChannelException closedDuring(ClosedChannelException e, boolean waited) {
    if (!waited || e instanceof AsynchronousCloseException) {
      return e;
    }
    // Closed by another thread between two slices of this wait.
    AsynchronousCloseException async = new AsynchronousCloseException();
    async.addSuppressed(e);
    return async;
  }

  /**
   * The sliced wait itself, on the calling thread. Its first slice (a whole one, or t if shorter)
   * is made before any clock is read, so that a wait that is over at once (a busy channel, a
   * posted semaphore) computes no deadline, and a wait that is not makes one call, in which the
   * core spins and then sleeps, rather than a try of timeout 0 first (a native call more, and for
   * a channel a look at the other side's position).
   */
  private static <T> int sliced(Slice<T> slice, T target, long t, String call, String what)
      throws IOException, InterruptedException {
    checkInterrupt();
    long s = t < 0 ? SLICE_NANOS : Math.min(t, SLICE_NANOS);
    long deadline = 0;
    boolean waited = false;
    for (;;) {
      int r = once(slice, target, s, waited);
      if (r == 0) {
        return 0;
      }
      if (!again(r)) {
        return r;
      }
      if (t == 0) {
        throw new WouldBlockException(Errno.EAGAIN, call, what);
      }
      checkInterrupt();
      if (!waited) {
        // The rest of t after the first slice: one that ran out spent s of it; one that a signal
        // ended early (-EINTR) counts as having spent nothing, so that the wait may end late by
        // that part of a slice, never early.
        deadline = deadline(t > 0 && r == -Errno.ETIMEDOUT ? t - s : t);
        waited = true;
      }
      s = slice(t, deadline);
      if (s < 0) {
        throw new TimedOutException(Errno.ETIMEDOUT, call, what);
      }
    }
  }
}
