package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What posixipc does differently on a virtual thread (JDK 21+), so that no call holds a carrier
 * while it waits; platform threads never reach anything here beyond one constant test.
 *
 * <ul>
 *   <li>{@link #current()}: whether the calling thread is virtual. The library targets JDK 17,
 *       where {@code Thread.isVirtual()} does not exist: {@link #SUPPORTED} is then a constant
 *       false and every {@code SUPPORTED && current()} folds away; on JDK 21+ the method handle
 *       is a constant the JIT inlines to the field test {@code isVirtual} is.
 *   <li>Calls on a descriptor park on the {@link ParkingPoller}: see {@link Descriptor}.
 *   <li>{@link #handOff}: a wait with no descriptor (a semaphore, a child process) runs on a
 *       platform thread of a small cached pool while the virtual thread parks.
 *   <li>{@link #backoff}: a wait that must stay on the thread that asked (a mutex is owned by the
 *       operating-system thread that locked it) is a try, then a park of a growing length, then a
 *       try again.
 * </ul>
 */
final class VirtualThreads {

  /** {@code Thread.isVirtual()}, or null before JDK 21. */
  private static final MethodHandle IS_VIRTUAL;

  /** True on JDK 21+, where a thread can be virtual. */
  static final boolean SUPPORTED;

  static {
    MethodHandle mh = null;
    try {
      mh = MethodHandles.publicLookup()
          .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      // JDK 17..20: no virtual threads.
    }
    IS_VIRTUAL = mh;
    SUPPORTED = mh != null;
  }

  /** The first park of a {@link #backoff} wait. */
  static final long FIRST_BACKOFF_NANOS = 50_000L;

  /**
   * The longest park of a {@link #backoff} wait: as long as the slice of a platform thread's
   * sliced wait, so that interrupt and close are noticed as promptly as there.
   */
  static final long MAX_BACKOFF_NANOS = Timeouts.SLICE_NANOS;

  /**
   * How long a wait on a virtual thread keeps trying before it parks (or hands the wait off), in
   * nanoseconds: the system property {@code posixipc.virtualSpinNanos}, default {@value
   * #DEFAULT_SPIN_NANOS}; 0 parks at the first "would block". Each round of the spin gives the
   * CPU away ({@code sched_yield}), so that a peer waiting for that CPU can answer, then tries
   * again. An answer that comes within the spin costs no park, no poller and no carrier wake-up.
   */
  static final long SPIN_NANOS;

  static final String SPIN_PROPERTY = "posixipc.virtualSpinNanos";

  static final long DEFAULT_SPIN_NANOS = 20_000L;

  /** The longest spin stage the property may ask for: 10 ms. */
  static final long MAX_SPIN_NANOS = 10_000_000L;

  static {
    String v = System.getProperty(SPIN_PROPERTY);
    SPIN_NANOS = v == null ? DEFAULT_SPIN_NANOS : parseSpinNanos(v);
  }

  /** Parses the spin property: a number of nanoseconds from 0 to {@link #MAX_SPIN_NANOS}. */
  static long parseSpinNanos(String text) {
    try {
      long n = Long.parseLong(text.trim());
      if (n >= 0 && n <= MAX_SPIN_NANOS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("-D" + SPIN_PROPERTY + " takes a number of nanoseconds from 0 to "
        + MAX_SPIN_NANOS + ", not \"" + text + "\"");
  }

  private VirtualThreads() {}

  /**
   * The end of the spin stage of a wait that starts now with the time left leftNanos (-1: no
   * bound), as {@link System#nanoTime()}; 0 when there is no spin stage.
   */
  static long spinEnd(long leftNanos) {
    if (SPIN_NANOS == 0 || leftNanos == 0) {
      return 0;
    }
    long spin = leftNanos < 0 ? SPIN_NANOS : Math.min(SPIN_NANOS, leftNanos);
    // Never 0 itself, which means "no stage".
    return (System.nanoTime() + spin) | 1;
  }

  /**
   * What a handle remembers of its spin stages, so that waits whose answer never comes within
   * the spin (an idle connection's reads, say) stop paying for it: after a spin that ended in a
   * park, the next waits skip the stage (1, 2, 4, ... up to {@value #MAX_SKIP} of them, doubling
   * while the misses go on); one spin that is answered ends the skipping. Its fields are updated
   * without synchronization by the threads that wait on the handle: it is a hint, and a lost
   * update only costs a spin more or less.
   */
  static final class Spin {
    static final int MAX_SKIP = 64;
    private int skip;
    private int penalty;

    /** The end of the spin stage of a wait that starts now (see {@link #spinEnd}), or 0. */
    long start(long leftNanos) {
      int s = skip;
      if (s > 0) {
        skip = s - 1;
        return 0;
      }
      return spinEnd(leftNanos);
    }

    /** How many of the next waits skip the stage, after the misses so far (for the tests). */
    int penalty() {
      return penalty;
    }

    /** A spin stage was answered: spin from the next wait on. */
    void answered() {
      if (penalty != 0) {
        penalty = 0;
      }
    }

    /** The spin stage that ended at spinEnd was not answered: skip it for the next waits. */
    void missed(long spinEnd) {
      if (spinEnd != 0) {
        int p = Math.min(Math.max(1, penalty * 2), MAX_SKIP);
        penalty = p;
        skip = p;
      }
    }
  }

  /**
   * One round of a spin stage that ends at spinEnd: gives the CPU away and returns true (try
   * again), or returns false once the stage is over (park).
   */
  static boolean spin(long spinEnd) {
    if (spinEnd == 0 || System.nanoTime() - spinEnd >= 0) {
      return false;
    }
    Core.pipc_thread_yield();
    return true;
  }

  /** True when the calling thread is virtual. Call only when {@link #SUPPORTED}. */
  static boolean current() {
    try {
      return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** True when the calling thread is virtual; false on every JDK before 21. */
  static boolean isVirtual() {
    return SUPPORTED && current();
  }

  /**
   * The park of a backoff wait after attempt number {@code round} (0 first), bounded by the time
   * left (-1: no bound). Returns the next round.
   */
  static int backoff(int round, long leftNanos) {
    long nap = Math.min(FIRST_BACKOFF_NANOS << Math.min(round, 20), MAX_BACKOFF_NANOS);
    if (leftNanos >= 0) {
      nap = Math.min(nap, leftNanos);
    }
    if (nap > 0) {
      LockSupport.parkNanos(nap);
    }
    return round + 1;
  }

  // ------------------------------------------------------------------ hand-off

  /** A wait that may throw what the library's waits throw. */
  @FunctionalInterface
  interface Wait {
    int run() throws IOException, InterruptedException;
  }

  private static final class Pool {
    static final ThreadPoolExecutor EXECUTOR;

    static {
      AtomicInteger n = new AtomicInteger();
      // No core threads and no queue: a hand-off gets an idle thread or a new one, never a place
      // in a line behind other waits (which would delay its wake-up by theirs).
      EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
          new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "posixipc-wait-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
    }
  }

  /**
   * Runs wait on a platform thread while the calling virtual thread parks, and returns or throws
   * what it did. An interrupt of the virtual thread is passed on to that thread, so the wait ends
   * as it would have on a platform thread (with InterruptedException, its status cleared); an
   * interrupt that comes too late to end the wait stays set on the virtual thread.
   */
  static int handOff(Wait wait) throws IOException, InterruptedException {
    HandOff h = new HandOff(wait, Thread.currentThread());
    Pool.EXECUTOR.execute(h);
    boolean interrupted = false;
    while (!h.done) {
      LockSupport.park(h);
      if (Thread.interrupted()) {
        interrupted = true;
        h.interrupt();
      }
    }
    Throwable f = h.failure;
    if (interrupted && !(f instanceof InterruptedException)) {
      Thread.currentThread().interrupt();
    }
    if (f == null) {
      return h.result;
    }
    if (f instanceof IOException e) {
      throw e;
    }
    if (f instanceof InterruptedException e) {
      throw e;
    }
    if (f instanceof RuntimeException e) {
      throw e;
    }
    throw (Error) f;
  }

  private static final class HandOff implements Runnable {
    private final Wait wait;
    private final Thread waiter;
    private Thread worker;
    private boolean interruptAsked;
    volatile boolean done;
    int result;
    Throwable failure;

    HandOff(Wait wait, Thread waiter) {
      this.wait = wait;
      this.waiter = waiter;
    }

    /** Passes the waiter's interrupt on to the worker, now or when it starts. */
    void interrupt() {
      // A monitor held for a few instructions, never across a wait.
      synchronized (this) {
        interruptAsked = true;
        if (worker != null) {
          worker.interrupt();
        }
      }
    }

    @Override
    public void run() {
      Thread self = Thread.currentThread();
      synchronized (this) {
        worker = self;
        if (interruptAsked) {
          self.interrupt();
        }
      }
      try {
        result = wait.run();
      } catch (Throwable t) {
        failure = t;
      } finally {
        synchronized (this) {
          worker = null;
        }
        // The pool thread goes back clean.
        Thread.interrupted();
        done = true;
        LockSupport.unpark(waiter);
      }
    }
  }
}
