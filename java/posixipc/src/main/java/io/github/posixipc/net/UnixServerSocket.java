package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.SocketAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link java.net.ServerSocket} over a posixipc AF_UNIX {@link ListeningSocket}: binds a
 * {@link UnixDomainSocketAddress} (a path) or an {@link io.github.posixipc.AbstractSocketAddress}
 * and accepts {@link UnixSocket}s.
 *
 * <pre>{@code
 * try (ServerSocket server = new UnixServerSocket(UnixDomainSocketAddress.of("/tmp/app.sock"))) {
 *   server.setSoTimeout(5000);
 *   try (Socket client = server.accept()) { ... }   // SocketTimeoutException after 5 s
 * } finally {
 *   SocketAddresses.unlink(UnixDomainSocketAddress.of("/tmp/app.sock"));
 * }
 * }</pre>
 *
 * <p>{@link #setSoTimeout(int)} bounds {@link #accept()} ({@link java.net.SocketTimeoutException},
 * the server still usable); {@link #close()} from another thread wakes a blocked accept with a
 * {@link SocketException}. As in POSIX, closing does not remove a path's socket file: {@link
 * #listeningSocket()}{@code .unlink()} or {@link SocketAddresses#unlink} does. {@link
 * #getInetAddress()} is the loopback address once bound, {@link #getLocalPort()} 0 (-1 before);
 * {@link #getLocalSocketAddress()} is the AF_UNIX address. {@link #getChannel()} is null.
 *
 * <p>The option methods are ServerSocket's own, over options the view's {@link
 * java.net.SocketImpl} holds: they check their arguments as the JDK does, and a closed server
 * refuses each of them with a {@link SocketException} ("Socket is closed"). {@code SO_RCVBUF}
 * ({@link #setReceiveBufferSize(int)}) is real: the listening socket's, which accepted sockets
 * start with; asked before the bind, it is applied by it. {@code SO_REUSEADDR} is accepted without
 * effect, its value kept and read back (a path is reused by removing its file, an abstract name is
 * free once closed); so is {@link #setPerformancePreferences}. These two are its {@link
 * #supportedOptions()}; setOption of any other throws {@link UnsupportedOperationException}.
 */
public final class UnixServerSocket extends ServerSocket {

  /** The impl of the superclass, which holds the options. */
  private final ViewSocketImpl<ListeningSocket> options;
  private final ViewLife<ListeningSocket> life;

  /** An unbound server socket: {@link #bind(SocketAddress)} it. */
  public UnixServerSocket() throws IOException {
    this(ViewSocketImpl.forServer(new ViewLife<>("Already bound", null)));
  }

  private UnixServerSocket(ViewSocketImpl<ListeningSocket> options) {
    super(options);
    this.options = options;
    this.life = options.life();
  }

  /** A server socket bound to address and listening, with the default backlog. */
  public UnixServerSocket(SocketAddress address) throws IOException {
    this();
    bind(address);
  }

  /**
   * A view of a posixipc listening stream socket; the view owns it from then on.
   *
   * @throws IllegalArgumentException for a seqpacket socket
   */
  public static UnixServerSocket of(ListeningSocket socket) throws IOException {
    Objects.requireNonNull(socket, "socket");
    if (socket.type() != io.github.posixipc.SocketType.STREAM) {
      throw new IllegalArgumentException("a java.net.ServerSocket accepts byte streams; this is a " + socket.type()
          + " socket");
    }
    UnixServerSocket s = new UnixServerSocket();
    s.life.made(socket, null);
    return s;
  }

  /**
   * The posixipc socket under this view: its address, {@code unlink()}, descriptor number.
   *
   * @throws SocketException when not bound
   */
  public ListeningSocket listeningSocket() throws SocketException {
    ListeningSocket l = life.handle();
    if (l == null) {
      throw new SocketException("Socket is not bound yet");
    }
    return l;
  }

  @Override
  public void bind(SocketAddress endpoint) throws IOException {
    bind(endpoint, 0);
  }

  /**
   * Binds to endpoint and listens.
   *
   * @param backlog the most connections waiting to be accepted; 0 or less: {@value
   *     ListeningSocket#DEFAULT_BACKLOG}
   * @throws java.net.BindException naming the address when it is in use (a path that exists)
   * @throws IllegalArgumentException for a null or IP address, or one that is not a valid AF_UNIX
   *     address
   */
  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    if (endpoint == null || endpoint instanceof InetSocketAddress) {
      throw new IllegalArgumentException("an AF_UNIX server socket binds a UnixDomainSocketAddress or an"
          + " AbstractSocketAddress, not " + endpoint);
    }
    life.begin();
    ListeningSocket l;
    try {
      l = ListeningSocket.bind(endpoint,
          ListeningSocket.options().backlog(backlog > 0 ? backlog : ListeningSocket.DEFAULT_BACKLOG));
    } catch (IOException e) {
      life.failed();
      throw NetErrors.bind(e, endpoint);
    } catch (RuntimeException e) {
      life.failed();
      throw e;
    }
    life.made(l, null);
    options.apply(l);
  }

  /**
   * Accepts a connection as a {@link UnixSocket}, waiting at most {@link #getSoTimeout()}
   * milliseconds when that is set.
   *
   * @throws java.net.SocketTimeoutException when the timeout ran out (the server stays usable)
   * @throws SocketException when closed (also by another thread during the accept) or not bound
   */
  @Override
  public Socket accept() throws IOException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
    ListeningSocket l = life.handle();
    if (l == null) {
      throw new SocketException("Socket is not bound yet");
    }
    Duration t = options.timeout();
    ConnectedSocket c;
    try {
      c = t == null ? l.accept() : l.accept(t);
    } catch (IOException e) {
      throw NetErrors.of(e, "Accept");
    }
    try {
      return UnixSocket.of(c);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** Closes the server; a thread blocked in accept returns with {@link SocketException}. Idempotent. */
  @Override
  public void close() throws IOException {
    life.close();
  }

  @Override
  public boolean isClosed() {
    return life.isClosed();
  }

  @Override
  public boolean isBound() {
    return life.handle() != null;
  }

  /** The loopback address once bound (an AF_UNIX socket has no IP address); null before. */
  @Override
  public InetAddress getInetAddress() {
    return life.handle() != null ? InetAddress.getLoopbackAddress() : null;
  }

  /** 0 once bound (an AF_UNIX socket has no port); -1 before. */
  @Override
  public int getLocalPort() {
    return life.handle() != null ? 0 : -1;
  }

  /** The AF_UNIX address bound; null before. */
  @Override
  public SocketAddress getLocalSocketAddress() {
    ListeningSocket l = life.handle();
    return l != null ? l.address() : null;
  }

  /** Null: the channel is posixipc's {@link ListeningSocket}, see {@link #listeningSocket()}. */
  @Override
  public ServerSocketChannel getChannel() {
    return null;
  }

  @Override
  public String toString() {
    ListeningSocket l = life.handle();
    return "UnixServerSocket[" + (l == null ? "unbound" : SocketAddresses.format(l.address()))
        + (isClosed() ? ", closed" : "") + "]";
  }
}
