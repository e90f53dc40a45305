package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PollerTest {

  private static <T> CompletableFuture<T> inThread(java.util.concurrent.Callable<T> body) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(body.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    t.setDaemon(true);
    t.start();
    return f;
  }

  @Test
  void reportsWhichHandlesAreReady() throws Exception {
    int baseline = TestSupport.settledFds();
    ConnectedSocket[] pair = ConnectedSocket.pair();
    try (Poller poller = Poller.open(); Pipe pipe = Pipe.open(); ConnectedSocket a = pair[0]; ConnectedSocket b = pair[1]) {
      poller.register(pipe.source(), Poller.READABLE);
      poller.register(a, Poller.READABLE);
      assertEquals(0, poller.poll(Duration.ZERO));
      assertEquals(0, poller.poll(Duration.ofMillis(20)));
      b.write(ByteBuffer.wrap(new byte[] {1}));
      assertEquals(1, poller.poll(Duration.ofSeconds(5)));
      assertSame(a, poller.source(0));
      assertEquals(Poller.READABLE, poller.events(0));
      assertThrows(IndexOutOfBoundsException.class, () -> poller.source(1));
      pipe.sink().write(ByteBuffer.wrap(new byte[] {2}));
      assertEquals(2, poller.poll(null));
      poller.modify(a, Poller.WRITABLE);
      poller.unregister(pipe.source());
      assertEquals(1, poller.poll(Duration.ZERO));
      assertSame(a, poller.source(0));
      assertEquals(Poller.WRITABLE, poller.events(0));
      // The other end goes away: hang-up comes without being asked for.
      b.close();
      assertEquals(1, poller.poll(Duration.ofSeconds(5)));
      assertTrue((poller.events(0) & Poller.HANGUP) != 0);
    }
    TestSupport.assertFdsReturnTo(baseline);
  }

  @Test
  void aListeningSocketIsReadableWhenAConnectionWaits() throws Exception {
    SocketAddress where = AbstractSocketAddress.of("pipc-jtest-poll-" + ProcessHandle.current().pid()
        + "-" + System.nanoTime());
    try (Poller poller = Poller.open(); ListeningSocket server = ListeningSocket.bind(where)) {
      poller.register(server, Poller.READABLE);
      assertEquals(0, poller.poll(Duration.ZERO));
      try (ConnectedSocket c = ConnectedSocket.connect(where)) {
        assertEquals(1, poller.poll(Duration.ofSeconds(5)));
        assertSame(server, poller.source(0));
        server.accept().close();
      }
    }
  }

  @Test
  void anotherProcessMakesAPipeAndAFifoReady() throws Exception {
    Path fifo = TestSupport.uniquePath("pollfifo");
    Fifo.create(fifo);
    try (Poller poller = Poller.open(); Pipe pipe = Pipe.open();
        Fifo reader = Fifo.open(fifo, Access.READ, Duration.ZERO)) {
      poller.register(pipe.source(), Poller.READABLE);
      poller.register(reader, Poller.READABLE);
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[] {3, pipe.sink()}, "source", "fd:3", "10", "1")) {
        pipe.sink().close();
        assertEquals(1, poller.poll(Duration.ofSeconds(20)));
        assertSame(pipe.source(), poller.source(0));
        assertEquals(0, peer.waitFor(20));
      }
      assertEquals(10, pipe.source().read(ByteBuffer.allocate(64)));
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "source", "fifo:" + fifo, "5", "2")) {
        assertEquals(0, peer.waitFor(20));
      }
      // Both are ready now: the FIFO with data, the pipe with its end of file.
      assertEquals(2, poller.poll(Duration.ofSeconds(20)));
    } finally {
      TestSupport.removeQuietly(fifo);
    }
  }

  @Test
  void manyHandlesWithHighDescriptorNumbersAndNoAllocationPerPoll() throws Exception {
    java.util.List<ConnectedSocket> sockets = new java.util.ArrayList<>();
    try (Poller poller = Poller.open(4)) {
      for (int i = 0; i < 100; i++) {
        sockets.addAll(java.util.List.of(ConnectedSocket.pair()));
      }
      for (ConnectedSocket s : sockets) {
        poller.register(s, Poller.WRITABLE);
      }
      assertEquals(4, poller.poll(Duration.ZERO), "at most maxEvents at once");
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      long id = Thread.currentThread().getId();
      for (int i = 0; i < 2000; i++) {
        poller.poll(Duration.ZERO);
      }
      long before = mx.getThreadAllocatedBytes(id);
      int seen = 0;
      for (int i = 0; i < 10_000; i++) {
        seen += poller.poll(Duration.ZERO);
      }
      long bytes = mx.getThreadAllocatedBytes(id) - before;
      assertEquals(40_000, seen);
      assertTrue(bytes < 10_000, bytes + " bytes allocated over 10,000 polls");
      for (ConnectedSocket s : sockets) {
        poller.unregister(s);
      }
      assertEquals(0, poller.poll(Duration.ZERO));
      long idle = mx.getThreadAllocatedBytes(id);
      for (int i = 0; i < 10_000; i++) {
        assertEquals(0, poller.poll(Duration.ZERO));
      }
      idle = mx.getThreadAllocatedBytes(id) - idle;
      assertTrue(idle < 10_000, idle + " bytes allocated over 10,000 idle polls");
    } finally {
      for (ConnectedSocket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void wakeupEndsAPollFromAnotherThread() throws Exception {
    try (Poller poller = Poller.open()) {
      CompletableFuture<Integer> f = inThread(() -> poller.poll(null));
      Thread.sleep(50);
      poller.wakeup();
      assertEquals(0, f.get(10, TimeUnit.SECONDS));
      poller.wakeup(); // before the poll: not lost
      assertEquals(0, poller.poll(null));
    }
  }

  @Test
  void interruptingAPollClosesThePoller() throws Exception {
    // The poller is no channel, but it has the channels' interrupt rule: the JDK's hook, held.
    Poller poller = Poller.open();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        poller.poll(null);
        outcome.complete(null);
      } catch (Throwable e) {
        outcome.complete(e);
      }
    });
    t.start();
    Thread.sleep(100);
    t.interrupt();
    assertInstanceOf(ClosedByInterruptException.class, outcome.get(10, TimeUnit.SECONDS));
    assertFalse(poller.isOpen());
    ClosedChannelException e = assertThrows(ClosedChannelException.class, () -> poller.poll(Duration.ZERO));
    assertTrue(e.getMessage().contains("poller"), e.getMessage());
    poller.close();
  }

  @Test
  void closeEndsABlockedPoll() throws Exception {
    Poller poller = Poller.open();
    CompletableFuture<Integer> f = inThread(() -> poller.poll(null));
    Thread.sleep(100);
    poller.close();
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertInstanceOf(AsynchronousCloseException.class, e.getCause());
    assertFalse(poller.isOpen());
    assertThrows(ClosedChannelException.class, () -> poller.poll(Duration.ZERO));
    poller.close(); // idempotent
  }

  @Test
  void badInputsGetClearExceptions() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> Poller.open(0));
    Path file = TestSupport.uniquePath("regular");
    try (Poller poller = Poller.open(); Pipe pipe = Pipe.open()) {
      assertThrows(IllegalArgumentException.class, () -> poller.register(pipe.source(), 0));
      assertThrows(IllegalArgumentException.class, () -> poller.register(pipe.source(), Poller.HANGUP));
      poller.register(pipe.source(), Poller.READABLE);
      PosixException twice = assertThrows(PosixException.class, () -> poller.register(pipe.source(), Poller.READABLE));
      assertEquals(Errno.EEXIST, twice.errno());
      assertThrows(NotFoundException.class, () -> poller.unregister(pipe.sink()));
      pipe.sink().close();
      assertThrows(ClosedChannelException.class, () -> poller.register(pipe.sink(), Poller.WRITABLE));
      Files.writeString(file, "x");
      try (var ch = java.nio.channels.FileChannel.open(file)) {
        Pollable regular = () -> 0 + fdOf(ch);
        PosixException perm = assertThrows(PosixException.class, () -> poller.register(regular, Poller.READABLE));
        assertEquals(Errno.EPERM, perm.errno());
      }
    } finally {
      TestSupport.removeQuietly(file);
    }
  }

  /** The descriptor of a JDK file channel, through /proc (for a regular-file check only). */
  private static int fdOf(java.nio.channels.FileChannel ch) throws java.io.IOException {
    String target = ch.toString();
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        try {
          if (Files.readSymbolicLink(p).toString().contains("pipc-jtest-" + ProcessHandle.current().pid())
              && Files.readSymbolicLink(p).toString().endsWith("-regular")) {
            return Integer.parseInt(p.getFileName().toString());
          }
        } catch (java.io.IOException ignored) {
          // a descriptor closed meanwhile
        }
      }
    }
    throw new AssertionError("no descriptor for " + target);
  }

  @Test
  void aMessageQueueIsReadableWhenAnotherProcessSendsAndWritableWhileNotFull() throws Exception {
    String name = "/pipc-jtest-pollmq-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (Poller poller = Poller.open();
        MessageQueue q = MessageQueue.open(name,
            MessageQueue.options().create().exclusive().maxMessages(1).messageSize(16))) {
      poller.register(q, Poller.READABLE);
      assertEquals(0, poller.poll(Duration.ofMillis(20)), "an empty queue is not readable");
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "mq-send", name, "1", "hi")) {
        assertEquals(0, peer.waitFor(10), peer.output());
      }
      assertEquals(1, poller.poll(Duration.ofSeconds(10)));
      assertSame(q, poller.source(0));
      assertEquals(Poller.READABLE, poller.events(0));
      poller.modify(q, Poller.WRITABLE);
      assertEquals(0, poller.poll(Duration.ofMillis(20)), "a full queue is not writable");
      q.receive(ByteBuffer.allocateDirect(16), Duration.ZERO);
      assertEquals(1, poller.poll(Duration.ofSeconds(10)));
      assertEquals(Poller.WRITABLE, poller.events(0));
    } finally {
      MessageQueue.unlink(name);
    }
  }
}
