package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A registration for {@code mq_notify}, made by {@link MessageQueue#registerNotification(Runnable)}
 * (a callback on a Java daemon thread) or {@link MessageQueue#registerNotification(int, int)} (a
 * signal to this process). Either way this handle cancels it.
 *
 * <p>The kernel's rules, which this follows exactly (the callback registration is the kernel's
 * own, through the socket route that glibc uses for {@code SIGEV_THREAD}):
 *
 * <ul>
 *   <li>One process at a time may be registered for a queue; a second registration, from any
 *       process (this one included), fails with EBUSY until the first is used up or removed.
 *   <li>It fires when a message arrives in the <em>empty</em> queue and no thread of any process
 *       is blocked in a receive on it (that thread gets the message instead). A queue that
 *       already holds messages does not fire until it has been emptied.
 *   <li>It is one-shot: the callback runs, or the signal is sent, at most once; register again
 *       (from the callback, say) for the next one. The message is not taken.
 *   <li>It is removed, without firing, by {@link #cancel()}, and when this process closes a
 *       descriptor of the queue: on Linux any of them, so closing another {@link MessageQueue}
 *       opened on the same queue removes it too.
 * </ul>
 *
 * The callback runs on a daemon thread of its own, named {@code posixipc-mq-notify}, started by
 * the registration; an exception it throws goes to that thread's uncaught exception handler. A
 * signal registration's firing is seen by the signal's listener, not here: such a handle is done
 * once cancelled.
 *
 * <p>Its lifecycle is the library's one ({@code docs/handles.md}): a callback registration owns
 * the socket the kernel writes to, closed once whether the callback fired or {@link #cancel()}
 * came first, and a {@link #cancel()} or {@link #close()} that comes while the delivery thread
 * waits ends that wait at once. A signal registration's lifecycle has no descriptor: its one
 * close removes the registration. Cancelling again does nothing.
 */
public final class MessageQueueNotification implements AutoCloseable {

  private static final Descriptor.Call WAIT = (fd, a, b, c, t) -> Core.pipc_mq_notify_wait(fd, t);

  private final MessageQueue queue;
  /**
   * The netlink socket the kernel writes a callback registration's event to, with the interrupt
   * hook of the bracket its wait goes through; null for a signal registration.
   */
  private final InterruptibleHandle socket;
  /**
   * A signal registration's lifecycle: its release removes the registration, once; null for a
   * callback registration, whose lifecycle is its socket's.
   */
  private final Descriptor signalLife;
  /** Counted down once the callback has returned, or the registration is gone without firing. */
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean done;

  /** A callback registration on the socket descriptor sock. */
  private MessageQueueNotification(MessageQueue queue, int sock) {
    this.queue = queue;
    this.socket = new InterruptibleHandle(this,
        new Descriptor("mq_notify socket of " + queue.descriptor.what(), sock, true));
    this.signalLife = null;
  }

  /**
   * A signal registration. Not watched by the Cleaner: a caller may well drop the handle and
   * still expect the signal, as with mq_notify itself.
   */
  private MessageQueueNotification(MessageQueue queue) {
    this.queue = queue;
    this.socket = null;
    this.signalLife = Descriptor.of("mq_notify signal registration of " + queue.descriptor.what(), 0,
        unused -> removeRegistration(queue));
  }

  /**
   * mq_notify(NULL) on queue: 0 or a negative errno. Removing a signal registration that already
   * fired is harmless (the kernel removes only this process's), and a queue already closed took
   * the registration with it.
   */
  private static int removeRegistration(MessageQueue queue) {
    try {
      queue.withFd(Core::pipc_mq_notify_cancel, "mq_notify");
      return 0;
    } catch (PosixException e) {
      return -e.errno();
    } catch (IOException e) {
      return 0; // ClosedChannelException: the queue's close removed it
    }
  }

  /** Registers queue for callback and starts the thread that waits for the kernel's event. */
  static MessageQueueNotification callback(MessageQueue queue, Runnable callback) throws IOException {
    Objects.requireNonNull(callback, "callback");
    int[] sock = {-1};
    queue.withFd(fd -> Core.pipc_mq_notify_socket(fd, sock), "mq_notify");
    MessageQueueNotification n = new MessageQueueNotification(queue, sock[0]);
    Thread thread = new Thread(() -> n.deliver(callback), "posixipc-mq-notify " + queue.name());
    thread.setDaemon(true);
    thread.start();
    return n;
  }

  /** Registers queue for signal with value, once something in this process catches signal. */
  static MessageQueueNotification signal(MessageQueue queue, int signal, int value) throws IOException {
    queue.descriptor.ensureOpen(); // a closed queue says so before anything about the signal
    if (Signals.isReserved(signal)) {
      throw new IllegalArgumentException(Signals.name(signal) + " is reserved (see Signals)");
    }
    if (Signals.disposition(signal) != Signals.Disposition.CAUGHT) {
      throw new IllegalStateException("nothing in this process catches " + Signals.name(signal)
          + ": add a listener (Signals.addListener or Signals.queue) before registering for it");
    }
    queue.withFd(fd -> Core.pipc_mq_notify_signal(fd, signal, value), "mq_notify");
    return new MessageQueueNotification(queue);
  }

  private void deliver(Runnable callback) {
    try {
      long r;
      try {
        r = socket.call(WAIT, 0, 0, 0, Timeouts.FOREVER, false, "recv");
      } catch (IOException e) {
        // Closed by cancel(): nothing to deliver.
        r = -1;
      }
      boolean fire;
      synchronized (this) {
        // A cancel() that won the race keeps its promise: the callback does not run.
        fire = !done && r == Core.PIPC_MQ_NOTIFIED;
        done = true;
      }
      closeQuietly();
      if (fire) {
        callback.run();
      }
    } finally {
      finished.countDown();
    }
  }

  /** True once a callback registration fired, or once the registration was removed. */
  public boolean isDone() {
    return done;
  }

  /** Waits until {@link #isDone()} and the callback, if it ran, has returned. */
  public void await() throws InterruptedException {
    finished.await();
  }

  /**
   * Waits at most timeout until {@link #isDone()} and the callback, if it ran, has returned.
   * Returns true when that happened in time.
   *
   * @param timeout null waits as long as it takes; {@link Duration#ZERO} only looks
   * @throws IllegalArgumentException for a negative timeout
   */
  public boolean await(Duration timeout) throws InterruptedException {
    long t = Timeouts.nanos(timeout);
    if (t < 0) {
      finished.await();
      return true;
    }
    return finished.await(t, TimeUnit.NANOSECONDS);
  }

  /**
   * Removes the registration if it has not fired yet ({@code mq_notify(NULL)}), so that the
   * callback does not run and another process may register. Idempotent.
   */
  public void cancel() throws IOException {
    if (socket == null) {
      done = true;
      try {
        signalLife.closeOwnedOrThrow();
      } finally {
        finished.countDown();
      }
      return;
    }
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      try {
        // Under the lock: the delivery thread cannot run the callback (which may register
        // again) before this has removed the registration it is about.
        int r = removeRegistration(queue);
        if (r < 0) {
          throw PosixException.of(r, "mq_notify", queue.descriptor.what());
        }
      } finally {
        closeQuietly();
      }
    }
  }

  /** Same as {@link #cancel()}. */
  @Override
  public void close() throws IOException {
    cancel();
  }

  private void closeQuietly() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // The socket carries no data that could be lost.
    }
  }

  @Override
  public String toString() {
    return "MessageQueueNotification[" + queue.name() + (socket == null ? ", signal" : ", callback")
        + (done ? ", done" : "") + "]";
  }
}
