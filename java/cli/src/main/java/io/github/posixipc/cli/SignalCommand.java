package io.github.posixipc.cli;

import io.github.posixipc.SignalInfo;
import io.github.posixipc.SignalQueue;
import io.github.posixipc.Signals;
import io.github.posixipc.TimedOutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Manual tools for signals. */
@Command(
    name = "signal",
    description = "Send signals (kill, sigqueue with a value) and wait for them.",
    subcommands = SignalCommand.Wait.class)
final class SignalCommand extends CommandGroup {

  /** What SIG may be, for every command that takes one. */
  private static final String SIG = "The signal: a name (TERM, SIGUSR1, SIGRTMIN+3) or a number.";

  @Command(name = "send", description = {
      "Send SIG to process PID (sigqueue with --value, kill otherwise).",
      "SIG 0 only checks that PID exists.",
      "PID 0 is this process group and a negative PID the group -PID (kill only; write -- before it);"
          + " -1 is refused.",
      "Signals the JVM owns are refused when they would reach this process."})
  void send(
      @Parameters(index = "0", paramLabel = "PID", description = "The process to signal.") int pid,
      @Parameters(index = "1", paramLabel = "SIG", description = SIG) String signal,
      @Option(names = "--value", paramLabel = "N", description = "Send with sigqueue, carrying this integer.")
          Integer value)
      throws IOException {
    int s = signal.equals("0") ? 0 : Signals.number(signal);
    if (value != null) {
      Signals.sigqueue(pid, s, value);
    } else {
      Signals.kill(pid, s);
    }
  }

  @Command(name = "wait", description = {
      "Catch SIG and wait for it; print each one that comes.",
      "Each line gives the signal, the sender's pid and uid, how it was sent and the sigqueue value.",
      "Exit status 1 when --timeout passes first; 2 for a signal posixipc refuses to catch."})
  static final class Wait implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SIG", description = SIG) String signal;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: forever).")
    Duration timeout;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N", converter = Args.Positive.class,
        description = "How many signals to wait for (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws IOException {
      int s = Signals.number(signal);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
      try (SignalQueue q = Signals.queue(s)) {
        err.println("waiting for " + Signals.name(s) + " in process " + ProcessHandle.current().pid());
        err.flush();
        for (int i = 0; i < count; i++) {
          Duration left = timeout == null ? null : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
          SignalInfo info;
          try {
            info = q.take(left);
          } catch (io.github.posixipc.WouldBlockException e) {
            throw new TimedOutException(io.github.posixipc.Errno.ETIMEDOUT, "await", "signal " + Signals.name(s));
          }
          out.println(info);
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      }
      return 0;
    }
  }
}
