package io.github.posixipc;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

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
 */
public final class SignalQueue implements AutoCloseable {

  private final int signal;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<SignalInfo> queue = new ArrayDeque<>();
  private final Signals.Registration registration;
  private long lost;
  private boolean closed;

  SignalQueue(int signal) throws IOException {
    this.signal = signal;
    this.registration = Signals.addListener(signal, new SignalListener() {
      @Override
      public void onSignal(SignalInfo info) {
        lock.lock();
        try {
          queue.add(info);
          arrived.signal();
        } finally {
          lock.unlock();
        }
      }

      @Override
      public void onLost(int s, long count) {
        SignalListener.super.onLost(s, count);
        lock.lock();
        try {
          lost += count;
        } finally {
          lock.unlock();
        }
      }
    });
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
    long t = Timeouts.nanos(timeout);
    long left = t;
    lock.lockInterruptibly();
    try {
      boolean waited = false;
      for (;;) {
        if (closed) {
          throw waited ? new AsynchronousCloseException() : new Descriptor.ClosedException(what());
        }
        SignalInfo info = queue.poll();
        if (info != null) {
          return info;
        }
        if (t == 0) {
          throw new WouldBlockException(Errno.EAGAIN, "await", what());
        }
        if (t < 0) {
          arrived.await();
        } else {
          if (left <= 0) {
            throw new TimedOutException(Errno.ETIMEDOUT, "await", what());
          }
          left = arrived.awaitNanos(left);
        }
        waited = true;
      }
    } finally {
      lock.unlock();
    }
  }

  /** The number of signals caught and not taken yet. */
  public int size() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** How many of this signal the dispatcher dropped (its pipe was full) while the queue was open. */
  public long lost() {
    lock.lock();
    try {
      return lost;
    } finally {
      lock.unlock();
    }
  }

  /** Stops catching for this queue and wakes a waiting take. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    registration.close();
  }

  private String what() {
    return "signal queue of " + Signals.name(signal);
  }

  @Override
  public String toString() {
    return "SignalQueue[" + Signals.name(signal) + (closed ? ", closed" : "") + "]";
  }
}
