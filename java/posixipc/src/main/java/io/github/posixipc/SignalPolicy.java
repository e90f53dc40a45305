package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@link Signals} checks before it changes or sends a signal: valid numbers, the signals the
 * JVM and the library own (and who owns them, for the message), and the targets of a send that
 * would reach this JVM.
 */
final class SignalPolicy {

  private SignalPolicy() {}


  static final int SELF = (int) ProcessHandle.current().pid();
  private static final int PROCESS_GROUP = readProcessGroup();

  static boolean valid(int signal) {
    return (signal >= 1 && signal <= 31) || (signal >= Signals.rtmin() && signal <= Signals.rtmax());
  }

  static void checkNumber(int signal) {
    if (!valid(signal)) {
      throw new IllegalArgumentException("not a signal number: " + signal + " (valid: 1..31 and "
          + Signals.rtmin() + ".." + Signals.rtmax() + ", SIGRTMIN..SIGRTMAX)");
    }
  }

  static void checkChangeable(int signal) {
    checkNumber(signal);
    if (signal == Signals.SIGKILL || signal == Signals.SIGSTOP) {
      throw new IllegalArgumentException(Signals.name(signal) + " cannot be caught, ignored or reset (kernel rule)");
    }
    if (Core.pipc_signal_is_reserved(signal) == 1) {
      throw new IllegalArgumentException(Signals.name(signal) + " (" + signal + ") is reserved: " + owner(signal));
    }
  }

  static String owner(int signal) {
    if (signal == Native.WAKEUP_SIGNAL) {
      return "posixipc wakes blocked calls with it (choose another with -D"
          + Native.WAKEUP_SIGNAL_PROPERTY + ")";
    }
    if (signal == Signals.JDK_WAKEUP) {
      return "the JDK wakes its blocked I/O threads with it";
    }
    if (signal == Signals.SIGQUIT) {
      return "the JVM prints thread dumps on it";
    }
    if (signal == Signals.SIGUSR2) {
      return "the JVM suspends and resumes threads with it";
    }
    if (signal == Signals.SIGPIPE) {
      return "the JVM ignores it so that writes to a closed pipe fail with EPIPE";
    }
    return "the JVM handles it (faults become exceptions or crash reports)";
  }

  static int checkPid(int pid, boolean groups) {
    if (pid == Integer.MIN_VALUE) {
      throw new IllegalArgumentException("not a process id: " + pid);
    }
    if (pid == -1) {
      throw new IllegalArgumentException("pid -1 (every process you may signal) is not offered");
    }
    if (!groups && pid <= 0) {
      throw new IllegalArgumentException("sigqueue needs a process id > 0, not " + pid);
    }
    return pid;
  }

  /** Refuses a reserved signal whose target includes this JVM. */
  static void checkNotAtSelf(int pid, int signal) {
    if (signal == 0 || !(pid == SELF || pid == 0 || (PROCESS_GROUP > 0 && pid == -PROCESS_GROUP))) {
      return;
    }
    if (signal != Signals.SIGKILL && signal != Signals.SIGSTOP && Core.pipc_signal_is_reserved(signal) == 1) {
      throw new IllegalArgumentException(Signals.name(signal) + " (" + signal + ") would reach this JVM, and it is reserved: "
          + owner(signal));
    }
  }

  static String target(int pid) {
    return pid > 0 ? "process " + pid : pid == 0 ? "this process group" : "process group " + (-pid);
  }

  /** Field 5 of /proc/self/stat, or -1 when it cannot be read. */
  private static int readProcessGroup() {
    try {
      String s = new String(Files.readAllBytes(Path.of("/proc/self/stat")), StandardCharsets.US_ASCII);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(f[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
