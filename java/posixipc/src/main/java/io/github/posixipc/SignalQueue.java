package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Nothing is allocated per signal on the way to the queue; {@link #take(Duration)} returns a new
 * {@link SignalInfo}, {@link #take(Duration, Caught)} fills one the caller reuses, for a loop
 * that takes signals without allocating.
 *
 * <p>The queue is a pipe of its own that the C core's handler writes each caught record to (a
 * route, {@code pipc_signal_route_add}): a take reads that pipe itself, so the thread that waits
 * is the one the record wakes, with no dispatcher thread in between. It holds up to {@link
 * #capacity()} signals not taken yet (32,768 where the system lets a pipe have 1 MiB); a signal
 * that comes when it is full is dropped and counted ({@link #lost()}, and a warning is logged).
 */
public final class SignalQueue implements AutoCloseable {

  private static final int SIZE = SignalRecord.SIZE;
  /** The room the queue's pipe asks for: the C core's self-pipe asks as much. */
  private static final int PIPE_BYTES = 1 << 20;
  /** What a wake-up writes to the pipe: a record of signal 0, which takes skip. */
  private static final ByteBuffer WAKE_RECORD = ByteBuffer.allocateDirect(SIZE);
  private static final long WAKE_ADDRESS = Buffers.address(WAKE_RECORD);

  private final int signal;
  private final String what;
  /** Closed once; its release ends the registration and the route, and closes the pipe. */
  private final Descriptor life;
  /** The pipe's read end (blocking), which takes read, and its write end (non-blocking), the route's. */
  private final Descriptor source;
  private final Descriptor sink;
  private final int route;
  private final int capacity;
  private final Signals.Registration registration;
  /** One take reads the pipe at a time, so that records leave it in order. */
  private final ReentrantLock reader = new ReentrantLock();
  /** The interrupt hook of the take inside the read; replaced after an interrupt used it up. */
  private Interrupt interrupt = new Interrupt();
  private long lostSeen;

  SignalQueue(int signal) throws IOException {
    this.signal = signal;
    this.what = "signal queue of " + Signals.name(signal);
    int[] fds = new int[2];
    int r = Core.pipc_pipe_create(fds, Core.PIPC_PIPE_NONBLOCK);
    if (r < 0) {
      throw PosixException.of(r, "pipe2", what);
    }
    // Blocking reads, a handler's writes that never block: each end has a file description of
    // its own, so the modes are separate.
    int blocking = Core.pipc_fd_set_nonblocking(fds[0], 0);
    if (blocking < 0) {
      Core.pipc_fd_close(fds[0]);
      Core.pipc_fd_close(fds[1]);
      throw PosixException.of(blocking, "fcntl(F_SETFL)", what);
    }
    // Less room than asked (pipe-max-size, pipe-user-pages-soft) still works: capacity() says.
    Core.pipc_pipe_set_capacity(fds[1], PIPE_BYTES);
    this.source = new Descriptor(what, fds[0], true);
    this.sink = new Descriptor(what + " (write end)", fds[1], true);
    this.capacity = Math.max(1, Core.pipc_pipe_capacity(fds[1]) / SIZE);
    this.route = Core.pipc_signal_route_add(signal, fds[1]);
    Signals.Registration reg = null;
    try {
      if (route < 0) {
        throw PosixException.of(route, "pipc_signal_route_add", what);
      }
      reg = Signals.register(signal, new SignalDispatcher.Receiver() {
        @Override
        public boolean direct() {
          return true;
        }

        @Override
        public void deliver(ByteBuffer records, int at) {
          // A direct receiver: its records come through its own pipe.
        }

        @Override
        public void lost(int s, long n) {
          // Its losses are its route's, see lost().
        }
      });
    } catch (IOException | RuntimeException e) {
      if (route >= 0) {
        Core.pipc_signal_route_remove(route);
      }
      sink.close();
      source.close();
      throw e;
    }
    this.registration = reg;
    this.life = Descriptor.of(what, 0, unused -> release());
  }

  /** The signal number. */
  public int signal() {
    return signal;
  }

  /** How many signals the queue holds, not taken yet, before it drops one. */
  public int capacity() {
    return capacity;
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
    if (!life.isOpen()) {
      throw new Descriptor.ClosedException(what);
    }
    lock(t, deadline);
    try {
      for (;;) {
        long left = Timeouts.left(t, deadline);
        if (t > 0 && left <= 0) {
          throw new TimedOutException(Errno.ETIMEDOUT, "read", what);
        }
        if (read(into, left)) {
          noticeLosses();
          return into;
        }
      }
    } finally {
      reader.unlock();
    }
  }

  /** Takes the reader lock within the time the take has; interruptible. */
  private void lock(long t, long deadline) throws InterruptedException, PosixException {
    if (t < 0) {
      reader.lockInterruptibly();
    } else if (!reader.tryLock(Math.max(0, Timeouts.left(t, deadline)), TimeUnit.NANOSECONDS)) {
      if (t == 0) {
        throw new WouldBlockException(Errno.EAGAIN, "read", what);
      }
      throw new TimedOutException(Errno.ETIMEDOUT, "read", what);
    }
  }

  /**
   * One read of one record into into, waiting at most left (-1: forever, 0: not at all): true for
   * a signal, false for a wake-up record (or an interrupt that came with nothing read). Holds
   * the reader lock.
   */
  private boolean read(Caught into, long left) throws IOException, InterruptedException {
    into.record.putInt(Core.PIPC_SIGNAL_INFO_SIGNO, 0);
    Interrupt hook = interrupt;
    long n;
    try {
      n = source.call(hook.hooks, DescriptorChannel.READ, into.address, SIZE, 0, left, false, "read");
    } catch (ClosedByInterruptException e) {
      // The interrupt wrote a wake-up record; a record read meanwhile is the caller's, with the
      // interrupt status kept set.
      interrupt = new Interrupt();
      if (into.signal() != 0) {
        Thread.currentThread().interrupt();
        return true;
      }
      Thread.interrupted();
      throw new InterruptedException();
    }
    if (n == -Errno.EAGAIN) {
      throw new WouldBlockException(Errno.EAGAIN, "read", what);
    }
    if (n == 0) {
      // End of file: the close pointed the read end elsewhere (the queue keeps its write end).
      throw new AsynchronousCloseException();
    }
    // Writes are whole records (32 bytes, below PIPE_BUF) and reads take one: never a part.
    return into.signal() != 0;
  }

  /** Logs the signals the queue's pipe had no room for since the last look: never silent. */
  private void noticeLosses() {
    long lost = Core.pipc_signal_route_lost(route);
    if (lost > lostSeen) {
      SignalDispatcher.logLoss(signal, lost - lostSeen);
      lostSeen = lost;
    }
  }

  /** Writes a wake-up record, so that a take blocked in the read returns and looks again. */
  private void wake() {
    try {
      sink.withFd(fd -> Core.pipc_fd_write(fd, WAKE_ADDRESS, SIZE), "write");
    } catch (IOException e) {
      // Closed, or full: either way the take is woken (by the close, or by the records there).
    }
  }

  /** The number of signals caught and not taken yet (0 once closed). */
  public int size() {
    try {
      return (int) source.withFd(Core::pipc_fd_available, "ioctl(FIONREAD)") / SIZE;
    } catch (IOException e) {
      return 0;
    }
  }

  /** How many of this signal were dropped because the queue was full, since it was opened. */
  public long lost() {
    long lost = life.isOpen() ? Core.pipc_signal_route_lost(route) : lostSeen;
    return Math.max(lost, 0);
  }

  /** Stops catching for this queue and wakes a waiting take. Idempotent. */
  @Override
  public void close() {
    life.close();
  }

  /**
   * The lifecycle's release: ends the registration (the last one puts back the disposition) and
   * the route (the C core waits until no handler can still write to the pipe), then closes the
   * pipe, which wakes a take blocked in the read with AsynchronousCloseException.
   */
  private int release() {
    lostSeen = Math.max(lostSeen, Core.pipc_signal_route_lost(route));
    registration.close();
    Core.pipc_signal_route_remove(route);
    sink.close();
    source.close();
    return 0;
  }

  @Override
  public String toString() {
    return "SignalQueue[" + Signals.name(signal) + (life.isOpen() ? "" : ", closed") + "]";
  }

  /**
   * The JDK's interrupt hook for a take blocked in the read: an interrupt writes a wake-up record
   * (rather than closing the queue, as an interrupt closes a channel), and the take throws
   * InterruptedException with the queue still open. Used up by one interrupt.
   */
  private final class Interrupt extends InterruptibleBase {
    @Override
    boolean waitsByDefault() {
      return true;
    }

    @Override
    protected void implCloseChannel() {
      wake();
    }
  }

  /**
   * A caught signal, filled by {@link #take(Duration, Caught)}: a holder the caller reuses, with
   * the getters of {@link SignalInfo}. It holds the caught record itself, so a take copies one
   * record and nothing else.
   */
  public static final class Caught {
    private final ByteBuffer record = ByteBuffer.allocateDirect(SIZE).order(ByteOrder.nativeOrder());
    private final long address = Buffers.address(record);

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
