package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The peer process is killed with SIGKILL in the middle of a transfer: the survivor sees end of
 * file or EPIPE, never a hang or a crash, and every byte the peer got into the pipe arrives, in
 * order and intact.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultTest {

  private static final Duration PATIENCE = Duration.ofSeconds(10);
  /** More than the peer can write before it is killed: the transfer is cut in the middle. */
  private static final String ENDLESS = Long.toString(1L << 40);

  /** Reads until end of file, checking every byte against the peer's pattern; returns the count. */
  private static long readToEofChecking(java.nio.channels.ReadableByteChannel in, TestSupport.CPeer peer,
      long killAfter) throws Exception {
    ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
    long offset = 0;
    boolean killed = false;
    for (;;) {
      buf.clear();
      int n = in instanceof Pipe.Source s ? s.read(buf, PATIENCE) : ((Fifo) in).read(buf, PATIENCE);
      if (n < 0) {
        break;
      }
      for (int i = 0; i < n; i++, offset++) {
        if (buf.get(i) != TestSupport.pattern(5, offset)) {
          throw new AssertionError("byte " + offset + " differs from what the peer wrote");
        }
      }
      if (!killed && offset >= killAfter) {
        peer.process.kill();
        killed = true;
      }
    }
    assertTrue(killed, "the peer was killed mid-transfer");
    return offset;
  }

  @Test
  void aPipeReaderGetsEveryByteThenEndOfFileWhenTheWriterIsKilled() throws Exception {
    try (Pipe p = Pipe.open();
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[] {3, p.sink()}, "source", "fd:3", ENDLESS, "5")) {
      p.sink().close();
      long got = readToEofChecking(p.source(), peer, 4 << 20);
      assertTrue(got >= 4 << 20, "read " + got);
      assertEquals(128 + 9, peer.waitFor(10), "the peer died of SIGKILL");
    }
  }

  @Test
  void aPipeWriterGetsEpipeWhenTheReaderIsKilled() throws Exception {
    try (Pipe p = Pipe.open();
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[] {3, p.source()}, "sink", "fd:3")) {
      p.source().close();
      ByteBuffer block = TestSupport.patternBlock(5, 0, 64 * 1024);
      for (int i = 0; i < 64; i++) {
        block.clear();
        p.sink().write(block, PATIENCE);
      }
      peer.process.kill();
      assertEquals(128 + 9, peer.waitFor(10));
      PosixException e = assertThrows(PosixException.class, () -> {
        for (;;) { // the pipe may still take what fits; then EPIPE, never a wait
          block.clear();
          p.sink().write(block, PATIENCE);
        }
      });
      assertEquals("EPIPE", e.errnoName());
    }
  }

  @Test
  void aBlockedPipeReaderWakesWithEndOfFileWhenTheWriterIsKilled() throws Exception {
    try (Pipe p = Pipe.open();
        Pipe gate = Pipe.open();
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[] {3, gate.source(), 4, p.sink()},
            "echo", "fd:3", "fd:4")) {
      p.sink().close();
      gate.source().close();
      // The peer blocks reading the gate, holding the only write end of p; we block reading p.
      var reader = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return p.source().read(ByteBuffer.allocateDirect(16), PATIENCE);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      Thread.sleep(100);
      peer.process.kill();
      assertEquals(-1, reader.get(PATIENCE.toSeconds(), TimeUnit.SECONDS), "end of file, not a hang");
      gate.sink().close();
    }
  }

  @Test
  void aFifoReaderGetsEveryByteThenEndOfFileWhenTheWriterIsKilled() throws Exception {
    Path path = TestSupport.uniquePath("fault-fifo");
    Fifo.create(path);
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "source", "fifo:" + path, ENDLESS, "5");
        Fifo reader = Fifo.openReader(path, PATIENCE)) {
      long got = readToEofChecking(reader, peer, 4 << 20);
      assertTrue(got >= 4 << 20, "read " + got);
      assertEquals(128 + 9, peer.waitFor(10));
    } finally {
      TestSupport.removeQuietly(path);
    }
  }

  @Test
  void aFifoWriterGetsEpipeWhenTheReaderIsKilled() throws Exception {
    Path path = TestSupport.uniquePath("fault-fifo");
    Fifo.create(path);
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sink", "fifo:" + path);
        Fifo writer = Fifo.openWriter(path, PATIENCE)) {
      ByteBuffer block = TestSupport.patternBlock(5, 0, 64 * 1024);
      block.clear();
      writer.write(block, PATIENCE);
      peer.process.kill();
      assertEquals(128 + 9, peer.waitFor(10));
      PosixException e = assertThrows(PosixException.class, () -> {
        for (;;) {
          block.clear();
          writer.write(block, PATIENCE);
        }
      });
      assertEquals("EPIPE", e.errnoName());
    } finally {
      TestSupport.removeQuietly(path);
    }
  }
}
