package io.github.posixipc;

import static io.github.posixipc.TestSupport.assertFdsReturnTo;
import static io.github.posixipc.TestSupport.openFds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipeTest {

  private static ByteBuffer direct(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static String text(ByteBuffer b) {
    b.flip();
    return StandardCharsets.UTF_8.decode(b).toString();
  }

  /** Runs body in a new thread; the future completes with its result or its exception. */
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

  private static Throwable failure(Future<?> f, long ms) throws Exception {
    try {
      f.get(ms, TimeUnit.MILLISECONDS);
      throw new AssertionError("expected the call to fail");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Waits until thread t is blocked (parked in the kernel shows as RUNNABLE; give it time). */
  private static void letItBlock() throws InterruptedException {
    Thread.sleep(100);
  }

  @Test
  void directAndHeapBuffersCarryData() throws Exception {
    try (Pipe p = Pipe.open()) {
      assertEquals(5, p.sink().write(direct("hello")));
      ByteBuffer dst = ByteBuffer.allocateDirect(16);
      assertEquals(5, p.source().read(dst));
      assertEquals("hello", text(dst));

      ByteBuffer heap = ByteBuffer.wrap("abc-heap".getBytes(StandardCharsets.UTF_8), 4, 4);
      assertEquals(4, p.sink().write(heap));
      assertEquals(8, heap.position());
      ByteBuffer heapDst = ByteBuffer.allocate(10).position(3);
      assertEquals(4, p.source().read(heapDst));
      assertEquals("heap", new String(heapDst.array(), 3, 4, StandardCharsets.UTF_8));

      // A read-only heap buffer has no accessible array: it is copied another way.
      ByteBuffer ro = ByteBuffer.wrap("ro!".getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
      assertEquals(3, p.sink().write(ro));
      ByteBuffer back = ByteBuffer.allocate(3);
      assertEquals(3, p.source().read(back));
      assertEquals("ro!", text(back));
    }
  }

  @Test
  void directBufferPositionsAreHonoured() throws Exception {
    try (Pipe p = Pipe.open()) {
      ByteBuffer src = direct("0123456789");
      src.position(2).limit(7);
      assertEquals(5, p.sink().write(src));
      ByteBuffer dst = ByteBuffer.allocateDirect(20).position(10);
      assertEquals(5, p.source().read(dst));
      dst.flip().position(10);
      assertEquals("23456", StandardCharsets.UTF_8.decode(dst).toString());
      // The same buffer again, at another position: the cached address must not be stale.
      src.position(0).limit(3);
      p.sink().write(src);
      dst.clear().position(1);
      assertEquals(3, p.source().read(dst));
      assertEquals('0', dst.get(1));
      assertEquals('2', dst.get(3));
    }
  }

  @Test
  void largeWritesAreCompleteInBlockingMode() throws Exception {
    try (Pipe p = Pipe.open()) {
      int size = 1 << 20;
      ByteBuffer src = TestSupport.patternBlock(3, 0, size);
      Future<Integer> writer = CompletableFuture.supplyAsync(() -> {
        try {
          return p.sink().write(src);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      ByteBuffer dst = ByteBuffer.allocateDirect(size);
      while (dst.hasRemaining()) {
        assertTrue(p.source().read(dst) > 0);
      }
      assertEquals(size, writer.get(30, TimeUnit.SECONDS));
      for (int i = 0; i < size; i++) {
        if (dst.get(i) != TestSupport.pattern(3, i)) {
          throw new AssertionError("byte " + i + " differs");
        }
      }
    }
  }

  @Test
  void endOfFileOnceTheWriterIsClosed() throws Exception {
    try (Pipe p = Pipe.open()) {
      p.sink().write(direct("xy"));
      p.sink().close();
      ByteBuffer dst = ByteBuffer.allocateDirect(8);
      assertEquals(2, p.source().read(dst));
      assertEquals(-1, p.source().read(dst));
      assertEquals(-1, p.source().read(dst, Duration.ofSeconds(1)));
    }
  }

  @Test
  void writeWithoutReaderIsEpipe() throws Exception {
    try (Pipe p = Pipe.open()) {
      p.source().close();
      PosixException e = assertThrows(PosixException.class, () -> p.sink().write(direct("x")));
      assertEquals(Errno.EPIPE, e.errno());
      assertEquals("EPIPE", e.errnoName());
      assertEquals("write", e.syscall());
      assertTrue(e.getMessage().startsWith("write pipe write end (fd "), e.getMessage());
      assertTrue(e.getMessage().endsWith(": EPIPE (Broken pipe)"), e.getMessage());
      assertTrue(p.sink().isOpen(), "a failed write does not close the channel");
    }
  }

  @Test
  void nonBlockingModeReturnsZeroInsteadOfWaiting() throws Exception {
    try (Pipe p = Pipe.open(Pipe.options().nonBlocking())) {
      assertFalse(p.source().isBlocking());
      ByteBuffer dst = ByteBuffer.allocateDirect(8);
      assertEquals(0, p.source().read(dst));
      p.sink().setCapacity(4096);
      ByteBuffer big = ByteBuffer.allocateDirect(10000);
      assertEquals(4096, p.sink().write(big), "partial write: what fits");
      assertEquals(0, p.sink().write(big), "full: nothing");
      p.source().setBlocking(true);
      assertTrue(p.source().isBlocking());
      assertEquals(8, p.source().read(dst));
      assertThrows(IllegalBlockingModeException.class, () -> p.sink().outputStream().write(1));
      assertEquals(1, p.source().inputStream().read(new byte[1]), "the source blocks again");
    }
  }

  @Test
  void timedReadsAndWrites() throws Exception {
    try (Pipe p = Pipe.open()) {
      ByteBuffer dst = ByteBuffer.allocateDirect(8);
      WouldBlockException nb = assertThrows(WouldBlockException.class, () -> p.source().read(dst, Duration.ZERO));
      assertEquals("EAGAIN", nb.errnoName());
      long start = System.nanoTime();
      TimedOutException to = assertThrows(TimedOutException.class,
          () -> p.source().read(dst, Duration.ofMillis(80)));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms >= 75 && ms < 5000, "waited " + ms + " ms");
      assertEquals("ETIMEDOUT", to.errnoName());
      assertEquals("read", to.syscall());

      p.sink().setCapacity(4096);
      ByteBuffer block = ByteBuffer.allocateDirect(4096);
      assertEquals(4096, p.sink().write(block, Duration.ZERO));
      assertThrows(WouldBlockException.class, () -> p.sink().write(direct("x"), Duration.ZERO));
      assertThrows(TimedOutException.class, () -> p.sink().write(direct("x"), Duration.ofMillis(30)));
      // Room for part of a larger write appears while waiting: that part goes, the time runs
      // out, and the count says how much went (pipes free room a page at a time).
      CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(50);
          p.source().read(ByteBuffer.allocateDirect(4096));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      ByteBuffer more = ByteBuffer.allocateDirect(6000);
      assertEquals(4096, p.sink().write(more, Duration.ofMillis(300)));
      assertEquals(4096, more.position());
      assertThrows(IllegalArgumentException.class, () -> p.source().read(dst, Duration.ofMillis(-1)));
    }
  }

  @Test
  void capacityIsReadAndChanged() throws Exception {
    try (Pipe p = Pipe.open()) {
      assertEquals(65536, p.source().capacity());
      assertEquals(4096, p.sink().setCapacity(4096));
      assertEquals(4096, p.source().capacity());
      assertEquals(8192, p.sink().setCapacity(5000));
      assertThrows(IllegalArgumentException.class, () -> p.sink().setCapacity(0));
      assertThrows(IllegalArgumentException.class, () -> p.sink().setCapacity(-1));
      p.sink().write(ByteBuffer.allocateDirect(8192));
      PosixException busy = assertThrows(PosixException.class, () -> p.sink().setCapacity(4096));
      assertEquals("EBUSY", busy.errnoName());
    }
  }

  @Test
  void optionsCombineAndEachFactoryHasAShortForm() throws Exception {
    try (Pipe p = Pipe.open(Pipe.options().nonBlocking().packet())) {
      assertFalse(p.source().isBlocking());
      assertFalse(p.sink().isBlocking());
      assertEquals(0, p.source().read(ByteBuffer.allocateDirect(8)), "non-blocking: nothing now");
      p.sink().write(direct("ab"));
      p.sink().write(direct("c"));
      assertEquals(2, p.source().read(ByteBuffer.allocateDirect(8)), "packet: one write, one read");
    }
    try (Pipe p = Pipe.open()) {
      assertTrue(p.source().isBlocking(), "the short form has the defaults");
    }
  }

  @Test
  void packetModeKeepsBoundaries() throws Exception {
    try (Pipe p = Pipe.open(Pipe.options().packet())) {
      p.sink().write(direct("0123456789"));
      p.sink().write(direct("abc"));
      ByteBuffer dst = ByteBuffer.allocateDirect(100);
      assertEquals(10, p.source().read(dst));
      dst.clear();
      assertEquals(3, p.source().read(dst));
      assertEquals("abc", text(dst));
    }
  }

  @Test
  void streamsReadAndWrite() throws Exception {
    try (Pipe p = Pipe.open()) {
      OutputStream out = p.sink().outputStream();
      InputStream in = p.source().inputStream();
      out.write('A');
      out.write("bcdef".getBytes(StandardCharsets.UTF_8), 1, 3);
      assertEquals(4, in.available());
      assertEquals('A', in.read());
      byte[] b = new byte[8];
      assertEquals(3, in.read(b, 2, 6));
      assertArrayEquals("cde".getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOfRange(b, 2, 5));
      assertEquals(0, in.read(b, 0, 0));
      assertThrows(IndexOutOfBoundsException.class, () -> in.read(b, 5, 4));
      assertThrows(IndexOutOfBoundsException.class, () -> out.write(b, -1, 2));
      out.close();
      assertFalse(p.sink().isOpen(), "closing the stream closes the channel");
      assertEquals(-1, in.read());
    }
  }

  @Test
  void badInputGetsClearExceptions() throws Exception {
    try (Pipe p = Pipe.open()) {
      assertThrows(NullPointerException.class, () -> p.source().read(null));
      assertThrows(NullPointerException.class, () -> p.sink().write(null));
      assertThrows(NullPointerException.class, () -> Pipe.open(null));
      ByteBuffer ro = ByteBuffer.allocateDirect(4).asReadOnlyBuffer();
      assertThrows(IllegalArgumentException.class, () -> p.source().read(ro));
      assertEquals(0, p.source().read(ByteBuffer.allocateDirect(0)), "nothing asked, nothing read");
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseIsClear() throws Exception {
    Pipe p = Pipe.open();
    int fd = p.source().fd();
    assertTrue(fd >= 0);
    p.close();
    p.close();
    p.source().close();
    assertFalse(p.source().isOpen());
    ClosedChannelException e = assertThrows(ClosedChannelException.class,
        () -> p.source().read(ByteBuffer.allocateDirect(1)));
    assertEquals("pipe read end (fd " + fd + ") is closed", e.getMessage());
    assertThrows(ClosedChannelException.class, () -> p.sink().write(direct("x")));
    assertThrows(ClosedChannelException.class, () -> p.sink().capacity());
    assertThrows(ClosedChannelException.class, () -> p.source().fd());
    assertThrows(ClosedChannelException.class, () -> p.source().setBlocking(false));
    assertThrows(ClosedChannelException.class, () -> p.source().inputStream().read());
    assertTrue(p.toString().contains("closed"), p.toString());
  }

  @Test
  void concurrentClosesCloseOnce() throws Exception {
    for (int round = 0; round < 200; round++) {
      Pipe p = Pipe.open();
      List<CompletableFuture<Void>> closers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        closers.add(CompletableFuture.runAsync(() -> {
          try {
            p.close();
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }));
      }
      for (CompletableFuture<Void> c : closers) {
        c.get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void closeWhileBlockedInReadWakesTheReader() throws Exception {
    List<Thread> threads = new ArrayList<>();
    Pipe p = Pipe.open();
    CompletableFuture<Integer> read = inThread(() -> p.source().read(ByteBuffer.allocateDirect(8)), threads);
    letItBlock();
    long start = System.nanoTime();
    p.source().close();
    Throwable t = failure(read, 5000);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertInstanceOf(AsynchronousCloseException.class, t);
    assertTrue(ms < 100, "woken in " + ms + " ms");
    p.close();
  }

  @Test
  void closeWhileBlockedInWriteWakesTheWriter() throws Exception {
    List<Thread> threads = new ArrayList<>();
    Pipe p = Pipe.open();
    ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
    CompletableFuture<Integer> write = inThread(() -> p.sink().write(big), threads);
    letItBlock();
    long start = System.nanoTime();
    p.sink().close();
    Throwable t = failure(write, 5000);
    assertInstanceOf(AsynchronousCloseException.class, t);
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 100);
    // What the writer did write before the close is in the pipe, not lost.
    ByteBuffer dst = ByteBuffer.allocateDirect(1 << 20);
    int total = 0;
    int n;
    while ((n = p.source().read(dst)) > 0) {
      total += n;
    }
    assertEquals(65536, total);
    p.close();
  }

  @Test
  void interruptWhileBlockedInReadClosesTheChannel() throws Exception {
    try (Pipe p = Pipe.open()) {
      List<Thread> threads = new ArrayList<>();
      CompletableFuture<Integer> read = inThread(() -> p.source().read(ByteBuffer.allocateDirect(8)), threads);
      letItBlock();
      long start = System.nanoTime();
      threads.get(0).interrupt();
      Throwable t = failure(read, 5000);
      assertInstanceOf(ClosedByInterruptException.class, t);
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 100);
      assertFalse(p.source().isOpen());
      assertTrue(p.sink().isOpen(), "only the interrupted channel is closed");
    }
  }

  @Test
  void interruptWhileBlockedInTimedReadClosesTheChannel() throws Exception {
    try (Pipe p = Pipe.open()) {
      List<Thread> threads = new ArrayList<>();
      CompletableFuture<Integer> read = inThread(
          () -> p.source().read(ByteBuffer.allocateDirect(8), Duration.ofSeconds(30)), threads);
      letItBlock();
      threads.get(0).interrupt();
      assertInstanceOf(ClosedByInterruptException.class, failure(read, 5000));
    }
  }

  @Test
  void alreadyInterruptedThreadDoesNotBlock() throws Exception {
    try (Pipe p = Pipe.open()) {
      Thread.currentThread().interrupt();
      try {
        assertThrows(ClosedByInterruptException.class, () -> p.source().read(ByteBuffer.allocateDirect(8)));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status is kept");
      }
      assertFalse(p.source().isOpen());
    }
  }

  // The descriptor number of a closed end must not be reused while a call of ours still uses it:
  // the blocked reader must see the close, never the data of a pipe that got its number.
  @Test
  void closedNumberIsNotReusedUnderABlockedRead() throws Exception {
    for (int round = 0; round < 20; round++) {
      List<Thread> threads = new ArrayList<>();
      Pipe p = Pipe.open();
      ByteBuffer dst = ByteBuffer.allocateDirect(64);
      CompletableFuture<Integer> read = inThread(() -> p.source().read(dst), threads);
      Thread.sleep(20);
      p.source().close();
      List<Pipe> others = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Pipe o = Pipe.open();
        others.add(o);
        o.sink().write(direct("not yours"));
      }
      assertInstanceOf(AsynchronousCloseException.class, failure(read, 5000));
      assertEquals(0, dst.position(), "no stranger's data was read");
      for (Pipe o : others) {
        o.close();
      }
      p.close();
    }
  }

  @Test
  void forgottenPipesAreClosedByTheCleaner() throws Exception {
    int baseline = TestSupport.settledFds();
    for (int i = 0; i < 100; i++) {
      Pipe.open(); // never closed
    }
    assertNotEquals(baseline, openFds());
    assertFdsReturnTo(baseline);
  }

  @Test
  void noDescriptorLeakOverTenThousandCycles() throws Exception {
    int baseline = TestSupport.settledFds();
    ByteBuffer one = ByteBuffer.allocateDirect(1);
    for (int i = 0; i < 10_000; i++) {
      try (Pipe p = Pipe.open()) {
        one.clear();
        p.sink().write(one);
        one.clear();
        p.source().read(one);
      }
    }
    assertFdsReturnTo(baseline);
  }

  // A C process reads what Java writes into a pipe end it inherited as fd 3, and Java reads what
  // it writes back through fd 4.
  @Test
  void cPeerInheritsPipeEndsAndEchoes() throws Exception {
    try (Pipe toPeer = Pipe.open(); Pipe fromPeer = Pipe.open();
        TestSupport.CPeer peer = TestSupport.startCPeer(
            new Object[] {3, toPeer.source(), 4, fromPeer.sink()}, "echo", "fd:3", "fd:4")) {
      toPeer.source().close();
      fromPeer.sink().close();
      ByteBuffer ping = ByteBuffer.allocateDirect(64);
      ByteBuffer pong = ByteBuffer.allocateDirect(64);
      for (int i = 0; i < 1000; i++) {
        ping.clear();
        for (int k = 0; k < 64; k++) {
          ping.put(k, (byte) (i + k));
        }
        toPeer.sink().write(ping);
        pong.clear();
        while (pong.hasRemaining()) {
          assertTrue(fromPeer.source().read(pong, Duration.ofSeconds(10)) > 0);
        }
        assertEquals(ping.clear(), pong.flip());
      }
      toPeer.sink().close();
      assertEquals(-1, fromPeer.source().read(pong.clear(), Duration.ofSeconds(10)));
      assertEquals(0, peer.waitFor(10));
    }
  }

  @Test
  void cPeerStreamsAMegabyteIntoAPipe() throws Exception {
    try (Pipe pipe = Pipe.open();
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[] {3, pipe.sink()},
            "source", "fd:3", "3000000", "7")) {
      pipe.sink().close();
      ByteBuffer buf = ByteBuffer.allocateDirect(65536);
      long count = 0;
      long h = TestSupport.FNV_START;
      while (pipe.source().read(buf, Duration.ofSeconds(10)) != -1) {
        buf.flip();
        for (int i = 0; i < buf.remaining(); i++) {
          if (buf.get(i) != TestSupport.pattern(7, count + i)) {
            throw new AssertionError("byte " + (count + i) + " differs");
          }
        }
        h = TestSupport.fnv1a(h, buf);
        count += buf.remaining();
        buf.clear();
      }
      assertEquals(0, peer.waitFor(10));
      assertEquals(TestSupport.summary(count, h), peer.output());
      assertEquals(3_000_000, count);
    }
  }
}
