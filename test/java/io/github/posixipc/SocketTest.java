package io.github.posixipc;

import static io.github.posixipc.TestSupport.assertFdsReturnTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketTest {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** An abstract name unique to this JVM and call, with a NUL byte inside. */
  private static SocketAddress uniqueAbstract(String tag) {
    String name = "pipc-jtest-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "-" + tag;
    return AbstractSocketAddress.of(name + "\0x");
  }

  private static ByteBuffer direct(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static String text(ByteBuffer b) {
    b.flip();
    return StandardCharsets.UTF_8.decode(b).toString();
  }

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

  private static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      Object got = f.get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected the call to fail; it returned " + got);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** Reads one line from a C peer's standard output. */
  private static String line(Pipe.Source out) throws IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (out.read(one, Duration.ofSeconds(20)) < 0) {
        break;
      }
      char c = (char) one.get(0);
      if (c == '\n') {
        break;
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static void sendAll(ConnectedSocket s, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      s.write(b);
    }
  }

  private static void readFully(ConnectedSocket s, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (s.read(b, Duration.ofSeconds(20)) < 0) {
        throw new IOException("early end of stream");
      }
    }
  }

  // ------------------------------------------------------------------ in one process

  @Test
  void pairCarriesBytesBothWaysThroughBuffersAndStreams() throws Exception {
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      assertEquals(SocketType.STREAM, a.type());
      assertEquals(5, a.write(direct("hello")));
      ByteBuffer dst = ByteBuffer.allocateDirect(16);
      assertEquals(5, b.read(dst));
      assertEquals("hello", text(dst));
      assertEquals(3, b.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8))));
      ByteBuffer heap = ByteBuffer.allocate(8);
      assertEquals(3, a.read(heap, Duration.ofSeconds(5)));
      assertEquals("abc", text(heap));
      OutputStream out = a.outputStream();
      InputStream in = b.inputStream();
      out.write("stream".getBytes(StandardCharsets.UTF_8));
      byte[] got = new byte[6];
      assertEquals(6, in.readNBytes(got, 0, 6));
      assertEquals("stream", new String(got, StandardCharsets.UTF_8));
      assertEquals(UnixDomainSocketAddress.of(""), a.localAddress(), "unnamed, as the JDK reports it");
      assertEquals("unix:(unnamed)", SocketAddresses.format(a.localAddress()));
      a.shutdownOutput();
      assertEquals(-1, b.read(ByteBuffer.allocate(4)));
    }
  }

  @Test
  void timedReadsTimeOutAndNonBlockingReadsReturnZero() throws Exception {
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      assertThrows(WouldBlockException.class, () -> a.read(ByteBuffer.allocate(4), Duration.ZERO));
      assertThrows(TimedOutException.class, () -> a.read(ByteBuffer.allocate(4), Duration.ofMillis(20)));
      a.setBlocking(false);
      assertEquals(0, a.read(ByteBuffer.allocate(4)));
      assertThrows(WouldBlockException.class, () -> a.receiveFileDescriptors(ByteBuffer.allocate(4), 1));
      b.setSendBufferSize(8192);
      assertTrue(b.sendBufferSize() >= 8192);
      b.setReceiveBufferSize(8192);
      assertTrue(b.receiveBufferSize() >= 8192);
    }
  }

  @Test
  void pathServerAcceptsAndItsPathIsRemovedOnlyByUnlink() throws Exception {
    Path path = TestSupport.uniquePath("sock");
    UnixDomainSocketAddress where = UnixDomainSocketAddress.of(path);
    try (ListeningSocket server = ListeningSocket.bind(where)) {
      assertTrue(Files.exists(path));
      assertEquals(where, server.localAddress());
      assertEquals(path, ((UnixDomainSocketAddress) server.address()).getPath());
      assertEquals(where, SocketAddresses.parse(SocketAddresses.format(where)));
      try (ConnectedSocket c = ConnectedSocket.connect(where); ConnectedSocket s = server.accept(Duration.ofSeconds(5))) {
        assertEquals(where, c.remoteAddress());
        c.write(direct("ping"));
        ByteBuffer buf = ByteBuffer.allocate(4);
        readFully(s, buf);
        assertEquals("ping", text(buf));
      }
      PosixException inUse = assertThrows(PosixException.class, () -> ListeningSocket.bind(where).close(),
          "a path in use cannot be bound again");
      assertEquals("EADDRINUSE", inUse.errnoName());
    }
    assertTrue(Files.exists(path), "closing does not remove the path");
    try {
      SocketAddresses.unlink(where);
      assertFalse(Files.exists(path));
      assertThrows(NotFoundException.class, () -> SocketAddresses.unlink(where));
      Files.writeString(path, "plain file");
      PosixException e = assertThrows(PosixException.class, () -> SocketAddresses.unlink(where));
      assertEquals(Errno.EINVAL, e.errno());
      assertTrue(Files.exists(path), "a file that is not a socket is never removed");
    } finally {
      TestSupport.removeQuietly(path);
    }
  }

  @Test
  void serverUnlinkFreesThePathForAnotherBind() throws Exception {
    Path path = TestSupport.uniquePath("rebind");
    SocketAddress where = UnixDomainSocketAddress.of(path);
    try (ListeningSocket first = ListeningSocket.bind(where)) {
      first.unlink();
      try (ListeningSocket second = ListeningSocket.bind(where)) {
        second.unlink();
      }
    } finally {
      TestSupport.removeQuietly(path);
    }
  }

  @Test
  void abstractNamesKeepEveryByteIncludingNuls() throws Exception {
    byte[] name = ("pipc-jtest-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
    byte[] withNul = java.util.Arrays.copyOf(name, name.length + 3);
    withNul[name.length] = 0;
    withNul[name.length + 1] = 'z';
    withNul[name.length + 2] = 0;
    AbstractSocketAddress where = AbstractSocketAddress.of(withNul);
    assertArrayEquals(withNul, where.name());
    try (ListeningSocket server = ListeningSocket.bind(where, ListeningSocket.options().type(SocketType.SEQPACKET).backlog(4))) {
      SocketAddress local = server.localAddress();
      assertArrayEquals(withNul, ((AbstractSocketAddress) local).name());
      assertEquals(where, local);
      assertEquals(where, SocketAddresses.parse(where.toString()), where.toString());
      // Cut at its first NUL, it is another name: nobody listens there.
      PosixException e = assertThrows(PosixException.class,
          () -> ConnectedSocket.connect(AbstractSocketAddress.of(name), ConnectedSocket.options().type(SocketType.SEQPACKET), null));
      assertEquals(Errno.ECONNREFUSED, e.errno());
      try (ConnectedSocket c = ConnectedSocket.connect(where, ConnectedSocket.options().type(SocketType.SEQPACKET), Duration.ofSeconds(5));
          ConnectedSocket s = server.accept()) {
        assertEquals(SocketType.SEQPACKET, s.type());
      }
    }
  }

  @Test
  void badInputsGetClearExceptions() throws Exception {
    String longPath = "/tmp/" + "p".repeat(SocketAddresses.MAX_PATH_BYTES - 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ListeningSocket.bind(UnixDomainSocketAddress.of(longPath)), "refused before any system call");
    assertTrue(e.getMessage().contains("too long"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SocketAddresses.parse("unix:" + longPath));
    assertTrue(e.getMessage().contains("too long"), e.getMessage());
    SocketAddresses.parse("unix:" + longPath.substring(1)); // 107 bytes: fits
    assertThrows(IllegalArgumentException.class,
        () -> AbstractSocketAddress.of(new byte[AbstractSocketAddress.MAX_BYTES + 1]));
    AbstractSocketAddress.of(new byte[AbstractSocketAddress.MAX_BYTES]);
    assertThrows(IllegalArgumentException.class, () -> ConnectedSocket.connect(UnixDomainSocketAddress.of("")),
        "an empty path names no socket");
    assertThrows(IllegalArgumentException.class, () -> SocketAddresses.parse("nonsense"));
    assertThrows(IllegalArgumentException.class, () -> SocketAddresses.parse("inet:127.0.0.1:70000"));
    assertThrows(IllegalArgumentException.class,
        () -> ConnectedSocket.connect(java.net.InetSocketAddress.createUnresolved("localhost", 1)), "unresolved");
    assertThrows(IllegalArgumentException.class, () -> ConnectedSocket.connect(new SocketAddress() {}),
        "a kind of address posixipc does not know");
    assertThrows(IllegalArgumentException.class, () -> ConnectedSocket.options().type(SocketType.DATAGRAM),
        "options are checked when set");
    assertThrows(IllegalArgumentException.class, () -> ListeningSocket.options().type(SocketType.DATAGRAM));
    assertThrows(IllegalArgumentException.class, () -> ListeningSocket.options().backlog(-1));
    assertThrows(NullPointerException.class, () -> ConnectedSocket.options().type(null));
    assertThrows(NullPointerException.class, () -> ListeningSocket.bind(uniqueAbstract("n"), null));
    assertThrows(IllegalArgumentException.class, () -> ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.DATAGRAM)));
    assertThrows(IllegalArgumentException.class,
        () -> ListeningSocket.bind(uniqueAbstract("dg"), ListeningSocket.options().type(SocketType.DATAGRAM).backlog(1)));
    assertThrows(IllegalArgumentException.class, () -> ListeningSocket.bind(uniqueAbstract("bl"), ListeningSocket.options().type(SocketType.STREAM).backlog(-1)));
    assertThrows(NotFoundException.class,
        () -> ConnectedSocket.connect(UnixDomainSocketAddress.of(TestSupport.uniquePath("nobody"))));
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      assertThrows(IllegalArgumentException.class,
          () -> a.sendFileDescriptors(direct("x"), new int[SocketBase.MAX_FDS_PER_MESSAGE + 1]));
      assertThrows(IllegalArgumentException.class, () -> a.sendFileDescriptors(direct("x"), -1));
      assertThrows(IllegalArgumentException.class, () -> a.sendFileDescriptors(ByteBuffer.allocate(0), 0));
      assertThrows(IllegalArgumentException.class, () -> a.receiveFileDescriptors(ByteBuffer.allocate(1), -1));
      assertThrows(IllegalArgumentException.class, () -> a.setSendBufferSize(0));
      assertThrows(IllegalArgumentException.class, () -> a.read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
      // A descriptor number that is not open: EBADF from the kernel, nothing sent.
      PosixException bad = assertThrows(PosixException.class, () -> a.sendFileDescriptors(direct("x"), 100000));
      assertEquals(Errno.EBADF, bad.errno());
      // TCP_NODELAY on an AF_UNIX socket: the kernel says no.
      assertThrows(PosixException.class, () -> a.setTcpNoDelay(true));
      a.close();
      assertThrows(ClosedChannelException.class, () -> a.write(direct("x")));
      assertThrows(ClosedChannelException.class, () -> a.read(ByteBuffer.allocate(1)));
      assertThrows(ClosedChannelException.class, a::peerCredentials);
      assertThrows(ClosedChannelException.class, a::localAddress);
      assertThrows(ClosedChannelException.class, () -> a.sendFileDescriptors(direct("x"), b));
      // A closed handle cannot be sent either.
      assertThrows(ClosedChannelException.class, () -> b.sendFileDescriptors(direct("x"), a));
      a.close(); // idempotent
    }
    try (Pipe pipe = Pipe.open()) {
      int fd = pipe.source().fd();
      PosixException notSock = assertThrows(PosixException.class, () -> ConnectedSocket.adopt(fd));
      assertEquals("ENOTSOCK", notSock.errnoName());
    }
    try (DatagramSocket d = DatagramSocket.open()) {
      PosixException e2 = assertThrows(PosixException.class, d::unlink);
      assertEquals(Errno.EINVAL, e2.errno());
    }
  }

  @Test
  void datagramsKeepBoundariesAndReportFullLengthWhenCut() throws Exception {
    SocketAddress ra = uniqueAbstract("dr");
    SocketAddress sa = uniqueAbstract("ds");
    try (DatagramSocket r = DatagramSocket.bind(ra); DatagramSocket s = DatagramSocket.bind(sa)) {
      assertEquals(SocketType.DATAGRAM, r.type());
      assertEquals(10, s.send(direct("0123456789"), ra));
      assertEquals(3, s.send(ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8)), ra));
      assertEquals(0, s.send(ByteBuffer.allocate(0), ra));
      ByteBuffer small = ByteBuffer.allocateDirect(4);
      assertEquals(10, r.receive(small), "the full length of a cut datagram");
      assertEquals(4, small.position());
      assertEquals("0123", text(small));
      ByteBuffer heap = ByteBuffer.allocate(16);
      ReceivedMessage m = r.receiveMessage(heap, 0, Duration.ofSeconds(5));
      assertEquals(3, m.length());
      assertEquals(sa, m.sender());
      assertFalse(m.truncated());
      assertEquals("abc", text(heap));
      assertEquals(0, r.receive(ByteBuffer.allocate(16), Duration.ofSeconds(5)));
      assertThrows(WouldBlockException.class, () -> r.receive(ByteBuffer.allocate(4), Duration.ZERO));
      PosixException big = assertThrows(PosixException.class,
          () -> s.send(ByteBuffer.allocateDirect(8 << 20), ra));
      assertEquals(Errno.EMSGSIZE, big.errno());
    }
  }

  @Test
  void seqpacketKeepsBoundaries() throws Exception {
    ConnectedSocket[] p = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      a.send(direct("0123456789"));
      a.send(direct("abc"));
      a.send(direct("0123456789"));
      ByteBuffer buf = ByteBuffer.allocateDirect(64);
      assertEquals(10, b.receive(buf));
      assertEquals(10, buf.position(), "one packet, not 13 bytes");
      buf.clear();
      assertEquals(3, b.receive(buf, Duration.ofSeconds(5)));
      ByteBuffer four = ByteBuffer.allocate(4);
      assertEquals(10, b.receive(four), "the full length of a cut packet");
      assertEquals("0123", text(four));
      a.close();
      assertEquals(0, b.receive(ByteBuffer.allocate(4)), "end of stream");
    }
  }

  /**
   * A reused holder reports each message afresh: the descriptors of the last message only, a
   * copy from fileDescriptors(), the same sender object while the sender stays the same and a
   * new one when it changes.
   */
  @Test
  void aReusedHolderReportsEachMessageAfresh() throws Exception {
    int baseline = TestSupport.settledFds();
    AbstractSocketAddress where = AbstractSocketAddress.of("pipc-holder-" + ProcessHandle.current().pid());
    AbstractSocketAddress other = AbstractSocketAddress.of("pipc-holder-other-" + ProcessHandle.current().pid());
    try (DatagramSocket server = DatagramSocket.bind(where); DatagramSocket one = DatagramSocket.bind(other);
        DatagramSocket two = DatagramSocket.open(); Pipe pipe = Pipe.open()) {
      ReceivedMessage m = new ReceivedMessage();
      Duration patience = Duration.ofSeconds(5);
      int[] both = {pipe.source().fd(), pipe.sink().fd()};
      one.sendFileDescriptors(direct("A"), where, both);
      assertTrue(server.receiveMessage(ByteBuffer.allocate(4), 2, patience, m) == m);
      assertEquals(2, m.fileDescriptorCount());
      int[] copy = m.fileDescriptors();
      assertEquals(2, copy.length);
      copy[0] = -1;
      assertEquals(m.fileDescriptor(0), m.fileDescriptors()[0], "fileDescriptors() is a copy");
      assertThrows(IndexOutOfBoundsException.class, () -> m.fileDescriptor(2));
      Core_close(m.fileDescriptor(0));
      Core_close(m.fileDescriptor(1));
      SocketAddress first = m.sender();
      assertEquals(other, first);
      one.send(direct("BB"), where);
      server.receiveMessage(ByteBuffer.allocate(4), 2, patience, m);
      assertEquals(2, m.length());
      assertEquals(0, m.fileDescriptorCount(), "no descriptors came with this one");
      assertEquals(0, m.fileDescriptors().length);
      assertTrue(m.sender() == first, "the same sender is the same object");
      two.send(direct("C"), where);
      server.receiveMessage(ByteBuffer.allocateDirect(4), 0, patience, m);
      assertNotEquals(other, m.sender(), "another sender is told apart");
      assertThrows(IllegalArgumentException.class, () -> server.receiveMessage(ByteBuffer.allocate(4), -1, patience, m));
      assertThrows(NullPointerException.class, () -> server.receiveMessage(ByteBuffer.allocate(4), 0, patience, null));
    }
    assertFdsReturnTo(baseline);
  }

  @Test
  void descriptorsPassedThroughASocketWorkAndExtraOnesAreClosed() throws Exception {
    int baseline = TestSupport.settledFds();
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]; Pipe pipe = Pipe.open()) {
      a.sendFileDescriptors(direct("F"), pipe.sink());
      ReceivedMessage m = b.receiveFileDescriptors(ByteBuffer.allocate(4), 2, Duration.ofSeconds(5));
      assertEquals(1, m.length());
      assertEquals(1, m.fileDescriptors().length);
      assertFalse(m.controlTruncated());
      try (Pipe.Sink sink = Pipe.Sink.adopt(m.fileDescriptors()[0])) {
        assertNotEquals(pipe.sink().fd(), sink.fd());
        sink.write(direct("through"));
      }
      ByteBuffer got = ByteBuffer.allocate(16);
      pipe.source().read(got, Duration.ofSeconds(5));
      assertEquals("through", text(got));
      // Counted by what they refer to, this pipe, so that a descriptor the JVM opens meanwhile
      // for its own ends cannot move the count.
      int fd = pipe.source().fd();
      String thisPipe = TestSupport.fdTarget(fd);
      int before = TestSupport.openFds(thisPipe);
      assertEquals(2, before, "the pipe's two ends");
      a.sendFileDescriptors(direct("G"), fd, fd, fd);
      ReceivedMessage cut = b.receiveFileDescriptors(ByteBuffer.allocate(4), 1);
      assertTrue(cut.controlTruncated());
      assertEquals(1, cut.fileDescriptors().length);
      assertEquals(thisPipe, TestSupport.fdTarget(cut.fileDescriptors()[0]));
      assertEquals(before + 1, TestSupport.openFds(thisPipe), "only the one that fitted is open");
      Core_close(cut.fileDescriptors()[0]);
      assertEquals(before, TestSupport.openFds(thisPipe), "the descriptors that did not fit were closed");
    }
    assertFdsReturnTo(baseline);
  }

  private static void Core_close(int fd) {
    io.github.posixipc.internal.Core.pipc_fd_close(fd);
  }

  /** Bytes this thread allocated while body ran (HotSpot's per-thread counter). */
  private static long allocatedBy(ThrowingRunnable body) throws Exception {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long before = mx.getThreadAllocatedBytes(id);
    body.run();
    return mx.getThreadAllocatedBytes(id) - before;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void hotPathsAllocateNothingPerMessage() throws Exception {
    int rounds = 20_000;
    ConnectedSocket[] stream = ConnectedSocket.pair();
    ConnectedSocket[] packets = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
    SocketAddress ra = uniqueAbstract("alloc-r");
    try (ConnectedSocket a = stream[0]; ConnectedSocket b = stream[1]; ConnectedSocket p = packets[0]; ConnectedSocket q = packets[1];
        DatagramSocket r = DatagramSocket.bind(ra); DatagramSocket s = DatagramSocket.open()) {
      ByteBuffer out = TestSupport.patternBlock(1, 0, 64);
      ByteBuffer in = ByteBuffer.allocateDirect(64);
      ThrowingRunnable loop = () -> {
        for (int i = 0; i < rounds; i++) {
          a.write(out.clear());
          b.read(in.clear());
          p.send(out.clear());
          q.receive(in.clear());
          s.send(out.clear(), ra);
          r.receive(in.clear());
        }
      };
      allocatedBy(loop); // warm-up: first uses create the caches and the JIT settles
      long bytes = allocatedBy(loop);
      assertTrue(bytes < rounds, bytes + " bytes allocated over " + (6 * rounds) + " calls");
    }
  }

  @Test
  void credentialsOfAPairAreOurOwn() throws Exception {
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      Credentials c = a.peerCredentials();
      assertEquals(ProcessHandle.current().pid(), c.pid());
    }
  }

  @Test
  void closeWakesABlockedAcceptAndABlockedRead() throws Exception {
    try (ListeningSocket server = ListeningSocket.bind(uniqueAbstract("wake"))) {
      CompletableFuture<ConnectedSocket> accept = inThread(server::accept);
      Thread.sleep(100);
      server.close();
      assertInstanceOf(AsynchronousCloseException.class, failure(accept));
    }
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      CompletableFuture<Integer> read = inThread(() -> a.read(ByteBuffer.allocateDirect(8)));
      Thread.sleep(100);
      a.close();
      assertInstanceOf(AsynchronousCloseException.class, failure(read));
    }
    ConnectedSocket[] p2 = ConnectedSocket.pair();
    try (ConnectedSocket a = p2[0]; ConnectedSocket b = p2[1]) {
      CompletableFuture<ReceivedMessage> withFds = inThread(() -> b.receiveFileDescriptors(ByteBuffer.allocate(8), 4));
      Thread.sleep(100);
      b.close();
      assertInstanceOf(AsynchronousCloseException.class, failure(withFds));
      assertTrue(a.isOpen());
    }
    try (DatagramSocket d = DatagramSocket.bind(uniqueAbstract("dwake"))) {
      CompletableFuture<Integer> receive = inThread(() -> d.receive(ByteBuffer.allocateDirect(8), Duration.ofSeconds(30)));
      Thread.sleep(100);
      d.close();
      assertInstanceOf(AsynchronousCloseException.class, failure(receive));
    }
  }

  /** A write that could proceed (the socket has room) by an interrupted thread closes the socket. */
  @Test
  void anInterruptedThreadsWriteClosesTheSocketThoughItCouldProceed() throws Exception {
    ConnectedSocket[] s = ConnectedSocket.pair();
    try (ConnectedSocket a = s[0]; ConnectedSocket b = s[1]) {
      Thread.currentThread().interrupt();
      try {
        assertThrows(ClosedByInterruptException.class, () -> a.write(ByteBuffer.wrap(new byte[] {1})));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
      }
      assertFalse(a.isOpen());
      assertEquals(-1, b.read(ByteBuffer.allocate(1)), "nothing was sent, and the peer sees the close");
    }
  }

  /** A read with data waiting, by an interrupted thread, closes the socket. */
  @Test
  void anInterruptedThreadsReadClosesTheSocketThoughDataIsWaiting() throws Exception {
    ConnectedSocket[] s = ConnectedSocket.pair();
    try (ConnectedSocket a = s[0]; ConnectedSocket b = s[1]) {
      b.write(ByteBuffer.wrap(new byte[] {7}));
      Thread.currentThread().interrupt();
      try {
        assertThrows(ClosedByInterruptException.class, () -> a.read(ByteBuffer.allocate(1)));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt status stays set");
      }
      assertFalse(a.isOpen());
    }
  }

  /**
   * A stream socket's one-call send of more than its buffer holds sends it all, as the blocking
   * send(2) does (a send that did not wait would send only what fits).
   */
  @Test
  void aStreamSendLargerThanTheBufferSendsItAll() throws Exception {
    ConnectedSocket[] s = ConnectedSocket.pair();
    try (ConnectedSocket a = s[0]; ConnectedSocket b = s[1]) {
      int size = 8 * 1024 * 1024;
      assertTrue(size > a.sendBufferSize(), "larger than the buffer: " + a.sendBufferSize());
      CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
        long total = 0;
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try {
          while (total < size) {
            buf.clear();
            int n = b.read(buf);
            if (n < 0) {
              break;
            }
            total += n;
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return total;
      });
      assertEquals(size, a.send(ByteBuffer.allocateDirect(size)));
      assertEquals(size, drained.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void interruptClosesABlockedReadAndAccept() throws Exception {
    ConnectedSocket[] p = ConnectedSocket.pair();
    try (ConnectedSocket a = p[0]; ConnectedSocket b = p[1]) {
      Thread[] t = new Thread[1];
      CompletableFuture<Integer> read = inThread(() -> {
        t[0] = Thread.currentThread();
        return a.read(ByteBuffer.allocateDirect(8));
      });
      Thread.sleep(100);
      t[0].interrupt();
      assertInstanceOf(ClosedByInterruptException.class, failure(read));
      assertFalse(a.isOpen());
    }
    try (ListeningSocket server = ListeningSocket.bind(uniqueAbstract("intr"))) {
      Thread[] t = new Thread[1];
      CompletableFuture<ConnectedSocket> accept = inThread(() -> {
        t[0] = Thread.currentThread();
        return server.accept(Duration.ofSeconds(30));
      });
      Thread.sleep(100);
      t[0].interrupt();
      assertInstanceOf(ClosedByInterruptException.class, failure(accept));
      assertFalse(server.isOpen());
    }
  }

  @Test
  void connectToAFullBacklogTimesOutAndIsEndedByInterrupt() throws Exception {
    SocketAddress where = uniqueAbstract("full");
    // Backlog 0: one connection waits unaccepted; the next connect has to wait for room.
    try (ListeningSocket server = ListeningSocket.bind(where, ListeningSocket.options().type(SocketType.STREAM).backlog(0))) {
      java.util.List<ConnectedSocket> queued = new java.util.ArrayList<>();
      try {
        while (true) {
          try {
            queued.add(ConnectedSocket.connect(where, ConnectedSocket.options().type(SocketType.STREAM), Duration.ZERO));
          } catch (WouldBlockException full) {
            break;
          }
          assertTrue(queued.size() < 100, "the backlog never filled");
        }
        assertThrows(TimedOutException.class,
            () -> ConnectedSocket.connect(where, ConnectedSocket.options().type(SocketType.STREAM), Duration.ofMillis(30)));
        // An untimed connect blocks until a thread interrupt closes it.
        Thread[] t = new Thread[1];
        CompletableFuture<ConnectedSocket> blocked = inThread(() -> {
          t[0] = Thread.currentThread();
          return ConnectedSocket.connect(where);
        });
        Thread.sleep(100);
        assertFalse(blocked.isDone(), "connect waits for room in the backlog");
        t[0].interrupt();
        assertInstanceOf(ClosedByInterruptException.class, failure(blocked));
        // Room again: a connect succeeds once one is accepted.
        server.accept(Duration.ofSeconds(5)).close();
        try (ConnectedSocket ok = ConnectedSocket.connect(where, ConnectedSocket.options().type(SocketType.STREAM), Duration.ofSeconds(5))) {
          assertTrue(ok.isOpen());
        }
      } finally {
        for (ConnectedSocket q : queued) {
          q.close();
        }
      }
    }
  }

  @Test
  void nonBlockingMessageCallsThrowWouldBlockAndByteCallsReturnZero() throws Exception {
    ConnectedSocket[] stream = ConnectedSocket.pair();
    try (ConnectedSocket a = stream[0]; ConnectedSocket b = stream[1]) {
      a.setBlocking(false);
      assertEquals(0, a.read(ByteBuffer.allocate(4)), "a byte read: 0 is nothing now");
      WouldBlockException e = assertThrows(WouldBlockException.class, () -> a.receive(ByteBuffer.allocate(4)));
      assertEquals("EAGAIN", e.errnoName());
      assertEquals(0, a.receive(ByteBuffer.allocate(0)), "no room asked for: nothing to wait for");
      b.write(direct("xy"));
      assertEquals(2, a.receive(ByteBuffer.allocate(4), Duration.ofSeconds(5)));
      b.shutdownOutput();
      assertEquals(-1, a.receive(ByteBuffer.allocate(4), Duration.ofSeconds(5)), "end of stream, as read says it");
      assertEquals(-1, a.read(ByteBuffer.allocate(4)));
    }
    ConnectedSocket[] full = ConnectedSocket.pair();
    try (ConnectedSocket w = full[0]; ConnectedSocket unread = full[1]) {
      w.setBlocking(false);
      w.setSendBufferSize(4096);
      ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 16);
      int written;
      do {
        written = w.write(chunk.clear());
      } while (written > 0);
      assertEquals(0, written, "a byte write to a full socket returns 0");
    }
    ConnectedSocket[] packets = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
    try (ConnectedSocket a = packets[0]; ConnectedSocket b = packets[1]) {
      a.setBlocking(false);
      assertThrows(WouldBlockException.class, () -> a.receive(ByteBuffer.allocate(4)));
      assertThrows(WouldBlockException.class, () -> a.receiveFileDescriptors(ByteBuffer.allocate(4), 1));
      a.setSendBufferSize(4096);
      ByteBuffer packet = ByteBuffer.allocateDirect(1024);
      assertThrows(WouldBlockException.class, () -> {
        for (;;) {
          a.send(packet.clear());
        }
      }, "a full seqpacket socket throws instead of returning -1");
    }
    try (DatagramSocket r = DatagramSocket.bind(uniqueAbstract("wb"))) {
      r.setBlocking(false);
      assertThrows(WouldBlockException.class, () -> r.receive(ByteBuffer.allocate(4)));
      assertThrows(WouldBlockException.class, () -> r.receiveMessage(ByteBuffer.allocate(4), 0, null));
    }
  }

  @Test
  void timedAcceptAndNonBlockingAccept() throws Exception {
    try (ListeningSocket server = ListeningSocket.bind(uniqueAbstract("timed"))) {
      assertThrows(WouldBlockException.class, () -> server.accept(Duration.ZERO));
      assertThrows(TimedOutException.class, () -> server.accept(Duration.ofMillis(20)));
      server.setBlocking(false);
      assertThrows(WouldBlockException.class, server::accept);
      try (ConnectedSocket c = ConnectedSocket.connect(server.address());
          ConnectedSocket s = server.accept(Duration.ofSeconds(5))) {
        assertEquals(ProcessHandle.current().pid(), s.peerCredentials().pid());
      }
    }
  }

  @Test
  void tenThousandConnectAcceptCyclesLeakNoDescriptor() throws Exception {
    SocketAddress where = uniqueAbstract("cycles");
    try (ListeningSocket server = ListeningSocket.bind(where)) {
      TestSupport.settledFds();
      int baseline = TestSupport.openFds("socket:");
      for (int i = 0; i < 10_000; i++) {
        try (ConnectedSocket c = ConnectedSocket.connect(where); ConnectedSocket s = server.accept()) {
          if (i % 1000 == 0) {
            c.write(direct("x"));
            assertEquals(1, s.read(ByteBuffer.allocate(1)));
          }
        }
      }
      assertEquals(baseline, TestSupport.openFds("socket:"), "sockets after 10,000 cycles");
    }
  }

  @Test
  void tcpAndUdpOnLoopbackThroughTheSameCalls() throws Exception {
    try (ListeningSocket server = ListeningSocket.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
      java.net.InetSocketAddress bound = assertInstanceOf(java.net.InetSocketAddress.class, server.address());
      assertTrue(bound.getPort() > 0, "port 0 picks a free port, and address() tells which");
      assertEquals(java.net.InetAddress.getLoopbackAddress(), bound.getAddress());
      try (ConnectedSocket c = ConnectedSocket.connect(server.address(), ConnectedSocket.options().type(SocketType.STREAM), Duration.ofSeconds(5));
          ConnectedSocket s = server.accept(Duration.ofSeconds(5))) {
        c.setTcpNoDelay(true);
        ByteBuffer block = TestSupport.patternBlock(9, 0, 200_000);
        CompletableFuture<Integer> writer = inThread(() -> {
          sendAll(c, block);
          c.shutdownOutput();
          return 0;
        });
        ByteBuffer got = ByteBuffer.allocateDirect(200_000);
        readFully(s, got);
        assertEquals(-1, s.read(ByteBuffer.allocate(1), Duration.ofSeconds(5)));
        writer.get(10, TimeUnit.SECONDS);
        for (int i = 0; i < got.capacity(); i++) {
          if (got.get(i) != TestSupport.pattern(9, i)) {
            throw new AssertionError("byte " + i + " differs");
          }
        }
      }
    }
    try (DatagramSocket r = DatagramSocket.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        DatagramSocket s = DatagramSocket.connect(r.localAddress())) {
      assertEquals(5, s.send(direct("hello")));
      ByteBuffer buf = ByteBuffer.allocate(16);
      ReceivedMessage m = r.receiveMessage(buf, 0, Duration.ofSeconds(5));
      assertEquals(5, m.length());
      assertEquals(s.localAddress(), m.sender());
    }
  }

  // ------------------------------------------------------------------ across processes: the C peer

  @Test
  void cPeerConnectsAndStreamsAMegabyteIntoAJavaServer() throws Exception {
    SocketAddress where = uniqueAbstract("csrc");
    try (ListeningSocket server = ListeningSocket.bind(where);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-connect", "stream",
            where.toString(), "source", "1000000", "5");
        ConnectedSocket s = server.accept(Duration.ofSeconds(20))) {
      assertEquals(peer.process.pid(), s.peerCredentials().pid(), "SO_PEERCRED names the peer");
      assertEquals(((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue(), s.peerCredentials().uid());
      ByteBuffer buf = ByteBuffer.allocateDirect(65536);
      long count = 0;
      long h = TestSupport.FNV_START;
      while (s.read(buf.clear(), Duration.ofSeconds(20)) >= 0) {
        buf.flip();
        for (int i = 0; i < buf.limit(); i++) {
          if (buf.get(i) != TestSupport.pattern(5, count + i)) {
            throw new AssertionError("byte " + (count + i) + " differs");
          }
        }
        h = TestSupport.fnv1a(h, buf);
        count += buf.remaining();
      }
      assertEquals(1_000_000, count);
      assertEquals(TestSupport.summary(count, h), peer.output());
      assertEquals(0, peer.waitFor(20));
    }
  }

  @Test
  void javaConnectsToACPeerServerAndRoundTripsAcrossStreamSeqpacketAndDatagram() throws Exception {
    for (String type : new String[] {"stream", "seqpacket"}) {
      Path path = TestSupport.uniquePath("cecho");
      String spec = "unix:" + path;
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-serve", type, spec, "echo")) {
        assertEquals("ready " + spec, line(peer.stdout));
        SocketType t = type.equals("stream") ? SocketType.STREAM : SocketType.SEQPACKET;
        try (ConnectedSocket c = ConnectedSocket.connect(UnixDomainSocketAddress.of(path), ConnectedSocket.options().type(t), Duration.ofSeconds(10))) {
          assertEquals(peer.process.pid(), c.peerCredentials().pid());
          ByteBuffer out = ByteBuffer.allocateDirect(64);
          ByteBuffer in = ByteBuffer.allocateDirect(64);
          for (int i = 0; i < 100; i++) {
            out.clear();
            JavaPeer_fill(out, i);
            if (t == SocketType.STREAM) {
              sendAll(c, out);
              readFully(c, in.clear());
            } else {
              assertEquals(64, c.send(out));
              assertEquals(64, c.receive(in.clear(), Duration.ofSeconds(10)));
            }
            out.flip();
            in.flip();
            assertEquals(out, in, "round trip " + i);
          }
        }
        assertEquals(0, peer.waitFor(20));
      } finally {
        TestSupport.removeQuietly(path);
      }
    }
    // Datagrams, with credentials of the sender on each message.
    SocketAddress where = uniqueAbstract("cdg");
    SocketAddress me = uniqueAbstract("me");
    try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-serve", "dgram", where.toString(), "echo");
        DatagramSocket s = DatagramSocket.bind(me)) {
      assertEquals("ready " + where, line(peer.stdout));
      s.setPassCredentials(true);
      assertTrue(s.passCredentials());
      for (int size : new int[] {1, 64, 3000}) {
        ByteBuffer out = TestSupport.patternBlock(size, 0, size);
        assertEquals(size, s.send(out, where));
        ByteBuffer in = ByteBuffer.allocateDirect(4096);
        ReceivedMessage m = s.receiveMessage(in, 0, Duration.ofSeconds(10));
        assertEquals(size, m.length(), "one datagram back, whole");
        assertEquals(where, m.sender());
        assertEquals(peer.process.pid(), m.credentials().pid(), "SCM_CREDENTIALS names the peer");
        out.flip();
        in.flip();
        assertEquals(out, in);
      }
      s.send(ByteBuffer.allocate(0), where);
      assertEquals(0, s.receive(ByteBuffer.allocate(4), Duration.ofSeconds(10)));
      assertEquals(0, peer.waitFor(20));
    }
  }

  private static void JavaPeer_fill(ByteBuffer b, int seed) {
    io.github.posixipc.peer.JavaPeer.fillPattern(b, seed, 0);
  }

  @Test
  void pipeEndsPassedToAndFromTheCPeerAreUsedOnTheOtherSide() throws Exception {
    // From the C peer: the read end of a pipe it filled.
    SocketAddress where = uniqueAbstract("cfd");
    try (ListeningSocket server = ListeningSocket.bind(where);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-connect", "stream",
            where.toString(), "sendfd", "hello-from-c");
        ConnectedSocket s = server.accept(Duration.ofSeconds(20))) {
      ReceivedMessage m = s.receiveFileDescriptors(ByteBuffer.allocate(4), 4, Duration.ofSeconds(20));
      assertEquals(1, m.fileDescriptors().length);
      try (Pipe.Source src = Pipe.Source.adopt(m.fileDescriptors()[0])) {
        ByteBuffer got = ByteBuffer.allocate(64);
        while (src.read(got, Duration.ofSeconds(20)) >= 0) {
          // to end of file: the peer closed its write end before sending
        }
        assertEquals("hello-from-c", text(got));
      }
      s.shutdownOutput();
      assertEquals(0, peer.waitFor(20));
    }
    // To the C peer: the write end of our pipe, written by the peer.
    SocketAddress where2 = uniqueAbstract("cfd2");
    try (ListeningSocket server = ListeningSocket.bind(where2);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-connect", "stream",
            where2.toString(), "recvfd");
        ConnectedSocket s = server.accept(Duration.ofSeconds(20));
        Pipe pipe = Pipe.open()) {
      s.sendFileDescriptors(direct("F"), pipe.sink());
      pipe.sink().close();
      ByteBuffer got = ByteBuffer.allocate(64);
      while (pipe.source().read(got, Duration.ofSeconds(20)) >= 0) {
        // until the peer closes the end it received
      }
      assertEquals("from-c-peer", text(got));
      assertEquals("received fd, 1 bytes", peer.output());
      assertEquals(0, peer.waitFor(20));
    }
  }

  @Test
  void aPeerThatDiesGivesEconnresetThenEpipe() throws Exception {
    SocketAddress where = uniqueAbstract("die");
    try (ListeningSocket server = ListeningSocket.bind(where);
        TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-connect", "stream",
            where.toString(), "die");
        ConnectedSocket s = server.accept(Duration.ofSeconds(20))) {
      s.write(direct("xyz")); // the peer reads one byte and dies with two unread
      assertEquals(0, peer.waitFor(20));
      PosixException reset = assertThrows(PosixException.class, () -> s.read(ByteBuffer.allocate(4), Duration.ofSeconds(10)));
      assertEquals(Errno.ECONNRESET, reset.errno());
      PosixException pipe = assertThrows(PosixException.class, () -> s.write(direct("more")));
      assertEquals(Errno.EPIPE, pipe.errno());
    }
  }

  @Test
  void tcpOverIpv4AndIpv6WithTheCPeerOnAnEphemeralPort() throws Exception {
    for (String family : new String[] {"inet", "inet6"}) {
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sock-serve", "stream", family + ":0", "echo")) {
        String ready = line(peer.stdout);
        assertTrue(ready.startsWith("ready " + family + ":"), ready);
        int port = Integer.parseInt(ready.substring(ready.lastIndexOf(':') + 1));
        assertTrue(port > 0, ready);
        SocketAddress where = family.equals("inet")
            ? new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port)
            : new java.net.InetSocketAddress(java.net.InetAddress.getByName("::1"), port);
        assertTrue(SocketAddresses.format(where).startsWith(family + ":"), SocketAddresses.format(where));
        try (ConnectedSocket c = ConnectedSocket.connect(where, ConnectedSocket.options().type(SocketType.STREAM), Duration.ofSeconds(10))) {
          c.setTcpNoDelay(true);
          assertEquals(where, c.remoteAddress());
          ByteBuffer out = TestSupport.patternBlock(4, 0, 64);
          ByteBuffer in = ByteBuffer.allocateDirect(64);
          for (int i = 0; i < 50; i++) {
            sendAll(c, out.clear());
            readFully(c, in.clear());
            assertEquals(out.flip(), in.flip());
          }
        }
        assertEquals(0, peer.waitFor(20));
      }
    }
  }

  // ------------------------------------------------------------------ across processes: a child JVM

  @Test
  void childJvmServesAnEchoAndSinksAStream() throws Exception {
    SocketAddress where = uniqueAbstract("jecho");
    Process p = TestSupport.startJavaPeer("sock-serve", "seqpacket", where.toString(), "echo");
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("ready " + where, r.readLine());
      try (ConnectedSocket c = ConnectedSocket.connect(where, ConnectedSocket.options().type(SocketType.SEQPACKET), Duration.ofSeconds(10))) {
        assertEquals(p.pid(), c.peerCredentials().pid());
        for (int size : new int[] {1, 64, 1000}) {
          ByteBuffer out = TestSupport.patternBlock(size, 0, size);
          c.send(out);
          ByteBuffer in = ByteBuffer.allocateDirect(2000);
          assertEquals(size, c.receive(in, Duration.ofSeconds(10)));
          out.flip();
          in.flip();
          assertEquals(out, in);
        }
      }
      assertEquals("", TestSupport.finish(p, 30));
    } finally {
      p.destroyForcibly();
    }
    // The other way: the child JVM connects and we stream into it.
    SocketAddress sinkAt = uniqueAbstract("jsink");
    try (ListeningSocket server = ListeningSocket.bind(sinkAt)) {
      Process q = TestSupport.startJavaPeer("sock-connect", "stream", sinkAt.toString(), "sink");
      try {
        long h;
        try (ConnectedSocket s = server.accept(Duration.ofSeconds(30))) {
          assertEquals(q.pid(), s.peerCredentials().pid());
          ByteBuffer block = TestSupport.patternBlock(3, 0, 300_000);
          h = TestSupport.fnv1a(TestSupport.FNV_START, block);
          sendAll(s, block);
        }
        assertEquals(TestSupport.summary(300_000, h), TestSupport.finish(q, 30));
      } finally {
        q.destroyForcibly();
      }
    }
  }

  @Test
  void pipeEndPassedToAChildJvmIsWrittenThere() throws Exception {
    SocketAddress where = uniqueAbstract("jfd");
    try (ListeningSocket server = ListeningSocket.bind(where); Pipe pipe = Pipe.open()) {
      Process q = TestSupport.startJavaPeer("sock-connect", "stream", where.toString(), "recvfd");
      try {
        try (ConnectedSocket s = server.accept(Duration.ofSeconds(30))) {
          s.sendFileDescriptors(direct("F"), pipe.sink());
        }
        pipe.sink().close();
        ByteBuffer got = ByteBuffer.allocate(64);
        while (pipe.source().read(got, Duration.ofSeconds(30)) >= 0) {
          // until the child closes the end it received
        }
        assertEquals("from-java-peer", text(got));
        assertEquals("received fd, 1 bytes", TestSupport.finish(q, 30));
      } finally {
        q.destroyForcibly();
      }
    }
  }

  @Test
  void pipeEndPassedFromAChildJvmIsReadHere() throws Exception {
    SocketAddress where = uniqueAbstract("jfd2");
    try (ListeningSocket server = ListeningSocket.bind(where)) {
      Process q = TestSupport.startJavaPeer("sock-connect", "stream", where.toString(), "sendfd", "hello-from-java");
      try {
        try (ConnectedSocket s = server.accept(Duration.ofSeconds(30))) {
          ReceivedMessage m = s.receiveFileDescriptors(ByteBuffer.allocate(4), 4, Duration.ofSeconds(30));
          assertEquals(1, m.fileDescriptors().length, m.toString());
          try (Pipe.Source src = Pipe.Source.adopt(m.fileDescriptors()[0])) {
            ByteBuffer got = ByteBuffer.allocate(64);
            while (src.read(got, Duration.ofSeconds(30)) >= 0) {
              // to end of file: the child closed its write end before sending
            }
            assertEquals("hello-from-java", text(got));
          }
        }
        assertEquals("", TestSupport.finish(q, 30));
      } finally {
        q.destroyForcibly();
      }
    }
  }
}
