package io.github.posixipc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread that keeps signalling threads that must leave a call: those inside a call on
 * a closing descriptor, and those past the deadline of a FIFO open. It only has work while such a
 * thread exists, and sleeps otherwise. See {@link Descriptor}.
 */
final class Waker {

  private static final Set<Descriptor> WATCHED = ConcurrentHashMap.newKeySet();
  private static final Thread THREAD;

  static {
    THREAD = new Thread(Waker::run, "posixipc-waker");
    THREAD.setDaemon(true);
    THREAD.start();
  }

  private Waker() {}

  /** Asks the waker to look after d until it reports nothing left to do. */
  static void watch(Descriptor d) {
    WATCHED.add(d);
    LockSupport.unpark(THREAD);
  }

  private static void run() {
    for (;;) {
      long now = System.nanoTime();
      long next = now + 1_000_000_000L;
      for (Descriptor d : WATCHED) {
        // Removed before asking, put back when there is more to do: a watch() that races
        // with this is either seen by wake() or adds d back after the removal.
        WATCHED.remove(d);
        long due = d.wake(now);
        if (due != -1) {
          WATCHED.add(d);
          if (due - next < 0) {
            next = due;
          }
        }
      }
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        LockSupport.parkNanos(sleep);
      }
    }
  }
}
