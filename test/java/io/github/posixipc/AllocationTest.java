package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The hot paths allocate nothing per message: the bytes this thread allocates (counted exactly by
 * the JVM) across thousands of reads and writes with direct buffers do not grow with the number of
 * messages. This counts bytes, not time.
 */
class AllocationTest {

  private static final int WARMUP = 20_000;
  private static final int MESSAGES = 10_000;

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  /** Bytes allocated by MESSAGES write-then-read exchanges of 64 bytes, after a warm-up. */
  private interface Exchange {
    void once(ByteBuffer out, ByteBuffer in) throws IOException;
  }

  private static long allocatedBy(Exchange e) throws IOException {
    ByteBuffer out = ByteBuffer.allocateDirect(64);
    ByteBuffer in = ByteBuffer.allocateDirect(64);
    for (int i = 0; i < WARMUP; i++) {
      e.once(out, in);
    }
    long before = allocatedByThisThread();
    for (int i = 0; i < MESSAGES; i++) {
      e.once(out, in);
    }
    return allocatedByThisThread() - before;
  }

  /**
   * Asserts that an exchange allocates less than one byte per message beyond what the same loop
   * costs with an empty exchange (the counter and the loop have a small fixed cost of their own);
   * any allocation per message is at least 16 bytes each time.
   */
  private static void assertNothingPerMessage(String what, Exchange e) throws IOException {
    long baseline = allocatedBy((out, in) -> { });
    long bytes = allocatedBy(e);
    assertTrue(bytes - baseline < MESSAGES, what + ": " + bytes + " bytes for " + MESSAGES
        + " messages, against " + baseline + " for the empty loop");
  }

  private static void exchange(java.nio.channels.WritableByteChannel w, java.nio.channels.ReadableByteChannel r,
      ByteBuffer out, ByteBuffer in) throws IOException {
    out.clear();
    assertEquals(64, w.write(out));
    in.clear();
    assertEquals(64, r.read(in));
  }

  /** Every kind of region access, the fault check after each included. */
  @Test
  void regionAccessesAllocateNothing() throws IOException {
    byte[] array = new byte[64];
    try (SharedMemory shm = SharedMemory.createAnonymous("alloc", 4096); MappedRegion r = shm.map()) {
      assertNothingPerMessage("region", (out, in) -> {
        r.putLong(0, r.getLong(0) + r.getInt(8) + r.getShort(12) + r.getByte(14));
        r.setLongRelease(64, r.getLongAcquire(64) + 1);
        r.setIntVolatile(72, r.getIntVolatile(72) + 1);
        r.compareAndSetLong(80, 0, 0);
        r.getAndAddInt(88, 1);
        r.put(128, array);
        r.get(128, array);
        out.clear();
        r.put(256, out);
        in.clear();
        r.get(256, in);
        r.fill(512, 64, (byte) 1);
      });
    }
  }

  @Test
  void pipeReadsAndWritesAllocateNothing() throws IOException {
    try (Pipe p = Pipe.open()) {
      assertNothingPerMessage("pipe", (out, in) -> exchange(p.sink(), p.source(), out, in));
    }
  }

  @Test
  void timedPipeReadsAndWritesAllocateNothing() throws IOException {
    Duration timeout = Duration.ofSeconds(5);
    try (Pipe p = Pipe.open()) {
      assertNothingPerMessage("timed pipe", (out, in) -> {
        out.clear();
        assertEquals(64, p.sink().write(out, timeout));
        in.clear();
        assertEquals(64, p.source().read(in, timeout));
      });
    }
  }

