package io.github.posixipc;

import static io.github.posixipc.SemaphoreTest.slot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedMutexTest {

  private static final long COUNTER = 1024;

  /** Java and the C peer each add 500,000 under the mutex: the count is exact. */
  @Test
  void javaAndCCountToAMillionExactly() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("count");
      try (SharedMemory shm = SharedMemory.create(name, 4096); MappedRegion r = shm.map();
           SharedMutex m = SharedMutex.init(r, slot(0))) {
        int each = 500_000;
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-count", name,
            "" + slot(0), "" + COUNTER, "" + each)) {
          for (int i = 0; i < each; i++) {
            m.lock();
            r.putLong(COUNTER, r.getLong(COUNTER) + 1);
            m.unlock();
          }
          assertEquals("done", peer.output());
          assertEquals(0, peer.waitFor(30));
        }
        assertEquals(2L * each, r.getLong(COUNTER));
      }
    }
  }

  /** The same between two JVMs. */
  @Test
  void twoJvmsCountExactly() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("count2");
      try (SharedMemory shm = SharedMemory.create(name, 4096); MappedRegion r = shm.map();
           SharedMutex m = SharedMutex.init(r, slot(0))) {
        int each = 100_000;
        Process child = TestSupport.startJavaPeer("shm-count", name, "" + slot(0), "" + COUNTER, "" + each);
        for (int i = 0; i < each; i++) {
          m.lock();
          r.putLong(COUNTER, r.getLong(COUNTER) + 1);
          m.unlock();
        }
        assertEquals("done", TestSupport.finish(child, 30));
        assertEquals(2L * each, r.getLong(COUNTER));
      }
    }
  }

  /** The C peer locks and is killed with SIGKILL: Java gets EOWNERDEAD, recovers, carries on. */
  @Test
  void holderKilledBySigkillGivesOwnerDiedThenConsistentRecovers() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("robust");
      try (SharedMemory shm = SharedMemory.create(name, 4096); MappedRegion r = shm.map();
           SharedMutex m = SharedMutex.init(r, slot(0))) {
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-hold", name, "" + slot(0))) {
          assertEquals("locked", readLine(peer));
          assertFalse(m.tryLock());
          assertThrows(WouldBlockException.class, () -> m.lock(Duration.ZERO));
          assertThrows(TimedOutException.class, () -> m.lock(Duration.ofMillis(30)));
          peer.process.kill();
          assertEquals(128 + 9, peer.waitFor(10));
        }
        OwnerDiedException e = assertThrows(OwnerDiedException.class, () -> m.lock(Duration.ofSeconds(10)));
        assertEquals(Errno.EOWNERDEAD, e.errno());
        // The lock is held: repair, make consistent, unlock, and it works as before.
        r.putLong(COUNTER, 0);
        m.consistent();
        m.unlock();
        m.lock(Duration.ofSeconds(1));
        assertEquals(Errno.EINVAL, assertThrows(PosixException.class, m::consistent).errno());
        m.unlock();
      }
    }
  }

  /** The same with a child JVM as the holder; without consistent() the mutex is lost for good. */
  @Test
  void unlockWithoutConsistentMakesItUnrecoverable() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("lost");
      try (SharedMemory shm = SharedMemory.create(name, 4096); MappedRegion r = shm.map();
           SharedMutex m = SharedMutex.init(r, slot(0))) {
        Process child = TestSupport.startJavaPeer("shm-hold", name, "" + slot(0));
        try {
          String line = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream())).readLine();
          assertEquals("locked", line);
        } finally {
          child.destroyForcibly(); // SIGKILL
          child.waitFor(10, TimeUnit.SECONDS);
        }
        assertThrows(OwnerDiedException.class, () -> m.lock(Duration.ofSeconds(10)));
        m.unlock();
        PosixException e = assertThrows(PosixException.class, m::lock);
        assertEquals(Errno.ENOTRECOVERABLE, e.errno());
      }
    }
  }

  @Test
  void errorCheckingOwnershipAndBadUse() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("errcheck"), 4096); MappedRegion r = shm.map();
         SharedMutex m = SharedMutex.init(r, slot(0)); SharedCondition c = SharedCondition.init(r, slot(1))) {
      assertEquals(Errno.EPERM, assertThrows(PosixException.class, m::unlock).errno());
      assertEquals(Errno.EPERM,
          assertThrows(PosixException.class, () -> c.await(m, Duration.ofMillis(10))).errno());
      m.lock();
      assertEquals(Errno.number("EDEADLK"), assertThrows(PosixException.class, m::lock).errno());
      AtomicReference<Throwable> other = new AtomicReference<>();
      Thread t = new Thread(() -> {
        try {
          m.unlock();
        } catch (Throwable e) {
          other.set(e);
        }
      });
      t.start();
      t.join();
      assertTrue(other.get() instanceof PosixException && ((PosixException) other.get()).errno() == Errno.EPERM);
      m.unlock();
    }
  }

  @Test
  void conditionTimedWaitAndSignalBetweenThreads() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("cond"), 4096); MappedRegion r = shm.map();
         SharedMutex m = SharedMutex.init(r, slot(0)); SharedCondition c = SharedCondition.init(r, slot(1))) {
      m.lock();
      try {
        long nanos = TimeUnit.MILLISECONDS.toNanos(60);
        while (nanos > 0) {
          nanos = c.awaitNanos(m, nanos);
        }
        assertFalse(c.await(m, Duration.ZERO));
        // null waits without a limit, as everywhere: here one bounded slice, then a spurious
        // wake-up that the caller's loop handles.
        long t0 = System.nanoTime();
        assertTrue(c.await(m, null), "no limit: never 'timed out'");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "one slice, not forever");
      } finally {
        m.unlock();
      }
      Thread producer = new Thread(() -> {
        try {
          for (int i = 1; i <= 200; i++) {
            m.lock();
            try {
              while (r.getInt(COUNTER + 4) != 0) {
                c.await(m);
              }
              r.putInt(COUNTER, i);
              r.putInt(COUNTER + 4, 1);
              c.signalAll();
            } finally {
              m.unlock();
            }
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      producer.start();
      long sum = 0;
      for (int i = 1; i <= 200; i++) {
        m.lock();
        try {
          while (r.getInt(COUNTER + 4) == 0) {
            c.await(m, Duration.ofSeconds(10));
          }
          assertEquals(i, r.getInt(COUNTER));
          sum += r.getInt(COUNTER);
          r.putInt(COUNTER + 4, 0);
          c.signal();
        } finally {
          m.unlock();
        }
      }
      producer.join(10_000);
      assertEquals(200 * 201 / 2, sum);
    }
  }

  /** The C peer produces under the shared mutex and signals the shared condition; Java consumes. */
  @Test
  void conditionAcrossProcessesWithTheCPeer() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("cond-x");
      try (SharedMemory shm = SharedMemory.create(name, 4096); MappedRegion r = shm.map();
           SharedMutex m = SharedMutex.init(r, slot(0)); SharedCondition c = SharedCondition.init(r, slot(1))) {
        int items = 300;
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-cond-produce", name,
            "" + slot(0), "" + slot(1), "" + COUNTER, "" + items)) {
          long sum = 0;
          for (int i = 1; i <= items; i++) {
            m.lock(Duration.ofSeconds(10));
            try {
              long nanos = TimeUnit.SECONDS.toNanos(10);
              while (r.getLong(COUNTER + 8) == 0) {
                assertTrue(nanos > 0, "the peer produced nothing for 10 s");
                nanos = c.awaitNanos(m, nanos);
              }
              assertEquals(i, r.getLong(COUNTER));
              sum += r.getLong(COUNTER);
              r.putLong(COUNTER + 8, 0);
              c.signalAll();
            } finally {
              m.unlock();
            }
          }
          assertEquals((long) items * (items + 1) / 2, sum);
          assertEquals("done", peer.output());
          assertEquals(0, peer.waitFor(10));
        }
      }
    }
  }

  @Test
  void waitsAreInterruptibleAndCloseSafe() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("wake"), 4096); MappedRegion r = shm.map()) {
      SharedMutex m = SharedMutex.init(r, slot(0));
      SharedCondition c = SharedCondition.init(r, slot(1));
      m.lock(); // held by this thread: others wait
      assertOutcome(InterruptedException.class, "pipc_mutex_lock", Thread::interrupt,
          () -> SharedMutex.at(r, slot(0)).lock());
      SharedMutex other = SharedMutex.at(r, slot(0));
      assertOutcome(AsynchronousCloseException.class, "pipc_mutex_lock", t -> other.close(), other::lock);
      m.unlock();
      SharedMutex cm = SharedMutex.at(r, slot(0));
      assertOutcome(InterruptedException.class, "pipc_cond_wait", Thread::interrupt, () -> {
        cm.lock();
        try {
          while (true) {
            c.await(cm);
          }
        } finally {
          cm.unlock();
        }
      });
      assertOutcome(AsynchronousCloseException.class, "pipc_cond_wait", t -> c.close(), () -> {
        SharedMutex own = SharedMutex.at(r, slot(0));
        own.lock();
        try {
          while (true) {
            c.await(own);
          }
        } finally {
          own.unlock();
        }
      });
    }
  }

  private interface Body {
    void run() throws Exception;
  }

  private interface Poke {
    void apply(Thread t);
  }

  private static void assertOutcome(Class<?> expected, String nativeWait, Poke poke, Body body) throws Exception {
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        body.run();
        outcome.set(new AssertionError("returned"));
      } catch (Throwable e) {
        outcome.set(e);
      }
    });
    t.start();
    SemaphoreTest.waitUntilIn(t, nativeWait);
    poke.apply(t);
    t.join(10_000);
    assertFalse(t.isAlive(), "woke up from " + nativeWait);
    assertTrue(expected.isInstance(outcome.get()), String.valueOf(outcome.get()));
  }

  private static String readLine(TestSupport.CPeer peer) throws Exception {
    StringBuilder sb = new StringBuilder();
    java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
    while (peer.stdout.read(one, Duration.ofSeconds(10)) == 1) {
      char ch = (char) one.get(0);
      one.clear();
      if (ch == '\n') {
        break;
      }
      sb.append(ch);
    }
    return sb.toString();
  }
}
