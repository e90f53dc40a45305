package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The registry of who receives each caught signal, and the one dispatcher thread
 * ({@code posixipc-signals}) that reads the C core's records and hands each one to them. Public
 * listeners and the library's {@link SignalQueue}s are both {@link Receiver}s, registered here so
 * that the first one catches the signal and the last one puts it back. A queue is a direct
 * receiver: the C core writes its records to the queue's own pipe (a route), and the dispatcher
 * thread delivers only to listeners (the self-pipe gets a routed signal's records only while it
 * has one).
 */
final class SignalDispatcher {

  static final int MAX_SIGNAL = 64;

  /** Whoever receives the records of one signal. */
  interface Receiver {
    /**
     * True for a receiver whose records come through a route of its own ({@link SignalQueue}),
     * never through the dispatcher: it is registered for the catch, and nothing is delivered to
     * it here.
     */
    default boolean direct() {
      return false;
    }

    /** One caught record, at offset at of records (valid only during the call). */
    void deliver(ByteBuffer records, int at);

    /** count records of signal were dropped because the dispatcher's pipe was full. */
    void lost(int signal, long count);
  }

  private static final Object LOCK = new Object();
  private static final Signals.Registration[] NONE = new Signals.Registration[0];
  /**
   * The registrations of each signal: an array replaced whole under LOCK, read without a lock
   * by the dispatcher (which walks it by index and allocates nothing).
   */
  private static final AtomicReferenceArray<Signals.Registration[]> RECEIVERS =
      new AtomicReferenceArray<>(MAX_SIGNAL + 1);
  private static Thread thread;

  static {
    for (int i = 0; i <= MAX_SIGNAL; i++) {
      RECEIVERS.set(i, NONE);
    }
  }

  private SignalDispatcher() {}

  /** The lock that disposition changes take too, so that they cannot race a first or last receiver. */
  static Object lock() {
    return LOCK;
  }

  /** True while signal has receivers. */
  static boolean hasReceivers(int signal) {
    return RECEIVERS.get(signal).length != 0;
  }

  /**
   * Adds reg to its signal's receivers; the first one catches the signal (and starts the
   * dispatcher thread).
   */
  static void add(Signals.Registration reg) throws IOException {
    int signal = reg.signal();
    synchronized (LOCK) {
      Signals.Registration[] list = RECEIVERS.get(signal);
      if (!reg.receiver.direct()) {
        start();
      }
      if (list.length == 0) {
        int r = Core.pipc_signal_catch(signal);
        if (r < 0) {
          throw PosixException.of(r, "sigaction", Signals.name(signal));
        }
      }
      Signals.Registration[] grown = Arrays.copyOf(list, list.length + 1);
      grown[list.length] = reg;
      RECEIVERS.set(signal, grown);
      tee(signal, grown);
    }
  }

  /**
   * Under LOCK: the self-pipe gets the records of a signal that has routes only while a receiver
   * of it reads through the dispatcher.
   */
  private static void tee(int signal, Signals.Registration[] list) {
    Core.pipc_signal_tee(signal, dispatched(list) ? 1 : 0);
  }

  /** Whether one of list reads through the dispatcher (is not a direct receiver). */
  private static boolean dispatched(Signals.Registration[] list) {
    for (Signals.Registration r : list) {
      if (!r.receiver.direct()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes reg; the last one ends the catch, which puts back what the catch replaced (an ignore
   * or default set before it included). Returns 0 or a negative errno.
   */
  static int remove(Signals.Registration reg) {
    int signal = reg.signal();
    synchronized (LOCK) {
      Signals.Registration[] list = RECEIVERS.get(signal);
      Signals.Registration[] kept = new Signals.Registration[list.length - 1];
      int k = 0;
      for (Signals.Registration r : list) {
        if (r != reg) {
          kept[k++] = r;
        }
      }
      RECEIVERS.set(signal, kept);
      tee(signal, kept);
      if (kept.length == 0) {
        int r = Core.pipc_signal_uncatch(signal);
        return Math.min(r, 0);
      }
      return 0;
    }
  }

  private static void start() {
    if (thread == null) {
      Thread t = new Thread(SignalDispatcher::run, "posixipc-signals");
      t.setDaemon(true);
      t.start();
      thread = t;
    }
  }

  /** The dispatcher thread: reads records, delivers them, reports losses. */
  private static void run() {
    final int batch = 256;
    final int size = SignalRecord.SIZE;
    ByteBuffer buf = ByteBuffer.allocateDirect(batch * size).order(ByteOrder.nativeOrder());
    long address = Buffers.address(buf);
    long[] lostSeen = new long[MAX_SIGNAL + 1];
    long lostTotal = 0;
    for (;;) {
      int n = Core.pipc_signal_read(address, batch, -1);
      if (n == -Errno.EINTR || n == -Errno.ETIMEDOUT || n == -Errno.EAGAIN) {
        continue;
      }
      if (n < 0) {
        // Cannot happen while the library keeps the pipe; say so rather than spin.
        log().log(System.Logger.Level.ERROR, "posixipc: reading the signal pipe: " + Errno.name(n));
        sleepQuietly();
        continue;
      }
      for (int i = 0; i < n; i++) {
        int signal = SignalRecord.signal(buf, i * size);
        if (signal >= 1 && signal <= MAX_SIGNAL) {
          for (Signals.Registration r : RECEIVERS.get(signal)) {
            if (r.receiver.direct()) {
              continue;
            }
            try {
              r.receiver.deliver(buf, i * size);
            } catch (Throwable e) {
              warnThrew(signal, e);
            }
          }
        }
      }
      long total = Core.pipc_signal_lost(0);
      if (total != lostTotal) {
        lostTotal = total;
        for (int s = 1; s <= MAX_SIGNAL; s++) {
          long lost = SignalPolicy.valid(s) ? Core.pipc_signal_lost(s) : 0;
          if (lost > lostSeen[s]) {
            reportLoss(s, lost - lostSeen[s]);
            lostSeen[s] = lost;
          }
        }
      }
    }
  }

  private static void reportLoss(int signal, long count) {
    Signals.Registration[] list = RECEIVERS.get(signal);
    if (!dispatched(list)) {
      logLoss(signal, count);
    }
    for (Signals.Registration r : list) {
      if (r.receiver.direct()) {
        continue;
      }
      try {
        r.receiver.lost(signal, count);
      } catch (Throwable e) {
        warnThrew(signal, e);
      }
    }
  }

  private static void warnThrew(int signal, Throwable e) {
    log().log(System.Logger.Level.WARNING, "posixipc: a listener of " + Signals.name(signal) + " threw", e);
  }

  /** The warning of a loss that no listener took over: a loss is never silent. */
  static void logLoss(int signal, long count) {
    log().log(System.Logger.Level.WARNING,
        "posixipc: " + count + " " + Signals.name(signal) + " signal(s) lost: the dispatcher's pipe was full");
  }

  private static System.Logger log() {
    return System.getLogger(Signals.class.getName());
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      // The dispatcher is never interrupted on purpose; keep going.
    }
  }
}
