package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;

/**
 * The one lifecycle object of every handle of posixipc: a native handle (a file descriptor, or a
 * pointer such as a {@code sem_t *}) with its release action, closed once by one state field,
 * and the call bracket around every native call on it. It is shared by its owner and by the
 * {@link Native#CLEANER}, and never refers to its owner, so that the owner can become
 * unreachable and be cleaned.
 *
 * <p>Owners use it in one of three ways: a byte channel ({@link DescriptorChannel}) adds the
 * JDK's interruptible-channel hooks and byte I/O; a handle that blocks on a descriptor without
 * being a channel ({@link Poller}, a queue notification's socket) takes the same hooks from an
 * {@link InterruptibleHandle}; any other handle calls {@link #withFd} or {@link #enter()}/{@link
 * #exit(long)} directly (a pointer handle reads {@link #handle()} in between). A handle that is not native at all (a signal
 * registration) uses {@link #of} with a release action that undoes what it did, and gets the
 * same close-once and the same closed-handle exception.
 *
 * <p>The close protocol for descriptors, after the JDK's NIO:
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
 *
 * <p>A pointer handle made by {@link #of} follows steps 1 and 2 without the dead socket and the
 * signal: its calls are bounded waits ({@link Timeouts#await}) that notice the close by
 * themselves, and the last one out runs the release action.
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

  /** What undoes a handle: close(2) for a descriptor, sem_close for a named semaphore, ... */
  @FunctionalInterface
  interface Release {
    /** Releases handle; returns 0 or a negative errno. Called once. */
    int release(long handle);
  }

  /** A call that needs the descriptor number and cannot block. */
  @FunctionalInterface
  interface FdCall {
    long apply(int fd);
  }

  /**
   * A call into the C core on a descriptor that may wait; see {@link #call}. Pass it as a static
   * final non-capturing lambda, so that nothing is allocated per call.
   */
  @FunctionalInterface
  interface Call {
    /**
     * Makes the call. a, b and c are its arguments; timeoutNs is the time left (-1: wait as the
     * blocking mode says; 0: do not wait; positive: wait at most that long). Returns the result
     * (>= 0) or a negative errno.
     */
    long invoke(int fd, long a, long b, long c, long timeoutNs);
  }

  /**
   * What a handle whose calls may block adds around them: the JDK's interruptible-channel
   * begin/end, so that Thread.interrupt() closes the handle and wakes the call. Implemented by
   * {@link DescriptorChannel} and {@link InterruptibleHandle}.
   */
  interface Blocking {
    /** True while calls without a timeout wait (a channel in non-blocking mode says false). */
    boolean blocking();

    /** True until the handle is closed, by close() or by an interrupt. */
    boolean isOpen();

    /** Before a call that may block: AbstractInterruptibleChannel.begin(). */
    void beginBlocking();

    /**
     * After it: AbstractInterruptibleChannel.end(completed), which throws when a close or an
     * interrupt ended the call.
     */
    void endBlocking(boolean completed) throws AsynchronousCloseException;
  }

  private static final Release CLOSE_FD = fd -> Core.pipc_fd_close((int) fd);

  private static final VarHandle IN_FLIGHT;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      IN_FLIGHT = l.findVarHandle(Descriptor.class, "inFlight", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String what;
  private final boolean nowait;
  /** True for a descriptor: a close with calls inside points it elsewhere and signals them. */
  private final boolean signalled;
  private final Release release;
  /** True for {@link #ofIdentifier}: signalled, but there is no descriptor to preclose. */
  private boolean identifier;
  private long handle = -1;
  /** The Cleaner's registration of the owner, set once by {@link #cleanWith}. */
  private Cleaner.Cleanable cleanable;
  private volatile int state;
  /**
   * The calls inside. A signalled descriptor counts them under this object's lock, with the
   * threads. An unsignalled one (a pointer handle) keeps them without a lock, through IN_FLIGHT,
   * in one word with its close: the count in the low bits, {@link #SHUT} once close has begun,
   * {@link #RELEASED} once the release has run; see {@link #enter(long)}.
   */
  private int inFlight;
  /** In an unsignalled descriptor's inFlight: close has begun; no call may enter. */
  private static final int SHUT = 1 << 30;
  /** In an unsignalled descriptor's inFlight: the release has run (or is running). */
  private static final int RELEASED = 1 << 29;
  /** The threads inside a call, each with its deadline (NO_DEADLINE when it has none). */
  private long[] threads = new long[4];
  private long[] deadlines = new long[4];
  private int threadCount;
  private int deadlineCount;
  private long resignalNanos = FIRST_RESIGNAL_NANOS;
  /** The virtual threads parked in a call on this descriptor, with the events each waits for. */
  private Thread[] parked;
  private int[] parkedEvents;
  private int parkedCount;
  /** The events the {@link ParkingPoller}'s armed one-shot watch is for (0: none armed). */
  private int watched;
  /**
   * Whether the number is in the ParkingPoller's epoll set, armed or not: a one-shot watch that
   * reported stays there disarmed, so the next park arms it again with one call and the report
   * costs none. Taken out when the last parked thread gives up its watch and at close.
   */
  private boolean inPoller;
  /** Whether the next virtual-thread wait on it spins before it parks: see VirtualThreads.Spin. */
  private final VirtualThreads.Spin spin = new VirtualThreads.Spin();

  /**
   * An open descriptor. nowait: whether timed transfers on it are non-blocking in the kernel
   * (RWF_NOWAIT, as on pipe2 pipes); when not (FIFOs), they get a deadline signal as well.
   */
  Descriptor(String what, int fd, boolean nowait) {
    this(what, fd, nowait, true, CLOSE_FD, OPEN);
  }

  /** A descriptor that {@link #enterOpen} / {@link #exitOpen} will open later. */
  Descriptor(String what, boolean nowait) {
    this(what, -1, nowait, true, CLOSE_FD, UNOPENED);
  }

  private Descriptor(String what, long handle, boolean nowait, boolean signalled, Release release, int state) {
    this.what = what;
    this.handle = handle;
    this.nowait = nowait;
    this.signalled = signalled;
    this.release = release;
    this.state = state;
  }

  /**
   * An open handle that is not a descriptor (a pointer, or nothing: pass 0), released by
   * release once the handle is closed and no call is inside.
   */
  static Descriptor of(String what, long handle, Release release) {
    return new Descriptor(what, handle, true, false, release, OPEN);
  }

  /**
   * An open handle that is not a descriptor but whose calls block in the kernel with nothing but
   * a signal to end them (a System V queue or semaphore set identifier): close and deadlines
   * signal the threads inside as for a descriptor, with no descriptor to point elsewhere first.
   * nowait: whether the kernel ends timed calls by itself ({@code semtimedop}); when not
   * ({@code msgrcv}), the Waker signals a timed call at its deadline.
   */
  static Descriptor ofIdentifier(String what, long handle, boolean nowait, Release release) {
    Descriptor d = new Descriptor(what, handle, nowait, true, release, OPEN);
    d.identifier = true;
    return d;
  }

  /** The lifecycle behind a handle that has a descriptor, for the brackets of other handles. */
  static Descriptor of(DescriptorHandle handle) {
    return handle instanceof DescriptorChannel c ? c.descriptor : ((SharedMemory) handle).descriptor;
  }

  /**
   * Registers this with the Cleaner for owner, which must not be referred to by anything this
   * holds (the Cleanable refers to it only through a phantom reference). Called once, from the
   * owner's constructor.
   */
  void cleanWith(Object owner) {
    cleanable = Native.CLEANER.register(owner, this);
  }

  /**
   * The owner's close: closes (see {@link #close()}) and lets the Cleaner forget the owner.
   * Returns 0 or the negative errno of the release.
   */
  int closeOwned() {
    int r = close();
    Cleaner.Cleanable c = cleanable;
    if (c != null) {
      c.clean();
    }
    return r;
  }

  /** {@link #closeOwned()} for an owner whose close reports a failed close(2). */
  void closeOwnedOrThrow() throws IOException {
    int r = closeOwned();
    if (r < 0) {
      throw PosixException.of(r, "close", what);
    }
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
    return (int) handle;
  }

  /** The handle (a pointer for {@link #of}). Valid between {@link #enter()} and {@link #exit(long)}. */
  long handle() {
    return handle;
  }

  /** The descriptor number while open, for a handle's public fd(). */
  int number() throws ClosedChannelException {
    long self = enter();
    try {
      return (int) handle;
    } finally {
      exit(self);
    }
  }

  /**
   * Throws the closed-handle exception once close has begun: for a call that answers from state
   * kept in Java, which must still follow the convention that every call after close throws.
   */
  void ensureOpen() throws ClosedChannelException {
    if (state >= CLOSING) {
      throw notOpen();
    }
  }

  /** True once close has begun. */
  boolean closing() {
    return state >= CLOSING;
  }

  /** True until close has begun (also before a FIFO is opened). */
  boolean isOpen() {
    return state < CLOSING;
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
    if (!signalled) {
      // Nothing will signal the thread: its id is not needed, and no lock is taken. The count
      // and the close share one word, so that entering, leaving and closing are each one atomic
      // step on it: a call that finds SHUT backs out, and whichever step brings the count of a
      // SHUT word to zero runs the release (the count and the state in two words let a call
      // enter between the last one's way out and its look at the state, and be released under).
      if (((int) IN_FLIGHT.getAndAdd(this, 1) & SHUT) != 0) {
        leave();
        throw notOpen();
      }
      return 0;
    }
    synchronized (this) {
      if (state != OPEN) {
        throw notOpen();
      }
      return admit(deadlineNanos);
    }
  }

  /** An unsignalled descriptor's exit: the last one out of a closing descriptor releases it. */
  private void leave() {
    if ((int) IN_FLIGHT.getAndAdd(this, -1) == (SHUT | 1)) {
      finish();
    }
  }

  /**
   * Releases a closing unsignalled descriptor with no call inside, once; returns the result. When
   * a call got in meanwhile (only to find SHUT and back out), that call's way out comes back here.
   */
  private int finish() {
    if (!IN_FLIGHT.compareAndSet(this, SHUT, SHUT | RELEASED)) {
      return 0;
    }
    state = CLOSED;
    return release.release(handle);
  }

  /**
   * Enters a use of the descriptor that is not itself a wait (a descriptor passed to a call on
   * another one, as a poller's eventfd is): the number stays ours until {@link #exit(long)
   * exit(0)}, and a close does not signal the thread, which may be a virtual thread's carrier.
   */
  long enterUnsignalled() throws ClosedChannelException {
    if (!signalled) {
      return enter(NO_DEADLINE);
    }
    synchronized (this) {
      if (state != OPEN) {
        throw notOpen();
      }
      inFlight++;
      return 0;
    }
  }

  /**
   * Counts the calling thread in, with its deadline for the Waker; returns its native id. Under
   * the lock (Waker.watch takes no lock of ours).
   */
  private long admit(long deadlineNanos) {
    long self = nativeSelf();
    register(self, deadlineNanos);
    inFlight++;
    if (deadlineNanos != NO_DEADLINE) {
      Waker.watch(this);
    }
    return self;
  }

  /** pthread_self() of each platform thread, asked of the C core once per thread. */
  private static final ThreadLocal<long[]> NATIVE_SELF =
      ThreadLocal.withInitial(() -> new long[] {Core.pipc_thread_self()});

  /**
   * The calling thread's pthread_self(), for the wake-up signal: cached for a platform thread
   * (one native thread for its whole life), asked every time on a virtual thread (whose carrier
   * changes).
   */
  private static long nativeSelf() {
    if (VirtualThreads.SUPPORTED && VirtualThreads.current()) {
      return Core.pipc_thread_self();
    }
    return NATIVE_SELF.get()[0];
  }

  /** Leaves a call; the last thread out of a closing descriptor releases the number. */
  void exit(long self) {
    if (!signalled) {
      leave();
      return;
    }
    boolean last;
    synchronized (this) {
      if (signalled) {
        unregister(self);
      }
      inFlight--;
      last = state == CLOSING && inFlight == 0;
      if (last) {
        state = CLOSED;
      }
    }
    if (last) {
      // The owner already returned from close(): there is nobody to report an error to.
      release.release(handle);
    }
  }

  /**
   * Enters an open of a descriptor that has none yet. With a deadline (System.nanoTime based),
   * the Waker interrupts the open when it passes.
   */
  long enterOpen(long deadlineNanos) throws ClosedChannelException {
    synchronized (this) {
      if (state != UNOPENED) {
        if (state == OPENING || state == OPEN) {
          throw new IllegalStateException(what + " is already " + (state == OPEN ? "open" : "being opened"));
        }
        throw notOpen();
      }
      state = OPENING;
      return admit(deadlineNanos);
    }
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
          handle = newFd;
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
    boolean now = false;
    boolean watch = false;
    boolean unsignalledClose = false;
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
          if (!signalled) {
            // The bounded waits inside notice by themselves; the last one out releases, or this
            // close when none is inside (see enter).
            state = CLOSING;
            unsignalledClose = true;
          } else if (inFlight == 0) {
            leavePoller((int) handle);
            state = CLOSED;
            now = true;
          } else {
            state = CLOSING;
            // Parked virtual threads first: their watch must end while the number still means
            // this file.
            unparkAll();
            // If this fails (no descriptors left for the socket pair), the repeated signals
            // still get every thread out; only the first one may take a little longer.
            if (!identifier) {
              Core.pipc_fd_preclose((int) handle);
            }
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
    if (unsignalledClose) {
      // Once: only the close that moved the state from OPEN gets here.
      return (int) IN_FLIGHT.getAndBitwiseOr(this, SHUT) == 0 ? finish() : 0;
    }
    return now ? release.release(handle) : 0;
  }

  /** The Cleaner's action: closes what the owner forgot to close. Never unlinks anything. */
  @Override
  public void run() {
    close();
  }

  // ------------------------------------------------------------------ the call bracket

  /** Runs a call that cannot block on the descriptor; returns its result or throws. */
  long withFd(FdCall call, String syscall) throws IOException {
    long r;
    long self = enter();
    try {
      r = call.apply((int) handle);
    } finally {
      exit(self);
    }
    if (r < 0) {
      throw PosixException.of(r, syscall, what);
    }
    return r;
  }

  /**
   * The bracket every call that may block goes through: it keeps the descriptor open during the
   * call, lets close() and (with hooks) Thread.interrupt() wake it, retries an EINTR that was
   * neither, and keeps one deadline across retries.
   *
   * @param hooks the owner's interruptible-channel hooks and blocking mode
   * @param op the call
   * @param timeoutNs FOREVER (follow the blocking mode), 0 (do not wait) or a positive bound
   * @param zeroIsData whether a result of 0 is data (a zero-length message) rather than an end
   *     of stream, which a close turns into AsynchronousCloseException
   * @param syscall the POSIX name of the call, for the exception
   * @return the result (>= 0), or -EAGAIN when the handle is non-blocking, timeoutNs is FOREVER
   *     and the call could not proceed; every other failure is thrown
   */
  long call(Blocking hooks, Call op, long a, long b, long c, long timeoutNs, boolean zeroIsData,
      String syscall) throws IOException {
    boolean mayBlock = timeoutNs > 0 || (timeoutNs == Timeouts.FOREVER && hooks.blocking());
    // A constant false before JDK 21: platform threads take the path below, unchanged.
    if (VirtualThreads.SUPPORTED && mayBlock && VirtualThreads.current()) {
      return callParking(hooks, op, a, b, c, timeoutNs, zeroIsData, syscall);
    }
    long deadline = Timeouts.deadline(timeoutNs);
    // Where the kernel cannot do the timed call without blocking, the Waker signals the thread
    // if it is still inside the call at the deadline.
    boolean guard = timeoutNs >= 0 && !nowait;
    // Entered before begin: a use after close gets the descriptor's own clear exception, not
    // the AsynchronousCloseException that end would make of it.
    long self = enter(guard ? (timeoutNs == 0 ? System.nanoTime() : deadline) : NO_DEADLINE);
    long r = 0;
    if (mayBlock) {
      hooks.beginBlocking();
    }
    try {
      int fd = (int) handle;
      for (;;) {
        long t = Timeouts.left(timeoutNs, deadline);
        if (timeoutNs > 0 && t <= 0) {
          r = -Errno.ETIMEDOUT;
          break;
        }
        r = op.invoke(fd, a, b, c, t);
        // EINTR without a close is some other signal, or the deadline signal: carry on with
        // the time left, which is none after the deadline.
        if (r != -Errno.EINTR || closing()) {
          break;
        }
        if (guard && timeoutNs == 0) {
          r = -Errno.EAGAIN;
          break;
        }
      }
    } finally {
      exit(self);
      if (mayBlock) {
        // Throws AsynchronousCloseException or ClosedByInterruptException when a close or an
        // interrupt ended the call; what did complete (r > 0) is reported, never lost.
        hooks.endBlocking(r > 0 || (r == 0 && (zeroIsData || hooks.isOpen())));
      }
    }
    return outcome(hooks, r, timeoutNs, syscall);
  }

  /**
   * What the result r of a call that may block becomes, on the platform path and the parking
   * one alike: r itself when it is not a failure; AsynchronousCloseException when a close ended
   * the call; -EAGAIN itself for a non-blocking handle's call with timeoutNs FOREVER (see {@link
   * #call}); any other failure thrown as the syscall's.
   */
  private long outcome(Blocking hooks, long r, long timeoutNs, String syscall) throws IOException {
    if (r >= 0) {
      return r;
    }
    if (!hooks.isOpen() || closing()) {
      throw new AsynchronousCloseException();
    }
    if (r == -Errno.EAGAIN && timeoutNs == Timeouts.FOREVER) {
      return r;
    }
    throw PosixException.of(r, syscall, what);
  }

  // ------------------------------------------------------------------ virtual threads

  /**
   * {@link #call} on a virtual thread, for a call that may block: each attempt does not wait in
   * the kernel (the call's timeout 0: RWF_NOWAIT, MSG_DONTWAIT, a past deadline, readiness
   * first), and while the answer is "would block" the thread parks until the {@link
   * ParkingPoller} reports the descriptor ready, the deadline passes, or a close (also the one an
   * interrupt makes) unparks it. The outcome and its exceptions are those of the platform path.
   */
  private long callParking(Blocking hooks, Call op, long a, long b, long c, long timeoutNs,
      boolean zeroIsData, String syscall) throws IOException {
    long deadline = Timeouts.deadline(timeoutNs);
    // Counted in, but not by its native thread: that is a carrier, which changes while parked
    // and which a close must not signal. Only a guarded attempt registers it, see attempt().
    enterUnsignalled();
    long r = 0;
    boolean parkedOnce = false;
    boolean spun = false;
    hooks.beginBlocking();
    try {
      int fd = (int) handle;
      // An identifier (a System V queue or semaphore set) is no descriptor: nothing to poll, so
      // its calls try and back off (as a mutex does) instead of watching some unrelated file that
      // has the same number.
      int events = identifier ? 0 : ParkingPoller.events(syscall);
      int round = 0;
      // No spin behind threads already parked here: they wait for the same readiness, and a
      // newcomer that spun would take it from the one the poller wakes for it. None either where
      // each try is a guarded one (a FIFO opened by path), which wakes the Waker.
      long spinEnd = parkedCount == 0 && (nowait || identifier)
          ? spin.start(timeoutNs > 0 ? timeoutNs : -1) : 0;
      for (;;) {
        r = attempt(op, fd, a, b, c);
        if (closing()) {
          break;
        }
        // EINTR: some other signal, or the guard of a FIFO transfer that another process got to
        // first: not ready after all.
        if (r != -Errno.EAGAIN && r != -Errno.EINTR) {
          break;
        }
        long left = -1;
        if (timeoutNs > 0) {
          left = deadline - System.nanoTime();
          if (left <= 0) {
            r = -Errno.ETIMEDOUT;
            break;
          }
        }
        if (parkedCount == 0 && VirtualThreads.spin(spinEnd)) {
          spun = true;
          continue;
        }
        spin.missed(spinEnd);
        spinEnd = 0;
        if (events != 0) {
          park(fd, events, left);
          parkedOnce = true;
        } else {
          round = VirtualThreads.backoff(round, left);
        }
      }
      if (spun && spinEnd != 0) {
        spin.answered();
      }
    } finally {
      if (parkedOnce) {
        // The event that woke this thread ended the watch: the threads still parked need it
        // again, now that this one has taken what it was woken for.
        synchronized (this) {
          if (state == OPEN) {
            rewatch((int) handle);
          }
        }
      }
      exit(0);
      hooks.endBlocking(r > 0 || (r == 0 && (zeroIsData || hooks.isOpen())));
    }
    // Never -EAGAIN for a FOREVER call here: this path parks on it until a close, which
    // outcome reports first.
    return outcome(hooks, r, timeoutNs, syscall);
  }

  /**
   * One attempt that does not wait. Where the kernel cannot make it so (a FIFO opened by path
   * takes readiness first, then a plain transfer, which waits when another process takes the
   * data or the room in between), the carrier is registered with a deadline for the attempt, so
   * the Waker signals it out of such a wait within a millisecond or so.
   */
  private long attempt(Call op, int fd, long a, long b, long c) {
    // An identifier's call with a timeout of zero is made with IPC_NOWAIT: it cannot wait.
    if (nowait || identifier) {
      return op.invoke(fd, a, b, c, 0);
    }
    long carrier;
    synchronized (this) {
      if (state != OPEN) {
        return -Errno.EINTR;
      }
      carrier = Core.pipc_thread_self();
      register(carrier, System.nanoTime() + GUARD_NANOS);
      Waker.watch(this);
    }
    try {
      return op.invoke(fd, a, b, c, 0);
    } finally {
      synchronized (this) {
        unregister(carrier);
      }
    }
  }

  /** What this descriptor remembers of its virtual threads' spin stages (for the tests). */
  VirtualThreads.Spin spinHint() {
    return spin;
  }

  /** How long a guarded attempt may take before the Waker signals its carrier. */
  private static final long GUARD_NANOS = 1_000_000L;

  /**
   * Parks the calling virtual thread until fd may be ready for events, leftNanos pass (-1: no
   * limit), or the descriptor closes. Returns at once when it is closing. Spurious returns are
   * fine: the caller tries again.
   */
  private void park(int fd, int events, long leftNanos) {
    Thread self = Thread.currentThread();
    boolean polled;
    synchronized (this) {
      if (state != OPEN) {
        return;
      }
      if (parked == null) {
        parked = new Thread[4];
        parkedEvents = new int[4];
      } else if (parkedCount == parked.length) {
        parked = java.util.Arrays.copyOf(parked, parkedCount * 2);
        parkedEvents = java.util.Arrays.copyOf(parkedEvents, parkedCount * 2);
      }
      parked[parkedCount] = self;
      parkedEvents[parkedCount] = events;
      parkedCount++;
      polled = rewatch(fd);
    }
    try {
      // Without a watch (the kernel refused one, for lack of memory), a short nap instead.
      long nap = polled ? leftNanos : (leftNanos < 0 ? 1_000_000L : Math.min(leftNanos, 1_000_000L));
      if (nap < 0) {
        java.util.concurrent.locks.LockSupport.park(this);
      } else {
        java.util.concurrent.locks.LockSupport.parkNanos(this, nap);
      }
    } finally {
      synchronized (this) {
        for (int i = 0; i < parkedCount; i++) {
          if (parked[i] == self) {
            parkedCount--;
            parked[i] = parked[parkedCount];
            parkedEvents[i] = parkedEvents[parkedCount];
            parked[parkedCount] = null;
            break;
          }
        }
      }
      // The watch is renewed for the others by the next park of this thread or by its leaving
      // the call, after its next attempt: renewing it here would wake the next thread for data
      // this one is about to take.
    }
  }

  /**
   * Under the lock, while fd is open and ours: makes the poller's watch that of the parked
   * threads. Returns false when the kernel refused it.
   */
  private boolean rewatch(int fd) {
    int want = 0;
    for (int i = 0; i < parkedCount; i++) {
      want |= parkedEvents[i];
    }
    if (want == watched) {
      return true;
    }
    if (want == 0) {
      leavePoller(fd);
      return true;
    }
    boolean ok = ParkingPoller.INSTANCE.arm(this, fd, inPoller, want);
    inPoller |= ok;
    watched = ok ? want : 0;
    return ok;
  }

  /**
   * Called by the poller thread: fd became ready for events (it may be a late report). The
   * one-shot watch ends here; for each kind of readiness one parked thread is unparked (all of
   * them on an error or hang-up), which watches again for the others once it has tried again.
   */
  void ready(int fd, int events) {
    synchronized (this) {
      if (watched == 0 || state != OPEN || (int) handle != fd) {
        return;
      }
      // The report disarmed the one-shot watch: nothing to end.
      watched = 0;
      boolean all = (events & (Core.PIPC_ERROR | Core.PIPC_HANGUP)) != 0;
      int left = events & (Core.PIPC_READABLE | Core.PIPC_WRITABLE);
      boolean woke = false;
      for (int i = 0; i < parkedCount && (all || left != 0); i++) {
        int e = parkedEvents[i];
        if (all || (e & left) != 0) {
          left &= ~e;
          woke = true;
          java.util.concurrent.locks.LockSupport.unpark(parked[i]);
        }
      }
      // A report of an earlier watch (one for writers that a writer, woken meanwhile, replaced
      // with one for readers only) can find no thread that waits for what it reports. The watch
      // it replaced may have reported too, and been taken here for the late one it now is: with
      // nobody woken to watch again, arm it again here for the threads still parked.
      if (!woke && parkedCount > 0) {
        rewatch(fd);
      }
    }
  }

  /** Under the lock, while fd is ours: takes it out of the ParkingPoller, if it is in. */
  private void leavePoller(int fd) {
    if (inPoller) {
      ParkingPoller.INSTANCE.remove(this, fd);
      inPoller = false;
    }
    watched = 0;
  }

  /** Under the lock, on close: ends the watch before the number is pointed elsewhere, and unparks. */
  private void unparkAll() {
    leavePoller((int) handle);
    for (int i = 0; i < parkedCount; i++) {
      java.util.concurrent.locks.LockSupport.unpark(parked[i]);
    }
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
