package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.nio.channels.ClosedChannelException;

/**
 * The state of one file descriptor, shared by its channel and by the {@link Native#CLEANER}: it
 * never refers to its channel, so the channel can become unreachable and be cleaned.
 *
 * <p>The close protocol, after the JDK's NIO:
 *
 * <ol>
 *   <li>Every call on the descriptor is bracketed by {@link #enter()} and {@link #exit(long)}. While
 *       any call is inside, the descriptor number stays allocated to us.
 *   <li>{@link #close()} with no call inside releases the number at once. With calls inside, it
 *       marks the state CLOSING (new calls are refused), points the number at a dead socket
 *       ({@code pipc_fd_preclose}: a call that has not reached the kernel yet returns at once, and
 *       a racing write fails rather than vanishes), and sends the wake-up signal to every thread
 *       inside, so that a call blocked in the kernel returns EINTR. The last thread to leave
 *       releases the number. A closed number is therefore never used by a call of ours after it
 *       could have been given to someone else.
 *   <li>A signal can land just before its target enters the kernel and be lost. The {@link Waker}
 *       repeats it, with a growing interval, until every thread has left. The same mechanism ends
 *       a FIFO open at its deadline: there is no descriptor yet to point elsewhere, so the signal
 *       is the only way out.
 * </ol>
 */
final class Descriptor implements Runnable {

  private static final int UNOPENED = 0;
  private static final int OPENING = 1;
  private static final int OPEN = 2;
  private static final int CLOSING = 3;
  private static final int CLOSED = 4;

  private static final long FIRST_RESIGNAL_NANOS = 1_000_000L;
  private static final long MAX_RESIGNAL_NANOS = 50_000_000L;

  /** No deadline for {@link #enterOpen}. */
  static final long NO_DEADLINE = Long.MIN_VALUE;

  private final String what;
  private final boolean nowait;
  private int fd = -1;
  private volatile int state;
  private int inFlight;
  /** The threads inside a call, each with its deadline (NO_DEADLINE when it has none). */
  private long[] threads = new long[4];
  private long[] deadlines = new long[4];
  private int threadCount;
  private int deadlineCount;
  private long resignalNanos = FIRST_RESIGNAL_NANOS;

  /**
   * An open descriptor. nowait: whether timed transfers on it are non-blocking in the kernel
   * (RWF_NOWAIT, as on pipe2 pipes); when not (FIFOs), they get a deadline signal as well.
   */
  Descriptor(String what, int fd, boolean nowait) {
    this.what = what;
    this.fd = fd;
    this.nowait = nowait;
    this.state = OPEN;
  }

  /** A descriptor that {@link #enterOpen} / {@link #exitOpen} will open later. */
  Descriptor(String what, boolean nowait) {
    this.what = what;
    this.nowait = nowait;
    this.state = UNOPENED;
  }

  /**
   * Whether a timed transfer that may block in the kernel past its deadline needs the Waker's
   * deadline signal to end on time.
   */
  boolean needsDeadlineSignal() {
    return !nowait;
  }

  /** What the descriptor is, for messages: "FIFO /tmp/jobs (read)". */
  String what() {
    return what;
  }

  /** The descriptor number. Valid between {@link #enter()} and {@link #exit(long)}. */
  int fd() {
    return fd;
  }

  /** True once close has begun. */
  boolean closing() {
    return state >= CLOSING;
  }

  /** True before a successful open. */
  boolean unopened() {
    int s = state;
    return s == UNOPENED || s == OPENING;
  }

  /**
   * Enters a call on the descriptor. Returns the calling thread's native id, to hand back to
   * {@link #exit(long)}.
   */
  long enter() throws ClosedChannelException {
    return enter(NO_DEADLINE);
  }

  /**
   * Enters a call that must end by deadline (System.nanoTime based): past it, the Waker signals
   * the thread until it leaves.
   */
  long enter(long deadlineNanos) throws ClosedChannelException {
    long self;
    synchronized (this) {
      if (state != OPEN) {
        throw notOpen();
      }
      self = Core.pipc_thread_self();
      register(self, deadlineNanos);
      inFlight++;
    }
    if (deadlineNanos != NO_DEADLINE) {
      Waker.watch(this);
    }
    return self;
  }

  /** Leaves a call; the last thread out of a closing descriptor releases the number. */
  void exit(long self) {
    int release = -1;
    synchronized (this) {
      unregister(self);
      inFlight--;
      if (state == CLOSING && inFlight == 0) {
        state = CLOSED;
        release = fd;
      }
    }
    if (release >= 0) {
      // The owner already returned from close(): there is nobody to report an error to.
      Core.pipc_fd_close(release);
    }
  }

