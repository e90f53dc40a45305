package io.github.posixipc;

import static io.github.posixipc.TestSupport.assertFdsReturnTo;
import static io.github.posixipc.TestSupport.settledFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.peer.MqPeer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Message queues through the Java API, against themselves, the C peer and a child JVM. Queues are
 * small (RLIMIT_MSGQUEUE is per user and other suites may run at the same time), uniquely named,
 * and always unlinked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessageQueueTest {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private final List<String> names = new ArrayList<>();

  /** A name unique to this JVM, call and run; removed after the test. */
  private String uniqueName(String tag) {
    String name = "/pipc-jtest-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "-" + tag;
    names.add(name);
    return name;
  }

  @AfterEach
  void unlinkQueues() {
    for (String name : names) {
      try {
        MessageQueue.unlink(name);
      } catch (IOException ignored) {
        // already removed by the test
      }
    }
  }

  private MessageQueue create(String tag, long maxMessages, long messageSize) throws IOException {
    return MessageQueue.open(uniqueName(tag),
        MessageQueue.options().exclusive().maxMessages(maxMessages).messageSize(messageSize));
  }

  private static ByteBuffer direct(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static String text(ByteBuffer b, ReceivedMessage r) {
    byte[] a = new byte[r.length()];
    b.get(b.position() - r.length(), a);
    return new String(a, StandardCharsets.UTF_8);
  }

  private static <T> CompletableFuture<T> inThread(java.util.concurrent.Callable<T> body, List<Thread> threads) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(body.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    threads.add(t);
    t.start();
    return f;
  }

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(5, TimeUnit.SECONDS);
      throw new AssertionError("expected the call to fail");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  // ------------------------------------------------------------------ opening

  @Test
  void createOpenAndAttributes() throws Exception {
    String name = uniqueName("open");
    NotFoundException missing = assertThrows(NotFoundException.class, () -> MessageQueue.open(name));
    assertEquals("mq_open", missing.syscall());
    assertTrue(missing.getMessage().contains(name), missing.getMessage());
    try (MessageQueue q = MessageQueue.open(name,
        MessageQueue.options().exclusive().maxMessages(4).messageSize(100).mode(0640))) {
      assertEquals(name, q.name());
      assertEquals(100, q.messageSize());
      assertEquals(4, q.maxMessages());
      assertEquals(Access.READ_WRITE, q.access());
      assertEquals(new MessageQueue.Attributes(false, 4, 100, 0), q.attributes());
      AlreadyExistsException exists = assertThrows(AlreadyExistsException.class,
          () -> MessageQueue.open(name, MessageQueue.options().exclusive()));
      assertEquals("EEXIST", exists.errnoName());
      // create() without exclusive() opens the existing queue; its attributes stay.
      try (MessageQueue again = MessageQueue.open(name,
          MessageQueue.options().create().maxMessages(2).messageSize(10).access(Access.READ))) {
        assertEquals(100, again.messageSize());
        q.send(new byte[] {1, 2, 3}, 0);
        assertEquals(1, again.attributes().currentMessages());
        assertEquals(3, again.receive(ByteBuffer.allocate(100)).length());
      }
      assertTrue(q.fd() >= 0);
      assertTrue(q.toString().contains(name), q.toString());
    }
    MessageQueue.unlink(name);
    assertThrows(NotFoundException.class, () -> MessageQueue.unlink(name));
  }

  @Test
  void systemDefaultsWhenNoAttributesAreGiven() throws Exception {
    MessageQueue.Limits limits = MessageQueue.limits();
    assertTrue(limits.msgMax() > 0 && limits.msgsizeMax() > 0 && limits.queuesMax() > 0, limits.toString());
    try (MessageQueue q = MessageQueue.open(uniqueName("defaults"), MessageQueue.options().exclusive())) {
      assertEquals(limits.msgDefault(), q.maxMessages());
      assertEquals(limits.msgsizeDefault(), q.messageSize());
    }
  }

  @Test
  void badNamesGetClearErrors() {
    PosixException noSlash = assertThrows(PosixException.class,
        () -> MessageQueue.open("jobs", MessageQueue.options().create()));
    assertEquals("EINVAL", noSlash.errnoName());
    assertTrue(noSlash.getMessage().contains("a queue name is '/' followed by"), noSlash.getMessage());
    assertEquals("EINVAL", assertThrows(PosixException.class,
        () -> MessageQueue.open("/a/b", MessageQueue.options().create())).errnoName());
    assertEquals("EINVAL", assertThrows(PosixException.class, () -> MessageQueue.open("/")).errnoName());
    PosixException tooLong = assertThrows(PosixException.class,
        () -> MessageQueue.open("/" + "q".repeat(MessageQueue.NAME_MAX + 1), MessageQueue.options().create()));
    assertEquals("ENAMETOOLONG", tooLong.errnoName());
    assertEquals("EINVAL", assertThrows(PosixException.class, () -> MessageQueue.unlink("x")).errnoName());
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.open("/a\0b"));
    assertThrows(NullPointerException.class, () -> MessageQueue.open(null));
    assertThrows(NullPointerException.class, () -> MessageQueue.open("/x", null));
    assertThrows(NullPointerException.class, () -> MessageQueue.unlink(null));
  }

  @Test
  void badOptionsAreRefusedBeforeAnySystemCall() {
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().mode(01000));
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().mode(-1));
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().maxMessages(0));
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().messageSize(-5));
    assertThrows(NullPointerException.class, () -> MessageQueue.options().access(null));
    String name = uniqueName("half");
    assertThrows(IllegalArgumentException.class,
        () -> MessageQueue.open(name, MessageQueue.options().create().maxMessages(3)));
    assertThrows(NotFoundException.class, () -> MessageQueue.unlink(name), "nothing was created");
  }

  @Test
  void attributesAboveTheLimitsNameTheLimit() {
    MessageQueue.Limits limits = MessageQueue.limits();
    long tooMany = limits.privileged() ? 65537 : limits.msgMax() + 1;
    PosixException e = assertThrows(PosixException.class, () -> MessageQueue.open(uniqueName("limit"),
        MessageQueue.options().exclusive().maxMessages(tooMany).messageSize(8)));
    assertEquals("EINVAL", e.errnoName());
    String expected = limits.privileged() ? "hard limit (65536)" : "/proc/sys/fs/mqueue/msg_max (" + limits.msgMax() + ")";
    assertTrue(e.getMessage().contains("max_messages " + tooMany + " is above " + expected), e.getMessage());
    long tooBig = limits.privileged() ? 16 * 1024 * 1024 + 1 : limits.msgsizeMax() + 1;
    e = assertThrows(PosixException.class, () -> MessageQueue.open(uniqueName("limit"),
        MessageQueue.options().exclusive().maxMessages(1).messageSize(tooBig)));
    assertTrue(e.getMessage().contains("message_size " + tooBig + " is above"), e.getMessage());
  }

  // ------------------------------------------------------------------ messages

  @Test
  void highestPriorityFirstThenOldestFirst() throws Exception {
    try (MessageQueue q = create("prio", 8, 64)) {
      q.send(direct("a0"), 0);
      q.send(direct("b5"), 5);
      q.send("c0".getBytes(StandardCharsets.UTF_8), 0);
      q.send(direct("d5"), 5);
      q.send(direct("e-max"), MessageQueue.PRIORITY_MAX);
      ByteBuffer buf = ByteBuffer.allocateDirect(64);
      ReceivedMessage r = new ReceivedMessage();
      String[] expected = {"e-max", "b5", "d5", "a0", "c0"};
      int[] prios = {MessageQueue.PRIORITY_MAX, 5, 5, 0, 0};
      for (int i = 0; i < expected.length; i++) {
        assertTrue(q.receive(buf.clear(), Duration.ZERO, r) == r, "the result object is reused");
        assertEquals(expected[i], text(buf, r));
        assertEquals(prios[i], r.priority());
      }
      assertThrows(WouldBlockException.class, () -> q.receive(buf.clear(), Duration.ZERO, r));
    }
  }

  @Test
  void outOfRangePrioritiesAreRefused() throws Exception {
    try (MessageQueue q = create("badprio", 2, 8)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.send(new byte[1], -1));
      assertTrue(e.getMessage().contains("0..32767"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> q.send(new byte[1], MessageQueue.PRIORITY_MAX + 1));
      assertThrows(IllegalArgumentException.class, () -> q.send(ByteBuffer.allocateDirect(1), 40000));
      assertEquals(0, q.attributes().currentMessages());
    }
  }

  @Test
  void zeroLengthMessagesWork() throws Exception {
    try (MessageQueue q = create("empty", 4, 16)) {
      q.send(new byte[0], 3);
      q.send(ByteBuffer.allocateDirect(0), 2);
      q.send(ByteBuffer.allocate(0), 1);
      assertEquals(3, q.attributes().currentMessages());
      ByteBuffer dst = ByteBuffer.allocateDirect(16);
      for (int prio = 3; prio >= 1; prio--) {
        ReceivedMessage r = q.receive(dst, Duration.ZERO);
        assertEquals(0, r.length());
        assertEquals(prio, r.priority());
        assertEquals(0, dst.position());
      }
    }
  }

  @Test
  void heapBuffersArraysAndSlicesCarryData() throws Exception {
    try (MessageQueue q = create("heap", 4, 32)) {
      ByteBuffer slice = ByteBuffer.wrap("xxhello-heapyy".getBytes(StandardCharsets.UTF_8), 2, 10);
      q.send(slice, 1);
      assertFalse(slice.hasRemaining(), "the position moves past what was sent");
      q.send(direct("direct").asReadOnlyBuffer(), 1);
      q.send(ByteBuffer.wrap("read-only heap".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer(), 1);
      ByteBuffer heap = ByteBuffer.allocate(40);
      heap.position(4);
      ReceivedMessage r = q.receive(heap);
      assertEquals(10, r.length());
      assertEquals(14, heap.position());
      assertEquals("hello-heap", text(heap, r));
      r = q.receive(heap.clear());
      assertEquals("direct", text(heap, r));
      r = q.receive(heap.clear());
      assertEquals("read-only heap", text(heap, r));
      assertThrows(IllegalArgumentException.class, () -> q.receive(ByteBuffer.allocate(32).asReadOnlyBuffer()));
    }
  }

  @Test
  void tooLongMessagesAndTooSmallBuffersNameBothSizes() throws Exception {
    try (MessageQueue q = create("size", 2, 16)) {
      PosixException e = assertThrows(PosixException.class, () -> q.send(new byte[17], 0));
      assertEquals("EMSGSIZE", e.errnoName());
      assertEquals("mq_send", e.syscall());
      assertTrue(e.getMessage().contains("a message of 17 bytes is longer than the queue's message size"
          + " (mq_msgsize 16)"), e.getMessage());
      assertThrows(PosixException.class, () -> q.send(ByteBuffer.allocateDirect(100), 0));
      q.send(new byte[16], 0); // exactly the size
      PosixException small = assertThrows(PosixException.class, () -> q.receive(ByteBuffer.allocateDirect(15)));
      assertEquals("EMSGSIZE", small.errnoName());
      assertTrue(small.getMessage().contains("a buffer of 15 bytes is smaller than the queue's message size"
          + " (mq_msgsize 16)"), small.getMessage());
      ByteBuffer offset = ByteBuffer.allocateDirect(20).position(5); // 15 bytes of room
      assertThrows(PosixException.class, () -> q.receive(offset));
      assertEquals(1, q.attributes().currentMessages(), "the message is still there");
      assertEquals(16, q.receive(ByteBuffer.allocateDirect(16)).length());
    }
  }

  @Test
  void nonBlockingModeThrowsWouldBlockAtOnce() throws Exception {
    String name = uniqueName("nb");
    try (MessageQueue q = MessageQueue.open(name,
        MessageQueue.options().exclusive().maxMessages(2).messageSize(8).nonBlocking())) {
      assertFalse(q.isBlocking());
      assertTrue(q.attributes().nonBlocking());
      ByteBuffer dst = ByteBuffer.allocateDirect(8);
      WouldBlockException empty = assertThrows(WouldBlockException.class, () -> q.receive(dst));
      assertEquals("mq_receive", empty.syscall());
      // A timeout does not make a non-blocking queue wait (as mq_timedreceive).
      assertThrows(WouldBlockException.class, () -> q.receive(dst, Duration.ofSeconds(5)));
      q.send(new byte[] {1}, 0);
      q.send(new byte[] {2}, 0);
      WouldBlockException full = assertThrows(WouldBlockException.class, () -> q.send(new byte[] {3}, 0));
      assertEquals("EAGAIN", full.errnoName());
      q.setBlocking(true);
      assertFalse(q.attributes().nonBlocking());
      assertThrows(TimedOutException.class, () -> q.send(new byte[] {3}, 0, Duration.ofMillis(30)));
    }
  }

  @Test
  void timeoutsTryOnceOrWaitAtMostThatLong() throws Exception {
    try (MessageQueue q = create("timed", 1, 8)) {
      ByteBuffer dst = ByteBuffer.allocateDirect(8);
      assertThrows(WouldBlockException.class, () -> q.receive(dst, Duration.ZERO));
      long start = System.nanoTime();
      TimedOutException t = assertThrows(TimedOutException.class, () -> q.receive(dst, Duration.ofMillis(50)));
      assertEquals("ETIMEDOUT", t.errnoName());
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(45));
      q.send(new byte[] {7}, 0, Duration.ZERO);
      assertThrows(WouldBlockException.class, () -> q.send(new byte[] {8}, 0, Duration.ZERO));
      assertThrows(TimedOutException.class, () -> q.send(new byte[] {8}, 0, Duration.ofMillis(20)));
      assertThrows(IllegalArgumentException.class, () -> q.receive(dst, Duration.ofMillis(-1)));
      // A huge timeout is "forever", not an overflow into the past.
      assertEquals(1, q.receive(dst, Duration.ofSeconds(Long.MAX_VALUE)).length());
    }
  }

  @Test
  void directionIsChecked() throws Exception {
    String name = uniqueName("dir");
    try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().exclusive().maxMessages(2).messageSize(8));
        MessageQueue r = MessageQueue.open(name, MessageQueue.options().access(Access.READ));
        MessageQueue w = MessageQueue.open(name, MessageQueue.options().access(Access.WRITE))) {
      assertThrows(NonWritableChannelException.class, () -> r.send(new byte[1], 0));
      assertThrows(NonReadableChannelException.class, () -> w.receive(ByteBuffer.allocateDirect(8)));
      w.send(new byte[] {9}, 4);
      assertEquals(4, r.receive(ByteBuffer.allocateDirect(8)).priority());
      assertNotNull(q);
    }
  }

  @Test
  void closedHandlesAreRefusedClearly() throws Exception {
    int before = settledFds();
    MessageQueue q = create("closed", 2, 8);
    q.close();
    q.close(); // idempotent
    ClosedChannelException e = assertThrows(ClosedChannelException.class, () -> q.send(new byte[1], 0));
    assertTrue(e.getMessage().contains(q.name()), e.getMessage());
    assertThrows(ClosedChannelException.class, () -> q.receive(ByteBuffer.allocateDirect(8)));
    assertThrows(ClosedChannelException.class, q::attributes);
    assertThrows(ClosedChannelException.class, q::fd);
    assertThrows(ClosedChannelException.class, () -> q.registerNotification(() -> {}));
    assertTrue(q.toString().contains("closed"));
    for (int i = 0; i < 20; i++) {
      MessageQueue.open(q.name()).close();
    }
    assertFdsReturnTo(before);
  }

  // ------------------------------------------------------------------ close and interrupt

  @Test
  void closeWakesABlockedReceiver() throws Exception {
    List<Thread> threads = new ArrayList<>();
    MessageQueue q = create("close-r", 2, 8);
    CompletableFuture<ReceivedMessage> f = inThread(() -> q.receive(ByteBuffer.allocateDirect(8)), threads);
    Thread.sleep(100);
    long start = System.nanoTime();
    q.close();
    assertInstanceOf(AsynchronousCloseException.class, failure(f));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms < 1000, "woken in " + ms + " ms");
  }

  @Test
  void closeWakesABlockedSender() throws Exception {
    List<Thread> threads = new ArrayList<>();
    MessageQueue q = create("close-s", 1, 8);
    q.send(new byte[] {1}, 0);
    CompletableFuture<Boolean> f = inThread(() -> {
      q.send(new byte[] {2}, 0, Duration.ofSeconds(30));
      return true;
    }, threads);
    Thread.sleep(100);
    q.close();
    assertInstanceOf(AsynchronousCloseException.class, failure(f));
    try (MessageQueue again = MessageQueue.open(q.name())) {
      assertEquals(1, again.attributes().currentMessages(), "the blocked message was not sent");
    }
  }

  @Test
  void interruptClosesTheQueueAndWakesTheReceiver() throws Exception {
    List<Thread> threads = new ArrayList<>();
    try (MessageQueue q = create("intr", 2, 8)) {
      CompletableFuture<ReceivedMessage> f =
          inThread(() -> q.receive(ByteBuffer.allocateDirect(8), Duration.ofSeconds(30)), threads);
      Thread.sleep(100);
      threads.get(0).interrupt();
      assertInstanceOf(ClosedByInterruptException.class, failure(f));
      assertFalse(q.isOpen());
    }
  }

  /**
   * A send that could proceed at once (the queue has room), made by a thread whose interrupt is
   * already set, closes the queue and throws, as the JDK's channels do; nothing is sent.
   */
  @Test
  void anInterruptedThreadsSendClosesTheQueueThoughThereIsRoom() throws Exception {
    try (MessageQueue q = create("intr-send", 2, 8); MessageQueue peer = MessageQueue.open(q.name())) {
      Thread.currentThread().interrupt();
      try {
        assertThrows(ClosedByInterruptException.class, () -> q.send(direct("x"), 0));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
      }
      assertFalse(q.isOpen());
      assertEquals(0, peer.attributes().currentMessages(), "nothing was sent");
    }
  }

  // ------------------------------------------------------------------ other processes

  @Test
  void cPeerSendsAndJavaReceivesWithPriorities() throws Exception {
    try (MessageQueue q = create("from-c", 10, 64)) {
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0],
          "mq-source", q.name(), "10", "40", "5", "-1")) {
        assertEquals(0, peer.waitFor(30));
        String summary = peer.output();
        // All ten are queued now: they come out by priority (k % 8), then in sending order.
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        ReceivedMessage r = new ReceivedMessage();
        long sum = 0;
        int lastPrio = Integer.MAX_VALUE;
        int lastK = -1;
        for (int i = 0; i < 10; i++) {
          q.receive(b.clear(), Duration.ZERO, r);
          int k = (b.get(4) & 0xff) | (b.get(5) & 0xff) << 8;
          assertEquals(k % 8, r.priority());
          assertTrue(r.priority() < lastPrio || (r.priority() == lastPrio && k > lastK), "priority order");
          lastPrio = r.priority();
          lastK = k;
          sum += MqPeer.hash(r.priority(), b, r.length());
        }
        assertEquals(summary, MqPeer.summary(10, 400, sum));
      }
    }
  }

  @Test
  void javaSendsAndCPeerReceives() throws Exception {
    try (MessageQueue q = create("to-c", 4, 128)) {
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "mq-sink", q.name(), "200")) {
        ByteBuffer b = ByteBuffer.allocateDirect(128);
        long sum = 0;
        long bytes = 0;
        for (int k = 0; k < 200; k++) {
          int size = k % 129; // 0 to 128 bytes, zero-length included
          b.clear().limit(size);
          MqPeer.fill(b, 3, k);
          sum += MqPeer.hash(k % 17, b, size);
          bytes += size;
          q.send(b, k % 17, Duration.ofSeconds(20));
        }
        assertEquals(0, peer.waitFor(30));
        assertEquals(MqPeer.summary(200, bytes, sum), peer.output());
      }
    }
  }

  @Test
  void notificationFromCPeerRegistrationIsEbusyHere() throws Exception {
    try (MessageQueue q = create("notify-c", 2, 8)) {
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "mq-notify", q.name(), "20000")) {
        ByteBuffer line = ByteBuffer.allocate(11);
        while (line.hasRemaining() && peer.stdout.read(line, Duration.ofSeconds(20)) != -1) {
          // "registered\n"
        }
        assertEquals("registered\n", new String(line.array(), StandardCharsets.US_ASCII));
        PosixException busy = assertThrows(PosixException.class, () -> q.registerNotification(() -> {}));
        assertEquals("EBUSY", busy.errnoName());
        q.send(new byte[] {1}, 0);
        assertEquals(0, peer.waitFor(30));
        assertEquals("notified", peer.output());
      }
    }
  }

  @Test
  void notificationRunsOnceOnADaemonThread() throws Exception {
    try (MessageQueue q = create("notify", 2, 8)) {
      AtomicReference<Thread> ran = new AtomicReference<>();
      AtomicInteger calls = new AtomicInteger();
      CountDownLatch latch = new CountDownLatch(1);
      MessageQueueNotification n = q.registerNotification(() -> {
        ran.set(Thread.currentThread());
        calls.incrementAndGet();
        latch.countDown();
      });
      // Another registration, from this process too, is EBUSY while this one stands.
      assertEquals("EBUSY", assertThrows(PosixException.class, () -> q.registerNotification(() -> {})).errnoName());
      assertFalse(n.isDone());
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "mq-send", q.name(), "3", "hi")) {
        assertEquals(0, peer.waitFor(30));
      }
      assertTrue(latch.await(10, TimeUnit.SECONDS));
      assertTrue(n.await(Duration.ofSeconds(10)));
      assertTrue(ran.get().isDaemon());
      assertTrue(ran.get().getName().startsWith("posixipc-mq-notify"), ran.get().getName());
      assertTrue(n.isDone());
      // One-shot: the next message into the emptied queue does not run it again.
      q.receive(ByteBuffer.allocateDirect(8));
      q.send(new byte[] {2}, 0);
      Thread.sleep(50);
      assertEquals(1, calls.get());
      // And the registration is free again.
      try (MessageQueueNotification again = q.registerNotification(() -> {})) {
        assertFalse(again.isDone());
      }
    }
  }

  @Test
  void cancelledAndClosedRegistrationsNeverRun() throws Exception {
    int before = settledFds();
    String name;
    try (MessageQueue q = create("cancel", 2, 8)) {
      name = q.name();
      AtomicInteger calls = new AtomicInteger();
      MessageQueueNotification n = q.registerNotification(calls::incrementAndGet);
      n.cancel();
      n.cancel();
      assertTrue(n.await(Duration.ofSeconds(10)));
      assertTrue(n.await(null), "a null timeout waits as long as it takes");
      n.await();
      assertThrows(IllegalArgumentException.class, () -> n.await(Duration.ofSeconds(-1)));
      // Cancelled: another registration is possible, and a message runs nothing.
      MessageQueueNotification second = q.registerNotification(calls::incrementAndGet);
      try (MessageQueue other = MessageQueue.open(name)) {
        assertEquals("EBUSY", assertThrows(PosixException.class,
            () -> other.registerNotification(() -> {})).errnoName());
      }
      // Closing another descriptor of the queue in this process removed it (Linux's rule).
      assertTrue(second.await(Duration.ofSeconds(10)));
      assertTrue(second.isDone());
      second.cancel(); // harmless once removed
      q.send(new byte[] {1}, 0);
      Thread.sleep(50);
      assertEquals(0, calls.get());
      q.receive(ByteBuffer.allocateDirect(8));
      // Closing the queue removes its registration: the thread ends, nothing runs.
      MessageQueueNotification third = q.registerNotification(calls::incrementAndGet);
      q.close();
      assertTrue(third.await(Duration.ofSeconds(10)));
      assertTrue(third.isDone());
      third.cancel(); // harmless after close
      assertEquals(0, calls.get());
    }
    try (MessageQueue q = MessageQueue.open(name)) {
      q.registerNotification(() -> {}).close();
    }
    assertFdsReturnTo(before);
  }

  @Test
  void childJvmEchoesMessagesWithTheirPriorities() throws Exception {
    try (MessageQueue to = create("to-jvm", 4, 64); MessageQueue from = create("from-jvm", 4, 64)) {
      Process child = TestSupport.startJavaPeer("mq-echo", to.name(), from.name(), "50");
      ByteBuffer out = ByteBuffer.allocateDirect(64);
      ByteBuffer in = ByteBuffer.allocateDirect(64);
      ReceivedMessage r = new ReceivedMessage();
      for (int k = 0; k < 50; k++) {
        out.clear().limit(k % 65);
        MqPeer.fill(out, 9, k);
        to.send(out, k % 32, Duration.ofSeconds(20));
        from.receive(in.clear(), Duration.ofSeconds(20), r);
        assertEquals(k % 65, r.length());
        assertEquals(k % 32, r.priority());
        assertEquals(out.flip(), in.flip());
      }
      TestSupport.finish(child, 30);
    }
  }

  /**
   * Four producer processes (two C peers, two child JVMs) and one consumer: 100,000 messages,
   * none lost or duplicated, each producer's messages in order, and the order-independent
   * checksum equal to the sum of the producers'.
   */
  @Test
  void oneHundredThousandMessagesFromSeveralProducerProcesses() throws Exception {
    final int each = 25_000;
    try (MessageQueue q = create("many", 10, 32)) {
      List<TestSupport.CPeer> cPeers = new ArrayList<>();
      List<Process> jvms = new ArrayList<>();
      try {
        cPeers.add(TestSupport.startCPeer(new Object[0], "mq-source", q.name(), "" + each, "24", "1", "-1"));
        cPeers.add(TestSupport.startCPeer(new Object[0], "mq-source", q.name(), "" + each, "24", "2", "3"));
        jvms.add(TestSupport.startJavaPeer("mq-source", q.name(), "" + each, "24", "3", "-1"));
        jvms.add(TestSupport.startJavaPeer("mq-source", q.name(), "" + each, "24", "4", "5"));
        ByteBuffer b = ByteBuffer.allocateDirect(32);
        ReceivedMessage r = new ReceivedMessage();
        int[] next = new int[5];
        long sum = 0;
        ByteBuffer expected = ByteBuffer.allocateDirect(24);
        for (int i = 0; i < 4 * each; i++) {
          q.receive(b.clear(), Duration.ofSeconds(30), r);
          assertEquals(24, r.length());
          int seed = b.get(0) & 0xff;
          int k = (b.get(4) & 0xff) | (b.get(5) & 0xff) << 8 | (b.get(6) & 0xff) << 16;
          assertTrue(seed >= 1 && seed <= 4, "seed " + seed);
          // Within one priority a producer's messages keep their order; producers 1 and 3 use
          // eight priorities, so only the ones with a single priority are checked in sequence.
          if (seed == 2 || seed == 4) {
            assertEquals(next[seed], k, "producer " + seed + " lost, duplicated or reordered");
          }
          next[seed]++;
          MqPeer.fill(expected.clear(), seed, k);
          assertEquals(expected, b.flip(), "message " + k + " of producer " + seed);
          sum += MqPeer.hash(r.priority(), b, r.length());
        }
        assertEquals(0, q.attributes().currentMessages());
        long expectedSum = 0;
        for (TestSupport.CPeer p : cPeers) {
          assertEquals(0, p.waitFor(30));
          expectedSum += parseSum(p.output());
        }
        for (Process p : jvms) {
          expectedSum += parseSum(TestSupport.finish(p, 30));
        }
        for (int seed = 1; seed <= 4; seed++) {
          assertEquals(each, next[seed], "messages of producer " + seed);
        }
        assertEquals(expectedSum, sum, "checksum of everything received");
      } finally {
        for (TestSupport.CPeer p : cPeers) {
          p.close();
        }
        for (Process p : jvms) {
          p.destroyForcibly();
        }
      }
    }
  }

  private static long parseSum(String summary) {
    assertTrue(summary.startsWith("count=25000 bytes=600000 sum="), summary);
    return Long.parseUnsignedLong(summary.substring(summary.indexOf("sum=") + 4), 16);
  }

  @Test
  void receivesOnAReusedDirectBufferAllocateNothing() throws Exception {
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    try (MessageQueue q = create("alloc", 8, 64)) {
      ByteBuffer out = ByteBuffer.allocateDirect(64);
      ByteBuffer in = ByteBuffer.allocateDirect(64);
      ReceivedMessage r = new ReceivedMessage();
      for (int i = 0; i < 20_000; i++) { // warm-up, so that the JIT has compiled the path
        q.send(out.clear(), 1);
        q.receive(in.clear(), null, r);
      }
      long tid = Thread.currentThread().getId();
      long before = bean.getThreadAllocatedBytes(tid);
      for (int i = 0; i < 10_000; i++) {
        q.send(out.clear(), 1);
        q.receive(in.clear(), null, r);
      }
      long allocated = bean.getThreadAllocatedBytes(tid) - before;
      // Less than one byte per message: nothing is allocated per message (a few objects of the
      // measurement itself may show up).
      assertTrue(allocated < 10_000, "allocated " + allocated + " bytes for 10,000 round trips");
    }
  }

  @Test
  void notificationBySignalReachesJavaThroughTheDispatcher() throws Exception {
    int sig = Signals.rtmin() + 6;
    try (MessageQueue q = create("notify-signal", 4, 64)) {
      IllegalStateException uncaught = assertThrows(IllegalStateException.class, () -> q.registerNotification(sig, 77));
      assertTrue(uncaught.getMessage().contains("add a listener"), uncaught.getMessage());
      assertThrows(IllegalArgumentException.class, () -> q.registerNotification(Signals.SIGSEGV, 1));
      try (SignalQueue signals = Signals.queue(sig)) {
        q.registerNotification(sig, 77);
        PosixException busy = assertThrows(PosixException.class, () -> q.registerNotification(sig, 78));
        assertEquals("EBUSY", busy.errnoName());
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "mq-send", q.name(), "3", "hello")) {
          assertEquals(0, peer.waitFor(10), peer.output());
        }
        SignalInfo info = signals.take(Duration.ofSeconds(10));
        assertEquals(sig, info.signal());
        assertEquals(77, info.value());
        assertEquals(-3, info.code(), "SI_MESGQ");
        MessageQueueNotification again = q.registerNotification(sig, 79); // one-shot: free again
        assertFalse(again.isDone());
        assertFalse(again.await(Duration.ZERO), "a signal registration is done when cancelled");
        again.cancel();
        assertTrue(again.isDone());
        assertTrue(again.await(null), "a null timeout waits as long as it takes, here not at all");
        again.cancel(); // idempotent
        try (MessageQueueNotification third = q.registerNotification(sig, 80)) {
          assertFalse(third.isDone(), "the cancel removed the registration: free for a new one");
        }
      }
    }
  }
}
