package io.github.posixipc.peer;

import io.github.posixipc.Pipe;
import io.github.posixipc.SignalInfo;
import io.github.posixipc.SignalQueue;
import io.github.posixipc.Signals;
import io.github.posixipc.TimedOutException;
import io.github.posixipc.WouldBlockException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Java peer's signal commands, the same as the C peer's ({@code test/peer/peer_signal.c}):
 *
 * <pre>
 *   signal-send PID SIG VALUE COUNT   sigqueue SIG to PID COUNT times with VALUE, VALUE+1, ...
 *                                     ("kill" as VALUE: kill(2) instead); print "sent=N"
 *   signal-wait SIG COUNT TIMEOUT_MS  catch SIG, print "ready pid=P", take COUNT signals; print
 *                                     one line per signal (COUNT &lt;= 20) and
 *                                     "received=N lost=L inorder=0|1 sum=S"
 *   signal-echo SIG IN OUT            catch SIG, write "ready pid=P" to OUT, answer every SIG
 *                                     with sigqueue(sender, SIG, same value) until end of file
 *                                     on IN; write "count=N"
 *   signal-shutdown                   (Java only) the SIGTERM experiment of docs/signals.md
 * </pre>
 */
public final class SignalPeer {

  private SignalPeer() {}

  /** Runs one signal command; returns the exit status, or -1 when args are not one. */
  public static int run(String... args) throws IOException {
    try {
      if (args.length == 5 && args[0].equals("signal-send")) {
        return send(Integer.parseInt(args[1]), Signals.number(args[2]), args[3], Long.parseLong(args[4]));
      }
      if (args.length == 4 && args[0].equals("signal-wait")) {
        return await(Signals.number(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
      }
      if (args.length == 4 && args[0].equals("signal-echo")) {
        return echo(Signals.number(args[1]), args[2], args[3]);
      }
      if (args.length == 1 && args[0].equals("signal-shutdown")) {
        return shutdown();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    return -1;
  }

  /** sigqueue, retried while the receiving user has too many signals queued. */
  static void queueRetrying(int pid, int signal, int value) throws IOException, InterruptedException {
    for (;;) {
      try {
        Signals.sigqueue(pid, signal, value);
        return;
      } catch (WouldBlockException e) {
        Thread.sleep(0, 50_000);
      }
    }
  }

  private static int send(int pid, int signal, String value, long count) throws IOException, InterruptedException {
    boolean kill = value.equals("kill");
    int v = kill ? 0 : Integer.parseInt(value);
    for (long i = 0; i < count; i++) {
      if (kill) {
        Signals.kill(pid, signal);
      } else {
        queueRetrying(pid, signal, v + (int) i);
      }
    }
    System.out.println("sent=" + count);
    return 0;
  }

  private static int await(int signal, int count, long timeoutMs) throws IOException, InterruptedException {
    try (SignalQueue q = Signals.queue(signal)) {
      System.out.println("ready pid=" + ProcessHandle.current().pid());
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      int received = 0;
      boolean inorder = true;
      boolean haveLast = false;
      int last = 0;
      long sum = 0;
      StringBuilder lines = new StringBuilder();
      while (received < count) {
        SignalInfo s;
        try {
          s = q.take(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (TimedOutException e) {
          break;
        }
        if (count <= 20) {
          lines.append(String.format("signal %s code=%d pid=%d uid=%d value=%d%n", s.signalName(), s.code(),
              s.pid(), s.uid(), s.value()));
        }
        if (haveLast && s.value() != last + 1) {
          inorder = false;
        }
        last = s.value();
        haveLast = true;
        sum += s.value();
        received++;
      }
      System.out.print(lines);
      System.out.println("received=" + received + " lost=" + Signals.lostCount(signal) + " inorder="
          + (inorder ? 1 : 0) + " sum=" + sum);
      return received == count ? 0 : 3;
    }
  }

  private static int echo(int signal, String inSpec, String outSpec) throws IOException, InterruptedException {
    try (SignalQueue q = Signals.queue(signal);
        Pipe.Source in = Pipe.Source.adopt(fd(inSpec));
        Pipe.Sink out = Pipe.Sink.adopt(fd(outSpec))) {
      write(out, "ready pid=" + ProcessHandle.current().pid() + "\n");
      // End of file on IN closes the queue, which ends the loop below.
      Thread watcher = new Thread(() -> {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        try {
          while (in.read(b.clear()) != -1) {
            // only the end matters
          }
        } catch (IOException e) {
          // the same: stop
        }
        q.close();
      }, "signal-echo-control");
      watcher.setDaemon(true);
      watcher.start();
      long answered = 0;
      for (;;) {
        SignalInfo s;
        try {
          s = q.take(null);
        } catch (java.nio.channels.ClosedChannelException e) { // closed at end of file on IN
          break;
        }
        queueRetrying(s.pid(), signal, s.value());
        answered++;
      }
      write(out, "count=" + answered + "\n");
      return 0;
    }
  }

  /**
   * What a SIGTERM listener does to the JVM's shutdown: while it is registered, SIGTERM reaches
   * the listener and the JVM keeps running; once it is closed, the next SIGTERM runs the shutdown
   * hooks and ends the JVM (exit status 143) as usual.
   */
  private static int shutdown() throws IOException, InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("shutdown hook ran");
      System.out.flush();
    }));
    CountDownLatch got = new CountDownLatch(1);
    Signals.Registration r = Signals.addListener(Signals.SIGTERM, info -> {
      System.out.println("listener got " + info.signalName() + " from pid " + info.pid());
      got.countDown();
    });
    System.out.println("ready pid=" + ProcessHandle.current().pid() + " disposition=" + Signals.disposition(Signals.SIGTERM));
    if (!got.await(30, TimeUnit.SECONDS)) {
      System.out.println("no SIGTERM came");
      return 3;
    }
    r.close();
    System.out.println("removed disposition=" + Signals.disposition(Signals.SIGTERM));
    Thread.sleep(30_000);
    System.out.println("still running after 30 s");
    return 4;
  }

  private static int fd(String spec) {
    if (!spec.startsWith("fd:")) {
      throw new IllegalArgumentException("not an inherited descriptor: " + spec);
    }
    return Integer.parseInt(spec.substring(3));
  }

  private static void write(Pipe.Sink out, String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      out.write(b);
    }
  }
}
