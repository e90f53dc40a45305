package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.lang.ref.Cleaner;

/**
 * Loads the JNI library and sets up what every handle relies on: the wake-up signal and the
 * shared {@link Cleaner}; installs the fault guard on demand. Every public entry class touches {@link #ensureLoaded()} in its static
 * initializer or inherits a superclass that does (PosixSemaphore, PlacedHandle: a superclass is
 * initialized first), so that nothing reaches JavaCPP before the library is in memory.
 */
final class Native {

  /** The system property that chooses the wake-up signal. */
  static final String WAKEUP_SIGNAL_PROPERTY = "posixipc.wakeupSignal";

  /** The default: the JDK itself uses SIGRTMAX-2 for the same purpose in NIO. */
  static final String DEFAULT_WAKEUP_SIGNAL = "SIGRTMAX-3";

  /** The real-time signal that wakes threads blocked in a call of ours (see Descriptor). */
  static final int WAKEUP_SIGNAL;

  /** Closes descriptors that their owners forgot to close. Never unlinks a name. */
  static final Cleaner CLEANER;

  static {
    NativeLibrary.load();
    WAKEUP_SIGNAL = parseWakeupSignal(System.getProperty(WAKEUP_SIGNAL_PROPERTY, DEFAULT_WAKEUP_SIGNAL));
    int r = Core.pipc_wakeup_install(WAKEUP_SIGNAL);
    if (r < 0) {
      throw new IllegalStateException("posixipc: cannot install the wake-up signal " + WAKEUP_SIGNAL
          + " (" + Core.pipc_errno_name(r) + "): another handler owns it; choose a free real-time"
          + " signal with -D" + WAKEUP_SIGNAL_PROPERTY + "=SIGRTMIN+N or SIGRTMAX-N");
    }
    CLEANER = Cleaner.create(runnable -> {
      Thread t = new Thread(runnable, "posixipc-cleaner");
      t.setDaemon(true);
      return t;
    });
  }

  private Native() {}

  /** Does nothing but makes sure the static initializer above has run. */
  static void ensureLoaded() {}

  /**
   * Installs the core's fault guard (pipc_fault_guard_install) for SIGBUS and SIGABRT, in front of
   * HotSpot's handlers: shared memory that another process cut off then gives
   * SharedMemoryFaultException instead of ending the process. Called when shared memory is first
   * used (a mapping, a named semaphore), so that a JVM that uses none keeps its handlers as they
   * were; idempotent and cheap after the first call. False without glibc (ENOSYS), where there is
   * no guard.
   */
  static boolean installFaultGuard() {
    int r = Core.pipc_fault_guard_install();
    if (r < 0 && r != -Errno.ENOSYS) {
      throw new IllegalStateException("posixipc: cannot install the fault guard for SIGBUS and"
          + " SIGABRT (" + Core.pipc_errno_name(r) + ")");
    }
    return r == 0;
  }

  /**
   * Parses "SIGRTMAX-3", "SIGRTMIN+2" or a number. Only real-time signals are accepted, and not
   * SIGRTMAX-2, which the JDK uses to wake its own blocked threads.
   */
  static int parseWakeupSignal(String text) {
    int min = Core.pipc_sigrtmin();
    int max = Core.pipc_sigrtmax();
    String s = text.trim().toUpperCase(java.util.Locale.ROOT);
    int signo;
    try {
      if (s.startsWith("SIGRTMAX")) {
        signo = max + offset(s.substring(8));
      } else if (s.startsWith("SIGRTMIN")) {
        signo = min + offset(s.substring(8));
      } else {
        signo = Integer.parseInt(s);
      }
    } catch (NumberFormatException e) {
      throw badSignal(text, min, max);
    }
    if (signo < min || signo > max || signo == max - 2) {
      throw badSignal(text, min, max);
    }
    return signo;
  }

  private static int offset(String rest) {
    return rest.isEmpty() ? 0 : Integer.parseInt(rest.startsWith("+") ? rest.substring(1) : rest);
  }

  private static IllegalArgumentException badSignal(String text, int min, int max) {
    return new IllegalArgumentException("posixipc: -D" + WAKEUP_SIGNAL_PROPERTY + "=" + text
        + " is not a usable real-time signal: use SIGRTMIN+N or SIGRTMAX-N within " + min + ".."
        + max + ", other than SIGRTMAX-2 (" + (max - 2) + ", the JDK's own)");
  }
}
