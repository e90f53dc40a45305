package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SemaphoreTest {

  /** Offsets of consecutive sync objects, from the sizes and alignments the core reports. */
  static long slot(int i) {
    long stride = Math.max(UnnamedSemaphore.size(), Math.max(SharedMutex.size(), SharedCondition.size()));
    long align = Math.max(UnnamedSemaphore.alignment(), Math.max(SharedMutex.alignment(), SharedCondition.alignment()));
    stride = (stride + align - 1) / align * align;
    return i * stride;
  }

  @Test
  void namedSemaphoreCountsAndTimesOut() throws Exception {
    int before = TestSupport.settledFds();
    try (IpcNames names = new IpcNames()) {
      String name = names.sem("named");
      assertThrows(NotFoundException.class, () -> NamedSemaphore.open(name));
      try (NamedSemaphore s = NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(2)); NamedSemaphore t = NamedSemaphore.open(name)) {
        assertThrows(AlreadyExistsException.class, () -> NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(0)));
        assertEquals(2, t.value());
        s.acquire();
        assertTrue(t.tryAcquire());
        assertFalse(s.tryAcquire());
        assertThrows(WouldBlockException.class, () -> s.acquire(Duration.ZERO));
        TimedOutException e = assertThrows(TimedOutException.class, () -> s.acquire(Duration.ofMillis(30)));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        t.post();
        s.acquire(Duration.ofSeconds(1));
        assertEquals(name, s.name());
      }
      try (NamedSemaphore again = NamedSemaphore.open(name, NamedSemaphore.options().create().initialValue(5).mode(0600))) {
        assertEquals(0, again.value(), "openOrCreate opens the existing one");
      }
      NamedSemaphore.unlink(name);
      assertThrows(NotFoundException.class, () -> NamedSemaphore.unlink(name));
    }
    TestSupport.assertFdsReturnTo(before);
  }

  @Test
  void badNamesValuesAndOffsetsAreRefused() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.sem("bad");
      assertEquals(Errno.EINVAL, assertThrows(PosixException.class, () -> NamedSemaphore.open("x", NamedSemaphore.options().exclusive().initialValue(0))).errno());
      assertEquals(Errno.ENAMETOOLONG,
          assertThrows(PosixException.class, () -> NamedSemaphore.open("/" + "s".repeat(252), NamedSemaphore.options().exclusive().initialValue(0))).errno());
      assertThrows(IllegalArgumentException.class, () -> NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(-1)));
      assertThrows(IllegalArgumentException.class, () -> NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(0).mode(02000)));
      assertThrows(IllegalArgumentException.class, () -> NamedSemaphore.open("/a\0", NamedSemaphore.options().exclusive().initialValue(0)));
      String shmName = names.shm("sems");
      try (SharedMemory shm = SharedMemory.create(shmName, 4096); MappedRegion r = shm.map();
           SharedMemory ro = SharedMemory.open(shmName, SharedMemory.options().access(Access.READ));
           MappedRegion rr = ro.map()) {
        assertThrows(IllegalArgumentException.class, () -> UnnamedSemaphore.init(r, 1, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> UnnamedSemaphore.init(r, 4096, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> UnnamedSemaphore.at(r, -64));
        assertThrows(IllegalArgumentException.class, () -> UnnamedSemaphore.init(r, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> UnnamedSemaphore.at(rr, 0), "read-only region");
        assertThrows(IllegalArgumentException.class, () -> SharedMutex.init(r, 4));
        assertThrows(IllegalArgumentException.class, () -> SharedCondition.at(rr, 0));
      }
    }
  }

  @Test
  void namedSemaphoreBetweenJavaAndTheCPeer() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.sem("xproc");
      try (NamedSemaphore s = NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(0))) {
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sem-wait", name, "10000")) {
          s.post();
          assertEquals("acquired", peer.output());
          assertEquals(0, peer.waitFor(10));
        }
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sem-post", name, "3")) {
          for (int i = 0; i < 3; i++) {
            s.acquire(Duration.ofSeconds(10));
          }
          assertEquals("posted", peer.output());
          assertEquals(0, peer.waitFor(10));
        }
        assertEquals(0, s.value());
      }
    }
  }

  /** Java produces, the C peer consumes, through one slot and two unnamed semaphores. */
  @Test
  void producerConsumerJavaToC() throws Exception {
    transfer(true);
  }

  /** The C peer produces, Java consumes. */
  @Test
  void producerConsumerCToJava() throws Exception {
    transfer(false);
  }

  private static void transfer(boolean javaProduces) throws Exception {
    int count = 2000;
    int block = 256;
    int seed = 7;
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("pc");
      long empty = slot(0);
      long full = slot(1);
      long data = (slot(2) + 63) / 64 * 64;
      try (SharedMemory shm = SharedMemory.create(name, 8192); MappedRegion r = shm.map();
           UnnamedSemaphore emptySem = UnnamedSemaphore.init(r, empty, 1);
           UnnamedSemaphore fullSem = UnnamedSemaphore.init(r, full, 0)) {
        String[] args = {javaProduces ? "shm-consume" : "shm-produce", name, "" + empty, "" + full,
            "" + data, "" + count, "" + block, "" + seed};
        if (javaProduces) {
          args = java.util.Arrays.copyOf(args, 7);
        }
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], args)) {
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(block);
          long h = TestSupport.FNV_START;
          for (int i = 0; i < count; i++) {
            if (javaProduces) {
              emptySem.acquire(Duration.ofSeconds(10));
              buf.clear();
              io.github.posixipc.peer.JavaPeer.fillPattern(buf, 0, (long) i * block);
              h = TestSupport.fnv1a(h, buf.duplicate());
              r.put(data, buf);
              fullSem.post();
            } else {
              fullSem.acquire(Duration.ofSeconds(10));
              buf.clear();
              r.get(data, buf);
              buf.flip();
              h = TestSupport.fnv1a(h, buf);
              emptySem.post();
            }
          }
          if (javaProduces) {
            assertEquals(TestSupport.summary((long) count * block, h), peer.output());
          } else {
            // The C producer used the seed: recompute what it sent.
            long expect = TestSupport.FNV_START;
            java.nio.ByteBuffer all = TestSupport.patternBlock(seed, 0, count * block);
            expect = TestSupport.fnv1a(expect, all);
            assertEquals(expect, h);
          }
          assertEquals(0, peer.waitFor(10));
        }
      }
    }
  }

  @Test
  void interruptEndsAWaitWithInterruptedException() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("intr"), 4096); MappedRegion r = shm.map();
         UnnamedSemaphore s = UnnamedSemaphore.init(r, 0, 0)) {
      AtomicReference<Throwable> outcome = new AtomicReference<>();
      Thread waiter = new Thread(() -> {
        try {
          s.acquire();
          outcome.set(new AssertionError("acquired"));
        } catch (Throwable e) {
          outcome.set(e);
        }
      });
      waiter.start();
      waitUntilWaiting(waiter);
      waiter.interrupt();
      waiter.join(10_000);
      assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
      assertEquals(0, s.value(), "nothing was taken");
      // An interrupt before the call is seen at once.
      Thread.currentThread().interrupt();
      assertThrows(InterruptedException.class, () -> s.acquire(Duration.ofSeconds(5)));
      assertFalse(Thread.interrupted());
    }
  }

  @Test
  void closeFromAnotherThreadWakesWaiters() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String semName = names.sem("close");
      try (SharedMemory shm = SharedMemory.create(names.shm("close"), 4096)) {
        MappedRegion r = shm.map();
        UnnamedSemaphore unnamed = UnnamedSemaphore.init(r, 0, 0);
        UnnamedSemaphore viaRegion = UnnamedSemaphore.at(r, 0);
        NamedSemaphore named = NamedSemaphore.open(semName, NamedSemaphore.options().exclusive().initialValue(0));
        assertClosingWakes(unnamed, unnamed::close);
        assertClosingWakes(viaRegion, r::close);
        assertClosingWakes(named, named::close);
        assertThrows(ClosedChannelException.class, named::post);
        assertThrows(ClosedChannelException.class, unnamed::post);
        assertThrows(ClosedChannelException.class, viaRegion::value);
      }
    }
  }

  private static void assertClosingWakes(PosixSemaphore s, Runnable close) throws Exception {
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        s.acquire();
        outcome.set(new AssertionError("acquired"));
      } catch (Throwable e) {
        outcome.set(e);
      }
    });
    waiter.start();
    waitUntilWaiting(waiter);
    close.run();
    waiter.join(10_000);
    assertFalse(waiter.isAlive());
    assertTrue(outcome.get() instanceof AsynchronousCloseException, String.valueOf(outcome.get()));
    assertFalse(s.isOpen());
  }

  /**
   * Waits until t is inside a native semaphore wait of the C core (its stack shows the frame), so
   * that what the test does next happens during the wait, not before.
   */
  static void waitUntilWaiting(Thread t) throws InterruptedException {
    waitUntilIn(t, "pipc_sem_wait");
  }

  /** Waits until t's stack shows the native method name. */
  static void waitUntilIn(Thread t, String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() - deadline < 0) {
      for (StackTraceElement e : t.getStackTrace()) {
        String m = e.getMethodName();
        if (m.equals(name)) {
          return;
        }
      }
      Thread.sleep(1);
    }
    throw new AssertionError(t + " never reached a native wait");
  }
}
