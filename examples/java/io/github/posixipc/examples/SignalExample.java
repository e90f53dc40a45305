package io.github.posixipc.examples;

import io.github.posixipc.SignalInfo;
import io.github.posixipc.SignalQueue;
import io.github.posixipc.Signals;
import java.time.Duration;

/** The README's signal example: a queued real-time signal with a value, and a refused one. */
public final class SignalExample {
  public static void main(String[] args) throws Exception {
    int sig = Signals.number("SIGRTMIN+1");
    int self = (int) ProcessHandle.current().pid();
    try (SignalQueue q = Signals.queue(sig)) {          // caught from here on
      Signals.sigqueue(self, sig, 42);                  // any process could send it
      SignalInfo info = q.take(Duration.ofSeconds(5));
      System.out.println(info.signalName() + " value " + info.value() + ", sent by this process: " + (info.pid() == self));
    }                                                   // the previous disposition again
    try {
      Signals.addListener(Signals.SIGSEGV, i -> { });
    } catch (IllegalArgumentException e) {
      System.out.println(e.getMessage());               // the JVM owns SIGSEGV
    }
  }
}
