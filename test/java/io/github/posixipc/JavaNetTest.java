package io.github.posixipc;

import static io.github.posixipc.TestSupport.assertFdsReturnTo;
import static io.github.posixipc.TestSupport.removeQuietly;
import static io.github.posixipc.TestSupport.settledFds;
import static io.github.posixipc.TestSupport.uniquePath;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.net.AbstractNameSocketFactory;
import io.github.posixipc.net.UnixServerSocket;
import io.github.posixipc.net.UnixServerSocketFactory;
import io.github.posixipc.net.UnixSocket;
import io.github.posixipc.net.UnixSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The java.net views (io.github.posixipc.net): the contracts of Socket, ServerSocket and
 * SocketFactory that client libraries rely on, the bad inputs, and the way between the views, the
 * posixipc sockets, the JDK's channels and descriptors passed over SCM_RIGHTS. PostgresTest proves
 * them with a real server and driver.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JavaNetTest {

  private static UnixDomainSocketAddress uniqueSocket(String tag) {
    return UnixDomainSocketAddress.of(uniquePath(tag));
  }

  private static SocketAddress uniqueAbstract(String tag) {
    return AbstractSocketAddress.of("pipc-jtest-net-" + ProcessHandle.current().pid() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "-" + tag);
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

  private static byte[] pattern(int seed, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = TestSupport.pattern(seed, i);
    }
    return b;
  }

  /** A server view on a fresh path, its file removed at the end. */
  private static final class Server implements AutoCloseable {
    final UnixDomainSocketAddress address = uniqueSocket("net");
    final UnixServerSocket socket;

    Server() throws IOException {
      socket = new UnixServerSocket(address);
    }

    @Override
    public void close() throws IOException {
      socket.close();
      removeQuietly(address.getPath());
    }
  }

  // ------------------------------------------------------------------ Socket and ServerSocket

  @Test
  void connectsWithATimeoutAndCarriesBytesBothWays() throws Exception {
    try (Server server = new Server(); UnixSocket client = new UnixSocket()) {
      assertFalse(client.isConnected());
      assertNull(client.getInetAddress(), "not connected: null, as the JDK says");
      assertEquals(0, client.getPort());
      assertEquals(-1, client.getLocalPort());
      client.connect(server.address, 2000);
      try (Socket accepted = server.socket.accept()) {
        assertTrue(client.isConnected() && client.isBound() && !client.isClosed());
        assertEquals(server.address, client.getRemoteSocketAddress(), "the JDK's address type comes back");
        assertEquals(UnixDomainSocketAddress.of(""), client.getLocalSocketAddress(), "an unnamed client end");
        assertEquals(InetAddress.getLoopbackAddress(), client.getInetAddress());
        assertEquals(0, client.getPort());
        assertEquals(server.address, server.socket.getLocalSocketAddress());
        assertTrue(server.socket.isBound());

        byte[] big = pattern(7, 1 << 20);
        CompletableFuture<byte[]> echoed = inThread(() -> accepted.getInputStream().readNBytes(big.length));
        OutputStream out = client.getOutputStream();
        out.write(big);
        out.flush();
        assertArrayEquals(big, echoed.get(20, TimeUnit.SECONDS), "1 MiB, client to server");
        accepted.getOutputStream().write("pong".getBytes(StandardCharsets.UTF_8));
        accepted.getOutputStream().write('!');
        InputStream in = client.getInputStream();
        assertEquals("pong", new String(in.readNBytes(4), StandardCharsets.UTF_8));
        assertEquals('!', in.read());
        assertEquals(0, in.available());
        accepted.getOutputStream().write(new byte[3]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (in.available() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        assertEquals(3, in.available(), "FIONREAD");
        assertSame(in, client.getInputStream(), "one stream per socket");
      }
    }
  }

  @Test
  void aConnectTimesOutWhileTheBacklogIsFull() throws Exception {
    UnixDomainSocketAddress where = uniqueSocket("backlog");
    java.util.List<Socket> waiting = new java.util.ArrayList<>();
    try (UnixServerSocket server = new UnixServerSocket()) {
      server.bind(where, 1);
      SocketTimeoutException timedOut = null;
      // The kernel queues a few connections beyond the backlog; then a connect waits.
      for (int i = 0; i < 16 && timedOut == null; i++) {
        UnixSocket s = new UnixSocket();
        try {
          s.connect(where, 200);
          waiting.add(s);
        } catch (SocketTimeoutException e) {
          timedOut = e;
          assertTrue(s.isClosed(), "a connect that timed out closes the socket");
        }
      }
      assertNotNull(timedOut, "a connect to a full backlog timed out");
      assertTrue(timedOut.getMessage().contains(where.getPath().toString()), timedOut.getMessage());
      try (Socket accepted = server.accept()) {
        assertTrue(accepted.isConnected(), "the queued connections are still there");
      }
    } finally {
      for (Socket s : waiting) {
        s.close();
      }
      removeQuietly(where.getPath());
    }
  }

  @Test
  void soTimeoutBoundsReadsAndAcceptsAndTheSocketStaysUsable() throws Exception {
    try (Server server = new Server()) {
      server.socket.setSoTimeout(100);
      assertEquals(100, server.socket.getSoTimeout());
      assertThrows(SocketTimeoutException.class, server.socket::accept);
      try (UnixSocket client = UnixSocket.connectTo(server.address); Socket accepted = server.socket.accept()) {
        client.setSoTimeout(100);
        assertEquals(100, client.getSoTimeout());
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> client.getInputStream().read());
        assertInstanceOf(TimedOutException.class, e.getCause(), "posixipc's exception is the cause");
        assertFalse(client.isClosed(), "a timed-out read leaves the socket open");
        accepted.getOutputStream().write(42);
        assertEquals(42, client.getInputStream().read(), "and usable");
        client.setSoTimeout(0);
        CompletableFuture<Integer> waiting = inThread(() -> client.getInputStream().read());
        Thread.sleep(200);
        assertFalse(waiting.isDone(), "0: no bound");
        accepted.getOutputStream().write(43);
        assertEquals(43, waiting.get(10, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> client.setSoTimeout(-1));
      }
    }
  }

  @Test
  void closeFromAnotherThreadWakesABlockedReadAndAccept() throws Exception {
    try (Server server = new Server(); UnixSocket client = UnixSocket.connectTo(server.address);
        Socket accepted = server.socket.accept()) {
      CompletableFuture<Integer> reading = inThread(() -> client.getInputStream().read());
      Thread.sleep(100);
      client.close();
      Throwable t = failure(reading);
      assertInstanceOf(SocketException.class, t);
      assertEquals("Socket closed", t.getMessage());
      assertTrue(client.isClosed());
      assertTrue(client.isConnected(), "still says it was connected, as the JDK's sockets do");
      assertThrows(SocketException.class, () -> client.getOutputStream());
      assertEquals(-1, accepted.getInputStream().read(), "the peer sees the end of the stream");

      CompletableFuture<Socket> accepting = inThread(server.socket::accept);
      Thread.sleep(100);
      server.socket.close();
      assertInstanceOf(SocketException.class, failure(accepting));
      assertTrue(server.socket.isClosed());
    }
  }

  @Test
  void anInterruptedReadClosesTheSocket() throws Exception {
    UnixSocket[] p = UnixSocket.pair();
    try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
      Thread[] reader = new Thread[1];
      CompletableFuture<Integer> reading = inThread(() -> {
        reader[0] = Thread.currentThread();
        return a.getInputStream().read();
      });
      Thread.sleep(100);
      reader[0].interrupt();
      Throwable t = failure(reading);
      assertInstanceOf(SocketException.class, t);
      assertEquals("Closed by interrupt", t.getMessage());
      assertTrue(a.isClosed());
    }
  }

  @Test
  void shutdownEndsOneDirection() throws Exception {
    UnixSocket[] p = UnixSocket.pair();
    try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
      a.getOutputStream().write(1);
      a.shutdownOutput();
      assertTrue(a.isOutputShutdown());
      assertThrows(SocketException.class, a::getOutputStream);
      assertThrows(SocketException.class, a::shutdownOutput, "twice");
      assertEquals(1, b.getInputStream().read());
      assertEquals(-1, b.getInputStream().read(), "the peer reads the end after what was sent");
      b.getOutputStream().write(2);
      InputStream in = a.getInputStream();
      assertEquals(2, in.read(), "the other direction still works");
      a.shutdownInput();
      assertTrue(a.isInputShutdown());
      assertEquals(-1, in.read(), "a stream got before reads the end");
      assertEquals(0, in.available());
      assertThrows(SocketException.class, a::getInputStream, "and no new one is handed out, as in the JDK");
    }
  }

  @Test
  void tcpOptionsAreAcceptedWithoutEffectAndBufferSizesAreReal() throws Exception {
    UnixSocket[] p = UnixSocket.pair();
    try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
      a.setTcpNoDelay(true);
      assertTrue(a.getTcpNoDelay());
      a.setKeepAlive(true);
      assertTrue(a.getKeepAlive());
      a.setSoLinger(true, 5);
      assertEquals(5, a.getSoLinger());
      a.setSoLinger(false, 0);
      assertEquals(-1, a.getSoLinger());
      a.setTrafficClass(0x10);
      assertEquals(0x10, a.getTrafficClass());
      a.setReuseAddress(true);
      a.setOOBInline(true);
      a.setPerformancePreferences(0, 1, 2);
      a.setOption(StandardSocketOptions.TCP_NODELAY, false);
      assertFalse(a.getOption(StandardSocketOptions.TCP_NODELAY));
      // The JDK's jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, as a driver passes it: known by name.
      SocketOption<Integer> keepIdle = byName("TCP_KEEPIDLE", Integer.class);
      a.setOption(keepIdle, 30);
      assertEquals(30, (int) a.getOption(keepIdle));
      assertThrows(UnsupportedOperationException.class, () -> a.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1));
      assertThrows(SocketException.class, () -> a.sendUrgentData(1));
      a.setSendBufferSize(65536);
      assertTrue(a.getSendBufferSize() >= 65536, "SO_SNDBUF is real: " + a.getSendBufferSize());
      assertEquals(a.connectedSocket().sendBufferSize(), (int) a.getOption(StandardSocketOptions.SO_SNDBUF));
      a.setReceiveBufferSize(32768);
      assertEquals(a.connectedSocket().receiveBufferSize(), a.getReceiveBufferSize());
      assertTrue(a.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY));
      a.getOutputStream().write(9);
      assertEquals(9, b.getInputStream().read(), "the options changed nothing on the wire");
    }
  }

  @Test
  void anUnconnectedOrClosedViewSaysSoAndNeverThrowsForItsAddresses() throws Exception {
    UnixSocket s = new UnixSocket();
    assertThrows(SocketException.class, s::getInputStream);
    assertThrows(SocketException.class, s::getOutputStream);
    assertThrows(SocketException.class, s::shutdownInput);
    assertThrows(SocketException.class, s::connectedSocket);
    assertNull(s.getRemoteSocketAddress());
    assertNull(s.getLocalSocketAddress());
    assertNull(s.getChannel());
    assertNotNull(s.getLocalAddress());
    assertThrows(IllegalArgumentException.class, () -> s.connect(new InetSocketAddress("localhost", 5432)),
        "an IP address means something only to a factory's socket");
    assertThrows(IllegalArgumentException.class, () -> s.connect(null));
    s.bind(null);
    assertThrows(SocketException.class, () -> s.bind(UnixDomainSocketAddress.of("/tmp/x")));
    s.setSendBufferSize(50000);
    assertEquals(50000, s.getSendBufferSize(), "kept until the connect");
    assertTrue(s.toString().contains("unconnected"), s.toString());
    s.close();
    s.close();
    assertTrue(s.isClosed());
    assertThrows(SocketException.class, () -> s.connect(uniqueSocket("closed")));
    assertThrows(SocketException.class, () -> s.setSoTimeout(1));
    try (Server server = new Server(); UnixSocket c = UnixSocket.connectTo(server.address)) {
      assertThrows(SocketException.class, () -> c.connect(server.address), "already connected");
      c.close();
      assertEquals(server.address, c.getRemoteSocketAddress(), "kept after close");
      assertEquals(InetAddress.getLoopbackAddress(), c.getInetAddress());
    }
  }

  /** An option as the JDK's jdk.net.ExtendedSocketOptions hands it over: known to the views by its name. */
  private static <T> SocketOption<T> byName(String name, Class<T> type) {
    return new SocketOption<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Class<T> type() {
        return type;
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  /** option with its type forgotten, as a caller with raw types or reflection passes it. */
  @SuppressWarnings("unchecked")
  private static SocketOption<Object> untyped(SocketOption<?> option) {
    return (SocketOption<Object>) option;
  }

  private static void assertClosed(String what, Executable call) {
    SocketException e = assertThrows(SocketException.class, call, what);
    assertEquals("Socket is closed", e.getMessage(), what);
  }

  @Test
  void everyOptionMethodOfAClosedViewSaysItIsClosed() throws Exception {
    UnixSocket[] p = UnixSocket.pair();
    UnixSocket unconnected = new UnixSocket();
    p[0].close();
    p[1].connectedSocket().close(); // closed under the view
    unconnected.close();
    SocketOption<Integer> keepIdle = byName("TCP_KEEPIDLE", Integer.class);
    for (UnixSocket s : new UnixSocket[] {p[0], p[1], unconnected}) {
      assertTrue(s.isClosed());
      List<Executable> calls = List.of(() -> s.setTcpNoDelay(true), s::getTcpNoDelay, () -> s.setKeepAlive(true),
          s::getKeepAlive, () -> s.setSoLinger(true, 1), () -> s.setSoLinger(false, 0), s::getSoLinger,
          () -> s.setOOBInline(true), s::getOOBInline, () -> s.setTrafficClass(1), s::getTrafficClass,
          () -> s.setReuseAddress(true), s::getReuseAddress, () -> s.setSendBufferSize(1), s::getSendBufferSize,
          () -> s.setReceiveBufferSize(1), s::getReceiveBufferSize, () -> s.setSoTimeout(1), s::getSoTimeout,
          () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true),
          () -> s.getOption(StandardSocketOptions.TCP_NODELAY), () -> s.setOption(StandardSocketOptions.SO_SNDBUF, 1),
          () -> s.getOption(StandardSocketOptions.SO_RCVBUF), () -> s.setOption(keepIdle, 1),
          () -> s.getOption(keepIdle), () -> s.setOption(StandardSocketOptions.SO_BROADCAST, true));
      for (int i = 0; i < calls.size(); i++) {
        assertClosed(s + ", option call " + i, calls.get(i));
      }
      s.setPerformancePreferences(0, 1, 2); // accepted without effect, as the JDK's own sockets do
    }
    UnixDomainSocketAddress where = uniqueSocket("closed-server");
    try {
      UnixServerSocket bound = new UnixServerSocket(where);
      UnixServerSocket unbound = new UnixServerSocket();
      bound.close();
      unbound.close();
      for (UnixServerSocket s : new UnixServerSocket[] {bound, unbound}) {
        List<Executable> calls = List.of(() -> s.setSoTimeout(1), s::getSoTimeout, () -> s.setReuseAddress(true),
            s::getReuseAddress, () -> s.setReceiveBufferSize(1), s::getReceiveBufferSize,
            () -> s.setOption(StandardSocketOptions.SO_RCVBUF, 1), () -> s.getOption(StandardSocketOptions.SO_RCVBUF),
            () -> s.setOption(StandardSocketOptions.SO_REUSEADDR, true),
            () -> s.getOption(StandardSocketOptions.SO_REUSEADDR),
            () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true));
        for (int i = 0; i < calls.size(); i++) {
          assertClosed(s + ", option call " + i, calls.get(i));
        }
        s.setPerformancePreferences(0, 1, 2);
      }
    } finally {
      removeQuietly(where.getPath());
    }
  }

  @Test
  void optionsAskedBeforeTheConnectOrTheBindHoldAfterIt() throws Exception {
    SocketOption<Integer> keepIdle = byName("TCP_KEEPIDLE", Integer.class);
    try (Server server = new Server(); UnixSocket c = new UnixSocket()) {
      c.setSendBufferSize(8192);
      c.setOption(StandardSocketOptions.SO_RCVBUF, 8192);
      assertEquals(8192, c.getSendBufferSize(), "kept as asked until the connect");
      assertEquals(8192, (int) c.getOption(StandardSocketOptions.SO_RCVBUF));
      c.setTcpNoDelay(true);
      c.setSoLinger(true, 7);
      c.setTrafficClass(0x20);
      c.setOption(keepIdle, 12);
      c.setSoTimeout(100);
      c.connect(server.address);
      try (Socket accepted = server.socket.accept()) {
        assertEquals(2 * 8192, c.connectedSocket().sendBufferSize(), "applied by the connect (the kernel doubles it)");
        assertEquals(2 * 8192, c.connectedSocket().receiveBufferSize());
        assertEquals(2 * 8192, c.getSendBufferSize(), "and read from the socket from then on");
        assertEquals(2 * 8192, (int) c.getOption(StandardSocketOptions.SO_RCVBUF));
        assertTrue(c.getTcpNoDelay());
        assertEquals(7, c.getSoLinger());
        assertEquals(0x20, c.getTrafficClass());
        assertEquals(12, (int) c.getOption(keepIdle));
        assertEquals(100, c.getSoTimeout());
        assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read(),
            "the timeout asked before bounds reads");
        accepted.getOutputStream().write(3);
        assertEquals(3, c.getInputStream().read());
      }
    }
    UnixDomainSocketAddress where = uniqueSocket("before-bind");
    try (UnixServerSocket s = new UnixServerSocket()) {
      s.setReceiveBufferSize(8192);
      s.setSoTimeout(50);
      s.setReuseAddress(true);
      assertEquals(8192, s.getReceiveBufferSize());
      s.bind(where);
      assertEquals(2 * 8192, s.listeningSocket().receiveBufferSize(), "applied by the bind");
      assertEquals(2 * 8192, (int) s.getOption(StandardSocketOptions.SO_RCVBUF));
      assertEquals(50, s.getSoTimeout());
      assertTrue(s.getOption(StandardSocketOptions.SO_REUSEADDR));
      assertThrows(SocketTimeoutException.class, s::accept, "the timeout asked before bounds accepts");
    } finally {
      removeQuietly(where.getPath());
    }
  }

  @Test
  void badOptionValuesAreIllegalArgumentsAndUnknownOptionsUnsupported() throws Exception {
    UnixSocket[] p = UnixSocket.pair();
    try (UnixSocket a = p[0]; UnixSocket b = p[1]; UnixSocket unconnected = new UnixSocket()) {
      for (UnixSocket s : new UnixSocket[] {a, unconnected}) {
        // The JDK's own checks and messages, whatever the socket.
        assertEquals("tc is not in range 0 -- 255",
            assertThrows(IllegalArgumentException.class, () -> s.setTrafficClass(256)).getMessage());
        assertEquals("invalid value for SO_LINGER",
            assertThrows(IllegalArgumentException.class, () -> s.setSoLinger(true, -1)).getMessage());
        assertEquals("timeout can't be negative",
            assertThrows(IllegalArgumentException.class, () -> s.setSoTimeout(-1)).getMessage());
        assertEquals("negative send size",
            assertThrows(IllegalArgumentException.class, () -> s.setSendBufferSize(0)).getMessage());
        assertEquals("invalid receive size",
            assertThrows(IllegalArgumentException.class, () -> s.setReceiveBufferSize(-1)).getMessage());
        s.setSoLinger(true, 100_000);
        assertEquals(65535, s.getSoLinger(), "a linger is at most 65535 s, as in the JDK");
        assertEquals(65535, (int) s.getOption(StandardSocketOptions.SO_LINGER), "one value, either way asked");
        s.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        assertTrue(s.getKeepAlive());
        s.setSoLinger(false, 100_000);
        assertEquals(-1, s.getSoLinger());
        assertEquals(-1, (int) s.getOption(StandardSocketOptions.SO_LINGER), "off is -1 by setOption too");

        assertThrows(IllegalArgumentException.class,
            () -> s.setOption(untyped(StandardSocketOptions.SO_SNDBUF), "big"));
        assertThrows(IllegalArgumentException.class, () -> s.setOption(untyped(StandardSocketOptions.TCP_NODELAY), 1));
        assertThrows(IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.TCP_NODELAY, null));
        assertThrows(IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.SO_SNDBUF, null));
        assertThrows(IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.SO_RCVBUF, 0));
        assertThrows(IllegalArgumentException.class,
            () -> s.setOption(untyped(byName("TCP_KEEPIDLE", Integer.class)), "soon"));
        assertThrows(UnsupportedOperationException.class, () -> s.setOption(StandardSocketOptions.SO_BROADCAST, true));
        assertThrows(UnsupportedOperationException.class, () -> s.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
        assertThrows(UnsupportedOperationException.class, () -> s.setOption(byName("TCP_NOSUCH", Integer.class), 1));
        assertThrows(UnsupportedOperationException.class,
            () -> s.setOption(byName("TCP_KEEPIDLE", Boolean.class), true), "known by name and type");
        assertThrows(UnsupportedOperationException.class, () -> s.getOption(byName("SO_SNDBUF", String.class)));
        assertThrows(NullPointerException.class, () -> s.setOption(null, 1));
        assertThrows(NullPointerException.class, () -> s.getOption(null));
        assertTrue(s.supportedOptions().containsAll(List.of(StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER,
            StandardSocketOptions.IP_TOS, StandardSocketOptions.SO_REUSEADDR)), s.supportedOptions().toString());
        assertFalse(s.supportedOptions().contains(StandardSocketOptions.SO_BROADCAST));
      }
      a.getOutputStream().write(1);
      assertEquals(1, b.getInputStream().read(), "none of it broke the connection");
    }
    try (UnixServerSocket s = new UnixServerSocket()) {
      assertEquals("timeout < 0", assertThrows(IllegalArgumentException.class, () -> s.setSoTimeout(-1)).getMessage());
      assertEquals("negative receive size",
          assertThrows(IllegalArgumentException.class, () -> s.setReceiveBufferSize(0)).getMessage());
      assertThrows(IllegalArgumentException.class, () -> s.setOption(untyped(StandardSocketOptions.SO_RCVBUF), "x"));
      assertThrows(IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.SO_REUSEADDR, null));
      assertThrows(IllegalArgumentException.class, () -> s.setOption(StandardSocketOptions.SO_RCVBUF, -1));
      assertThrows(UnsupportedOperationException.class, () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true));
      assertThrows(UnsupportedOperationException.class, () -> s.getOption(StandardSocketOptions.SO_SNDBUF));
      s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      assertTrue(s.getReuseAddress());
      s.setSoTimeout(25);
      assertEquals(25, s.getSoTimeout());
      assertEquals(java.util.Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR),
          s.supportedOptions());
    }
  }

  private static long allocatedByThisThread() {
    return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  /** Bytes allocated by n 64-byte exchanges through the views' streams (a write, then a read back). */
  private static long allocatedBy(int n, OutputStream out, InputStream in, byte[] msg, byte[] got)
      throws IOException {
    long before = allocatedByThisThread();
    for (int i = 0; i < n; i++) {
      msg[0] = (byte) i;
      out.write(msg, 0, 64);
      int read = 0;
      while (read < 64) {
        read += in.read(got, read, 64 - read);
      }
      if (got[0] != msg[0]) {
        throw new AssertionError("exchange " + i + " read back " + got[0]);
      }
    }
    return allocatedByThisThread() - before;
  }

  @Test
  void theStreamsAllocateNothingPerCallWithOrWithoutATimeout() throws Exception {
    UnixSocket[] p = UnixSocket.pair();
    try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
      byte[] msg = new byte[64];
      byte[] got = new byte[64];
      for (int timeout : new int[] {0, 5000}) {
        b.setSoTimeout(timeout);
        allocatedBy(20_000, a.getOutputStream(), b.getInputStream(), msg, got); // warm-up
        long empty = allocatedBy(0, a.getOutputStream(), b.getInputStream(), msg, got);
        long bytes = allocatedBy(10_000, a.getOutputStream(), b.getInputStream(), msg, got);
        assertTrue(bytes - empty < 10_000, "soTimeout " + timeout + ": " + bytes + " bytes for 10,000 exchanges");
      }
    }
  }

  // ------------------------------------------------------------------ factories

  @Test
  void aFactoryConnectsEveryIpAddressToItsOwnAddress() throws Exception {
    try (Server server = new Server()) {
      SocketFactory f = new UnixSocketFactory(server.address.getPath().toString());
      try (Socket s = f.createSocket()) {
        assertInstanceOf(UnixSocket.class, s);
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5432), 1000);
        assertEquals(InetAddress.getLoopbackAddress(), s.getInetAddress(), "what was asked, for the driver's logs");
        assertEquals(5432, s.getPort());
        assertEquals(server.address, s.getRemoteSocketAddress());
        try (Socket accepted = server.socket.accept()) {
          s.getOutputStream().write(5);
          assertEquals(5, accepted.getInputStream().read());
        }
      }
      try (Socket s = f.createSocket("db.invalid", 6543); Socket accepted = server.socket.accept()) {
        assertEquals(6543, s.getPort());
        assertNotNull(s.getInetAddress(), "an unresolved host: never null, never a lookup");
        accepted.getOutputStream().write(6);
        assertEquals(6, s.getInputStream().read());
      }
      try (Socket s = new UnixSocketFactory("unix:" + server.address.getPath()).createSocket(
          InetAddress.getLoopbackAddress(), 1); Socket accepted = server.socket.accept()) {
        assertTrue(s.isConnected());
      }
      try (Socket s = new UnixSocketFactory(server.address).createSocket("localhost", 1, null, 0);
          Socket accepted = server.socket.accept()) {
        assertTrue(s.isConnected());
      }
    }
    SocketAddress name = uniqueAbstract("factory");
    try (ServerSocket server = new UnixServerSocket(name)) {
      String bare = SocketAddresses.format(name).substring("abstract:".length());
      try (Socket s = new AbstractNameSocketFactory(bare).createSocket("localhost", 5432);
          Socket accepted = server.accept()) {
        assertEquals(name, s.getRemoteSocketAddress());
        accepted.getOutputStream().write(7);
        assertEquals(7, s.getInputStream().read());
      }
      try (Socket s = new UnixSocketFactory(SocketAddresses.format(name)).createSocket("localhost", 5432);
          Socket accepted = server.accept()) {
        assertTrue(s.isConnected(), "abstract:NAME works with the general factory too");
      }
    }
  }

  @Test
  void aServerSocketFactoryListensOnItsOwnAddress() throws Exception {
    UnixDomainSocketAddress where = uniqueSocket("ssf");
    try {
      ServerSocketFactory f = new UnixServerSocketFactory(where.getPath().toString());
      try (ServerSocket server = f.createServerSocket(8080, 4);
          Socket client = new UnixSocketFactory(where).createSocket("localhost", 8080);
          Socket accepted = server.accept()) {
        assertEquals(where, server.getLocalSocketAddress());
        client.getOutputStream().write(11);
        assertEquals(11, accepted.getInputStream().read());
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> f.createServerSocket(8080),
            "the path is taken until its file is removed");
        assertTrue(e.getMessage().contains(where.getPath().toString()), e.getMessage());
      }
      try (ServerSocket unbound = f.createServerSocket()) {
        assertFalse(unbound.isBound());
      }
      SocketException bad = assertThrows(SocketException.class,
          () -> new UnixServerSocketFactory("").createServerSocket(1));
      assertTrue(bad.getMessage().contains("''"), bad.getMessage());
    } finally {
      removeQuietly(where.getPath());
    }
  }

  @Test
  void badAddressesFailClearlyNamingTheAddressAndLeakNoDescriptor() throws Exception {
    Path regular = uniquePath("regular");
    Path stale = uniquePath("stale");
    Files.writeString(regular, "not a socket");
    ListeningSocket.bind(UnixDomainSocketAddress.of(stale)).close(); // a socket file nobody listens on
    try {
      int baseline = settledFds();
      for (int round = 0; round < 3; round++) {
        for (String bad : new String[] {"", "/tmp/" + "x".repeat(120), "inet:127.0.0.1:5432", "localhost:5432",
            "unix:", "/tmp/nul\0inside"}) {
          SocketException e = assertThrows(SocketException.class, () -> new UnixSocketFactory(bad).createSocket(),
              "argument '" + bad + "'");
          assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
          assertThrows(SocketException.class, () -> new UnixSocketFactory(bad).createSocket("localhost", 5432));
        }
        SocketException e = assertThrows(SocketException.class, () -> new AbstractNameSocketFactory("").createSocket());
        assertTrue(e.getMessage().contains("no name"), e.getMessage());
        e = assertThrows(SocketException.class,
            () -> new AbstractNameSocketFactory("n".repeat(200)).createSocket());
        assertTrue(e.getMessage().contains("too long"), e.getMessage());

        Path nobody = uniquePath("nobody");
        ConnectException c = assertThrows(ConnectException.class,
            () -> new UnixSocketFactory(nobody.toString()).createSocket("localhost", 5432));
        assertTrue(c.getMessage().contains(nobody.toString()) && c.getMessage().contains("ENOENT"), c.getMessage());
        assertInstanceOf(NotFoundException.class, c.getCause());

        c = assertThrows(ConnectException.class,
            () -> new UnixSocketFactory(regular.toString()).createSocket("localhost", 5432));
        assertTrue(c.getMessage().contains(regular.toString()) && c.getMessage().contains("not a socket"),
            c.getMessage());

        c = assertThrows(ConnectException.class,
            () -> new UnixSocketFactory(stale.toString()).createSocket("localhost", 5432));
        assertTrue(c.getMessage().contains(stale.toString()) && c.getMessage().contains("ECONNREFUSED")
            && c.getMessage().contains("nobody listens"), c.getMessage());

        SocketAddress unbound = uniqueAbstract("nobody");
        UnixSocket s = new UnixSocket();
        c = assertThrows(ConnectException.class, () -> s.connect(unbound, 500));
        assertTrue(c.getMessage().contains(SocketAddresses.format(unbound)), c.getMessage());
        assertTrue(s.isClosed(), "a failed connect closes the socket");
      }
      assertFdsReturnTo(baseline);
    } finally {
      removeQuietly(regular);
      removeQuietly(stale);
    }
  }

  // ------------------------------------------------------------------ interop

  @Test
  void aDescriptorReceivedOverScmRightsBecomesAJavaNetSocket() throws Exception {
    ConnectedSocket[] carrier = ConnectedSocket.pair();
    ConnectedSocket[] passed = ConnectedSocket.pair();
    try (ConnectedSocket from = carrier[0]; ConnectedSocket to = carrier[1]; ConnectedSocket near = passed[0]) {
      try (ConnectedSocket far = passed[1]) {
        from.sendFileDescriptors(ByteBuffer.wrap(new byte[] {1}), far);
      }
      ReceivedMessage m = to.receiveFileDescriptors(ByteBuffer.allocate(1), 1);
      assertEquals(1, m.fileDescriptorCount());
      try (Socket s = UnixSocket.adopt(m.fileDescriptor(0))) {
        near.write(ByteBuffer.wrap("over".getBytes(StandardCharsets.UTF_8)));
        assertEquals("over", new String(s.getInputStream().readNBytes(4), StandardCharsets.UTF_8));
        s.getOutputStream().write("back".getBytes(StandardCharsets.UTF_8));
        ByteBuffer got = ByteBuffer.allocate(4);
        while (got.hasRemaining()) {
          near.read(got);
        }
        assertEquals("back", new String(got.array(), StandardCharsets.UTF_8));
        UnixSocket view = (UnixSocket) s;
        assertEquals(ProcessHandle.current().pid(), view.peerCredentials().pid(), "SO_PEERCRED through the view");
        assertEquals(UnixDomainSocketAddress.of(""), s.getRemoteSocketAddress(), "a pair's ends are unnamed");
      }
    }
  }

  @Test
  void descriptorsPassThroughTheViewsPosixipcSocket() throws Exception {
    try (Server server = new Server(); UnixSocket client = UnixSocket.connectTo(server.address);
        UnixSocket accepted = (UnixSocket) server.socket.accept(); Pipe pipe = Pipe.open()) {
      assertEquals(ProcessHandle.current().pid(), accepted.peerCredentials().pid());
      client.getOutputStream().write("before".getBytes(StandardCharsets.UTF_8));
      client.connectedSocket().sendFileDescriptors(ByteBuffer.wrap(new byte[] {'|'}), pipe.sink());
      client.getOutputStream().write("after".getBytes(StandardCharsets.UTF_8));
      assertEquals("before", new String(accepted.getInputStream().readNBytes(6), StandardCharsets.UTF_8));
      ReceivedMessage m = accepted.connectedSocket().receiveFileDescriptors(ByteBuffer.allocate(1), 1);
      assertEquals(1, m.fileDescriptorCount());
      try (Pipe.Sink theirs = Pipe.Sink.adopt(m.fileDescriptor(0))) {
        theirs.write(ByteBuffer.wrap(new byte[] {77}));
        ByteBuffer one = ByteBuffer.allocate(1);
        pipe.source().read(one);
        assertEquals(77, one.get(0), "the passed pipe end works");
      }
      assertEquals("after", new String(accepted.getInputStream().readNBytes(5), StandardCharsets.UTF_8),
          "the stream goes on after the descriptor");
      assertSame(accepted.connectedSocket(), accepted.connectedSocket());
    }
  }

  @Test
  void theJdksUnixChannelsAndTheViewsTalkToEachOther() throws Exception {
    UnixDomainSocketAddress where = uniqueSocket("jdk");
    try (ServerSocketChannel jdkServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      jdkServer.bind(where);
      try (UnixSocket view = UnixSocket.connectTo(where); SocketChannel jdkAccepted = jdkServer.accept()) {
        view.getOutputStream().write("to the JDK".getBytes(StandardCharsets.UTF_8));
        ByteBuffer got = ByteBuffer.allocate(10);
        while (got.hasRemaining()) {
          jdkAccepted.read(got);
        }
        assertEquals("to the JDK", new String(got.array(), StandardCharsets.UTF_8));
      }
    } finally {
      removeQuietly(where.getPath());
    }
    try (Server server = new Server(); SocketChannel jdkClient = SocketChannel.open(server.address);
        Socket accepted = server.socket.accept()) {
      jdkClient.write(ByteBuffer.wrap("from the JDK".getBytes(StandardCharsets.UTF_8)));
      assertEquals("from the JDK", new String(accepted.getInputStream().readNBytes(12), StandardCharsets.UTF_8));
      assertEquals(jdkClient.getLocalAddress(), accepted.getRemoteSocketAddress());
    }
  }

  @Test
  void aServerSocketViewKeepsItsContracts() throws Exception {
    UnixServerSocket s = new UnixServerSocket();
    assertFalse(s.isBound());
    assertEquals(-1, s.getLocalPort());
    assertNull(s.getInetAddress());
    assertThrows(SocketException.class, s::accept);
    assertThrows(IllegalArgumentException.class, () -> s.bind(new InetSocketAddress(0)));
    UnixDomainSocketAddress where = uniqueSocket("server");
    try {
      s.bind(where, 4);
      assertThrows(SocketException.class, () -> s.bind(where));
      assertEquals(0, s.getLocalPort());
      assertEquals(InetAddress.getLoopbackAddress(), s.getInetAddress());
      s.setReuseAddress(true);
      assertTrue(s.getReuseAddress());
      s.setReceiveBufferSize(65536);
      assertTrue(s.getReceiveBufferSize() >= 65536);
      try (UnixServerSocket second = new UnixServerSocket()) {
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> second.bind(where));
        assertTrue(e.getMessage().contains(where.getPath().toString()) && e.getMessage().contains("EADDRINUSE"),
            e.getMessage());
      }
      assertTrue(s.toString().contains(where.getPath().toString()), s.toString());
      s.close();
      assertTrue(s.isClosed());
      assertTrue(Files.exists(where.getPath()), "closing leaves the path, as in POSIX");
      s.listeningSocket().unlink();
      assertFalse(Files.exists(where.getPath()));
    } finally {
      s.close();
      removeQuietly(where.getPath());
    }
  }
}
