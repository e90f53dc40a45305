package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.Credentials;
import io.github.posixipc.SocketType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * A {@link java.net.Socket} over a posixipc AF_UNIX stream socket ({@link ConnectedSocket}): for
 * client libraries written against {@code java.net}. It connects to a {@link
 * UnixDomainSocketAddress} (a path) or an {@link io.github.posixipc.AbstractSocketAddress} (a
 * Linux abstract name); made by a {@link UnixSocketFactory}, it connects to the factory's address
 * whatever {@link InetSocketAddress} the library asks for.
 *
 * <pre>{@code
 * try (Socket s = UnixSocket.connectTo(UnixDomainSocketAddress.of("/run/app.sock"))) {
 *   s.setSoTimeout(1000);
 *   s.getOutputStream().write("ping".getBytes());
 *   int first = s.getInputStream().read();   // SocketTimeoutException after 1 s of silence
 * }
 * }</pre>
 *
 * <h2>The java.net contracts it keeps</h2>
 *
 * A method that overrides one of {@link java.net.Socket} without a comment of its own does what
 * Socket says. The option methods ({@link #setSoTimeout}, {@link #setTcpNoDelay}, {@link
 * #setOption}, ...) are Socket's own, over options the view's {@link java.net.SocketImpl} holds:
 * they check their arguments as the JDK does, and a closed socket refuses each of them with a
 * {@link SocketException} ("Socket is closed"). Where AF_UNIX makes a difference:
 *
 * <ul>
 *   <li>A failed {@link #connect(SocketAddress, int)} is a {@link java.net.ConnectException} naming
 *       the address and the reason (nothing there, a file that is not a socket, nobody listening);
 *       after it, or a {@link java.net.SocketTimeoutException}, the socket is closed (as JDK 25's
 *       own {@code Socket} does).
 *   <li>{@link #getInputStream()} and {@link #getOutputStream()} are unbuffered: each read and write
 *       is one system call (a write of a large array: as many as it takes, all of it written).
 *       Closing either stream closes the socket; {@link #close()} from another thread wakes a
 *       blocked read with a {@link SocketException} ("Socket closed").
 *   <li>{@link #setSoTimeout(int)} bounds each read: {@link java.net.SocketTimeoutException}, the
 *       socket still usable.
 *   <li>{@link #setSendBufferSize(int)} and {@link #setReceiveBufferSize(int)} are real ({@code
 *       SO_SNDBUF}, {@code SO_RCVBUF}; the kernel doubles what is asked and applies its limits);
 *       asked before the connect, they are applied once it is made.
 *   <li>TCP and IP options are accepted without effect, their values kept and read back: {@code
 *       TCP_NODELAY}, {@code SO_KEEPALIVE}, {@code SO_LINGER}, {@code IP_TOS} (traffic class),
 *       {@code SO_REUSEADDR}, {@code SO_OOBINLINE}, and by {@link #setOption} the JDK's {@code
 *       TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL}, {@code TCP_KEEPCOUNT}, {@code TCP_QUICKACK} (known
 *       by name); so is {@link #setPerformancePreferences}. Drivers set some of them on every
 *       connection, and AF_UNIX has nothing they could change. {@link #supportedOptions()} is the
 *       buffer sizes and the standard TCP and IP ones; setOption of any other option throws
 *       {@link UnsupportedOperationException}.
 *   <li>{@link #getInetAddress()} and {@link #getPort()} never throw: they give the IP address and
 *       port the library asked a factory for, or the loopback address and port 0 (null and 0 before
 *       the connect, as the JDK says). {@link #getRemoteSocketAddress()} and {@link
 *       #getLocalSocketAddress()} give the AF_UNIX addresses: a {@link UnixDomainSocketAddress}
 *       (with an empty path for an unnamed end) or an abstract address.
 * </ul>
 *
 * <h2>What it cannot do</h2>
 *
 * {@link #sendUrgentData(int)} throws (AF_UNIX has no out-of-band data); {@link #bind} of the
 * client end to an address is refused (a null address, "any", is accepted); {@link #getChannel()}
 * is null (the channel is the posixipc {@link ConnectedSocket}, see {@link #connectedSocket()});
 * an interrupt of a thread blocked in a read closes the socket, as for the JDK's socket adapters
 * over channels, and the read throws {@link SocketException} ("Closed by interrupt").
 *
 * <h2>Everything else posixipc sockets do</h2>
 *
 * {@link #connectedSocket()} is the socket under the view: {@link ConnectedSocket#peerCredentials()},
 * descriptor passing, its descriptor number. {@link #of(ConnectedSocket)} and {@link #adopt(int)}
 * go the other way, from a posixipc socket or a descriptor (inherited, or received over {@code
 * SCM_RIGHTS}) to a {@code java.net.Socket}.
 */
public final class UnixSocket extends Socket {

  private final SocketState state;
  /** The impl of the superclass, which holds the options. */
  private final ViewSocketImpl<ConnectedSocket> options;
  private final SocketStreams streams;

  /**
   * An unconnected socket: {@link #connect(SocketAddress)} it to a {@link
   * UnixDomainSocketAddress} or an {@link io.github.posixipc.AbstractSocketAddress}.
   *
   * @throws SocketException never in practice (the constructor of {@link Socket} declares it)
   */
  public UnixSocket() throws SocketException {
    this(null, over(null));
  }

  /**
   * A socket connected to address, a {@link UnixDomainSocketAddress} or an {@link
   * io.github.posixipc.AbstractSocketAddress}.
   *
   * @throws java.net.ConnectException naming the address when nothing listens there
   */
  public static UnixSocket connectTo(SocketAddress address) throws IOException {
    UnixSocket s = new UnixSocket();
    s.connect(address);
    return s;
  }

  /**
   * A view whose connect to any IP address goes to target (null: none), with options, its
   * superclass's impl, made by {@link #over}.
   */
  private UnixSocket(SocketAddress target, ViewSocketImpl<ConnectedSocket> options) throws SocketException {
    super(options);
    this.options = options;
    this.state = new SocketState(target, options.life());
    this.streams = new SocketStreams(this, options);
  }

  /** The impl of a view over socket, or of an unconnected one (null). */
  private static ViewSocketImpl<ConnectedSocket> over(ConnectedSocket socket) {
    return ViewSocketImpl.forSocket(new ViewLife<>("already connected", socket));
  }

  /** What a factory hands out: unconnected, every IP address meaning target. */
  static UnixSocket forTarget(SocketAddress target) throws SocketException {
    return new UnixSocket(Objects.requireNonNull(target, "target"), over(null));
  }

  /**
   * A view of an already connected posixipc stream socket (accepted, paired, or adopted); the view
   * owns it from then on: closing the view closes it.
   *
   * @throws IllegalArgumentException for a seqpacket socket: a {@code java.net.Socket} is a
   *     byte stream
   */
  public static UnixSocket of(ConnectedSocket socket) throws SocketException {
    Objects.requireNonNull(socket, "socket");
    if (socket.type() != SocketType.STREAM) {
      throw new IllegalArgumentException("a java.net.Socket is a byte stream; this is a " + socket.type() + " socket");
    }
    return new UnixSocket(null, over(socket));
  }

  /**
   * A view of the connected AF_UNIX stream socket this process holds as descriptor fd (inherited,
   * or received with {@link ConnectedSocket#receiveFileDescriptors}); the view owns the descriptor.
   *
   * @throws io.github.posixipc.PosixException EBADF when fd is not open, ENOTSOCK when it is not a
   *     socket
   */
  public static UnixSocket adopt(int fd) throws IOException {
    ConnectedSocket c = ConnectedSocket.adopt(fd);
    try {
      return of(c);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** A connected pair of views over {@link ConnectedSocket#pair()}. */
  public static UnixSocket[] pair() throws IOException {
    ConnectedSocket[] p = ConnectedSocket.pair();
    return new UnixSocket[] {of(p[0]), of(p[1])};
  }

  /**
   * The posixipc socket under this view, for what {@code java.net} has no words for: {@link
   * ConnectedSocket#peerCredentials()}, {@link ConnectedSocket#sendFileDescriptors(ByteBuffer,
   * int...)}, {@link ConnectedSocket#receiveFileDescriptors(ByteBuffer, int)}, {@link
   * ConnectedSocket#fd()}. Its data calls and the view's streams share one byte stream.
   *
   * @throws SocketException when the view is not connected
   */
  public ConnectedSocket connectedSocket() throws SocketException {
    ConnectedSocket s = state.socket();
    if (s == null) {
      throw new SocketException("Socket is not connected");
    }
    return s;
  }

  /** The process at the other end ({@code SO_PEERCRED}), as it was when the connection was made. */
  public Credentials peerCredentials() throws IOException {
    try {
      return state.connected().peerCredentials();
    } catch (IOException e) {
      throw NetErrors.of(e, "getsockopt(SO_PEERCRED)");
    }
  }

  // ------------------------------------------------------------------ connect

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  /**
   * Connects to endpoint: a {@link UnixDomainSocketAddress}, an {@link
   * io.github.posixipc.AbstractSocketAddress}, or, for a socket a factory made, any {@link
   * InetSocketAddress} (resolved or not), which stands for the factory's address.
   *
   * @param timeout at most this many milliseconds; 0 waits as long as it takes
   * @throws java.net.ConnectException when nothing is at the address, the file there is not a
   *     socket, or nobody listens; the message names the address
   * @throws java.net.SocketTimeoutException when the timeout ran out
   * @throws SocketException when closed or already connected
   * @throws IllegalArgumentException for a null address, a negative timeout, an IP address on a
   *     socket no factory made, or an address that is not a valid AF_UNIX address
   */
  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    ConnectedSocket s = state.connect(endpoint, timeout);
    try {
      options.apply(s);
    } catch (SocketException e) {
      // A socket without the sizes asked is not the one asked for: closed, as after a failed connect.
      state.close();
      throw e;
    }
  }

  /**
   * Binding the client end: a null address (any) is accepted and changes nothing; an AF_UNIX
   * client end with a name of its own is not supported.
   *
   * @throws SocketException for any other address
   */
  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    state.requireOpen();
    if (bindpoint == null || (bindpoint instanceof InetSocketAddress i && i.getAddress() != null
        && i.getAddress().isAnyLocalAddress() && i.getPort() == 0)) {
      return;
    }
    throw new SocketException("binding the client end of an AF_UNIX socket to " + bindpoint + " is not supported");
  }

  // ------------------------------------------------------------------ streams and state

  /**
   * The input stream: unbuffered, each read one system call, bounded by {@link #setSoTimeout(int)}.
   * Closing it closes the socket.
   */
  @Override
  public InputStream getInputStream() throws IOException {
    return streams.input(state.connected());
  }

  /** The output stream: unbuffered, each write complete before it returns. Closing it closes the socket. */
  @Override
  public OutputStream getOutputStream() throws IOException {
    return streams.output(state.connected());
  }

  /**
   * Closes the socket; a thread blocked in a read or write returns with {@link SocketException}.
   * Idempotent. A path's socket file belongs to the server and is not touched.
   */
  @Override
  public void close() throws IOException {
    state.close();
  }

  @Override
  public void shutdownInput() throws IOException {
    streams.shutdownInput(state.connected());
  }

  @Override
  public void shutdownOutput() throws IOException {
    streams.shutdownOutput(state.connected());
  }

  @Override
  public boolean isConnected() {
    return state.socket() != null;
  }

  /** A connected AF_UNIX socket is bound (to a name or unnamed); an unconnected view is not. */
  @Override
  public boolean isBound() {
    return state.socket() != null;
  }

  /** Whether it was closed: by {@link #close()}, a stream's close, an interrupt, or its posixipc socket's close. */
  @Override
  public boolean isClosed() {
    return state.isClosed();
  }

  @Override
  public boolean isInputShutdown() {
    return streams.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return streams.isOutputShutdown();
  }

  // ------------------------------------------------------------------ addresses

  /**
   * The IP address the caller asked a factory to connect to (the loopback address when it was an
   * unresolved name, or when the socket was connected to an AF_UNIX address directly); null when
   * not connected. Never throws.
   */
  @Override
  public InetAddress getInetAddress() {
    return state.inetAddress();
  }

  /** The port the caller asked a factory to connect to; 0 otherwise. Never throws. */
  @Override
  public int getPort() {
    return state.port();
  }

  /** The loopback address once connected (an AF_UNIX end has no IP address); the wildcard before. */
  @Override
  public InetAddress getLocalAddress() {
    return state.socket() != null ? InetAddress.getLoopbackAddress() : new InetSocketAddress(0).getAddress();
  }

  /** 0 once connected (an AF_UNIX end has no port); -1 before. */
  @Override
  public int getLocalPort() {
    return state.socket() != null ? 0 : -1;
  }

  /**
   * The AF_UNIX address of the other end: a {@link UnixDomainSocketAddress} or an abstract
   * address (for a socket a factory made: the factory's address, not the IP address asked for);
   * null when not connected, or when the kernel cannot say.
   */
  @Override
  public SocketAddress getRemoteSocketAddress() {
    return state.address(true);
  }

  /**
   * The AF_UNIX address of this end (a client end is usually unnamed: a {@link
   * UnixDomainSocketAddress} with an empty path); null when not connected or closed before asked.
   */
  @Override
  public SocketAddress getLocalSocketAddress() {
    return state.address(false);
  }

  /** Null: the channel under this view is posixipc's {@link ConnectedSocket}, see {@link #connectedSocket()}. */
  @Override
  public SocketChannel getChannel() {
    return null;
  }

  /**
   * AF_UNIX has no urgent (out-of-band) data.
   *
   * @throws SocketException always
   */
  @Override
  public void sendUrgentData(int data) throws IOException {
    state.requireOpen();
    throw new SocketException("urgent data is TCP's: an AF_UNIX socket has none");
  }

  /** The view, its AF_UNIX address and state, and the IP address asked for, if any. */
  @Override
  public String toString() {
    return state.toString();
  }
}
