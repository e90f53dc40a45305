package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The spin stage of a wait on a virtual thread (see {@link VirtualThreads#SPIN_NANOS}): what a
 * handle remembers of it, the property that sets it, round trips answered within it, and idle
 * waits that stop spinning.
 */
class VirtualSpinTest {

  private static void assumeVirtualThreads() {
    assumeTrue(Runtime.version().feature() >= 21,
        "virtual threads need JDK 21+, this JVM is " + Runtime.version()
            + " (.ci/run runs the suite again on JDK 25)");
  }

  @Test
  void aHandleSkipsTheSpinAfterMissesAndSpinsAgainOnceOneIsAnswered() {
    assertEquals(20_000L, VirtualThreads.SPIN_NANOS, "the default, as the docs say");
    VirtualThreads.Spin spin = new VirtualThreads.Spin();
    long end = spin.start(-1);
    assertNotEquals(0, end, "a fresh handle spins");
    // Misses in a row: 1, 2, 4, ... waits skip the stage, up to MAX_SKIP.
    int expected = 1;
    for (int round = 0; round < 10; round++) {
      spin.missed(end);
      for (int i = 0; i < expected; i++) {
        assertEquals(0, spin.start(-1), "skipped after " + (round + 1) + " misses, wait " + i);
      }
      end = spin.start(-1);
      assertNotEquals(0, end, "spins again after " + expected + " skipped waits");
      expected = Math.min(expected * 2, VirtualThreads.Spin.MAX_SKIP);
    }
    assertEquals(VirtualThreads.Spin.MAX_SKIP, expected);
    // One answer ends the penalty: the next miss skips one wait only.
    spin.answered();
    spin.missed(end);
    assertEquals(0, spin.start(-1));
    assertNotEquals(0, spin.start(-1));
    // A stage that never started (0) changes nothing.
    spin.missed(0);
    assertNotEquals(0, spin.start(-1));
  }

  @Test
  void theSpinNeverOutlastsTheTimeLeft() {
    long before = System.nanoTime();
    long end = VirtualThreads.spinEnd(1_000);
    long after = System.nanoTime();
    // At most the 1 µs left after the call (+1: the stage's end is odd); 20 µs if it were not bounded.
    assertTrue(end - after <= 1_001 && end - before >= 1_000, "bounded by the 1 µs left: " + (end - after));
    assertEquals(0, VirtualThreads.spinEnd(0), "nothing left: no stage");
    assertTrue(VirtualThreads.spinEnd(-1) - before >= VirtualThreads.SPIN_NANOS - 1);
    assertEquals(false, VirtualThreads.spin(0), "no stage: park at once");
  }

  @Test
  void theSpinPropertyTakesNanosecondsAndSaysWhatIsWrong() {
    assertEquals(0, VirtualThreads.parseSpinNanos("0"));
    assertEquals(5_000, VirtualThreads.parseSpinNanos(" 5000 "));
    assertEquals(VirtualThreads.MAX_SPIN_NANOS, VirtualThreads.parseSpinNanos("10000000"));
    for (String bad : new String[] {"-1", "10000001", "20us", "", "x"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> VirtualThreads.parseSpinNanos(bad), bad);
      assertTrue(e.getMessage().contains("posixipc.virtualSpinNanos") && e.getMessage().contains("\"" + bad + "\""),
          e.getMessage());
    }
  }

  /**
   * Reads of a pipe whose data comes 5 ms after each read begins, far past the 20 µs spin: the
   * descriptor learns that its spins go unanswered and skips them (8 waits: spin, skip, spin,
   * skip, skip, spin, ...; the skips doubled twice).
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aDescriptorWhoseSpinsGoUnansweredSkipsThem() throws Exception {
    assumeVirtualThreads();
    try (Pipe p = Pipe.open()) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread reader = VirtualThreadsMain.virtualFactory().newThread(() -> {
        try {
          for (int i = 0; i < 8; i++) {
            ByteBuffer b = ByteBuffer.allocate(1);
            readFully(p.source(), b);
          }
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      reader.start();
      for (int i = 0; i < 8; i++) {
        Thread.sleep(5);
        p.sink().write(ByteBuffer.wrap(new byte[] {(byte) i}));
      }
      reader.join(20_000);
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertTrue(p.source().descriptor.spinHint().penalty() >= 2,
          "penalty after 8 unanswered waits: " + p.source().descriptor.spinHint().penalty());
    }
  }

  /**
   * 20,000 round trips between a virtual thread and a platform echo thread, over pipes and over a
   * socket pair: with most answers coming within the spin, every byte arrives, in order.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void roundTripsOnAVirtualThreadLoseNothing() throws Exception {
    assumeVirtualThreads();
    try (Pipe there = Pipe.open(); Pipe back = Pipe.open()) {
      roundTrips(there.source(), there.sink(), back.source(), back.sink());
    }
    ConnectedSocket[] pair = ConnectedSocket.pair();
    try (ConnectedSocket a = pair[0]; ConnectedSocket b = pair[1]) {
      roundTrips(a, b, b, a);
    }
  }

  private static void roundTrips(TimedReadableByteChannel echoIn, TimedWritableByteChannel clientOut,
      TimedReadableByteChannel clientIn, TimedWritableByteChannel echoOut) throws Exception {
    int n = 20_000;
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread echo = new Thread(() -> {
      ByteBuffer b = ByteBuffer.allocateDirect(8);
      try {
        for (int i = 0; i < n; i++) {
          b.clear();
          readFully(echoIn, b);
          b.flip();
          b.putLong(0, b.getLong(0) + 1);
          while (b.hasRemaining()) {
            echoOut.write(b);
          }
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "echo");
    echo.start();
    long[] answers = new long[n];
    Thread client = VirtualThreadsMain.virtualFactory().newThread(() -> {
      ByteBuffer b = ByteBuffer.allocateDirect(8);
      try {
        for (int i = 0; i < n; i++) {
          b.clear();
          b.putLong(0, i * 3L);
          while (b.hasRemaining()) {
            clientOut.write(b);
          }
          b.clear();
          readFully(clientIn, b);
          answers[i] = b.getLong(0);
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    });
    client.start();
    client.join(50_000);
    echo.join(5_000);
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    long[] expected = new long[n];
    for (int i = 0; i < n; i++) {
      expected[i] = i * 3L + 1;
    }
    assertArrayEquals(expected, answers);
  }

  private static void readFully(TimedReadableByteChannel in, ByteBuffer b) throws java.io.IOException {
    while (b.hasRemaining()) {
      if (in.read(b) < 0) {
        throw new java.io.EOFException();
      }
    }
  }

  /**
   * 200 virtual threads waiting on descriptors where nothing comes (pipes) and on semaphores
   * nobody posts: each spins at most once, for 20 µs, then parks; the whole process uses under a
   * quarter of one CPU over the next 2 s (the pool threads' 20 ms slices included).
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void idleWaitsSpinOnceAndThenCostNothing() throws Exception {
    assumeVirtualThreads();
    ThreadFactory virtual = VirtualThreadsMain.virtualFactory();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<Pipe> pipes = new ArrayList<>();
    List<UnnamedSemaphore> sems = new ArrayList<>();
    List<Thread> waiters = new ArrayList<>();
    try (SharedMemory shm = SharedMemory.createAnonymous("vt-spin", 100L * UnnamedSemaphore.size());
         MappedRegion region = shm.map()) {
      for (int i = 0; i < 100; i++) {
        Pipe p = Pipe.open();
        pipes.add(p);
        sems.add(UnnamedSemaphore.init(region, (long) i * UnnamedSemaphore.size(), 0));
      }
      for (int i = 0; i < 100; i++) {
        Pipe p = pipes.get(i);
        UnnamedSemaphore s = sems.get(i);
        waiters.add(virtual.newThread(() -> {
          try {
            p.source().read(ByteBuffer.allocateDirect(1));
          } catch (java.io.IOException e) {
            // closed at the end: expected
          }
        }));
        waiters.add(virtual.newThread(() -> {
          try {
            s.acquire();
          } catch (java.io.IOException | InterruptedException e) {
            // closed or interrupted at the end: expected
          }
        }));
      }
      waiters.forEach(Thread::start);
      Thread.sleep(500);
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Thread.sleep(2_000);
      double share = (double) (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
      assertTrue(share < 0.25, "idle waits used " + share + " of a CPU");
      for (Thread t : waiters) {
        assertTrue(t.isAlive(), "still waiting");
      }
    } finally {
      for (Thread t : waiters) {
        t.interrupt();
      }
      for (Pipe p : pipes) {
        p.close();
      }
      for (UnnamedSemaphore s : sems) {
        s.close();
      }
      for (Thread t : waiters) {
        t.join(5_000);
      }
    }
  }
}
