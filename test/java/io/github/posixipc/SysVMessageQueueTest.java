package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysVMessageQueueTest {

  /** The queues a test made, removed after it even when it failed. */
  private final java.util.List<Integer> made = new java.util.ArrayList<>();

  @AfterEach
  void removeQueues() {
    for (int id : made) {
      try {
        SysVMessageQueue.remove(id);
      } catch (IOException ignored) {
        // removed by the test already
      }
    }
  }

  private SysVMessageQueue privateQueue() throws IOException {
    return privateQueue(SysVMessageQueue.options().create());
  }

  private SysVMessageQueue privateQueue(SysVMessageQueue.Options options) throws IOException {
    SysVMessageQueue q = SysVMessageQueue.open(SysV.PRIVATE, options);
    made.add(q.id());
    return q;
  }

  private static String text(ByteBuffer b) {
    return StandardCharsets.UTF_8.decode(b.flip()).toString();
  }

  private static void send(SysVMessageQueue q, long type, String text) throws IOException {
    q.send(type, text.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
  }

  private static String receive(SysVMessageQueue q, long type, ReceivedMessage into) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(256);
    q.receive(b, type, Duration.ZERO, into);
    return text(b);
  }

  @Test
  void everyMsgtypRule() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      send(q, 3, "a");
      send(q, 1, "b");
      send(q, 2, "c");
      send(q, 1, "d");
      send(q, 5, "e");
      ReceivedMessage m = new ReceivedMessage();
      assertEquals("a", receive(q, 0, m), "0: the first message");
      assertEquals(3, m.type());
      assertEquals("e", receive(q, 5, m), "5: the first of type 5");
      ByteBuffer b = ByteBuffer.allocate(16);
      q.receiveExcept(b, 2, Duration.ZERO, m);
      assertEquals("b", text(b), "except 2: the first of another type");
      assertEquals(1, m.type());
      assertEquals("d", receive(q, -2, m), "-2: the first of the lowest type <= 2");
      assertEquals(1, m.type());
      assertThrows(WouldBlockException.class, () -> receive(q, -1, m), "no type <= 1 left");
      assertThrows(WouldBlockException.class, () -> receive(q, 7, m));
      assertEquals("c", receive(q, 2, m));
      assertEquals(0, q.stat().messages());
    }
  }

  @Test
  void aLongerMessageIsRefusedAndStaysUnlessTheHandleTruncates() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      send(q, 1, "0123456789");
      PosixException e = assertThrows(PosixException.class,
          () -> q.receive(ByteBuffer.allocate(4), 0, Duration.ZERO));
      assertEquals(Errno.E2BIG, e.errno());
      assertTrue(e.getMessage().contains("stays queued"), e.getMessage());
      assertEquals(1, q.stat().messages());
      try (SysVMessageQueue cut = SysVMessageQueue.ofId(q.id(), SysVMessageQueue.options().truncate())) {
        ByteBuffer b = ByteBuffer.allocate(4);
        assertEquals(4, cut.receive(b, 0, Duration.ZERO).length());
        assertEquals("0123", text(b));
      }
      assertEquals(0, q.stat().messages());
    }
  }

  @Test
  void badInputGetsNamedErrors() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> send(q, 0, "x"));
      assertTrue(zero.getMessage().contains("above 0"), zero.getMessage());
      assertThrows(IllegalArgumentException.class, () -> send(q, -4, "x"));
      assertThrows(IllegalArgumentException.class,
          () -> q.receiveExcept(ByteBuffer.allocate(8), 0, Duration.ZERO, new ReceivedMessage()));
      assertThrows(IllegalArgumentException.class, () -> q.receive(ByteBuffer.allocate(8), 0, Duration.ofMillis(-1)));
      assertThrows(IllegalArgumentException.class, () -> q.setMode(01777));
      assertThrows(IllegalArgumentException.class, () -> q.setMaxBytes(0));
      long msgmax = SysV.limits().msgmax();
      assertTrue(msgmax > 0);
      PosixException big = assertThrows(PosixException.class,
          () -> q.send(1, new byte[(int) msgmax + 1], Duration.ZERO));
      assertEquals(Errno.EINVAL, big.errno());
      assertTrue(big.getMessage().contains("/proc/sys/kernel/msgmax (" + msgmax + ")"), big.getMessage());
    }
    assertEquals(Errno.EINVAL, assertThrows(PosixException.class, () -> SysVMessageQueue.ofId(-1)).errno());
    assertThrows(IllegalArgumentException.class,
        () -> SysVMessageQueue.ofId(1, SysVMessageQueue.options().create()));
    assertThrows(IllegalArgumentException.class, () -> SysV.ftok(Path.of("/"), 0));
    assertThrows(IllegalArgumentException.class, () -> SysV.ftok(Path.of("/"), 256));
    assertThrows(NotFoundException.class, () -> SysV.ftok(Path.of("/nonexistent/pipc-sysv"), 1));
  }

  @Test
  void keysFromFtokCreateExclusiveAndOpen() throws Exception {
    Path file = TestSupport.uniquePath("sysv-key");
    Files.createFile(file);
    try {
      int key = SysV.ftok(file, 'J');
      assertEquals(key, SysV.ftok(file, 'J'));
      assertThrows(NotFoundException.class, () -> SysVMessageQueue.open(key));
      try (SysVMessageQueue q = SysVMessageQueue.open(key, SysVMessageQueue.options().exclusive().mode(0640))) {
        made.add(q.id());
        assertEquals(key, q.key());
        assertThrows(AlreadyExistsException.class,
            () -> SysVMessageQueue.open(key, SysVMessageQueue.options().exclusive()));
        try (SysVMessageQueue again = SysVMessageQueue.open(key)) {
          assertEquals(q.id(), again.id());
        }
        SysVMessageQueue.Stat st = q.stat();
        assertEquals(0640, st.permissions().mode(), "System V takes the mode as given");
        assertEquals(key, st.permissions().key());
        assertEquals(SysV.limits().msgmnb(), st.maxBytes());
        q.setMode(0600);
        q.setMaxBytes(1024);
        assertEquals(0600, q.stat().permissions().mode());
        assertEquals(1024, q.stat().maxBytes());
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void timeoutsTryOnceOrWaitAndTakeAMessageThatArrives() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      ByteBuffer b = ByteBuffer.allocateDirect(64);
      assertThrows(WouldBlockException.class, () -> q.receive(b, 0, Duration.ZERO));
      long start = System.nanoTime();
      assertThrows(TimedOutException.class, () -> q.receive(b, 0, Duration.ofMillis(60)));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(took >= 55 && took < 5000, "waited " + took + " ms");
      CompletableFuture<Void> later = CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(50);
          send(q, 9, "late");
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      ReceivedMessage m = q.receive(b.clear(), 9, Duration.ofSeconds(20));
      later.get();
      assertEquals("late", text(b));
      assertEquals(9, m.type());
      // A full queue: a send waits for room as the timeout says.
      q.setMaxBytes(8);
      send(q, 1, "12345678");
      assertThrows(WouldBlockException.class, () -> send(q, 1, "x"));
      assertThrows(TimedOutException.class, () -> q.send(1, new byte[1], Duration.ofMillis(30)));
    }
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

  @Test
  void closeAndInterruptWakeABlockedReceiver() throws Exception {
    SysVMessageQueue q = privateQueue();
    CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
      try {
        return q.receive(ByteBuffer.allocateDirect(64), 0);
      } catch (IOException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    Thread.sleep(100);
    q.close();
    assertInstanceOf(AsynchronousCloseException.class, failure(f));
    assertThrows(ClosedChannelException.class, () -> q.receive(ByteBuffer.allocate(8), 0, Duration.ZERO));
    try (SysVMessageQueue r = SysVMessageQueue.ofId(q.id())) {
      CompletableFuture<Object> g = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          g.complete(r.receive(ByteBuffer.allocateDirect(64), 0, Duration.ofSeconds(30)));
        } catch (Throwable e) {
          g.completeExceptionally(e);
        }
      });
      t.start();
      Thread.sleep(100);
      t.interrupt();
      assertInstanceOf(ClosedByInterruptException.class, failure(g));
      assertFalse(r.isOpen(), "an interrupt closes the handle, as on channels");
    }
  }

  @Test
  void removalByAnotherProcessWakesTheWaiterWithEidrm() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      CompletableFuture<Object> f = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          f.complete(q.receive(ByteBuffer.allocateDirect(64), 0));
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      t.start();
      Thread.sleep(100);
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-rm", "msg", Integer.toString(q.id()))) {
        assertEquals(0, peer.waitFor(30));
      }
      PosixException e = assertInstanceOf(PosixException.class, failure(f));
      assertEquals(Errno.EIDRM, e.errno(), e.getMessage());
    }
  }

  @Test
  void javaToCAndCToJava() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      String id = Integer.toString(q.id());
      send(q, 5, "from java");
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-msg-recv", id, "5", "5000")) {
        assertEquals(0, peer.waitFor(30));
        assertEquals("5 from java", peer.output());
      }
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-msg-send", id, "7", "from c")) {
        assertEquals(0, peer.waitFor(30));
      }
      ByteBuffer b = ByteBuffer.allocate(64);
      ReceivedMessage m = q.receive(b, -10, Duration.ofSeconds(10));
      assertEquals("from c", text(b));
      assertEquals(7, m.type());
      SysVMessageQueue.Stat st = q.stat();
      assertEquals(ProcessHandle.current().pid(), st.lastReceivePid());
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-msg-recv", id, "0", "0")) {
        assertEquals(1, peer.waitFor(30));
        assertEquals("EAGAIN", peer.output(), "the C side's try-once on an empty queue");
      }
    }
  }

  @Test
  void theJavaPeerEchoesInAnotherJvm() throws Exception {
    try (SysVMessageQueue q = privateQueue()) {
      String id = Integer.toString(q.id());
      Process child = TestSupport.startJavaPeer("sysv-msg-echo", id, id, "-1");
      ByteBuffer b = ByteBuffer.allocateDirect(64);
      ReceivedMessage m = new ReceivedMessage();
      for (int i = 0; i < 3; i++) {
        q.send(1, ("m" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
        q.receive(b.clear(), 3, Duration.ofSeconds(30), m);
        assertEquals("m" + i, text(b));
      }
      q.send(2, new byte[0], Duration.ofSeconds(10)); // the end marker
      assertEquals("echoed 3", TestSupport.finish(child, 30));
    }
  }
}
