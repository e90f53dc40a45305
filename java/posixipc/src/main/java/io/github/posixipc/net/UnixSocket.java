package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.Credentials;
import io.github.posixipc.SocketAddresses;
import io.github.posixipc.SocketType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

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
 * <ul>
 *   <li>{@link #connect(SocketAddress, int)} with a timeout in milliseconds (0: none); a failure is
 *       a {@link java.net.ConnectException} naming the address and the reason (nothing there, a
 *       file that is not a socket, nobody listening), a timeout a {@link
 *       java.net.SocketTimeoutException}, and the socket is closed after either (as JDK 25's own
 *       {@code Socket} does).
 *   <li>{@link #getInputStream()} and {@link #getOutputStream()}, unbuffered: each read and write is
 *       one system call (a write of a large array: as many as it takes, all of it written).
 *       {@link #setSoTimeout(int)} bounds every read: {@link java.net.SocketTimeoutException},
 *       after which the socket is still usable.
 *   <li>{@link #close()} from another thread wakes a thread blocked in a read with a {@link
 *       SocketException} ("Socket closed"); closing either stream closes the socket.
 *   <li>{@link #shutdownInput()}, {@link #shutdownOutput()}, {@link #isConnected()}, {@link
 *       #isClosed()}, {@link #isInputShutdown()}, {@link #isOutputShutdown()}, {@link #isBound()}.
 *   <li>{@link #setSendBufferSize(int)} and {@link #setReceiveBufferSize(int)} are real ({@code
 *       SO_SNDBUF}, {@code SO_RCVBUF}); asked before the connect, they are applied once it is made.
 *   <li>TCP and IP options are accepted without effect, their values kept and read back: {@code
 *       TCP_NODELAY}, {@code SO_KEEPALIVE}, {@code SO_LINGER}, {@code IP_TOS} (traffic class),
 *       {@code SO_REUSEADDR}, {@code SO_OOBINLINE}, and the JDK's {@code TCP_KEEPIDLE}, {@code
 *       TCP_KEEPINTERVAL}, {@code TCP_KEEPCOUNT}, {@code TCP_QUICKACK}: drivers set some of them on
 *       every connection, and AF_UNIX has nothing they could change.
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

  private final Object stateLock = new Object();
  /** The address a connect to an InetSocketAddress goes to (a factory's socket), or null. */
  private final SocketAddress target;
  private volatile ConnectedSocket socket;
  private volatile boolean closed;
  private boolean connecting;
  /** The IP address and port the caller connected to, reported by getInetAddress and getPort. */
  private volatile InetSocketAddress asked;
  /** The AF_UNIX address connected to, or got from the kernel for an adopted socket. */
  private volatile SocketAddress remote;
  private volatile SocketAddress local;
  private volatile int soTimeout;
  /** soTimeout as the Duration the reads take (null: no timeout), made once per setSoTimeout. */
  private volatile Duration readTimeout;
  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;
  private final BufferSize sendBuffer = BufferSize.send(NetErrors::socketException);
  private final BufferSize receiveBuffer = BufferSize.receive(NetErrors::socketException);
  private final InertOptions inert = new InertOptions(this::isClosed);
  private SocketStreams.In in;
  private SocketStreams.Out out;

  /**
   * An unconnected socket: {@link #connect(SocketAddress)} it to a {@link
   * UnixDomainSocketAddress} or an {@link io.github.posixipc.AbstractSocketAddress}.
   *
   * @throws SocketException never in practice (the constructor of {@link Socket} declares it)
   */
  public UnixSocket() throws SocketException {
    this((SocketAddress) null);
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

  /** An unconnected socket whose connect to any IP address goes to target (null: none). */
  private UnixSocket(SocketAddress target) throws SocketException {
    super(new InertSocketImpl());
    this.target = target;
  }

  /** What a factory hands out: unconnected, every IP address meaning target. */
  static UnixSocket forTarget(SocketAddress target) throws SocketException {
    return new UnixSocket(Objects.requireNonNull(target, "target"));
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
    UnixSocket s = new UnixSocket((SocketAddress) null);
    s.socket = socket;
    return s;
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
    ConnectedSocket s = socket;
    if (s == null) {
      throw new SocketException("Socket is not connected");
    }
    return s;
  }

  /** The process at the other end ({@code SO_PEERCRED}), as it was when the connection was made. */
  public Credentials peerCredentials() throws IOException {
    try {
      return connected().peerCredentials();
    } catch (IOException e) {
      throw NetErrors.of(e, "getsockopt(SO_PEERCRED)");
    }
  }

  // ------------------------------------------------------------------ connect

  /** {@link #connect(SocketAddress, int)} without a timeout. */
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
    if (endpoint == null) {
      throw new IllegalArgumentException("connect: The address can't be null");
    }
    if (timeout < 0) {
      throw new IllegalArgumentException("connect: timeout can't be negative");
    }
    SocketAddress where = endpoint;
    InetSocketAddress ip = null;
    if (endpoint instanceof InetSocketAddress i) {
      if (target == null) {
        throw new IllegalArgumentException("an AF_UNIX socket connects to a UnixDomainSocketAddress or an"
            + " AbstractSocketAddress, not to " + i + "; a UnixSocketFactory maps IP addresses to its AF_UNIX address");
      }
      where = target;
      ip = i;
    }
    synchronized (stateLock) {
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      if (socket != null || connecting) {
        throw new SocketException("already connected");
      }
      connecting = true;
    }
    ConnectedSocket s;
    try {
      s = ConnectedSocket.connect(where, ConnectedSocket.options(), timeout == 0 ? null : Duration.ofMillis(timeout));
    } catch (IOException e) {
      connectFailed();
      throw NetErrors.connect(e, where);
    } catch (RuntimeException e) {
      connectFailed();
      throw e;
    }
    synchronized (stateLock) {
      connecting = false;
      if (closed) {
        // Closed by another thread while connecting: the connection made meanwhile goes too.
        s.close();
        throw new SocketException("Socket closed");
      }
      remote = where;
      asked = ip;
      socket = s;
    }
    try {
      sendBuffer.apply(s::setSendBufferSize);
      receiveBuffer.apply(s::setReceiveBufferSize);
    } catch (IOException e) {
      close();
      throw NetErrors.of(e, "setsockopt");
    }
  }

  /** After a failed connect the socket is closed, as JDK 25's own Socket does. */
  private void connectFailed() throws IOException {
    synchronized (stateLock) {
      connecting = false;
    }
    close();
  }

  /**
   * Binding the client end: a null address (any) is accepted and changes nothing; an AF_UNIX
   * client end with a name of its own is not supported.
   *
   * @throws SocketException for any other address
   */
  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
    if (bindpoint == null || (bindpoint instanceof InetSocketAddress i && i.getAddress() != null
        && i.getAddress().isAnyLocalAddress() && i.getPort() == 0)) {
      return;
    }
    throw new SocketException("binding the client end of an AF_UNIX socket to " + bindpoint + " is not supported");
  }

  // ------------------------------------------------------------------ streams

  /**
   * The input stream: unbuffered, each read one system call, bounded by {@link #setSoTimeout}.
   * Closing it closes the socket.
   *
   * @throws SocketException when closed, not connected, or shut down for input
   */
  @Override
  public InputStream getInputStream() throws IOException {
    synchronized (stateLock) {
      ConnectedSocket s = connected();
      if (inputShutdown) {
        throw new SocketException("Socket input is shutdown");
      }
      if (in == null) {
        in = new SocketStreams.In(this, s);
      }
      return in;
    }
  }

  /**
   * The output stream: unbuffered, each write complete before it returns. Closing it closes the
   * socket.
   *
   * @throws SocketException when closed, not connected, or shut down for output
   */
  @Override
  public OutputStream getOutputStream() throws IOException {
    synchronized (stateLock) {
      ConnectedSocket s = connected();
      if (outputShutdown) {
        throw new SocketException("Socket output is shutdown");
      }
      if (out == null) {
        out = new SocketStreams.Out(this, s);
      }
      return out;
    }
  }

  /** The connected socket, or a SocketException saying why there is none. */
  private ConnectedSocket connected() throws SocketException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
    ConnectedSocket s = socket;
    if (s == null) {
      throw new SocketException("Socket is not connected");
    }
    return s;
  }

  /** The read timeout of the input stream, as {@link #setSoTimeout} left it (null: none). */
  Duration readTimeout() {
    return readTimeout;
  }

  // ------------------------------------------------------------------ state

  /**
   * Closes the socket; a thread blocked in a read or write returns with {@link SocketException}.
   * Idempotent. A path's socket file belongs to the server and is not touched.
   */
  @Override
  public void close() throws IOException {
    ConnectedSocket s;
    synchronized (stateLock) {
      if (closed) {
        return;
      }
      closed = true;
      s = socket;
    }
    if (s != null) {
      s.close();
    }
  }

  /** Ends the reading direction: reads return end of stream. */
  @Override
  public void shutdownInput() throws IOException {
    ConnectedSocket s = connected();
    if (inputShutdown) {
      throw new SocketException("Socket input is already shutdown");
    }
    try {
      s.shutdownInput();
    } catch (IOException e) {
      throw NetErrors.of(e, "shutdown(SHUT_RD)");
    }
    inputShutdown = true;
  }

  /** Ends the writing direction: the peer reads end of stream after what was sent. */
  @Override
  public void shutdownOutput() throws IOException {
    ConnectedSocket s = connected();
    if (outputShutdown) {
      throw new SocketException("Socket output is already shutdown");
    }
    try {
      s.shutdownOutput();
    } catch (IOException e) {
      throw NetErrors.of(e, "shutdown(SHUT_WR)");
    }
    outputShutdown = true;
  }

  /** Whether it was connected (still true after close, as for the JDK's sockets). */
  @Override
  public boolean isConnected() {
    return socket != null;
  }

  /** A connected AF_UNIX socket is bound (to a name or unnamed); an unconnected view is not. */
  @Override
  public boolean isBound() {
    return socket != null;
  }

  /** Whether it was closed: by {@link #close()}, a stream's close, an interrupt, or its posixipc socket's close. */
  @Override
  public boolean isClosed() {
    if (closed) {
      return true;
    }
    ConnectedSocket s = socket;
    return s != null && !s.isOpen();
  }

  @Override
  public boolean isInputShutdown() {
    return inputShutdown;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShutdown;
  }

  // ------------------------------------------------------------------ addresses

  /**
   * The IP address the caller asked a factory to connect to (the loopback address when it was an
   * unresolved name, or when the socket was connected to an AF_UNIX address directly); null when
   * not connected. Never throws.
   */
  @Override
  public InetAddress getInetAddress() {
    if (socket == null) {
      return null;
    }
    InetSocketAddress a = asked;
    return a != null && a.getAddress() != null ? a.getAddress() : InetAddress.getLoopbackAddress();
  }

  /** The port the caller asked a factory to connect to; 0 otherwise. Never throws. */
  @Override
  public int getPort() {
    InetSocketAddress a = asked;
    return socket != null && a != null ? a.getPort() : 0;
  }

  /** The loopback address once connected (an AF_UNIX end has no IP address); the wildcard before. */
  @Override
  public InetAddress getLocalAddress() {
    return socket != null ? InetAddress.getLoopbackAddress() : new InetSocketAddress(0).getAddress();
  }

  /** 0 once connected (an AF_UNIX end has no port); -1 before. */
  @Override
  public int getLocalPort() {
    return socket != null ? 0 : -1;
  }

  /**
   * The AF_UNIX address of the other end: a {@link UnixDomainSocketAddress} or an abstract
   * address (for a socket a factory made: the factory's address, not the IP address asked for);
   * null when not connected, or when the kernel cannot say.
   */
  @Override
  public SocketAddress getRemoteSocketAddress() {
    ConnectedSocket s = socket;
    if (s == null) {
      return null;
    }
    SocketAddress r = remote;
    if (r == null) {
      try {
        r = s.remoteAddress();
        remote = r;
      } catch (IOException e) {
        return null;
      }
    }
    return r;
  }

  /**
   * The AF_UNIX address of this end (a client end is usually unnamed: a {@link
   * UnixDomainSocketAddress} with an empty path); null when not connected or closed before asked.
   */
  @Override
  public SocketAddress getLocalSocketAddress() {
    ConnectedSocket s = socket;
    if (s == null) {
      return null;
    }
    SocketAddress l = local;
    if (l == null) {
      try {
        l = s.localAddress();
        local = l;
      } catch (IOException e) {
        return null;
      }
    }
    return l;
  }

  /** Null: the channel under this view is posixipc's {@link ConnectedSocket}, see {@link #connectedSocket()}. */
  @Override
  public SocketChannel getChannel() {
    return null;
  }

  // ------------------------------------------------------------------ options

  private void requireOpen() throws SocketException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
  }

  /**
   * Bounds every read of the input stream to timeout milliseconds (0: no bound); a read that
   * runs out throws {@link java.net.SocketTimeoutException} and the socket stays usable.
   */
  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    requireOpen();
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout can't be negative");
    }
    readTimeout = timeout == 0 ? null : Duration.ofMillis(timeout);
    soTimeout = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    requireOpen();
    return soTimeout;
  }

  /** SO_SNDBUF: the kernel doubles it and applies its limits; asked before the connect, applied by it. */
  @Override
  public void setSendBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("negative send size");
    }
    requireOpen();
    ConnectedSocket s = socket;
    sendBuffer.set(size, s == null ? null : s::setSendBufferSize);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    requireOpen();
    ConnectedSocket s = socket;
    return sendBuffer.get(s == null ? null : s::sendBufferSize);
  }

  /** SO_RCVBUF: the kernel doubles it and applies its limits; asked before the connect, applied by it. */
  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    if (size <= 0) {
      throw new IllegalArgumentException("invalid receive size");
    }
    requireOpen();
    ConnectedSocket s = socket;
    receiveBuffer.set(size, s == null ? null : s::setReceiveBufferSize);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    requireOpen();
    ConnectedSocket s = socket;
    return receiveBuffer.get(s == null ? null : s::receiveBufferSize);
  }

  /** Accepted without effect (AF_UNIX has no Nagle algorithm); read back by {@link #getTcpNoDelay()}. */
  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    inert.set("TCP_NODELAY", on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return inert.flag("TCP_NODELAY");
  }

  /** Accepted without effect (AF_UNIX has no keep-alive probes: a dead peer is seen at once). */
  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    inert.set("SO_KEEPALIVE", on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return inert.flag("SO_KEEPALIVE");
  }

  /** Accepted without effect (a close of an AF_UNIX socket never waits to send). */
  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    inert.setLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return inert.number("SO_LINGER");
  }

  /**
   * AF_UNIX has no urgent (out-of-band) data.
   *
   * @throws SocketException always
   */
  @Override
  public void sendUrgentData(int data) throws IOException {
    requireOpen();
    throw new SocketException("urgent data is TCP's: an AF_UNIX socket has none");
  }

  /** Accepted without effect (no urgent data to put inline). */
  @Override
  public void setOOBInline(boolean on) throws SocketException {
    inert.set("SO_OOBINLINE", on);
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return inert.flag("SO_OOBINLINE");
  }

  /** Accepted without effect (no IP header to mark). */
  @Override
  public void setTrafficClass(int tc) throws SocketException {
    inert.setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return inert.number("IP_TOS");
  }

  /** Accepted without effect (a client end has no address to reuse). */
  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    inert.set("SO_REUSEADDR", on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return inert.flag("SO_REUSEADDR");
  }

  /** Accepted without effect, as by the JDK's own sockets. */
  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    // nothing to prefer on one machine
  }

  /**
   * {@code SO_SNDBUF} and {@code SO_RCVBUF} are real; the TCP and IP options (see the class
   * comment) are accepted without effect, by name.
   *
   * @throws UnsupportedOperationException for any other option
   */
  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    Objects.requireNonNull(name, "name");
    if (name == StandardSocketOptions.SO_SNDBUF) {
      setSendBufferSize(InertOptions.requireValue(name, value, Integer.class));
    } else if (name == StandardSocketOptions.SO_RCVBUF) {
      setReceiveBufferSize(InertOptions.requireValue(name, value, Integer.class));
    } else if (InertOptions.knows(name.name())) {
      inert.setOption(name, value);
    } else {
      throw InertOptions.unsupported(name, "socket");
    }
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    Objects.requireNonNull(name, "name");
    Object v;
    if (name == StandardSocketOptions.SO_SNDBUF) {
      v = getSendBufferSize();
    } else if (name == StandardSocketOptions.SO_RCVBUF) {
      v = getReceiveBufferSize();
    } else if (InertOptions.knows(name.name())) {
      v = inert.get(name.name());
    } else {
      throw InertOptions.unsupported(name, "socket");
    }
    return name.type().cast(v);
  }

  /** The standard options this socket takes: the real buffer sizes and the inert TCP/IP ones. */
  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return Set.of(StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_RCVBUF,
        StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER,
        StandardSocketOptions.IP_TOS, StandardSocketOptions.SO_REUSEADDR);
  }

  /** The view, its AF_UNIX address and state, and the IP address asked for, if any. */
  @Override
  public String toString() {
    SocketAddress r = remote;
    String where = socket == null ? "unconnected" : r != null ? SocketAddresses.format(r) : "connected";
    InetSocketAddress a = asked;
    return "UnixSocket[" + where + (a != null ? ", for " + a : "") + (isClosed() ? ", closed" : "") + "]";
  }
}
