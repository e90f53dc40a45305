package io.github.posixipc;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The signals of one number caught since the queue was opened, in the order they were caught:
 * for code that waits for a signal. Made by {@link Signals#queue(int)}; a listener registration
 * underneath, so closing the queue (the last user of the signal) puts back the signal's previous
 * disposition.
 *
 * <pre>{@code
 * try (SignalQueue q = Signals.queue(Signals.SIGUSR1)) {
 *   startTheSender();
 *   SignalInfo info = q.take(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>{@link #take} is interruptible ({@link InterruptedException}, the queue stays open) and
 * close-safe: {@link #close()} from another thread makes a waiting take throw
 * {@link AsynchronousCloseException} at once.
 *
 * <p>Nothing is allocated per signal on the way to the queue; {@link #take(Duration)} returns a new
 * {@link SignalInfo}, {@link #take(Duration, Caught)} fills one the caller reuses, for a loop
 * that takes signals without allocating.
 */
public final class SignalQueue implements AutoCloseable {

  private static final int INITIAL = 16;

  private final int signal;
  private final Signals.Registration registration;
  // The caught records, oldest at head, in a ring that doubles when full: under this object's
  // monitor, which waiting takes wait on.
  private int[] codes = new int[INITIAL];
  private long[] pids = new long[INITIAL];
  private long[] uids = new long[INITIAL];
  private int[] values = new int[INITIAL];
  private int head;
  private int count;
  private long lost;
  private boolean closed;

  SignalQueue(int signal) throws IOException {
    this.signal = signal;
    this.registration = Signals.addSink(signal, new Signals.Sink() {
      @Override
      public void deliver(int s, int code, long pid, long uid, int value) {
        add(code, pid, uid, value);
      }

      @Override
      public void lost(int s, long n) {
        Signals.logLoss(s, n);
        synchronized (SignalQueue.this) {
          lost += n;
        }
      }
    });
  }

  private synchronized void add(int code, long pid, long uid, int value) {
    if (count == codes.length) {
      grow();
    }
    int i = (head + count) % codes.length;
    codes[i] = code;
    pids[i] = pid;
    uids[i] = uid;
    values[i] = value;
    count++;
    notifyAll();
  }

  /** Doubles the ring, oldest first: only when takes fall behind, never per signal. */
  private void grow() {
    int n = codes.length;
    int[] c = new int[2 * n];
    long[] p = new long[2 * n];
    long[] u = new long[2 * n];
    int[] v = new int[2 * n];
    for (int k = 0; k < n; k++) {
      int i = (head + k) % n;
      c[k] = codes[i];
      p[k] = pids[i];
      u[k] = uids[i];
      v[k] = values[i];
    }
    codes = c;
    pids = p;
    uids = u;
    values = v;
    head = 0;
  }

  /** The signal number. */
  public int signal() {
    return signal;
  }

  /**
   * Takes the oldest signal caught, waiting for one as long as timeout says.
   *
   * @param timeout null waits forever, {@link Duration#ZERO} does not wait
   * @throws WouldBlockException with {@link Duration#ZERO} when none is there
   * @throws TimedOutException when none came in time
   * @throws InterruptedException when the waiting thread is interrupted
   * @throws ClosedChannelException after close ({@link AsynchronousCloseException} when the close
   *     came during the wait)
   */
  public SignalInfo take(Duration timeout) throws IOException, InterruptedException {
    synchronized (this) {
      int i = awaitOldest(Timeouts.nanos(timeout));
      SignalInfo info = new SignalInfo(signal, codes[i], pids[i], uids[i], values[i]);
      removeOldest();
      return info;
    }
  }

  /**
   * Takes the oldest signal caught into {@code into}, and returns it; as {@link #take(Duration)}
   * otherwise. Allocates nothing.
   */
  public Caught take(Duration timeout, Caught into) throws IOException, InterruptedException {
    Objects.requireNonNull(into, "into");
    synchronized (this) {
      int i = awaitOldest(Timeouts.nanos(timeout));
      into.signal = signal;
      into.code = codes[i];
      into.pid = pids[i];
      into.uid = uids[i];
      into.value = values[i];
      removeOldest();
      return into;
    }
  }

  /** Waits (under the monitor) until a record is there; returns its index. */
  private int awaitOldest(long t) throws IOException, InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long deadline = t > 0 ? System.nanoTime() + t : 0;
    boolean waited = false;
    for (;;) {
      if (closed) {
        throw waited ? new AsynchronousCloseException() : new Descriptor.ClosedException(what());
      }
      if (count > 0) {
        return head;
      }
      if (t == 0) {
        throw new WouldBlockException(Errno.EAGAIN, "await", what());
      }
      if (t < 0) {
        wait();
      } else {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimedOutException(Errno.ETIMEDOUT, "await", what());
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      waited = true;
    }
  }

  private void removeOldest() {
    head = (head + 1) % codes.length;
    count--;
  }

  /** The number of signals caught and not taken yet. */
  public synchronized int size() {
    return count;
  }

  /** How many of this signal the dispatcher dropped (its pipe was full) while the queue was open. */
  public synchronized long lost() {
    return lost;
  }

  /** Stops catching for this queue and wakes a waiting take. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
    }
    registration.close();
  }

  private String what() {
    return "signal queue of " + Signals.name(signal);
  }

  @Override
  public synchronized String toString() {
    return "SignalQueue[" + Signals.name(signal) + (closed ? ", closed" : "") + "]";
  }

  /**
   * A caught signal, filled by {@link #take(Duration, Caught)}: the fields of {@link SignalInfo},
   * in a holder the caller reuses.
   */
  public static final class Caught {
    private int signal;
    private int code;
    private long pid;
    private long uid;
    private int value;

    /** An empty holder, for {@link #take(Duration, Caught)} to fill. */
    public Caught() {}

    /** The signal number. */
    public int signal() {
      return signal;
    }

    /** How it was sent ({@code si_code}); see {@link SignalInfo#code()}. */
    public int code() {
      return code;
    }

    /** The sender's process id (0 when the kernel sent it). */
    public long pid() {
      return pid;
    }

    /** The sender's real user id. */
    public long uid() {
      return uid;
    }

    /** The value given to sigqueue; 0 for a signal sent with kill. */
    public int value() {
      return value;
    }

    /** True when the signal was sent with sigqueue. */
    public boolean queued() {
      return code == SignalInfo.SI_QUEUE;
    }

    /** The same as a {@link SignalInfo} record. */
    public SignalInfo toInfo() {
      return new SignalInfo(signal, code, pid, uid, value);
    }

    @Override
    public String toString() {
      return toInfo().toString();
    }
  }
}
