package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SignalsTest {

  private static final int SELF = (int) ProcessHandle.current().pid();
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  /** A real-time signal for one test, away from the reserved ones at the top of the range. */
  private static int rt(int n) {
    return Signals.rtmin() + n;
  }

  /** Reads one line (without its newline) from a pipe, waiting at most PATIENCE. */
  private static String readLine(Pipe.Source in) throws IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    for (;;) {
      one.clear();
      if (in.read(one, PATIENCE) == -1) {
        return sb.length() == 0 ? null : sb.toString();
      }
      char c = (char) one.get(0);
      if (c == '\n') {
        return sb.toString();
      }
      sb.append(c);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      sb.append((char) c);
    }
    return sb.toString();
  }

  private static int readyPid(String line) {
    assertTrue(line != null && line.startsWith("ready pid="), "peer ready line: " + line);
    return Integer.parseInt(line.substring("ready pid=".length()).split(" ")[0]);
  }

  // ------------------------------------------------------------------ in this JVM

  @Test
  void raiseReachesTheListenerAndClosingRestoresTheDisposition() throws Exception {
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(Signals.SIGUSR1));
    try (SignalQueue q = Signals.queue(Signals.SIGUSR1)) {
      assertEquals(Signals.Disposition.CAUGHT, Signals.disposition(Signals.SIGUSR1));
      Signals.raise(Signals.SIGUSR1);
      SignalInfo info = q.take(PATIENCE);
      assertEquals(Signals.SIGUSR1, info.signal());
      assertEquals("SIGUSR1", info.signalName());
      assertEquals(SignalInfo.SI_TKILL, info.code());
      assertEquals(SELF, info.pid());
      Signals.sigqueue(SELF, Signals.SIGUSR1, -42);
      info = q.take(PATIENCE);
      assertTrue(info.queued());
      assertEquals(-42, info.value());
      assertEquals(SELF, info.pid());
    }
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(Signals.SIGUSR1), "restored");
  }

  @Test
  void removingTheLastListenerPutsBackAnIgnoreOrDefaultSetBefore() throws Exception {
    // A real-time signal's default action ends the process: a listener's close after ignore must
    // leave it ignored, not put back the default from before the library's first change.
    int sig = rt(14);
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));
    try {
      Signals.ignore(sig);
      Signals.addListener(sig, i -> { }).close();
      assertEquals(Signals.Disposition.IGNORED, Signals.disposition(sig), "ignored again");
      Signals.raise(sig); // ignored: nothing happens
      Signals.setDefault(sig);
      Signals.ignore(sig);
      Signals.setDefault(sig);
      Signals.addListener(sig, i -> { }).close();
      assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig), "the default set last");
      assertTrue(Signals.restoreOriginal(sig), "the disposition from before the first change is still kept");
      assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));
      Signals.addListener(sig, i -> { }).close();
      assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig), "nothing set: the original");
      assertFalse(Signals.restoreOriginal(sig), "nothing was kept");
    } finally {
      Signals.restoreOriginal(sig);
    }
  }

  @Test
  void removingTheLastListenerPutsBackTheJvmsHandler() throws Exception {
    // The JVM handles SIGTERM, SIGINT and SIGHUP itself (shutdown hooks), unless it was started
    // with the signal ignored (nohup): whatever it is, it must come back.
    Signals.Disposition jvms = Signals.disposition(Signals.SIGHUP);
    assertTrue(jvms == Signals.Disposition.HANDLED || jvms == Signals.Disposition.IGNORED, jvms.toString());
    AtomicInteger a = new AtomicInteger();
    AtomicInteger b = new AtomicInteger();
    Signals.Registration ra = Signals.addListener(Signals.SIGHUP, i -> a.incrementAndGet());
    Signals.Registration rb = Signals.addListener(Signals.SIGHUP, i -> b.incrementAndGet());
    assertEquals(Signals.Disposition.CAUGHT, Signals.disposition(Signals.SIGHUP));
    Signals.kill(SELF, Signals.SIGHUP);
    waitFor(() -> a.get() == 1 && b.get() == 1);
    ra.close();
    ra.close();
    assertEquals(Signals.Disposition.CAUGHT, Signals.disposition(Signals.SIGHUP), "one listener left");
    rb.close();
    assertEquals(jvms, Signals.disposition(Signals.SIGHUP), "the JVM's disposition again");
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheDeliveries() throws Exception {
    int sig = rt(1);
    AtomicInteger seen = new AtomicInteger();
    try (Signals.Registration bad = Signals.addListener(sig, i -> {
          throw new IllegalStateException("listener failure on purpose");
        });
        Signals.Registration good = Signals.addListener(sig, i -> seen.incrementAndGet())) {
      for (int i = 0; i < 3; i++) {
        Signals.raise(sig);
      }
      waitFor(() -> seen.get() == 3);
      try (SignalQueue q = Signals.queue(sig)) {
        Signals.raise(sig);
        assertEquals(sig, q.take(PATIENCE).signal(), "the dispatcher thread is alive");
      }
    }
  }

  @Test
  void awaitTimesOutAndTakeIsCloseSafeAndInterruptible() throws Exception {
    int sig = rt(2);
    assertThrows(WouldBlockException.class, () -> Signals.await(sig, Duration.ZERO));
    TimedOutException t = assertThrows(TimedOutException.class, () -> Signals.await(sig, Duration.ofMillis(50)));
    assertTrue(t.getMessage().contains(Signals.name(sig)), t.getMessage());
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig), "await puts the disposition back");

    SignalQueue q = Signals.queue(sig);
    CompletableFuture<Object> f = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try {
        f.complete(q.take(null));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    waiter.start();
    Thread.sleep(100);
    long start = System.nanoTime();
    q.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertInstanceOf(AsynchronousCloseException.class, e.getCause());
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
    assertThrows(ClosedChannelException.class, () -> q.take(Duration.ZERO));
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));

    try (SignalQueue q2 = Signals.queue(sig)) {
      CompletableFuture<Object> g = new CompletableFuture<>();
      Thread w = new Thread(() -> {
        try {
          g.complete(q2.take(null));
        } catch (Throwable x) {
          g.completeExceptionally(x);
        }
      });
      w.start();
      Thread.sleep(100);
      w.interrupt();
      ExecutionException x = assertThrows(ExecutionException.class, () -> g.get(5, TimeUnit.SECONDS));
      assertInstanceOf(InterruptedException.class, x.getCause());
      Signals.raise(sig);
      assertEquals(sig, q2.take(PATIENCE).signal(), "the queue stays open after an interrupt");
    }
  }

  /**
   * Interrupts racing takes, some while a take is blocked in its read, some while records are
   * waiting: a take that has read a signal returns it (with the thread's interrupt status left
   * set), one that read nothing throws InterruptedException, and so every signal sent is taken
   * exactly once, none lost to an interrupt.
   */
  @Test
  void interruptsRacingTakesLoseNoSignal() throws Exception {
    int sig = rt(11);
    int total = 2000;
    int self = (int) ProcessHandle.current().pid();
    try (SignalQueue q = Signals.queue(sig)) {
      BitSet seen = new BitSet(total);
      AtomicInteger duplicates = new AtomicInteger();
      AtomicInteger interrupted = new AtomicInteger();
      AtomicInteger returnedWithStatus = new AtomicInteger();
      CompletableFuture<Void> done = new CompletableFuture<>();
      Thread taker = new Thread(() -> {
        try {
          int taken = 0;
          while (taken < total) {
            try {
              SignalInfo s = q.take(PATIENCE);
              synchronized (seen) {
                if (seen.get(s.value())) {
                  duplicates.incrementAndGet();
                }
                seen.set(s.value());
              }
              taken++;
              if (Thread.interrupted()) {
                returnedWithStatus.incrementAndGet();
              }
            } catch (InterruptedException e) {
              interrupted.incrementAndGet();
            } catch (TimedOutException e) {
              throw new AssertionError("signals lost: " + taken + " of " + total + " arrived", e);
            }
          }
          done.complete(null);
        } catch (Throwable e) {
          done.completeExceptionally(e);
        }
      });
      taker.start();
      for (int i = 0; i < total; i++) {
        Signals.sigqueue(self, sig, i);
        if ((i & 3) == 0) {
          taker.interrupt();
        }
        if ((i & 63) == 0) {
          Thread.sleep(1); // the taker catches up and blocks in its read
        }
      }
      done.get(60, TimeUnit.SECONDS);
      synchronized (seen) {
        assertEquals(total, seen.cardinality(), "every signal sent was taken");
      }
      assertEquals(0, duplicates.get(), "no signal was taken twice");
      assertEquals(0, q.lost());
      assertTrue(interrupted.get() > 0, "interrupts ended takes: " + interrupted.get());
      System.out.println("interrupted takes: " + interrupted.get() + ", signals returned with the status set: "
          + returnedWithStatus.get());
    }
  }

  @Test
  void ignoreRestoreDefaultAndRestore() throws Exception {
    int sig = rt(3);
    Signals.ignore(sig);
    assertEquals(Signals.Disposition.IGNORED, Signals.disposition(sig));
    Signals.raise(sig); // ignored: nothing happens
    assertTrue(Signals.restoreOriginal(sig));
    assertFalse(Signals.restoreOriginal(sig), "nothing left to restore");
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));

    Signals.Disposition jvms = Signals.disposition(Signals.SIGHUP);
    Signals.setDefault(Signals.SIGHUP);
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(Signals.SIGHUP));
    assertTrue(Signals.restoreOriginal(Signals.SIGHUP));
    assertEquals(jvms, Signals.disposition(Signals.SIGHUP), "the JVM's disposition again");

    try (Signals.Registration r = Signals.addListener(sig, i -> { })) {
      IllegalStateException busy = assertThrows(IllegalStateException.class, () -> Signals.ignore(sig));
      assertTrue(busy.getMessage().contains("listeners"), busy.getMessage());
      assertThrows(IllegalStateException.class, () -> Signals.setDefault(sig));
      assertThrows(IllegalStateException.class, () -> Signals.restoreOriginal(sig));
    }
  }

  @Test
  void jvmOwnedAndReservedSignalsAreRefused() throws Exception {
    int wakeup = Native.WAKEUP_SIGNAL;
    int[] owned = {Signals.SIGSEGV, Signals.SIGBUS, Signals.SIGFPE, Signals.SIGILL, Signals.SIGQUIT,
        Signals.SIGUSR2, Signals.SIGPIPE, Signals.rtmax() - 2, wakeup};
    for (int s : owned) {
      Signals.Disposition before = Signals.disposition(s);
      assertTrue(Signals.isReserved(s), Signals.name(s));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Signals.addListener(s, i -> { }), Signals.name(s));
      assertTrue(e.getMessage().contains("reserved") && e.getMessage().contains(Signals.name(s)), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Signals.ignore(s));
      assertThrows(IllegalArgumentException.class, () -> Signals.setDefault(s));
      assertThrows(IllegalArgumentException.class, () -> Signals.restoreOriginal(s));
      assertThrows(IllegalArgumentException.class, () -> Signals.queue(s));
      assertThrows(IllegalArgumentException.class, () -> Signals.raise(s));
      assertThrows(IllegalArgumentException.class, () -> Signals.kill(SELF, s));
      assertThrows(IllegalArgumentException.class, () -> Signals.kill(0, s));
      assertThrows(IllegalArgumentException.class, () -> Signals.sigqueue(SELF, s, 1));
      assertEquals(before, Signals.disposition(s), "left untouched");
    }
    IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> Signals.addListener(wakeup, i -> { }));
    assertTrue(w.getMessage().contains("posixipc.wakeupSignal"), w.getMessage());
    for (int s : new int[] {Signals.SIGKILL, Signals.SIGSTOP}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.addListener(s, i -> { }));
      assertTrue(e.getMessage().contains("cannot be caught"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Signals.ignore(s));
    }
    assertFalse(Signals.isReserved(Signals.SIGTERM));
    assertFalse(Signals.isReserved(Signals.SIGUSR1));
  }

  @Test
  void badNumbersPidsAndDeadProcesses() throws Exception {
    for (int bad : new int[] {0, -1, 32, 33, Signals.rtmax() + 1, 1000}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.addListener(bad, i -> { }));
      assertTrue(e.getMessage().contains("not a signal number"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Signals.raise(bad));
      assertThrows(IllegalArgumentException.class, () -> Signals.ignore(bad));
      assertThrows(IllegalArgumentException.class, () -> Signals.disposition(bad));
    }
    assertThrows(IllegalArgumentException.class, () -> Signals.kill(SELF, -1));
    assertThrows(IllegalArgumentException.class, () -> Signals.kill(SELF, Signals.rtmax() + 1));
    assertThrows(IllegalArgumentException.class, () -> Signals.kill(-1, Signals.SIGTERM), "pid -1 is refused");
    assertThrows(IllegalArgumentException.class, () -> Signals.kill(Integer.MIN_VALUE, Signals.SIGTERM));
    assertThrows(IllegalArgumentException.class, () -> Signals.sigqueue(0, Signals.SIGUSR1, 1));
    assertThrows(IllegalArgumentException.class, () -> Signals.sigqueue(-5, Signals.SIGUSR1, 1));
    assertThrows(NullPointerException.class, () -> Signals.addListener(Signals.SIGUSR1, null));
    assertThrows(IllegalArgumentException.class, () -> Signals.await(Signals.SIGUSR1, Duration.ofSeconds(-1)));
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(Signals.SIGUSR1));

    Signals.kill(SELF, 0); // only checks
    Signals.kill(0, 0); // this process group: exists
    int dead;
    try (ChildProcess c = ChildProcess.builder(TestSupport.peerPath(), "exit", "0").start()) {
      dead = c.pid();
      c.waitFor(PATIENCE);
    }
    PosixException e = assertThrows(PosixException.class, () -> Signals.kill(dead, Signals.SIGTERM));
    assertEquals("ESRCH", e.errnoName());
    assertEquals("kill", e.syscall());
    assertTrue(e.getMessage().contains("process " + dead), e.getMessage());
    e = assertThrows(PosixException.class, () -> Signals.sigqueue(dead, Signals.SIGTERM, 1));
    assertEquals("ESRCH", e.errnoName());
    assertEquals("sigqueue", e.syscall());
    assertThrows(PosixException.class, () -> Signals.kill(dead, 0));
  }

  @Test
  void namesAndNumbers() {
    assertEquals(Signals.SIGUSR1, Signals.number("SIGUSR1"));
    assertEquals(Signals.SIGUSR1, Signals.number("usr1"));
    assertEquals(Signals.SIGTERM, Signals.number("15"));
    assertEquals(Signals.rtmin() + 3, Signals.number("SIGRTMIN+3"));
    assertEquals(Signals.rtmax() - 3, Signals.number("SIGRTMAX-3"));
    assertEquals("SIGRTMIN+3", Signals.name(Signals.rtmin() + 3));
    assertEquals("SIGTERM", Signals.name(15));
    for (String bad : new String[] {"SIGNOPE", "", "0", "65", "SIGRTMIN+99", "-3"}) {
      assertThrows(IllegalArgumentException.class, () -> Signals.number(bad), bad);
    }
  }

  @Test
  void aFullPipeIsCountedAndReportedToListeners() throws Exception {
    int sig = rt(4);
    int capacity = Core.pipc_signal_capacity();
    assertTrue(capacity > 0);
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong delivered = new AtomicLong();
    AtomicLong lost = new AtomicLong();
    long lostBefore = Signals.lostCount(sig);
    SignalListener blocking = new SignalListener() {
      @Override
      public void onSignal(SignalInfo info) {
        delivered.incrementAndGet();
        try {
          release.await(); // holds the dispatcher so that the pipe fills
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void onLost(int signal, long count) {
        lost.addAndGet(count);
      }
    };
    int raised = capacity + 1000;
    try (Signals.Registration r = Signals.addListener(sig, blocking)) {
      for (int i = 0; i < raised; i++) {
        Signals.raise(sig);
      }
      assertTrue(Signals.lostCount(sig) - lostBefore > 0, "some records could not fit");
      release.countDown();
      waitFor(() -> delivered.get() + lost.get() == raised);
      assertEquals(Signals.lostCount(sig) - lostBefore, lost.get(), "every loss reported");
    }
  }

  @Test
  void noDescriptorLeakOverManyRegistrations() throws Exception {
    int sig = rt(5);
    Signals.queue(sig).close(); // the dispatcher's pipe exists from here on
    int baseline = TestSupport.settledFds();
    for (int i = 0; i < 100; i++) {
      try (SignalQueue q = Signals.queue(sig)) {
        Signals.raise(sig);
        assertEquals(sig, q.take(PATIENCE).signal());
      }
    }
    TestSupport.assertFdsReturnTo(baseline);
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));
  }

  // ------------------------------------------------------------------ with the C peer

  @Test
  void javaSignalsTheCPeerWithKillAndSigqueue() throws Exception {
    int sig = rt(6);
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-wait", Signals.name(sig), "3", "20000")) {
      int pid = readyPid(readLine(peer.stdout));
      assertEquals(peer.process.pid(), pid);
      for (int v = 100; v < 103; v++) {
        Signals.sigqueue(pid, sig, v);
      }
      List<String> lines = peer.output().lines().toList();
      assertEquals(0, peer.waitFor(20));
      for (int i = 0; i < 3; i++) {
        assertEquals("signal " + Signals.name(sig) + " code=-1 pid=" + SELF + " uid=" + uid() + " value=" + (100 + i),
            lines.get(i));
      }
      assertEquals("received=3 lost=0 inorder=1 sum=303", lines.get(3));
    }
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-wait", "SIGUSR1", "1", "20000")) {
      int pid = readyPid(readLine(peer.stdout));
      Signals.kill(pid, Signals.SIGUSR1);
      String out = peer.output();
      assertEquals(0, peer.waitFor(20));
      assertTrue(out.startsWith("signal SIGUSR1 code=0 pid=" + SELF + " "), out);
    }
  }

  @Test
  void theCPeerSignalsJavaWithKillAndSigqueue() throws Exception {
    int sig = rt(7);
    try (SignalQueue q = Signals.queue(sig);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-send", String.valueOf(SELF),
            Signals.name(sig), "7", "3")) {
      List<Integer> values = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        SignalInfo info = q.take(PATIENCE);
        assertEquals(peer.process.pid(), info.pid());
        assertEquals(SignalInfo.SI_QUEUE, info.code());
        assertEquals(uid(), info.uid());
        values.add(info.value());
      }
      values.sort(null); // several JVM threads may take two signals at the same moment
      assertEquals(List.of(7, 8, 9), values);
      assertEquals("sent=3", peer.output());
      assertEquals(0, peer.waitFor(20));
    }
    try (SignalQueue q = Signals.queue(Signals.SIGUSR1);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-send", String.valueOf(SELF), "SIGUSR1", "kill", "1")) {
      SignalInfo info = q.take(PATIENCE);
      assertEquals(SignalInfo.SI_USER, info.code());
      assertEquals(peer.process.pid(), info.pid());
      assertEquals(0, peer.waitFor(20));
    }
  }

  @Test
  void queuesAndListenersOfOneSignalEachGetEverySignal() throws Exception {
    int sig = rt(15);
    List<Integer> heard = new ArrayList<>();
    CountDownLatch three = new CountDownLatch(3);
    try (SignalQueue a = Signals.queue(sig)) {
      Signals.sigqueue(SELF, sig, 1);
      assertEquals(1, a.take(PATIENCE).value(), "the first queue alone");
      try (SignalQueue b = Signals.queue(sig);
          Signals.Registration l = Signals.addListener(sig, info -> {
            synchronized (heard) {
              heard.add(info.value());
            }
            three.countDown();
          })) {
        for (int v = 2; v <= 4; v++) {
          Signals.sigqueue(SELF, sig, v);
        }
        assertTrue(three.await(20, TimeUnit.SECONDS), "the listener heard " + heard);
        // All there, none twice: in a JVM two threads may run the handler for two signals at
        // the same moment, and write their records in either order (docs/signals.md).
        assertEquals(List.of(2, 3, 4), values(b, 3), "the second queue");
      }
      // The listener and the second queue are gone: the first queue still gets them.
      Signals.sigqueue(SELF, sig, 5);
      assertEquals(List.of(2, 3, 4, 5), values(a, 4), "the first queue");
      assertThrows(WouldBlockException.class, () -> a.take(Duration.ZERO));
      synchronized (heard) {
        heard.sort(null);
        assertEquals(List.of(2, 3, 4), heard, "the listener heard the signals sent while it was there");
      }
    }
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));
  }

  @Test
  void queuesBeyondTheRoutesAreRefusedWithoutLeakingDescriptors() throws Exception {
    int sig = rt(17);
    List<SignalQueue> open = new ArrayList<>();
    try {
      PosixException refused = null;
      int before = 0;
      for (int i = 0; i <= Core.PIPC_SIGNAL_ROUTES && refused == null; i++) {
        before = TestSupport.openFds("pipe:");
        try {
          open.add(Signals.queue(sig));
        } catch (PosixException e) {
          refused = e;
        }
      }
      assertTrue(refused != null, "more than " + Core.PIPC_SIGNAL_ROUTES + " queues opened");
      assertEquals("ENOSPC", refused.errnoName());
      assertTrue(refused.getMessage().contains("signal queue of " + Signals.name(sig)), refused.getMessage());
      assertEquals(before, TestSupport.openFds("pipe:"), "the refused queue's pipe is closed");
      // One closed, one more opens, and it gets the signals.
      open.remove(open.size() - 1).close();
      SignalQueue again = Signals.queue(sig);
      open.add(again);
      Signals.sigqueue(SELF, sig, 9);
      assertEquals(9, again.take(PATIENCE).value());
    } finally {
      for (SignalQueue q : open) {
        q.close();
      }
    }
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig));
  }

  /** The values of the next n signals of q, sorted. */
  private static List<Integer> values(SignalQueue q, int n) throws Exception {
    List<Integer> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(q.take(PATIENCE).value());
    }
    got.sort(null);
    return got;
  }

  @Test
  void aFullQueueCountsAndLogsWhatItDrops() throws Exception {
    int sig = rt(16);
    try (SignalQueue q = Signals.queue(sig)) {
      int capacity = q.capacity();
      assertTrue(capacity >= 2048, "capacity " + capacity);
      for (int i = 0; i < capacity + 30; i++) {
        Signals.raise(sig);
      }
      assertEquals(capacity, q.size());
      assertEquals(30, q.lost());
      SignalQueue.Caught c = new SignalQueue.Caught();
      for (int i = 0; i < capacity; i++) {
        assertEquals(sig, q.take(Duration.ZERO, c).signal());
      }
      assertEquals(0, q.size());
      assertThrows(WouldBlockException.class, () -> q.take(Duration.ZERO));
      Signals.raise(sig);
      assertEquals(sig, q.take(Duration.ZERO).signal(), "room again");
      assertEquals(30, q.lost());
      q.close();
      assertEquals(30, q.lost(), "the count stays readable after close");
      assertEquals(0, q.size());
    }
  }

  @Test
  void burstOfTenThousandFromTheCPeerLosesNone() throws Exception {
    int sig = rt(8);
    int count = 10_000;
    long lostBefore = Signals.lostCount(sig);
    try (SignalQueue q = Signals.queue(sig);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-send", String.valueOf(SELF),
            Signals.name(sig), "0", String.valueOf(count))) {
      BitSet seen = new BitSet(count);
      for (int i = 0; i < count; i++) {
        SignalInfo info = q.take(PATIENCE);
        assertFalse(seen.get(info.value()), "duplicate " + info.value());
        seen.set(info.value());
      }
      assertEquals(count, seen.cardinality());
      assertEquals(0, q.lost());
      assertEquals(lostBefore, Signals.lostCount(sig));
      assertEquals(0, peer.waitFor(30));
    }
  }

  @Test
  void burstOfTenThousandToTheCPeerLosesNone() throws Exception {
    int sig = rt(9);
    int count = 10_000;
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-wait", Signals.name(sig),
        String.valueOf(count), "30000")) {
      int pid = readyPid(readLine(peer.stdout));
      for (int i = 0; i < count; i++) {
        for (;;) {
          try {
            Signals.sigqueue(pid, sig, i);
            break;
          } catch (WouldBlockException e) {
            Thread.sleep(0, 50_000); // RLIMIT_SIGPENDING: let the peer take some
          }
        }
      }
      String out = peer.output();
      assertEquals(0, peer.waitFor(30), out);
      assertEquals("received=10000 lost=0 inorder=1 sum=" + ((long) count * (count - 1) / 2), out);
    }
  }

  // ------------------------------------------------------------------ with a child JVM

  @Test
  void aChildJvmAndThisOneSignalEachOther() throws Exception {
    int sig = rt(10);
    Process p = TestSupport.startJavaPeer("signal-wait", Signals.name(sig), "2", "20000");
    try {
      int pid = readyPid(readLine(p.getInputStream()));
      assertEquals(p.pid(), pid);
      Signals.sigqueue(pid, sig, 5);
      Signals.sigqueue(pid, sig, 6);
      String out = TestSupport.finish(p, 30);
      assertTrue(out.contains("code=-1 pid=" + SELF + " uid=" + uid() + " value=5"), out);
      assertTrue(out.contains("value=6"), out);
      assertTrue(out.endsWith("received=2 lost=0 inorder=1 sum=11") || out.endsWith("inorder=0 sum=11"), out);
    } finally {
      p.destroyForcibly();
    }
    try (SignalQueue q = Signals.queue(sig)) {
      Process s = TestSupport.startJavaPeer("signal-send", String.valueOf(SELF), Signals.name(sig), "40", "2");
      try {
        SignalInfo a = q.take(Duration.ofSeconds(30));
        SignalInfo b = q.take(Duration.ofSeconds(30));
        assertEquals(s.pid(), a.pid());
        assertEquals(81, a.value() + b.value());
        assertEquals("sent=2", TestSupport.finish(s, 30));
      } finally {
        s.destroyForcibly();
      }
    }
  }

  /**
   * What docs/signals.md says about SIGTERM and shutdown hooks, measured: while a listener holds
   * SIGTERM the JVM keeps running and no hook runs; once it is removed, SIGTERM runs the hooks and
   * ends the JVM with status 143 (128 + 15).
   */
  @Test
  void aSigtermListenerHoldsOffTheJvmsShutdownUntilRemoved() throws Exception {
    Process p = TestSupport.startJavaPeer("signal-shutdown");
    try {
      InputStream in = p.getInputStream();
      String ready = readLine(in);
      int pid = readyPid(ready);
      assertTrue(ready.endsWith("disposition=CAUGHT"), ready);
      Signals.kill(pid, Signals.SIGTERM);
      assertEquals("listener got SIGTERM from pid " + SELF, readLine(in));
      assertEquals("removed disposition=HANDLED", readLine(in));
      assertTrue(p.isAlive(), "the first SIGTERM did not end the JVM");
      Signals.kill(pid, Signals.SIGTERM);
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(143, p.exitValue());
      assertEquals("shutdown hook ran", readLine(in));
    } finally {
      p.destroyForcibly();
    }
  }

  // ------------------------------------------------------------------ helpers

  private static long uid() throws Exception {
    return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
  }

  private interface Condition {
    boolean holds();
  }

  private static void waitFor(Condition c) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!c.holds()) {
      assertTrue(System.nanoTime() < deadline, "condition not reached in time");
      Thread.sleep(5);
    }
  }
}
