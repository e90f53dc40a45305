package io.github.posixipc;

import static io.github.posixipc.TestSupport.assertFdsReturnTo;
import static io.github.posixipc.TestSupport.openFds;
import static io.github.posixipc.TestSupport.removeQuietly;
import static io.github.posixipc.TestSupport.uniquePath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FifoTest {

  private Path path;

  @BeforeEach
  void createFifo() throws Exception {
    path = uniquePath("fifo");
    Fifo.create(path);
  }

  @AfterEach
  void removeFifo() {
    removeQuietly(path);
  }

  private static ByteBuffer bytes(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static Throwable failureOf(CompletableFuture<?> f) throws Exception {
    try {
      f.get(5, TimeUnit.SECONDS);
      throw new AssertionError("expected the call to fail");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Runs an open in a thread of its own and returns that thread's future. */
  private static CompletableFuture<Fifo> openInThread(Fifo fifo, Duration timeout, Thread[] thread) {
    CompletableFuture<Fifo> f = new CompletableFuture<>();
    thread[0] = new Thread(() -> {
      try {
        f.complete(fifo.open(timeout));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    });
    thread[0].start();
    return f;
  }

  @Test
  void createMakesAFifoWithTheDefaultOwnerOnlyMode() throws Exception {
    assertTrue((boolean) Files.getAttribute(path, "isOther"), "a FIFO is neither file, directory nor link");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
    AlreadyExistsException e = assertThrows(AlreadyExistsException.class, () -> Fifo.create(path));
    assertEquals("EEXIST", e.errnoName());
    assertEquals("mkfifo", e.syscall());
    assertEquals("FIFO " + path, e.object());
  }

  @Test
  void createWithAModeAndBadModes() throws Exception {
    Path other = uniquePath("mode");
    try {
      Fifo.create(other, Fifo.options().mode(0640));
      assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(other)));
      assertThrows(IllegalArgumentException.class, () -> Fifo.create(uniquePath("x"), Fifo.options().mode(010000)));
      assertThrows(IllegalArgumentException.class, () -> Fifo.create(uniquePath("x"), Fifo.options().mode(-1)));
    } finally {
      removeQuietly(other);
    }
  }

  @Test
  void badPathsGetClearErrors() throws Exception {
    assertThrows(NullPointerException.class, () -> Fifo.create(null));
    assertThrows(NullPointerException.class, () -> Fifo.open(null, Access.READ));
    assertThrows(NullPointerException.class, () -> Fifo.open(path, null));
    assertThrows(NullPointerException.class, () -> Fifo.create(path, null));
    assertThrows(NullPointerException.class, () -> Fifo.of(path, null));
    // The JDK refuses a NUL in a Path; names given as strings meet the library's own check.
    assertThrows(IllegalArgumentException.class, () -> Fifo.create(Path.of("/tmp/a\0b")));
    IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
        () -> NativeStrings.encode("/a\0b", "name"));
    assertEquals("name contains a NUL character: /a\\0b", nul.getMessage());
    assertThrows(NotFoundException.class, () -> Fifo.create(Path.of("/tmp/pipc-no-such-dir/f")));
    PosixException tooLong = assertThrows(PosixException.class,
        () -> Fifo.create(Path.of("/tmp/" + "x".repeat(5000))));
    assertEquals("ENAMETOOLONG", tooLong.errnoName());
    NotFoundException missing = assertThrows(NotFoundException.class,
        () -> Fifo.open(uniquePath("missing"), Access.READ, Duration.ZERO));
    assertEquals("open", missing.syscall());
    // Something that is not a FIFO is refused before anything is opened.
    Path file = uniquePath("regular");
    Files.writeString(file, "data");
    try {
      PosixException notFifo = assertThrows(PosixException.class, () -> Fifo.open(file, Access.READ, Duration.ZERO));
      assertEquals("EINVAL", notFifo.errnoName());
      PosixException notFifoUnlink = assertThrows(PosixException.class, () -> Fifo.unlink(file));
      assertEquals("EINVAL", notFifoUnlink.errnoName());
      assertTrue(Files.exists(file), "unlink leaves what is not a FIFO alone");
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void unlinkRemovesTheNameButNotOpenEnds() throws Exception {
    try (Fifo rw = Fifo.of(path, Access.READ_WRITE).open()) {
      Fifo.unlink(path);
      assertFalse(Files.exists(path));
      assertThrows(NotFoundException.class, () -> Fifo.unlink(path));
      rw.write(bytes("still here"));
      ByteBuffer dst = ByteBuffer.allocateDirect(32);
      assertEquals(10, rw.read(dst));
    }
  }

  @Test
  void nonBlockingOpenRules() throws Exception {
    // No reader: a non-blocking writer open fails with ENXIO.
    PosixException nx = assertThrows(PosixException.class, () -> Fifo.open(path, Access.WRITE, Duration.ZERO));
    assertEquals("ENXIO", nx.errnoName());
    // A non-blocking reader open does not wait for a writer, and the channel then blocks.
    try (Fifo r = Fifo.open(path, Access.READ, Duration.ZERO)) {
      assertTrue(r.isBlocking());
      try (Fifo w = Fifo.open(path, Access.WRITE, Duration.ZERO)) {
        w.write(bytes("hi"));
        ByteBuffer dst = ByteBuffer.allocateDirect(8);
        assertEquals(2, r.read(dst));
        assertThrows(WouldBlockException.class, () -> r.read(dst, Duration.ZERO));
      }
      assertEquals(-1, r.read(ByteBuffer.allocateDirect(8)), "the writer is gone");
    }
  }

  @Test
  void blockingOpensWaitForTheOtherSide() throws Exception {
    Thread[] t = new Thread[1];
    CompletableFuture<Fifo> reader = openInThread(Fifo.of(path, Access.READ), null, t);
    Thread.sleep(100);
    assertFalse(reader.isDone(), "the reader waits for a writer");
    try (Fifo w = Fifo.open(path, Access.WRITE, Duration.ofSeconds(5));
        Fifo r = reader.get(5, TimeUnit.SECONDS)) {
      w.write(bytes("ping"));
      ByteBuffer dst = ByteBuffer.allocateDirect(8);
      assertEquals(4, r.read(dst, Duration.ofSeconds(5)));
      assertEquals(Access.READ, r.access());
      assertEquals(path, r.path());
    }
  }

  @Test
  void timedOpenTimesOut() throws Exception {
    long start = System.nanoTime();
    TimedOutException e = assertThrows(TimedOutException.class,
        () -> Fifo.open(path, Access.WRITE, Duration.ofMillis(150)));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms >= 145 && ms < 1000, "gave up after " + ms + " ms");
    assertEquals("ETIMEDOUT", e.errnoName());
    assertEquals("open", e.syscall());
    assertThrows(TimedOutException.class, () -> Fifo.open(path, Access.READ, Duration.ofMillis(50)));
    // A timed-out end can be opened again.
    Fifo end = Fifo.of(path, Access.READ);
    assertThrows(TimedOutException.class, () -> end.open(Duration.ofMillis(20)));
    assertSame(end, end.open(Duration.ZERO));
    end.close();
  }

  @Test
  void closeWhileOpeningWakesTheOpener() throws Exception {
    Fifo end = Fifo.of(path, Access.WRITE);
    Thread[] t = new Thread[1];
    CompletableFuture<Fifo> open = openInThread(end, null, t);
    Thread.sleep(100);
    long start = System.nanoTime();
    end.close();
    assertInstanceOf(AsynchronousCloseException.class, failureOf(open));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms < 100, "woken in " + ms + " ms");
    assertThrows(ClosedChannelException.class, () -> end.open(Duration.ZERO));
  }

  @Test
  void interruptWhileOpeningClosesTheEnd() throws Exception {
    Fifo end = Fifo.of(path, Access.READ);
    Thread[] t = new Thread[1];
    CompletableFuture<Fifo> open = openInThread(end, Duration.ofSeconds(30), t);
    Thread.sleep(100);
    long start = System.nanoTime();
    t[0].interrupt();
    assertInstanceOf(ClosedByInterruptException.class, failureOf(open));
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 100);
    assertFalse(end.isOpen());
  }

  @Test
  void closeWhileBlockedInReadWakesTheReader() throws Exception {
    try (Fifo rw = Fifo.of(path, Access.READ_WRITE).open()) {
      CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
        try {
          return rw.read(ByteBuffer.allocateDirect(8));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      Thread.sleep(100);
      long start = System.nanoTime();
      rw.close();
      Throwable t = failureOf(read);
      assertInstanceOf(AsynchronousCloseException.class, t.getCause());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 100);
    }
  }

  @Test
  void wrongDirectionAndUnopenedUseAreRefused() throws Exception {
    Fifo unopened = Fifo.of(path, Access.READ);
    IllegalStateException ise = assertThrows(IllegalStateException.class,
        () -> unopened.read(ByteBuffer.allocateDirect(1)));
    assertTrue(ise.getMessage().contains("not open yet"), ise.getMessage());
    try (Fifo r = Fifo.open(path, Access.READ, Duration.ZERO)) {
      assertThrows(NonWritableChannelException.class, () -> r.write(bytes("x")));
      assertThrows(NonWritableChannelException.class, r::outputStream);
      assertThrows(IllegalStateException.class, () -> r.open(Duration.ZERO), "already open");
      try (Fifo w = Fifo.open(path, Access.WRITE, Duration.ZERO)) {
        assertThrows(NonReadableChannelException.class, () -> w.read(ByteBuffer.allocateDirect(1)));
        assertThrows(NonReadableChannelException.class, w::available);
      }
    }
    unopened.close();
  }

  @Test
  void streamsOverAFifo() throws Exception {
    try (Fifo r = Fifo.open(path, Access.READ, Duration.ZERO); Fifo w = Fifo.open(path, Access.WRITE, Duration.ZERO)) {
      OutputStream out = w.outputStream();
      InputStream in = r.inputStream();
      out.write("stream".getBytes(StandardCharsets.UTF_8));
      assertEquals(6, r.available());
      assertEquals("stream", new String(in.readNBytes(6), StandardCharsets.UTF_8));
    }
  }

  @Test
  void noDescriptorLeakOverOpenCloseCycles() throws Exception {
    int baseline = TestSupport.settledFds();
    for (int i = 0; i < 2_000; i++) {
      try (Fifo r = Fifo.open(path, Access.READ, Duration.ZERO); Fifo w = Fifo.open(path, Access.WRITE, Duration.ZERO)) {
        assertTrue(r.isOpen() && w.isOpen());
      }
    }
    for (int i = 0; i < 200; i++) {
      Fifo e = Fifo.of(path, Access.WRITE);
      assertThrows(PosixException.class, () -> e.open(Duration.ZERO));
      e.close();
    }
    assertFdsReturnTo(baseline);
  }

  // ------------------------------------------------------------------ other processes

  @Test
  void javaWritesAndTheCPeerReads() throws Exception {
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sink", "fifo:" + path)) {
      long h = TestSupport.FNV_START;
      long total = 0;
      try (Fifo w = Fifo.open(path, Access.WRITE, Duration.ofSeconds(10))) {
        for (int i = 0; i < 40; i++) {
          ByteBuffer block = TestSupport.patternBlock(11, total, 50_000);
          h = TestSupport.fnv1a(h, block);
          total += w.write(block);
        }
      }
      assertEquals(0, peer.waitFor(10));
      assertEquals(TestSupport.summary(total, h), peer.output());
    }
  }

  @Test
  void theCPeerWritesAndJavaReads() throws Exception {
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "source", "fifo:" + path, "2000000", "5");
        Fifo r = Fifo.open(path, Access.READ, Duration.ofSeconds(10))) {
      ByteBuffer buf = ByteBuffer.allocate(30_000); // a heap buffer, for the copying path
      long count = 0;
      long h = TestSupport.FNV_START;
      while (r.read(buf, Duration.ofSeconds(10)) != -1) {
        buf.flip();
        for (int i = 0; i < buf.remaining(); i++) {
          assertEquals(TestSupport.pattern(5, count + i), buf.get(i));
        }
        h = TestSupport.fnv1a(h, buf);
        count += buf.remaining();
        buf.clear();
      }
      assertEquals(0, peer.waitFor(10));
      assertEquals(TestSupport.summary(count, h), peer.output());
      assertEquals(2_000_000, count);
    }
  }

  @Test
  void aChildJvmReadsWhatThisOneWrites() throws Exception {
    Process child = TestSupport.startJavaPeer("sink", "fifo:" + path);
    long h = TestSupport.FNV_START;
    long total = 0;
    try (Fifo w = Fifo.open(path, Access.WRITE, Duration.ofSeconds(30))) {
      for (int i = 0; i < 20; i++) {
        ByteBuffer block = TestSupport.patternBlock(2, total, 65536);
        h = TestSupport.fnv1a(h, block);
        total += w.write(block);
      }
    }
    assertEquals(TestSupport.summary(total, h), TestSupport.finish(child, 30));
  }

  @Test
  void thisJvmReadsWhatAChildJvmWrites() throws Exception {
    Process child = TestSupport.startJavaPeer("source", "fifo:" + path, "1000000", "9");
    long h = TestSupport.FNV_START;
    long count = 0;
    try (Fifo r = Fifo.open(path, Access.READ, Duration.ofSeconds(30))) {
      ByteBuffer buf = ByteBuffer.allocateDirect(65536);
      while (r.read(buf) != -1) {
        buf.flip();
        h = TestSupport.fnv1a(h, buf);
        count += buf.remaining();
        buf.clear();
      }
    }
    assertEquals(1_000_000, count);
    assertEquals(TestSupport.summary(count, h), TestSupport.finish(child, 30));
  }

  @Test
  void roundTripsThroughACPeerEchoOverTwoFifos() throws Exception {
    Path back = uniquePath("back");
    Fifo.create(back);
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "echo", "fifo:" + path, "fifo:" + back);
        Fifo out = Fifo.open(path, Access.WRITE, Duration.ofSeconds(10));
        Fifo in = Fifo.open(back, Access.READ, Duration.ofSeconds(10))) {
      ByteBuffer ping = ByteBuffer.allocateDirect(64);
      ByteBuffer pong = ByteBuffer.allocateDirect(64);
      for (int i = 0; i < 500; i++) {
        ping.clear();
        ping.putInt(0, i);
        out.write(ping);
        pong.clear();
        while (pong.hasRemaining()) {
          in.read(pong, Duration.ofSeconds(10));
        }
        assertEquals(i, pong.getInt(0));
      }
      out.close();
      assertEquals(-1, in.read(pong.clear(), Duration.ofSeconds(10)));
      assertEquals(0, peer.waitFor(10));
    } finally {
      removeQuietly(back);
    }
  }
}