  /**
   * Enters an open of a descriptor that has none yet. With a deadline (System.nanoTime based),
   * the Waker interrupts the open when it passes.
   */
  long enterOpen(long deadlineNanos) throws ClosedChannelException {
    long self;
    synchronized (this) {
      if (state != UNOPENED) {
        if (state == OPENING || state == OPEN) {
          throw new IllegalStateException(what + " is already " + (state == OPEN ? "open" : "being opened"));
        }
        throw notOpen();
      }
      state = OPENING;
      self = Core.pipc_thread_self();
      register(self, deadlineNanos);
      inFlight++;
    }
    if (deadlineNanos != NO_DEADLINE) {
      Waker.watch(this);
    }
    return self;
  }

  /**
   * Ends an open; newFd is the descriptor it gave, or -1 when it failed. Returns true when the
   * descriptor is now open. When close() came first, the new descriptor is closed here.
   */
  boolean exitOpen(long self, int newFd) {
    int release = -1;
    boolean opened = false;
    synchronized (this) {
      unregister(self);
      inFlight--;
      if (state == OPENING) {
        if (newFd >= 0) {
          fd = newFd;
          state = OPEN;
          opened = true;
        } else {
          state = UNOPENED;
        }
      } else {
        state = CLOSED;
        release = newFd;
      }
    }
    if (release >= 0) {
      Core.pipc_fd_close(release);
    }
    return opened;
  }

  /**
   * Closes the descriptor, or starts closing it when calls are inside (see the class comment).
   * Returns 0, or the negative errno of close(2) when the number was released here and close
   * reported an error. Idempotent.
   */
  int close() {
    int release = -1;
    boolean watch = false;
    synchronized (this) {
      switch (state) {
        case UNOPENED:
          state = CLOSED;
          return 0;
        case OPENING:
          state = CLOSING;
          resignalNanos = FIRST_RESIGNAL_NANOS;
          signalAll();
          watch = true;
          break;
        case OPEN:
          if (inFlight == 0) {
            state = CLOSED;
            release = fd;
          } else {
            state = CLOSING;
            // If this fails (no descriptors left for the socket pair), the repeated signals
            // still get every thread out; only the first one may take a little longer.
            Core.pipc_fd_preclose(fd);
            resignalNanos = FIRST_RESIGNAL_NANOS;
            signalAll();
            watch = true;
          }
          break;
        default:
          return 0;
      }
    }
    if (watch) {
      Waker.watch(this);
    }
    return release >= 0 ? Core.pipc_fd_close(release) : 0;
  }

  /** The Cleaner's action: closes what the owner forgot to close. Never unlinks anything. */
  @Override
  public void run() {
    close();
  }

  /**
   * Called by the Waker: signals the threads that must leave a call. Returns the System.nanoTime
   * at which to look again, or -1 when nothing is left to do.
   */
  synchronized long wake(long now) {
    long next = Long.MAX_VALUE;
    boolean resignal = false;
    if (state == CLOSING && inFlight > 0) {
      signalAll();
      resignal = true;
    } else if (deadlineCount > 0) {
      for (int i = 0; i < threadCount; i++) {
        long d = deadlines[i];
        if (d == NO_DEADLINE) {
          continue;
        }
        if (now - d >= 0) {
          signal(threads[i]);
          resignal = true;
        } else if (d - next < 0) {
          next = d;
        }
      }
    }
    if (resignal) {
      next = Math.min(next, now + resignalNanos);
      resignalNanos = Math.min(resignalNanos * 2, MAX_RESIGNAL_NANOS);
    } else {
      resignalNanos = FIRST_RESIGNAL_NANOS;
    }
    return next == Long.MAX_VALUE ? -1 : next;
  }

  private ClosedChannelException notOpen() {
    if (state == UNOPENED || state == OPENING) {
      throw new IllegalStateException(what + " is not open yet");
    }
    return new ClosedException(what);
  }

  private void signalAll() {
    for (int i = 0; i < threadCount; i++) {
      signal(threads[i]);
    }
  }

  /** Only called under the lock, for a thread inside a call: it cannot have exited. */
  private static void signal(long thread) {
    Core.pipc_thread_signal(thread, Native.WAKEUP_SIGNAL);
  }

  private void register(long thread, long deadlineNanos) {
    if (threadCount == threads.length) {
      threads = java.util.Arrays.copyOf(threads, threads.length * 2);
      deadlines = java.util.Arrays.copyOf(deadlines, deadlines.length * 2);
    }
    threads[threadCount] = thread;
    deadlines[threadCount] = deadlineNanos;
    threadCount++;
    if (deadlineNanos != NO_DEADLINE) {
      deadlineCount++;
    }
  }

  private void unregister(long thread) {
    for (int i = 0; i < threadCount; i++) {
      if (threads[i] == thread) {
        if (deadlines[i] != NO_DEADLINE) {
          deadlineCount--;
        }
        threadCount--;
        threads[i] = threads[threadCount];
        deadlines[i] = deadlines[threadCount];
        return;
      }
    }
  }

  /** A use after close; says what was closed. */
  static final class ClosedException extends ClosedChannelException {
    private static final long serialVersionUID = 1L;
    private final String what;

    ClosedException(String what) {
      this.what = what;
    }

    @Override
    public String getMessage() {
      return what + " is closed";
    }
  }
}