  /** A channel's messages: direct buffers (one call each way), heap buffers, and zero-copy. */
  @Test
  void channelMessagesAllocateNothing() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("alloc-chan");
      try (Channel out = Channel.create(name, 1 << 16, Channel.Role.PRODUCER);
          Channel in = Channel.open(name, Channel.Role.CONSUMER)) {
        assertNothingPerMessage("channel, direct buffers", (o, i) -> {
          try {
            o.clear();
            out.send(o);
            i.clear();
            assertEquals(64, in.receive(i));
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        });
        ByteBuffer heapOut = ByteBuffer.allocate(64);
        ByteBuffer heapIn = ByteBuffer.allocate(64);
        assertNothingPerMessage("channel, heap buffers", (o, i) -> {
          try {
            out.send(heapOut.clear());
            assertEquals(64, in.receive(heapIn.clear()));
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        });
        assertNothingPerMessage("channel, zero-copy", (o, i) -> {
          try {
            out.claim(64).putLong(0, 7L);
            out.commit();
            assertEquals(64, in.read().remaining());
            in.release();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        });
      }
    }
  }

  @Test
  void fifoReadsAndWritesAllocateNothing() throws IOException {
    Path path = TestSupport.uniquePath("alloc-fifo");
    Fifo.create(path);
    try (Fifo both = Fifo.of(path, Access.READ_WRITE).open()) {
      assertNothingPerMessage("FIFO", (out, in) -> exchange(both, both, out, in));
    } finally {
      Fifo.unlink(path);
    }
  }

  @Test
  void seqpacketSendsAndReceivesAllocateNothing() throws IOException {
    ConnectedSocket[] p = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
    Duration patience = Duration.ofSeconds(5);
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      assertNothingPerMessage("seqpacket send/receive", (out, in) -> {
        out.clear();
        assertEquals(64, a.send(out));
        in.clear();
        assertEquals(64, b.receive(in, patience));
      });
    }
  }

  @Test
  void datagramsSentToAnAddressAllocateNothing() throws IOException {
    AbstractSocketAddress where = AbstractSocketAddress.of("pipc-alloc-" + ProcessHandle.current().pid());
    try (DatagramSocket server = DatagramSocket.bind(where); DatagramSocket client = DatagramSocket.open()) {
      ReceivedMessage m = new ReceivedMessage();
      assertNothingPerMessage("datagram sendto/receive", (out, in) -> {
        out.clear();
        assertEquals(64, client.send(out, where));
        in.clear();
        assertEquals(64, server.receive(in));
      });
      assertNothingPerMessage("datagram sendto/receiveMessage into a holder", (out, in) -> {
        out.clear();
        assertEquals(64, client.send(out, where));
        in.clear();
        assertTrue(server.receiveMessage(in, 0, null, m) == m);
        assertEquals(64, m.length());
      });
    }
  }

