package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.peer.MqPeer;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The peer process is killed with SIGKILL in the middle of a transfer: the survivor sees end of
 * file, EPIPE, ECONNRESET, ESRCH or a timeout, never a hang or a crash, and everything the peer
 * got into the pipe, FIFO, queue or socket arrives, in order and intact. For shared memory, the
 * robust mutex whose holder is killed is
 * {@link SharedMutexTest#holderKilledBySigkillGivesOwnerDiedThenConsistentRecovers()}.
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
        Fifo reader = Fifo.open(path, Access.READ, PATIENCE)) {
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
        Fifo writer = Fifo.open(path, Access.WRITE, PATIENCE)) {
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

  @Test
  void aQueueConsumerGetsEveryMessageThenTimesOutWhenTheProducerIsKilled() throws Exception {
    String name = "/pipc-fault-mq-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (MessageQueue q = MessageQueue.open(name,
            MessageQueue.options().create().exclusive().mode(0600).maxMessages(8).messageSize(24));
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "mq-source", name, "2000000000", "24",
            "7", "3")) {
      ByteBuffer b = ByteBuffer.allocateDirect(24);
      ByteBuffer expected = ByteBuffer.allocateDirect(24);
      ReceivedMessage r = new ReceivedMessage();
      int k = 0;
      boolean killed = false;
      for (;;) {
        try {
          q.receive(b.clear(), killed ? Duration.ofMillis(200) : PATIENCE, r);
        } catch (TimedOutException e) {
          assertTrue(killed, "a timeout only once the producer is dead");
          break;
        }
        // One priority: the queue keeps the producer's order, so message k follows k - 1.
        MqPeer.fill(expected.clear(), 7, k);
        assertEquals(expected, b.flip(), "message " + k + ": nothing lost, duplicated or damaged");
        assertEquals(3, r.priority());
        k++;
        if (!killed && k == 20_000) {
          peer.process.kill();
          assertEquals(128 + 9, peer.waitFor(10), "the peer died of SIGKILL");
          killed = true;
        }
      }
      assertTrue(killed && k >= 20_000, "received " + k);
      assertEquals(0, q.attributes().currentMessages(), "the queue is drained");
    } finally {
      try {
        MessageQueue.unlink(name);
      } catch (NotFoundException neverMade) {
        // the create itself failed: that failure is the one to see
      }
    }
  }

  @Test
  void aSocketReaderGetsEveryByteThenEndOfFileWhenTheWriterIsKilled() throws Exception {
    Path path = TestSupport.uniquePath("fault-sock");
    try (ListeningSocket server = ListeningSocket.bind(UnixDomainSocketAddress.of(path));
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-connect", "stream",
            "unix:" + path, "source", ENDLESS, "5");
        ConnectedSocket s = server.accept(PATIENCE)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
      long offset = 0;
      boolean killed = false;
      while (s.read(buf.clear(), PATIENCE) >= 0) {
        for (int i = 0; i < buf.position(); i++, offset++) {
          if (buf.get(i) != TestSupport.pattern(5, offset)) {
            throw new AssertionError("byte " + offset + " differs from what the peer sent");
          }
        }
        if (!killed && offset >= 4 << 20) {
          peer.process.kill();
          killed = true;
        }
      }
      assertTrue(killed && offset >= 4 << 20, "read " + offset);
      assertEquals(128 + 9, peer.waitFor(10), "the peer died of SIGKILL");
    } finally {
      TestSupport.removeQuietly(path);
    }
  }

  @Test
  void aSocketWriterGetsEpipeOrEconnresetWhenTheReaderIsKilled() throws Exception {
    Path path = TestSupport.uniquePath("fault-sock");
    try (ListeningSocket server = ListeningSocket.bind(UnixDomainSocketAddress.of(path));
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-connect", "stream",
            "unix:" + path, "sink");
        ConnectedSocket s = server.accept(PATIENCE)) {
      ByteBuffer block = TestSupport.patternBlock(5, 0, 64 * 1024);
      for (int i = 0; i < 64; i++) {
        block.clear();
        while (block.hasRemaining()) {
          s.write(block, PATIENCE);
        }
      }
      peer.process.kill();
      assertEquals(128 + 9, peer.waitFor(10));
      PosixException e = assertThrows(PosixException.class, () -> {
        for (;;) { // the socket may still take what fits; then the error, never a wait
          block.clear();
          s.write(block, PATIENCE);
        }
      });
      assertTrue(e.errnoName().equals("EPIPE") || e.errnoName().equals("ECONNRESET"), e.toString());
    } finally {
      TestSupport.removeQuietly(path);
    }
  }

  @Test
  void sigqueueToAKilledPeerGivesEsrch() throws Exception {
    int sig = Signals.rtmin() + 11;
    int pid;
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "signal-wait", Signals.name(sig),
        "1000000", "20000")) {
      pid = (int) peer.process.pid();
      String ready = readLine(peer.stdout);
      assertTrue(ready.startsWith("ready pid=" + pid), ready);
      for (int v = 0; v < 1000; v++) { // a burst in flight when the peer dies
        try {
          Signals.sigqueue(pid, sig, v);
        } catch (WouldBlockException full) {
          break; // the user's queue of pending signals is full: enough in flight
        }
      }
      peer.process.kill();
      assertEquals(128 + 9, peer.waitFor(10), "the peer died of SIGKILL");
      // Reaped by waitFor: the pid names no process now (not even a zombie).
      PosixException e = assertThrows(PosixException.class, () -> Signals.sigqueue(pid, sig, 1));
      assertEquals("ESRCH", e.errnoName());
    }
  }

  /** Reads one line (without its newline) from the peer's output, waiting at most PATIENCE. */
  private static String readLine(Pipe.Source in) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (in.read(one.clear(), PATIENCE) == 1 && one.get(0) != '\n') {
      sb.append((char) one.get(0));
    }
    return sb.toString();
  }
}
