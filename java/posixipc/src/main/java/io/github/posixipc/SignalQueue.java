package io.github.posixipc;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

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
  private static final int SIZE = SignalRecord.SIZE;

  private final int signal;
  private final String what;
  /** Closed once; its release ends the registration and wakes the waiting takes. */
  private final Descriptor life;
  private final Signals.Registration registration;
  // The caught records as they came from the dispatcher, oldest at head, in a ring that doubles
  // when full: under this object's monitor. A take waits with LockSupport.park outside the
  // monitor, registered in waiters (a virtual thread that waits while it holds a monitor keeps
  // its carrier on JDK 21..23); the array grows rarely, so a wait allocates nothing.
  private Thread[] waiters = new Thread[2];
  private int waiterCount;
  private ByteBuffer ring = records(INITIAL);
  private int head;
  private int count;
  private long lost;

  SignalQueue(int signal) throws IOException {
    this.signal = signal;
    this.what = "signal queue of " + Signals.name(signal);
    this.life = Descriptor.of(what, 0, unused -> release());
    this.registration = Signals.register(signal, new SignalDispatcher.Receiver() {
      @Override
      public void deliver(ByteBuffer records, int at) {
        add(records, at);
      }

      @Override
      public void lost(int s, long n) {
        SignalDispatcher.logLoss(s, n);
        synchronized (SignalQueue.this) {
          lost += n;
        }
      }
    });
  }

  private static ByteBuffer records(int n) {
    return ByteBuffer.allocate(n * SIZE).order(ByteOrder.nativeOrder());
  }

  private int capacity() {
    return ring.capacity() / SIZE;
  }

  private synchronized void add(ByteBuffer records, int at) {
    if (count == capacity()) {
      grow();
    }
    ring.put(((head + count) % capacity()) * SIZE, records, at, SIZE);
    count++;
    wakeWaiters();
  }

  /** Under the monitor: unparks every waiting take (each looks again under the monitor). */
  private void wakeWaiters() {
    for (int i = 0; i < waiterCount; i++) {
      LockSupport.unpark(waiters[i]);
    }
  }

  /** Doubles the ring, oldest first: only when takes fall behind, never per signal. */
  private void grow() {
    int n = capacity();
    ByteBuffer bigger = records(2 * n);
    bigger.put(0, ring, head * SIZE, (n - head) * SIZE);
    bigger.put((n - head) * SIZE, ring, 0, head * SIZE);
    ring = bigger;
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
    return take(timeout, new Caught()).toInfo();
  }

  /**
   * Takes the oldest signal caught into {@code into}, and returns it; as {@link #take(Duration)}
   * otherwise. Allocates nothing.
   */
  public Caught take(Duration timeout, Caught into) throws IOException, InterruptedException {
    Objects.requireNonNull(into, "into");
    long t = Timeouts.nanos(timeout);
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long deadline = Timeouts.deadline(t);
    for (boolean waited = false;; waited = true) {
      synchronized (this) {
        int at = oldest(t, deadline, waited);
        if (at >= 0) {
          into.record.put(0, ring, at, SIZE);
          removeOldest();
          return into;
        }
      }
      park(t, deadline);
    }
  }

  /**
   * Under the monitor: the offset of the oldest record, or -1 after registering the calling
   * thread as a waiter (when there is none yet and the wait goes on).
   */
  private int oldest(long t, long deadline, boolean waited) throws IOException {
    unregister(Thread.currentThread());
    if (!life.isOpen()) {
      throw waited ? new AsynchronousCloseException() : new Descriptor.ClosedException(what);
    }
    if (count > 0) {
      return head * SIZE;
    }
    if (t == 0) {
      throw new WouldBlockException(Errno.EAGAIN, "await", what);
    }
    if (t > 0 && Timeouts.left(t, deadline) <= 0) {
      throw new TimedOutException(Errno.ETIMEDOUT, "await", what);
    }
    if (waiterCount == waiters.length) {
      waiters = java.util.Arrays.copyOf(waiters, waiterCount * 2);
    }
    waiters[waiterCount++] = Thread.currentThread();
    return -1;
  }

  private void unregister(Thread self) {
    for (int i = 0; i < waiterCount; i++) {
      if (waiters[i] == self) {
        waiters[i] = waiters[--waiterCount];
        waiters[waiterCount] = null;
        return;
      }
    }
  }

  /**
   * Parks, outside the monitor, until a record comes, the queue closes, the deadline passes or
   * the thread is interrupted (then InterruptedException, the waiter unregistered).
   */
  private void park(long t, long deadline) throws InterruptedException {
    if (t < 0) {
      LockSupport.park(this);
    } else {
      LockSupport.parkNanos(this, Timeouts.left(t, deadline));
    }
    if (Thread.interrupted()) {
      synchronized (this) {
        unregister(Thread.currentThread());
      }
      throw new InterruptedException();
    }
  }

  private void removeOldest() {
    head = (head + 1) % capacity();
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
    life.close();
  }

  /** The lifecycle's release: wakes the takes, then ends the registration. */
  private int release() {
    synchronized (this) {
      wakeWaiters();
    }
    registration.close();
    return 0;
  }

  @Override
  public String toString() {
    return "SignalQueue[" + Signals.name(signal) + (life.isOpen() ? "" : ", closed") + "]";
  }

  /**
   * A caught signal, filled by {@link #take(Duration, Caught)}: a holder the caller reuses, with
   * the getters of {@link SignalInfo}. It holds the caught record itself, so a take copies one
   * record and nothing else.
   */
  public static final class Caught {
    private final ByteBuffer record = records(1);

    /** An empty holder, for {@link #take(Duration, Caught)} to fill. */
    public Caught() {}

    /** The signal number; 0 before the first take. */
    public int signal() {
      return SignalRecord.signal(record, 0);
    }

    /** How it was sent ({@code si_code}); see {@link SignalInfo#code()}. */
    public int code() {
      return SignalRecord.code(record, 0);
    }

    /** The sender's process id (0 when the kernel sent it). */
    public int pid() {
      return SignalRecord.pid(record, 0);
    }

    /** The sender's real user id (read a value above Integer.MAX_VALUE with toUnsignedLong). */
    public int uid() {
      return SignalRecord.uid(record, 0);
    }

    /** The value given to sigqueue; 0 for a signal sent with kill. */
    public int value() {
      return SignalRecord.value(record, 0);
    }

    /** True when the signal was sent with sigqueue. */
    public boolean queued() {
      return code() == SignalInfo.SI_QUEUE;
    }

    /** The same as a {@link SignalInfo} record. */
    public SignalInfo toInfo() {
      return SignalRecord.info(record, 0);
    }

    @Override
    public String toString() {
      return toInfo().toString();
    }
  }
}
