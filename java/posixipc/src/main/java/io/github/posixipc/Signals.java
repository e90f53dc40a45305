package io.github.posixipc;

import static io.github.posixipc.SignalPolicy.SELF;
import static io.github.posixipc.SignalPolicy.checkChangeable;
import static io.github.posixipc.SignalPolicy.checkNotAtSelf;
import static io.github.posixipc.SignalPolicy.checkNumber;
import static io.github.posixipc.SignalPolicy.checkPid;
import static io.github.posixipc.SignalPolicy.target;
import static io.github.posixipc.SignalPolicy.valid;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * POSIX signals from Java: listeners for caught signals, the ignore and default dispositions,
 * and sending with {@code kill}, {@code sigqueue} and {@code raise}.
 *
 * <pre>{@code
 * try (Signals.Registration r = Signals.addListener(Signals.SIGUSR1,
 *     info -> System.out.println("got " + info))) {
 *   ...                                          // SIGUSR1 now reaches the listener
 * }                                              // and has its previous disposition again
 *
 * int rt = Signals.number("SIGRTMIN+2");
 * Signals.sigqueue(pid, rt, 42);                 // queued, with a value
 * SignalInfo answer = Signals.await(rt, Duration.ofSeconds(5));
 * }</pre>
 *
 * <h2>How signals reach Java</h2>
 *
 * The first listener of a signal installs the C core's handler, which only writes a 32-byte
 * record to a pipe the library owns; one daemon thread ({@code posixipc-signals}) reads the pipe
 * and calls the listeners. Removing the last listener of a signal puts back the disposition it had
 * before (the JVM's own handler, for SIGINT, SIGTERM and SIGHUP). If the pipe ever fills (about
 * 32,000 records behind), the records that do not fit are counted: {@link #lostCount(int)} and
 * {@link SignalListener#onLost} report them. A {@link SignalQueue} is not served by that thread:
 * the handler writes its signal's records to the queue's own pipe, which its take reads (and
 * counts its own losses, {@link SignalQueue#lost()}). Real-time signals ({@link #rtmin()} to
 * {@link #rtmax()}) are queued by the kernel, one per send, each with its value; standard signals
 * sent while one is pending merge into one.
 *
 * <h2>Reserved signals</h2>
 *
 * Signals the JVM owns cannot be caught, ignored or reset here, nor sent to this JVM
 * ({@link IllegalArgumentException}): SIGSEGV, SIGBUS, SIGFPE, SIGILL (the JVM turns faults into
 * exceptions), SIGQUIT (thread dumps), SIGUSR2 (thread suspension), SIGPIPE (ignored so that writes
 * fail with EPIPE), the JDK's SIGRTMAX-2 (wakes its blocked NIO threads), and this library's own
 * wake-up signal ({@code SIGRTMAX-3}, or {@code -Dposixipc.wakeupSignal}). SIGKILL and SIGSTOP
 * cannot be caught at all. SIGINT, SIGTERM and SIGHUP may be caught: while a listener holds one of
 * them, the JVM's handler is not there, so that signal no longer starts the JVM's shutdown (no
 * shutdown hooks run, the JVM does not exit) until the last listener is removed.
 */
public final class Signals {

  static {
    Native.ensureLoaded();
  }

  public static final int SIGHUP = builtin("SIGHUP");
  public static final int SIGINT = builtin("SIGINT");
  public static final int SIGQUIT = builtin("SIGQUIT");
  public static final int SIGILL = builtin("SIGILL");
  public static final int SIGABRT = builtin("SIGABRT");
  public static final int SIGBUS = builtin("SIGBUS");
  public static final int SIGFPE = builtin("SIGFPE");
  public static final int SIGKILL = builtin("SIGKILL");
  public static final int SIGUSR1 = builtin("SIGUSR1");
  public static final int SIGSEGV = builtin("SIGSEGV");
  public static final int SIGUSR2 = builtin("SIGUSR2");
  public static final int SIGPIPE = builtin("SIGPIPE");
  public static final int SIGALRM = builtin("SIGALRM");
  public static final int SIGTERM = builtin("SIGTERM");
  public static final int SIGCHLD = builtin("SIGCHLD");
  public static final int SIGCONT = builtin("SIGCONT");
  public static final int SIGSTOP = builtin("SIGSTOP");
  public static final int SIGTSTP = builtin("SIGTSTP");
  public static final int SIGWINCH = builtin("SIGWINCH");

  private static final int RTMIN = Core.pipc_sigrtmin();
  private static final int RTMAX = Core.pipc_sigrtmax();
  /** The JDK wakes its own blocked NIO threads with this one. */
  static final int JDK_WAKEUP = RTMAX - 2;

  static {
    for (int s : new int[] {SIGQUIT, SIGUSR2, SIGPIPE, JDK_WAKEUP, Native.WAKEUP_SIGNAL}) {
      Core.pipc_signal_reserve(s);
    }
  }

  private Signals() {}

  private static int builtin(String name) {
    return Core.pipc_signal_number(NativeStrings.encode(name, "signal"));
  }

  // ------------------------------------------------------------------ numbers and names

  /** The lowest real-time signal number of this process (glibc keeps the first few). */
  public static int rtmin() {
    return RTMIN;
  }

  /** The highest real-time signal number. */
  public static int rtmax() {
    return RTMAX;
  }

  /**
   * The number of a signal name: {@code "SIGTERM"} or {@code "TERM"} (any case),
   * {@code "SIGRTMIN+3"}, {@code "SIGRTMAX-2"}, or a decimal number.
   *
   * @throws IllegalArgumentException for a name or number this system does not have
   */
  public static int number(String name) {
    Objects.requireNonNull(name, "name");
    int n = Core.pipc_signal_number(NativeStrings.encode(name.trim().toUpperCase(Locale.ROOT), "signal name"));
    if (n <= 0 || !valid(n)) {
      throw new IllegalArgumentException("'" + name + "' is not a signal of this system"
          + " (examples: SIGUSR1, TERM, SIGRTMIN+3, 10)");
    }
    return n;
  }

  /** The name of a signal number ({@code "SIGTERM"}, {@code "SIGRTMIN+3"}); "SIG?" when unknown. */
  public static String name(int signal) {
    return Core.pipc_signal_name(signal);
  }

  /** True when posixipc refuses to change signal's disposition (see the class comment). */
  public static boolean isReserved(int signal) {
    checkNumber(signal);
    return Core.pipc_signal_is_reserved(signal) == 1;
  }

  // ------------------------------------------------------------------ listeners

  /**
   * Calls listener, on the dispatcher thread, for every signal caught from now until the
   * returned registration is closed. The first listener of a signal installs the library's
   * handler; closing the last one puts back the disposition from before.
   *
   * @throws IllegalArgumentException for a bad number, SIGKILL, SIGSTOP or a reserved signal
   */
  public static Registration addListener(int signal, SignalListener listener) throws IOException {
    Objects.requireNonNull(listener, "listener");
    return register(signal, new SignalDispatcher.Receiver() {
      @Override
      public void deliver(ByteBuffer records, int at) {
        listener.onSignal(SignalRecord.info(records, at));
      }

      @Override
      public void lost(int s, long count) {
        listener.onLost(s, count);
      }
    });
  }

  /** addListener for the library's own receivers ({@link SignalQueue}). */
  static Registration register(int signal, SignalDispatcher.Receiver receiver) throws IOException {
    checkChangeable(signal);
    Registration reg = new Registration(signal, receiver);
    SignalDispatcher.add(reg);
    return reg;
  }

  /**
   * A queue of the signals caught from now on: for code that waits for signals rather than
   * reacting to them. Open it before the signal can come.
   */
  public static SignalQueue queue(int signal) throws IOException {
    return new SignalQueue(signal);
  }

  /**
   * Waits for signal: catches it for the duration of the call, and puts back the previous
   * disposition before returning. A signal that comes before the call meets that previous
   * disposition; to miss none, use {@link #queue(int)} first.
   *
   * @param timeout null waits forever, {@link Duration#ZERO} returns only what is already there
   * @throws TimedOutException when the time is up
   * @throws WouldBlockException with {@link Duration#ZERO}
   * @throws InterruptedException when the waiting thread is interrupted
   */
  public static SignalInfo await(int signal, Duration timeout) throws IOException, InterruptedException {
    try (SignalQueue q = queue(signal)) {
      return q.take(timeout);
    }
  }

  /** What one addListener returns: close it to stop the deliveries. */
  public static final class Registration implements AutoCloseable {
    private final int signal;
    final SignalDispatcher.Receiver receiver;
    /** Closed once; its release takes the receiver out of the dispatcher's registry. */
    private final Descriptor life;

    private Registration(int signal, SignalDispatcher.Receiver receiver) {
      this.signal = signal;
      this.receiver = receiver;
      this.life = Descriptor.of("listener of " + name(signal), 0, unused -> SignalDispatcher.remove(this));
    }

    /** The signal number. */
    public int signal() {
      return signal;
    }

    /**
     * Stops the deliveries to this listener; the last one of its signal puts back the disposition
     * the signal had when its first listener came (the one {@link #ignore} or {@link #setDefault}
     * set, if any). Idempotent.
     */
    @Override
    public void close() {
      int r = life.close();
      if (r < 0) {
        throw new UncheckedIOException(PosixException.of(r, "sigaction", name(signal)));
      }
    }

    @Override
    public String toString() {
      return "Signals.Registration[" + name(signal) + (life.isOpen() ? "" : ", closed") + "]";
    }
  }

  // ------------------------------------------------------------------ dispositions

  /** What a signal's disposition is now. */
  public enum Disposition {
    /** The default action (SIG_DFL). */
    DEFAULT,
    /** Ignored (SIG_IGN). */
    IGNORED,
    /** Caught by posixipc's listeners. */
    CAUGHT,
    /** Handled by some other handler: the JVM's own, or native code's. */
    HANDLED
  }

  /** The current disposition of signal. */
  public static Disposition disposition(int signal) {
    checkNumber(signal);
    int d = Core.pipc_signal_disposition(signal);
    if (d == Core.PIPC_SIGNAL_DEFAULT) {
      return Disposition.DEFAULT;
    }
    if (d == Core.PIPC_SIGNAL_IGNORED) {
      return Disposition.IGNORED;
    }
    return d == Core.PIPC_SIGNAL_CAUGHT ? Disposition.CAUGHT : Disposition.HANDLED;
  }

  /**
   * Ignores signal (SIG_IGN). The disposition from before posixipc's first change is kept for
   * {@link #restoreOriginal(int)}.
   *
   * @throws IllegalStateException while the signal has listeners
   */
  public static void ignore(int signal) throws IOException {
    synchronized (SignalDispatcher.lock()) {
      change(signal, Core.pipc_signal_ignore(checkNoListeners(signal)), "SIG_IGN");
    }
  }

  /**
   * Gives signal its default action (SIG_DFL). The disposition from before posixipc's first
   * change is kept for {@link #restoreOriginal(int)}.
   *
   * @throws IllegalStateException while the signal has listeners
   */
  public static void setDefault(int signal) throws IOException {
    synchronized (SignalDispatcher.lock()) {
      change(signal, Core.pipc_signal_default(checkNoListeners(signal)), "SIG_DFL");
    }
  }

  /**
   * Puts back the disposition signal had before posixipc first changed it (with {@link #ignore},
   * {@link #setDefault} or a listener), and forgets it. Returns false when there was nothing to
   * put back.
   *
   * @throws IllegalStateException while the signal has listeners (close them instead)
   */
  public static boolean restoreOriginal(int signal) throws IOException {
    synchronized (SignalDispatcher.lock()) {
      int r = Core.pipc_signal_restore(checkNoListeners(signal));
      if (r < 0) {
        throw PosixException.of(r, "sigaction", name(signal));
      }
      return r == 1;
    }
  }

  private static void change(int signal, int result, String what) throws IOException {
    if (result < 0) {
      throw PosixException.of(result, "sigaction", name(signal) + " to " + what);
    }
  }

  /** Checks that signal may be changed and has no listeners; called for its value. */
  private static int checkNoListeners(int signal) {
    checkChangeable(signal);
    if (SignalDispatcher.hasReceivers(signal)) {
      throw new IllegalStateException(name(signal) + " has listeners: close their registrations first");
    }
    return signal;
  }

  // ------------------------------------------------------------------ sending

  /**
   * Sends signal with kill(2). pid &gt; 0 is one process; 0 is every process of this JVM's process
   * group (this JVM included); below -1, the process group -pid. pid -1 (every process you may
   * signal) is refused here. Signal 0 sends nothing and only checks that the target exists and may
   * be signalled.
   *
   * @throws IllegalArgumentException for a bad number, pid -1, or a reserved signal aimed at this
   *     JVM
   * @throws PosixException ESRCH (no such process), {@link PermissionDeniedException} (EPERM)
   */
  public static void kill(int pid, int signal) throws IOException {
    if (signal != 0) {
      checkNumber(signal);
    }
    int p = checkPid(pid, true);
    checkNotAtSelf(p, signal);
    int r = Core.pipc_signal_kill(p, signal);
    if (r < 0) {
      throw PosixException.of(r, "kill", target(p) + " with " + (signal == 0 ? "signal 0" : name(signal)));
    }
  }

  /**
   * Sends signal with a value, with sigqueue(3), to process pid (&gt; 0). A real-time signal is
   * queued: every call is one delivery, in order, and the receiver sees value.
   *
   * @throws IllegalArgumentException for a bad number or pid, or a reserved signal aimed at this
   *     JVM
   * @throws WouldBlockException EAGAIN: the receiving user already has RLIMIT_SIGPENDING signals
   *     queued; try again once some were taken
   * @throws PosixException ESRCH (no such process), {@link PermissionDeniedException} (EPERM)
   */
  public static void sigqueue(int pid, int signal, int value) throws IOException {
    if (signal != 0) {
      checkNumber(signal);
    }
    int p = checkPid(pid, false);
    checkNotAtSelf(p, signal);
    int r = Core.pipc_signal_queue(p, signal, value);
    if (r < 0) {
      throw PosixException.of(r, "sigqueue", target(p) + " with " + (signal == 0 ? "signal 0" : name(signal)));
    }
  }

  /**
   * Sends signal to the calling thread (raise(3)). A caught signal's record is in the
   * dispatcher's pipe when this returns; the listener runs shortly after, on the dispatcher thread.
   *
   * @throws IllegalArgumentException for a bad number or a reserved signal
   */
  public static void raise(int signal) throws IOException {
    checkNumber(signal);
    checkNotAtSelf(SELF, signal);
    int r = Core.pipc_signal_raise(signal);
    if (r < 0) {
      throw PosixException.of(r, "raise", name(signal));
    }
  }

  /**
   * How many caught signals the dispatcher had to drop because its pipe (the listeners') was full:
   * of one signal, or of all when signal is 0. Never reset. A queue counts its own: {@link
   * SignalQueue#lost()}.
   */
  public static long lostCount(int signal) {
    if (signal != 0) {
      checkNumber(signal);
    }
    return Core.pipc_signal_lost(signal);
  }
}
