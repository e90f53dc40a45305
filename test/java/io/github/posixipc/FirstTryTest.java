package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A platform thread's first try of a call that may block ({@code Descriptor.callTry}): a socket
 * transfer, a queue's send or receive, a System V call that can proceed at once is made once
 * without the JDK's interrupt hook. These tests hold it to the contracts of the full bracket
 * (the interrupt, the end of stream, a stream's one-call send) and check what its hint learns.
 * The queue's case is in {@link MessageQueueTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FirstTryTest {

  private interface PairTest {
    void run(ConnectedSocket[] s) throws Exception;
  }

  /** Runs test on a fresh stream socket pair, closed afterwards whatever happens. */
  private static void withPair(PairTest test) throws Exception {
    ConnectedSocket[] s = ConnectedSocket.pair();
    try (ConnectedSocket a = s[0]; ConnectedSocket b = s[1]) {
      test.run(s);
    }
  }

  /** A write that could proceed (the socket has room) by an interrupted thread closes the socket. */
  @Test
  void anInterruptedThreadsWriteClosesTheSocketThoughItCouldProceed() throws Exception {
    withPair(s -> {
      Thread.currentThread().interrupt();
      try {
        assertThrows(ClosedByInterruptException.class, () -> s[0].write(ByteBuffer.wrap(new byte[] {1})));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
      }
      assertFalse(s[0].isOpen());
      assertEquals(-1, s[1].read(ByteBuffer.allocate(1)), "nothing was sent, and the peer sees the close");
    });
  }

  /** A read with data waiting, by an interrupted thread, closes the socket and takes nothing. */
  @Test
  void anInterruptedThreadsReadClosesTheSocketThoughDataIsWaiting() throws Exception {
    withPair(s -> {
      s[1].write(ByteBuffer.wrap(new byte[] {7}));
      Thread.currentThread().interrupt();
      try {
        assertThrows(ClosedByInterruptException.class, () -> s[0].read(ByteBuffer.allocate(1)));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
      }
      assertFalse(s[0].isOpen());
    });
  }

  /** The end of stream found by a first try is -1, as on the full path; data before it arrives. */
  @Test
  void aFirstTryReportsDataAndThenTheEndOfStream() throws Exception {
    withPair(s -> {
      s[1].write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      s[1].close();
      ByteBuffer b = ByteBuffer.allocate(8);
      assertEquals(3, s[0].read(b));
      assertEquals(-1, s[0].read(b));
      assertEquals(-1, s[0].read(b), "and again");
    });
  }

  /**
   * A stream socket's one-call send of more than its buffer holds sends it all, as the blocking
   * send(2) does: a try that does not wait would send only what fits (the first try is not made
   * for it).
   */
  @Test
  void aStreamSendLargerThanTheBufferSendsItAll() throws Exception {
    withPair(s -> {
      int size = 8 * 1024 * 1024;
      assertTrue(size > s[0].sendBufferSize(), "larger than the buffer: " + s[0].sendBufferSize());
      CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
        long total = 0;
        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
        try {
          while (total < size) {
            b.clear();
            int n = s[1].read(b);
            if (n < 0) {
              break;
            }
            total += n;
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return total;
      });
      assertEquals(size, s[0].send(ByteBuffer.allocateDirect(size)));
      assertEquals(size, drained.get(30, TimeUnit.SECONDS));
    });
  }

  /**
   * In a round trip the reads wait for the answer and the writes proceed at once: the reads'
   * first tries miss, and their hint makes the next ones skip the try (1, 2, 4, ... skipped);
   * the writes' first tries hit and go on being made.
   */
  @Test
  void readsThatWaitStopTryingFirstAndWritesThatProceedKeepTrying() throws Exception {
    withPair(s -> {
      CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
        ByteBuffer b = ByteBuffer.allocate(1);
        try {
          for (int i = 0; i < 8; i++) {
            b.clear();
            assertEquals(1, s[1].read(b));
            Thread.sleep(5);
            b.flip();
            s[1].write(b);
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      ByteBuffer b = ByteBuffer.allocate(1);
      for (int i = 0; i < 8; i++) {
        b.clear().put((byte) i).flip();
        assertEquals(1, s[0].write(b));
        b.clear();
        assertEquals(1, s[0].read(b));
        assertEquals((byte) i, b.get(0));
      }
      echo.get(30, TimeUnit.SECONDS);
      TryHint reads = s[0].descriptor.tryHint(SocketBase.RECV);
      TryHint writes = s[0].descriptor.tryHint(SocketBase.SEND);
      assertNotNull(reads, "the reads were tried first");
      assertNotNull(writes, "the writes were tried first");
      assertTrue(reads.penalty() >= 2, "penalty after 8 reads that waited: " + reads.penalty());
      assertEquals(0, writes.penalty(), "the writes proceeded at once");
    });
  }

  /** A hint's skips: 1, 2, 4, ... up to MAX_SKIP after misses in a row; a hit ends them. */
  @Test
  void aHintSkipsMoreAfterEachMissAndNoneAfterAHit() {
    TryHint h = new TryHint();
    assertFalse(h.skip(), "a fresh hint tries");
    int expected = 1;
    for (int round = 0; round < 10; round++) {
      h.miss();
      assertEquals(expected, h.penalty());
      for (int i = 0; i < expected; i++) {
        assertTrue(h.skip(), "skipped after " + (round + 1) + " misses, chance " + i);
      }
      assertFalse(h.skip(), "tries again after " + expected + " skipped chances");
      expected = Math.min(expected * 2, TryHint.MAX_SKIP);
    }
    h.hit();
    assertEquals(0, h.penalty());
    h.miss();
    assertEquals(1, h.penalty(), "after a hit, a miss skips one chance only");
  }
}