  /**
   * Passing a descriptor one way and receiving it into a reused holder allocates nothing: the
   * descriptors, the address and the control block go through the thread's control area. Each
   * received descriptor is closed again, so that the loop holds no more than one.
   */
  @Test
  void passingDescriptorsAllocatesNothing() throws IOException {
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]; Pipe pipe = Pipe.open()) {
      ReceivedMessage m = new ReceivedMessage();
      int[] raw = {pipe.sink().fd()};
      DescriptorHandle[] handles = {pipe.source()};
      Duration patience = Duration.ofSeconds(5);
      assertNothingPerMessage("sending raw descriptors", (out, in) -> {
        out.clear();
        assertEquals(64, a.sendFileDescriptors(out, raw));
        in.clear();
        b.receiveFileDescriptors(in, 2, patience, m);
        assertEquals(1, m.fileDescriptorCount());
        assertEquals(0, Core.pipc_fd_close(m.fileDescriptor(0)));
      });
      assertNothingPerMessage("sending handles' descriptors", (out, in) -> {
        out.clear();
        assertEquals(64, a.sendFileDescriptors(out, handles));
        in.clear();
        b.receiveFileDescriptors(in, 2, patience, m);
        assertEquals(1, m.fileDescriptorCount());
        assertEquals(0, Core.pipc_fd_close(m.fileDescriptor(0)));
      });
    }
  }

  @Test
  void passingDescriptorsInDatagramsAllocatesNothing() throws IOException {
    AbstractSocketAddress where = AbstractSocketAddress.of("pipc-alloc-fds-" + ProcessHandle.current().pid());
    try (DatagramSocket server = DatagramSocket.bind(where); DatagramSocket client = DatagramSocket.open();
        Pipe pipe = Pipe.open()) {
      ReceivedMessage m = new ReceivedMessage();
      int[] raw = {pipe.sink().fd(), pipe.source().fd()};
      assertNothingPerMessage("datagram descriptors", (out, in) -> {
        out.clear();
        assertEquals(64, client.sendFileDescriptors(out, where, raw));
        in.clear();
        server.receiveMessage(in, 2, null, m);
        assertEquals(2, m.fileDescriptorCount());
        assertEquals(0, Core.pipc_fd_close(m.fileDescriptor(0)));
        assertEquals(0, Core.pipc_fd_close(m.fileDescriptor(1)));
      });
    }
  }

  @Test
  void queueSendsAndReceivesIntoAHolderAllocateNothing() throws IOException {
    String name = "/pipc-alloc-" + ProcessHandle.current().pid();
    try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().exclusive().maxMessages(4).messageSize(64))) {
      ReceivedMessage m = new ReceivedMessage();
      assertNothingPerMessage("queue send/receive", (out, in) -> {
        out.clear();
        q.send(out, 3);
        in.clear();
        assertEquals(3, q.receive(in, null, m).priority());
      });
    } finally {
      MessageQueue.unlink(name);
    }
  }

  /**
   * System V: a send and a receive (waiting as long as it takes) into a reused holder, and
   * semaphore operations from a kept array, untimed and timed (semtimedop).
   */
  @Test
  void sysvMessagesAndSemaphoreOperationsAllocateNothing() throws IOException {
    try (SysVMessageQueue q = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
        SysVSemaphoreSet set = SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().initialValues(0))) {
      try {
        ReceivedMessage m = new ReceivedMessage();
        assertNothingPerMessage("System V send/receive", (out, in) -> {
          out.clear();
          q.send(5, out, null);
          in.clear();
          assertEquals(5, q.receive(in, 0, null, m).type());
        });
        SysVSemaphoreSet.Operation[] up = {SysVSemaphoreSet.Operation.add(0, 1)};
        SysVSemaphoreSet.Operation[] down = {SysVSemaphoreSet.Operation.add(0, -1).undo()};
        Duration timeout = Duration.ofSeconds(5);
        assertNothingPerMessage("System V semop", (out, in) -> {
          set.apply(null, up);
          set.apply(timeout, down);
        });
      } finally {
        q.remove();
        set.remove();
      }
    }
  }

  /** The bytes a thread allocated so far, counted by the JVM. */
  private static long allocatedBy(Thread t) {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(t.getId());
  }

  /**
   * A signal sent to this process and taken from a queue into a reused holder: the taking thread,
   * which reads the record from the queue's own pipe, allocates nothing per signal, and the
   * dispatcher thread (when a listener elsewhere started it) is not on the path at all.
   */
  @Test
  void signalsTakenIntoAHolderAllocateNothing() throws Exception {
    int sig = Signals.rtmin() + 9;
    int pid = (int) ProcessHandle.current().pid();
    try (SignalQueue q = Signals.queue(sig)) {
      Thread dispatcher = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("posixipc-signals")).findFirst().orElse(null);
      SignalQueue.Caught caught = new SignalQueue.Caught();
      Duration patience = Duration.ofSeconds(10);
      long[] before = new long[2];
      for (int round = 0; round < 2; round++) { // round 0 warms up
        before[0] = allocatedByThisThread();
        before[1] = dispatcher == null ? 0 : allocatedBy(dispatcher);
        for (int i = 0; i < MESSAGES; i++) {
          Signals.sigqueue(pid, sig, i);
          assertEquals(i, q.take(patience, caught).value());
        }
      }
      long taker = allocatedByThisThread() - before[0];
      long dispatch = dispatcher == null ? 0 : allocatedBy(dispatcher) - before[1];
      assertTrue(taker < MESSAGES && dispatch < MESSAGES, "taking thread " + taker + " bytes, dispatcher "
          + dispatch + " bytes, for " + MESSAGES + " signals");
      assertEquals(sig, caught.signal());
      assertTrue(caught.queued());
      assertEquals(pid, caught.pid());
    }
  }

  @Test
  void theCounterSeesAllocation() throws IOException {
    // The measurement itself can fail: an exchange that allocates is seen.
    try (Pipe p = Pipe.open()) {
      long bytes = allocatedBy((out, in) -> {
        exchange(p.sink(), p.source(), out, in);
        in.flip();
        byte[] copy = new byte[in.remaining()];
        in.get(copy);
      });
      assertTrue(bytes >= (long) MESSAGES * 64, "saw " + bytes + " bytes");
    }
    try (Pipe p = Pipe.open()) {
      org.junit.jupiter.api.Assertions.assertThrows(org.opentest4j.AssertionFailedError.class,
          () -> assertNothingPerMessage("allocating", (out, in) -> {
            exchange(p.sink(), p.source(), out, in);
            in.flip();
            in.get(new byte[in.remaining()]);
          }));
    }
  }
}
