package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.peer.ChannelPeer;
import io.github.posixipc.peer.JavaPeer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Channels from Java: zero-copy and copying calls, the timeout, interrupt and close conventions,
 * bad input, the C peer and child JVMs on either side (every message checked, per producer order
 * and checksums compared), ten million messages, an idle consumer's CPU, and the faults (a
 * producer killed mid-claim, a dead consumer, a shrunk segment).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChannelTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int EBADMSG = Errno.number("EBADMSG");

  private static String line(TestSupport.CPeer peer) throws IOException {
    return peer.output();
  }

  @Test
  void zeroCopyAndCopyingCallsBetweenTwoHandles() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan");
      try (Channel out = Channel.create(name, 4096, Channel.Role.PRODUCER);
          Channel in = Channel.open(name, Channel.Role.CONSUMER)) {
        assertEquals(4096, in.capacity());
        assertEquals(4096 / 2 - 16, in.maxMessage());
        assertEquals(name, in.name());
        ByteBuffer room = out.claim(12);
        assertEquals(12, room.remaining());
        assertEquals(ByteOrder.nativeOrder(), room.order());
        room.putLong(0x1122334455667788L).putInt(42);
        out.commit();
        out.send(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
        ByteBuffer heap = ByteBuffer.allocate(3);
        out.send(heap);
        assertEquals(3, heap.position(), "send advances the source");

        ByteBuffer msg = in.read(WAIT);
        assertEquals(12, msg.remaining());
        assertEquals(0x1122334455667788L, msg.getLong(msg.position()));
        assertEquals(42, msg.getInt(msg.position() + 8));
        in.release();
        ByteBuffer dst = ByteBuffer.allocateDirect(16);
        assertEquals(5, in.receive(dst, WAIT));
        dst.flip();
        assertEquals("hello", StandardCharsets.UTF_8.decode(dst).toString());
        assertEquals(3, in.receive(ByteBuffer.allocate(3)));

        // commit(length) shortens a claim; abort skips it.
        out.claim(100);
        assertEquals(0, in.stats().messagesWaiting(), "a claim is not a message yet");
        out.commit(7);
        assertEquals(1, in.stats().messagesWaiting());
        out.claim(50);
        out.abort();
        assertEquals(7, in.read(Duration.ZERO).remaining());
        in.release();
        assertThrows(WouldBlockException.class, () -> in.read(Duration.ZERO));
        Channel.Stats st = in.stats();
        assertEquals(0, st.bytesWaiting());
        assertEquals(ProcessHandle.current().pid(), st.consumerPid());
        assertTrue(st.consumerAlive());
        assertEquals(1, st.producers());
      }
    }
  }

  @Test
  void timeoutsFollowTheConvention() throws Exception {
    try (IpcNames names = new IpcNames();
        Channel out = Channel.create(names.shm("chan-to"), 1024, Channel.Role.PRODUCER);
        Channel in = Channel.open(out.name(), Channel.Role.CONSUMER)) {
      assertThrows(WouldBlockException.class, () -> in.read(Duration.ZERO));
      long t0 = System.nanoTime();
      assertThrows(TimedOutException.class, () -> in.receive(ByteBuffer.allocate(8), Duration.ofMillis(60)));
      assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(55));
      // Shorter than one slice of the wait, and longer (a first slice, then the rest): never early.
      for (long ms : new long[] {5, 45}) {
        long start = System.nanoTime();
        assertThrows(TimedOutException.class, () -> in.read(Duration.ofMillis(ms)));
        long took = System.nanoTime() - start;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(ms), ms + " ms took " + took + " ns");
        assertTrue(took < TimeUnit.MILLISECONDS.toNanos(ms + 200), ms + " ms took " + took + " ns");
      }
      assertThrows(IllegalArgumentException.class, () -> in.read(Duration.ofMillis(-1)));
      // Fill the ring: a full ring is WouldBlock / TimedOut for a producer.
      ByteBuffer big = ByteBuffer.allocateDirect(out.maxMessage());
      int sent = 0;
      try {
        for (;;) {
          out.send(big.clear(), Duration.ZERO);
          sent++;
        }
      } catch (WouldBlockException expected) {
        assertFalse(expected instanceof TimedOutException);
      }
      assertTrue(sent >= 1);
      assertThrows(TimedOutException.class, () -> out.send(big.clear(), Duration.ofMillis(30)));
      // null waits for as long as it takes: a release from another thread makes room.
      CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> {
        try {
          Thread.sleep(100);
          return in.receive(ByteBuffer.allocateDirect(1024), WAIT);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      out.send(big.clear(), null);
      assertEquals(out.maxMessage(), drained.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void interruptAndCloseEndABlockedRead() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-int");
      try (Channel in = Channel.create(name, 4096, Channel.Role.CONSUMER)) {
        AtomicReference<Throwable> got = new AtomicReference<>();
        Thread t = new Thread(() -> {
          try {
            in.read();
          } catch (Throwable e) {
            got.set(e);
          }
        });
        t.start();
        Thread.sleep(100);
        t.interrupt();
        t.join(5000);
        assertFalse(t.isAlive());
        assertTrue(got.get() instanceof InterruptedException, String.valueOf(got.get()));
        assertTrue(in.isOpen(), "an interrupt does not close a channel, as for semaphores");

        Thread u = new Thread(() -> {
          try {
            in.read(Duration.ofSeconds(30));
          } catch (Throwable e) {
            got.set(e);
          }
        });
        u.start();
        Thread.sleep(100);
        long t0 = System.nanoTime();
        in.close();
        u.join(5000);
        assertFalse(u.isAlive());
        assertTrue(got.get() instanceof AsynchronousCloseException, String.valueOf(got.get()));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> in.read(Duration.ZERO));
      }
      // The consumer's place was given back at close: a new consumer may attach.
      try (Channel again = Channel.open(name, Channel.Role.CONSUMER)) {
        assertEquals(0, again.stats().bytesWaiting());
      }
    }
  }

  @Test
  void aThreadWaitingForAnotherThreadsClaimLeavesAtClose() throws Exception {
    try (IpcNames names = new IpcNames()) {
      Channel out = Channel.create(names.shm("chan-turn"), 4096, Channel.Role.PRODUCER);
      out.claim(8); // held by this thread, never committed
      AtomicReference<Throwable> got = new AtomicReference<>();
      Thread other = new Thread(() -> {
        try {
          out.send(ByteBuffer.allocate(4), Duration.ZERO);
        } catch (Throwable e) {
          got.set(e);
        }
      });
      other.start();
      Thread.sleep(100);
      assertTrue(other.isAlive(), "it waits for this thread's claim to end");
      out.close();
      other.join(5000);
      assertFalse(other.isAlive());
      assertTrue(got.get() instanceof AsynchronousCloseException, String.valueOf(got.get()));
      assertThrows(java.nio.channels.ClosedChannelException.class, out::commit);
      assertThrows(java.nio.channels.ClosedChannelException.class, out::commit, "and again: the turn was given back");
    }
  }

  /**
   * send and receive of direct buffers take one native call each (the core claims, copies and
   * commits; reads, copies and releases): the same messages, positions, errors and leftovers as
   * the claim-and-copy path of heap buffers, which they mix with freely.
   */
  @Test
  void directBuffersSendAndReceiveInOneCallAsHeapBuffersDo() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-direct");
      try (Channel out = Channel.create(name, 4096, Channel.Role.PRODUCER);
          Channel in = Channel.open(name, Channel.Role.CONSUMER)) {
        ByteBuffer src = ByteBuffer.allocateDirect(32);
        for (int i = 0; i < 32; i++) {
          src.put(i, (byte) i);
        }
        src.position(3).limit(13);
        out.send(src);
        assertEquals(13, src.position(), "the position moved past what was sent");
        out.send(ByteBuffer.wrap(new byte[] {42, 43})); // heap: claim, copy, commit
        ByteBuffer dst = ByteBuffer.allocateDirect(64);
        dst.position(5);
        assertEquals(10, in.receive(dst));
        assertEquals(15, dst.position());
        for (int i = 0; i < 10; i++) {
          assertEquals(3 + i, dst.get(5 + i), "byte " + i);
        }
        assertEquals(2, in.receive(dst.clear()), "a heap sender's message, into a direct buffer");
        assertEquals(42, dst.get(0));

        // Too small: EMSGSIZE naming the length, and the message stays.
        out.send(src.clear());
        PosixException small = assertThrows(PosixException.class, () -> in.receive(ByteBuffer.allocateDirect(8)));
        assertEquals(Errno.EMSGSIZE, small.errno());
        assertTrue(small.getMessage().contains("32 bytes"), small.getMessage());
        ByteBuffer heap = ByteBuffer.allocate(32);
        assertEquals(32, in.receive(heap, Duration.ZERO), "the message stayed");
        assertEquals(31, heap.get(31));

        // Empty, full, too long, wrong side: the exceptions of the other path.
        assertThrows(WouldBlockException.class, () -> in.receive(dst.clear(), Duration.ZERO));
        assertThrows(TimedOutException.class, () -> in.receive(dst.clear(), Duration.ofMillis(30)));
        ByteBuffer big = ByteBuffer.allocateDirect(out.maxMessage() + 1);
        assertThrows(IllegalArgumentException.class, () -> out.send(big));
        assertEquals(0, big.position(), "a refused message leaves the buffer as it was");
        assertThrows(IllegalStateException.class, () -> in.send(src.clear()));
        assertThrows(IllegalStateException.class, () -> out.receive(dst.clear()));
        ByteBuffer fill = ByteBuffer.allocateDirect(out.maxMessage());
        try {
          for (;;) {
            out.send(fill.clear(), Duration.ZERO);
          }
        } catch (WouldBlockException full) {
          assertFalse(full instanceof TimedOutException);
        }
        assertThrows(TimedOutException.class, () -> out.send(fill.clear(), Duration.ofMillis(30)));
        assertEquals(0, fill.position(), "a send that timed out leaves the buffer as it was");
        assertEquals(out.maxMessage(), in.receive(ByteBuffer.allocateDirect(out.maxMessage()), Duration.ZERO));
        in.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> in.receive(dst.clear()));
        out.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> out.send(src.clear()));
      }
    }
  }

  @Test
  void badInputIsAClearException() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-bad");
      assertThrows(IllegalArgumentException.class, () -> Channel.create(name, 1000, Channel.Role.PRODUCER));
      assertThrows(IllegalArgumentException.class, () -> Channel.create(name, 512, Channel.Role.PRODUCER));
      assertThrows(IllegalArgumentException.class, () -> Channel.create(name, 1 << 30, Channel.Role.PRODUCER));
      assertThrows(NullPointerException.class, () -> Channel.create(name, 4096, null));
      PosixException badName = assertThrows(PosixException.class,
          () -> Channel.create("no-slash", 4096, Channel.Role.PRODUCER));
      assertEquals(Errno.EINVAL, badName.errno()); // checked before the system call, as for every name
      assertThrows(IllegalArgumentException.class,
          () -> Channel.open(name, Channel.Role.PRODUCER, Channel.options().create()));
      assertThrows(IllegalArgumentException.class,
          () -> Channel.open(name, Channel.Role.PRODUCER, Channel.options().mode(0644)));
      assertThrows(IllegalArgumentException.class, () -> Channel.options().spin(Duration.ofNanos(-1)));
      assertThrows(NotFoundException.class, () -> Channel.open(name, Channel.Role.CONSUMER));

      try (Channel out = Channel.create(name, 4096, Channel.Role.PRODUCER, Channel.options().mode(0600));
          Channel in = Channel.open(name, Channel.Role.CONSUMER)) {
        assertThrows(AlreadyExistsException.class, () -> Channel.create(name, 4096, Channel.Role.PRODUCER));
        PosixException busy = assertThrows(PosixException.class, () -> Channel.open(name, Channel.Role.CONSUMER));
        assertEquals(Errno.EBUSY, busy.errno());
        assertTrue(busy.getMessage().contains("consumer"), busy.getMessage());
        assertThrows(IllegalArgumentException.class, () -> out.claim(-1));
        assertThrows(IllegalArgumentException.class, () -> out.claim(out.maxMessage() + 1));
        assertThrows(IllegalStateException.class, () -> out.read(Duration.ZERO));
        assertThrows(IllegalStateException.class, () -> in.claim(1, Duration.ZERO));
        assertThrows(IllegalStateException.class, out::commit);
        assertThrows(IllegalStateException.class, in::release);
        out.claim(8);
        assertThrows(IllegalArgumentException.class, () -> out.commit(9));
        out.commit(8);
        PosixException small = assertThrows(PosixException.class, () -> in.receive(ByteBuffer.allocate(4)));
        assertEquals(Errno.EMSGSIZE, small.errno());
        assertEquals(8, in.receive(ByteBuffer.allocate(8), Duration.ZERO), "the message stayed");
        assertThrows(java.nio.ReadOnlyBufferException.class,
            () -> in.receive(ByteBuffer.allocate(8).asReadOnlyBuffer(), Duration.ZERO));
      }

      // A segment that is not a channel, and one of another version.
      String plain = names.shm("chan-plain");
      try (SharedMemory shm = SharedMemory.create(plain, Channel.segmentSize(4096)); MappedRegion r = shm.map()) {
        PosixException e = assertThrows(PosixException.class, () -> Channel.open(plain, Channel.Role.CONSUMER));
        assertEquals(EBADMSG, e.errno());
        assertTrue(e.getMessage().contains("not a channel"), e.getMessage());
        try (Channel c = Channel.open(name, Channel.Role.PRODUCER)) {
          assertEquals(4096, c.capacity());
        }
        // Lay a channel out by hand from the exported offsets, then spoil its version.
        try (Channel made = Channel.create(names.shm("chan-v"), 4096, Channel.Role.PRODUCER)) {
          String v = made.name();
          try (SharedMemory other = SharedMemory.open(v); MappedRegion m = other.map()) {
            m.putInt(io.github.posixipc.internal.Core.PIPC_CHANNEL_OFF_VERSION, 99);
            PosixException ver = assertThrows(PosixException.class, () -> Channel.open(v, Channel.Role.CONSUMER));
            assertEquals(Errno.number("EPROTO"), ver.errno());
            assertThrows(PosixException.class, () -> Channel.stat(v));
          }
        }
        assertEquals(0, r.getLong(0), "nothing was written into the plain segment");
      }
    }
  }

  @Test
  void cProducerToJavaConsumerAndJavaProducerToCConsumer() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-c");
      int count = 20_000;
      int size = 100;
      try (Channel in = Channel.create(name, 8192, Channel.Role.CONSUMER);
          TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "chan-send", name, "3", "" + count, "" + size)) {
        long h = JavaPeer.FNV_START;
        int[] next = new int[ChannelPeer.MAX_IDS];
        for (int i = 0; i < count; i++) {
          ByteBuffer msg = in.read(WAIT);
          assertNull(ChannelPeer.check(msg, next));
          h = JavaPeer.fnv1a(h, msg);
          in.release();
        }
        assertEquals(String.format("messages=%d fnv=%016x", count, h), line(peer));
        assertEquals(0, peer.waitFor(10));
      }
      String back = names.shm("chan-java");
      try (Channel out = Channel.create(back, 8192, Channel.Role.PRODUCER);
          TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "chan-receive", back, "" + count)) {
        long h = JavaPeer.FNV_START;
        for (int i = 0; i < count; i++) {
          ByteBuffer room = out.claim(size, WAIT);
          ChannelPeer.fill(room, 5, i, size);
          h = JavaPeer.fnv1a(h, room);
          out.commit();
        }
        assertEquals(String.format("messages=%d fnv=%016x", count, h), line(peer));
        assertEquals(0, peer.waitFor(10));
      }
    }
  }

  @Test
  void anonymousChannelHandedToACPeerByDescriptor() throws Exception {
    try (Channel in = Channel.createAnonymous("pipc-jtest-chan", 4096, Channel.Role.CONSUMER)) {
      // The child gets the channel's segment as its descriptor 3.
      ChildProcess.Builder b = ChildProcess.builder(TestSupport.peerPath(), "chan-send", "fd:3", "1", "10", "64");
      Pipe stdout = Pipe.open();
      try (ChildProcess child = b.fd(3, in.fd()).fd(1, stdout.sink()).start()) {
        stdout.sink().close();
        int[] next = new int[ChannelPeer.MAX_IDS];
        for (int i = 0; i < 10; i++) {
          ByteBuffer msg = in.read(WAIT);
          assertNull(ChannelPeer.check(msg, next));
          in.release();
        }
        assertTrue(child.waitFor(WAIT).exited());
      } finally {
        stdout.close();
      }
    }
  }

  @Test
  void severalJvmAndCProducersIntoOneConsumerEveryMessageCountedAndChecksummed() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-many");
      int count = 10_000;
      int size = 72;
      try (Channel in = Channel.create(name, 16384, Channel.Role.CONSUMER)) {
        List<TestSupport.CPeer> cPeers = new ArrayList<>();
        List<Process> jvms = new ArrayList<>();
        try {
          for (int id = 0; id < 2; id++) {
            cPeers.add(TestSupport.startCPeer(new Object[0], "chan-send", name, "" + id, "" + count, "" + size));
          }
          for (int id = 2; id < 4; id++) {
            jvms.add(TestSupport.startJavaPeer("chan-send", name, "" + id, "" + count, "" + size));
          }
          long[] h = new long[4];
          java.util.Arrays.fill(h, JavaPeer.FNV_START);
          int[] next = new int[ChannelPeer.MAX_IDS];
          for (int i = 0; i < 4 * count; i++) {
            ByteBuffer msg = in.read(Duration.ofSeconds(60));
            int id = msg.getInt(msg.position());
            assertNull(ChannelPeer.check(msg, next));
            h[id] = JavaPeer.fnv1a(h[id], msg);
            in.release();
          }
          for (int id = 0; id < 4; id++) {
            assertEquals(count, next[id], "messages of producer " + id);
          }
          for (int id = 0; id < 2; id++) {
            assertEquals(String.format("messages=%d fnv=%016x", count, h[id]), line(cPeers.get(id)));
            assertEquals(0, cPeers.get(id).waitFor(10));
          }
          for (int id = 2; id < 4; id++) {
            assertEquals(String.format("messages=%d fnv=%016x", count, h[id]), TestSupport.finish(jvms.get(id - 2), 30));
          }
          assertThrows(WouldBlockException.class, () -> in.read(Duration.ZERO), "nothing more than was sent");
          assertEquals(0, in.stats().skipped());
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
  }

  @Test
  void tenMillionMessagesFromACProducerWithoutLoss() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-10m");
      int count = 10_000_000;
      try (Channel in = Channel.create(name, 1 << 20, Channel.Role.CONSUMER);
          TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "chan-send", name, "7", "" + count, "16")) {
        long h = JavaPeer.FNV_START;
        for (int i = 0; i < count; i++) {
          ByteBuffer msg = in.read(WAIT);
          int at = msg.position();
          if (msg.remaining() != 16 || msg.getInt(at) != 7 || msg.getInt(at + 4) != i) {
            throw new AssertionError("message " + i + ": " + msg.remaining() + " bytes, producer "
                + msg.getInt(at) + ", number " + msg.getInt(at + 4));
          }
          h = JavaPeer.fnv1a(h, msg);
          in.release();
        }
        assertEquals(String.format("messages=%d fnv=%016x", count, h), line(peer));
        assertEquals(0, peer.waitFor(10));
        assertEquals(0, in.stats().bytesWaiting());
      }
    }
  }

  /** utime + stime of a thread or process, in clock ticks, from its stat file. */
  private static long cpuTicks(Path stat) throws IOException {
    String s = Files.readString(stat);
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
  }

  /** The /proc/self/task/TID/stat of the thread of this JVM whose native name is name. */
  private static Path taskNamed(String name) throws IOException {
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          if (Files.readString(t.resolve("comm")).trim().equals(name)) {
            return t.resolve("stat");
          }
        } catch (IOException gone) {
          // a thread that ended meanwhile
        }
      }
    }
    return null;
  }

  @Test
  void anIdleConsumerBlockedInReceiveUsesUnderOnePercentOfACpu() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-idle");
      String other = names.shm("chan-idle-c");
      try (Channel in = Channel.create(name, 4096, Channel.Role.CONSUMER);
          Channel cIn = Channel.create(other, 4096, Channel.Role.PRODUCER)) {
        // A Java consumer thread in this JVM, and a C consumer process, both blocked in receive.
        Thread t = new Thread(() -> {
          try {
            in.receive(ByteBuffer.allocateDirect(64));
          } catch (Exception ignored) {
            // ended by the close below
          }
        }, "chan-idle");
        t.setDaemon(true);
        t.start();
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "chan-receive", other, "1")) {
          Path threadStat = null;
          for (int i = 0; i < 100 && threadStat == null; i++) {
            Thread.sleep(10);
            threadStat = taskNamed("chan-idle");
          }
          assertTrue(threadStat != null, "the consumer thread's native name is visible in /proc/self/task");
          Path peerStat = Path.of("/proc/" + peer.process.pid() + "/stat");
          Thread.sleep(500); // the peer's start-up is not the wait being measured
          long thread0 = cpuTicks(threadStat);
          long peer0 = cpuTicks(peerStat);
          long t0 = System.nanoTime();
          Thread.sleep(5000);
          long thread1 = cpuTicks(threadStat);
          long peer1 = cpuTicks(peerStat);
          double seconds = (System.nanoTime() - t0) / 1e9;
          long hz = 100; // USER_HZ, fixed at 100 on Linux for /proc
          double threadShare = (thread1 - thread0) / (double) hz / seconds;
          double peerShare = (peer1 - peer0) / (double) hz / seconds;
          assertTrue(threadShare < 0.01, "Java consumer thread: " + (100 * threadShare) + " % of a CPU");
          assertTrue(peerShare < 0.01, "C consumer process: " + (100 * peerShare) + " % of a CPU");
          assertTrue(in.stats().consumerSleeping(), "the consumer declared itself asleep");
          // And it wakes when a message comes.
          cIn.send(ByteBuffer.allocate(8));
          assertEquals(0, peer.waitFor(10));
        }
        in.close();
        t.join(5000);
        assertFalse(t.isAlive());
      }
    }
  }

  @Test
  void aCProducerKilledMidClaimIsSkippedAndCounted() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-kill");
      try (Channel in = Channel.create(name, 4096, Channel.Role.CONSUMER);
          TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "chan-claim-hold", name)) {
        ByteBuffer b = ByteBuffer.allocate(16);
        assertTrue(peer.stdout.read(b, WAIT) > 0); // "claimed"
        try (Channel out = Channel.open(name, Channel.Role.PRODUCER)) {
          out.send(ByteBuffer.wrap("after".getBytes(StandardCharsets.UTF_8)));
          assertThrows(TimedOutException.class, () -> in.read(Duration.ofMillis(50)), "the claim blocks while its process lives");
          peer.process.kill();
          peer.waitFor(10);
          long t0 = System.nanoTime();
          ByteBuffer msg = in.read(WAIT);
          assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
          assertEquals("after", StandardCharsets.UTF_8.decode(msg).toString());
          in.release();
          assertEquals(1, in.stats().skipped());
          assertEquals(1, Channel.stat(name).skipped(), "stat without attaching reads the same header");
        }
      }
    }
  }

  @Test
  void aDeadConsumerIsEpipeForAProducerOnAFullRing() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-deadc");
      try (Channel out = Channel.create(name, 1024, Channel.Role.PRODUCER);
          TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "chan-consumer-hold", name)) {
        ByteBuffer b = ByteBuffer.allocate(16);
        assertTrue(peer.stdout.read(b, WAIT) > 0); // "attached"
        ByteBuffer msg = ByteBuffer.allocateDirect(200);
        try {
          for (;;) {
            out.send(msg.clear(), Duration.ZERO);
          }
        } catch (WouldBlockException full) {
          // the ring is full
        }
        assertThrows(TimedOutException.class, () -> out.send(msg.clear(), Duration.ofMillis(30)));
        peer.process.kill();
        peer.waitFor(10);
        PosixException e = assertThrows(PosixException.class, () -> out.send(msg.clear(), WAIT));
        assertEquals(Errno.EPIPE, e.errno());
        assertFalse(out.stats().consumerAlive());
      }
    }
  }

  @Test
  void aSegmentShrunkByAnotherProcessGivesTheFaultException() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("chan-shrink");
      try (Channel out = Channel.create(name, 1 << 16, Channel.Role.PRODUCER)) {
        out.send(ByteBuffer.allocate(8));
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-truncate", name,
            "" + Channel.segmentSize(0))) {
          assertEquals(0, peer.waitFor(10));
        }
        ByteBuffer big = ByteBuffer.allocateDirect(20_000);
        assertThrows(SharedMemoryFaultException.class, () -> out.send(big));
        assertThrows(SharedMemoryFaultException.class, () -> out.send(ByteBuffer.allocate(1)), "and from then on");
      }
    }
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
  }

  @Test
  void nothingIsAllocatedPerMessage() throws Exception {
    try (IpcNames names = new IpcNames();
        Channel out = Channel.create(names.shm("chan-alloc"), 1 << 16, Channel.Role.PRODUCER);
        Channel in = Channel.open(out.name(), Channel.Role.CONSUMER)) {
      ByteBuffer src = ByteBuffer.allocateDirect(64);
      ByteBuffer dst = ByteBuffer.allocateDirect(64);
      int messages = 20_000;
      long[] bytes = new long[2];
      for (int round = 0; round < 2; round++) { // the first is the warm-up
        long before = allocatedByThisThread();
        for (int i = 0; i < messages; i++) {
          out.send(src.clear(), WAIT);
          dst.clear();
          in.receive(dst, WAIT);
          ByteBuffer room = out.claim(64, WAIT);
          room.putLong(room.position(), i);
          out.commit();
          ByteBuffer msg = in.read(WAIT);
          if (msg.getLong(msg.position()) != i) {
            throw new AssertionError("message " + i);
          }
          in.release();
        }
        bytes[round] = allocatedByThisThread() - before;
      }
      assertTrue(bytes[1] < messages, bytes[1] + " bytes allocated for " + messages + " rounds of four calls");
    }
  }
}
