package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.SysVSemaphoreSet.Operation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysVSemaphoreSetTest {

  private final List<Integer> made = new ArrayList<>();

  @AfterEach
  void removeSets() {
    for (int id : made) {
      try {
        SysVSemaphoreSet.remove(id);
      } catch (IOException ignored) {
        // removed by the test already
      }
    }
  }

  private SysVSemaphoreSet privateSet(int... values) throws IOException {
    SysVSemaphoreSet s = SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().initialValues(values));
    made.add(s.id());
    return s;
  }

  /** Waits until n threads wait for semaphore number to grow. */
  private static void awaitWaiters(SysVSemaphoreSet set, int number, int n) throws Exception {
    for (int i = 0; i < 5000 && set.waitingForIncrease(number) != n; i++) {
      Thread.sleep(1);
    }
    assertEquals(n, set.waitingForIncrease(number));
  }

  private static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
    try {
      f.get(10, TimeUnit.SECONDS);
      throw new AssertionError("the call returned");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call is still blocked", e);
    }
  }

  private static CompletableFuture<Void> inThread(SysVSemaphoreSet set, Duration timeout, Operation... ops) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        set.apply(timeout, ops);
        f.complete(null);
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    t.start();
    return f;
  }

  @Test
  void valuesAndSeveralOperationsAtomically() throws Exception {
    try (SysVSemaphoreSet set = privateSet(1, 0, 3)) {
      assertEquals(3, set.count());
      assertTrue(set.created());
      assertArrayEquals(new int[] {1, 0, 3}, set.values());
      Operation[] both = {Operation.add(0, -1), Operation.add(1, -1)};
      assertThrows(WouldBlockException.class, () -> set.apply(Duration.ZERO, both));
      assertEquals(1, set.value(0), "nothing applied");
      assertThrows(TimedOutException.class, () -> set.apply(Duration.ofMillis(40), both));
      Operation[] oneNoWait = {Operation.add(0, -1), Operation.add(1, -1).noWait()};
      assertThrows(WouldBlockException.class, () -> set.apply(Duration.ofSeconds(5), oneNoWait));
      CompletableFuture<Void> waiter = inThread(set, Duration.ofSeconds(20), both);
      awaitWaiters(set, 1, 1);
      set.apply(Operation.add(1, 1));
      waiter.get(10, TimeUnit.SECONDS);
      assertArrayEquals(new int[] {0, 0, 3}, set.values());
      assertEquals(ProcessHandle.current().pid(), set.lastPid(0));
      set.setValue(2, 0);
      set.apply(Duration.ZERO, Operation.waitForZero(2));
      set.setValues(5, 6, 7);
      assertArrayEquals(new int[] {5, 6, 7}, set.values());
      SysVSemaphoreSet.Stat st = set.stat();
      assertEquals(3, st.count());
      assertTrue(st.opTime().getEpochSecond() > 0);
    }
  }

  @Test
  void badInputGetsNamedErrors() throws Exception {
    try (SysVSemaphoreSet set = privateSet(0, 0)) {
      IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> set.value(2));
      assertTrue(range.getMessage().contains("outside 0..1"), range.getMessage());
      assertThrows(IllegalArgumentException.class, () -> set.apply(Operation.add(2, 1)));
      assertThrows(IllegalArgumentException.class, () -> Operation.add(-1, 1));
      assertThrows(IllegalArgumentException.class, () -> Operation.add(0, 40000));
      assertThrows(IllegalArgumentException.class, () -> set.apply(Duration.ZERO));
      assertThrows(IllegalArgumentException.class, () -> set.setValue(0, 32768));
      assertThrows(IllegalArgumentException.class, () -> set.setValue(0, -1));
      assertThrows(IllegalArgumentException.class, () -> set.setValues(1, 2, 3));
      long semopm = SysV.limits().semopm();
      Operation[] many = new Operation[(int) semopm + 1];
      java.util.Arrays.fill(many, Operation.add(0, 1));
      PosixException tooMany = assertThrows(PosixException.class, () -> set.apply(Duration.ZERO, many));
      assertEquals(Errno.E2BIG, tooMany.errno());
      assertTrue(tooMany.getMessage().contains("semopm (" + semopm + ","), tooMany.getMessage());
      set.setValue(0, 32767);
      PosixException over = assertThrows(PosixException.class, () -> set.apply(Duration.ZERO, Operation.add(0, 1)));
      assertEquals(Errno.ERANGE, over.errno());
      assertTrue(over.getMessage().contains("semvmx"), over.getMessage());
    }
    long semmsl = SysV.limits().semmsl();
    PosixException big = assertThrows(PosixException.class,
        () -> SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().create().count((int) semmsl + 1)));
    assertEquals(Errno.EINVAL, big.errno());
    assertTrue(big.getMessage().contains("semmsl (" + semmsl + ","), big.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().create()));
    assertThrows(IllegalArgumentException.class, () -> SysVSemaphoreSet.options().initialValues(32768));
    assertEquals(Errno.EINVAL, assertThrows(PosixException.class, () -> SysVSemaphoreSet.ofId(-1)).errno());
  }

  @Test
  void undoAfterSigkillOfTheCPeerAndOfTheJavaPeer() throws Exception {
    try (SysVSemaphoreSet set = privateSet(1, 1)) {
      String id = Integer.toString(set.id());
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-sem-hold", id, "0")) {
        ByteBuffer line = ByteBuffer.allocate(16);
        while (line.position() < 5) {
          assertTrue(peer.stdout.read(line, Duration.ofSeconds(10)) > 0, "the peer says held");
        }
        assertEquals("held\n", new String(line.array(), 0, line.position(), StandardCharsets.UTF_8));
        assertEquals(0, set.value(0));
        peer.process.kill();
        assertEquals(128 + 9, peer.waitFor(30), "SIGKILL");
      }
      assertEquals(1, set.value(0), "the kernel undid the dead C peer's operation");
      Process child = TestSupport.startJavaPeer("sysv-sem-hold", id, "1");
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        assertEquals("held", out.readLine());
        assertEquals(0, set.value(1));
        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      }
      assertEquals(1, set.value(1), "and the dead Java peer's");
    }
  }

  @Test
  void javaToCAndCToJava() throws Exception {
    try (SysVSemaphoreSet set = privateSet(0, 0)) {
      String id = Integer.toString(set.id());
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-sem-op", id, "0", "-2")) {
        awaitWaiters(set, 0, 1);
        set.apply(Operation.add(0, 2));
        assertEquals(0, peer.waitFor(30));
        assertEquals("ok", peer.output());
      }
      assertEquals(0, set.value(0));
      int cPid;
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-sem-op", id, "1", "3")) {
        assertEquals(0, peer.waitFor(30));
        cPid = peer.process.pid();
      }
      set.apply(Duration.ofSeconds(10), Operation.add(1, -3));
      assertEquals(0, set.value(1));
      set.setValues(4, 2);
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-sem-values", id)) {
        assertEquals(0, peer.waitFor(30));
        assertEquals("4 2", peer.output());
      }
      assertTrue(cPid > 0);
      Process child = TestSupport.startJavaPeer("sysv-sem-values", id);
      assertEquals("4 2", TestSupport.finish(child, 30));
    }
  }

  @Test
  void removalByAnotherProcessWakesWaitersWithEidrm() throws Exception {
    try (SysVSemaphoreSet set = privateSet(0)) {
      CompletableFuture<Void> forever = inThread(set, null, Operation.add(0, -1));
      CompletableFuture<Void> timed = inThread(set, Duration.ofSeconds(30), Operation.add(0, -1));
      awaitWaiters(set, 0, 2);
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-rm", "sem", Integer.toString(set.id()))) {
        assertEquals(0, peer.waitFor(30));
      }
      assertEquals(Errno.EIDRM, assertInstanceOf(PosixException.class, failure(forever)).errno());
      assertEquals(Errno.EIDRM, assertInstanceOf(PosixException.class, failure(timed)).errno());
    }
  }

  @Test
  void closeWakesAWaiter() throws Exception {
    SysVSemaphoreSet set = privateSet(0);
    CompletableFuture<Void> f = inThread(set, null, Operation.add(0, -1));
    awaitWaiters(set, 0, 1);
    set.close();
    assertInstanceOf(AsynchronousCloseException.class, failure(f));
  }

  @Test
  void initialValuesAreSafeAgainstTheInitializationRace() throws Exception {
    Path file = TestSupport.uniquePath("sysv-sem-key");
    Files.createFile(file);
    try {
      int key = SysV.ftok(file, 'I');
      int n = 6;
      List<CompletableFuture<SysVSemaphoreSet>> opens = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        opens.add(CompletableFuture.supplyAsync(() -> {
          try {
            return SysVSemaphoreSet.open(key, SysVSemaphoreSet.options().initialValues(5, 9));
          } catch (IOException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }));
      }
      int creators = 0;
      for (CompletableFuture<SysVSemaphoreSet> f : opens) {
        try (SysVSemaphoreSet s = f.get(30, TimeUnit.SECONDS)) {
          if (!made.contains(s.id())) {
            made.add(s.id());
          }
          creators += s.created() ? 1 : 0;
          assertArrayEquals(new int[] {5, 9}, s.values(), "initialized before anyone returns");
        }
      }
      assertEquals(1, creators);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void anExclusiveCreatorWithValuesMarksTheSetReadyForTheProtocol() throws Exception {
    Path file = TestSupport.uniquePath("sysv-sem-excl");
    Files.createFile(file);
    try {
      int key = SysV.ftok(file, 'X');
      try (SysVSemaphoreSet first = SysVSemaphoreSet.open(key, SysVSemaphoreSet.options().exclusive().initialValues(3))) {
        made.add(first.id());
        assertTrue(first.created());
        assertTrue(first.stat().opTime().getEpochSecond() > 0, "sem_otime set");
        try (SysVSemaphoreSet second = SysVSemaphoreSet.open(key,
            SysVSemaphoreSet.options().initialValues(9).initTimeout(Duration.ofSeconds(2)))) {
          assertEquals(first.id(), second.id());
          assertTrue(!second.created());
          assertEquals(3, second.value(0), "the creator's values, not the opener's");
        }
        assertThrows(AlreadyExistsException.class,
            () -> SysVSemaphoreSet.open(key, SysVSemaphoreSet.options().exclusive().initialValues(1)));
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
