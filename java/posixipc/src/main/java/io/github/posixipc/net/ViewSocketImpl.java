package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.ListeningSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link SocketImpl} of a java.net view, which holds its options. {@link UnixSocket} and
 * {@link UnixServerSocket} hand it to the protected constructors of {@link java.net.Socket} and
 * {@link java.net.ServerSocket} and leave the option methods to them: {@code setTcpNoDelay}, {@code
 * setSoTimeout}, {@code setOption}, ... check that the view is open (by its {@code isClosed()}) and
 * their arguments, and ask this impl, by the ids of {@link java.net.SocketOptions} or by {@link
 * SocketOption}. It holds:
 *
 * <ul>
 *   <li>{@code SO_TIMEOUT}: the bound of each read of a socket's streams, or of each accept;
 *   <li>{@code SO_SNDBUF} and {@code SO_RCVBUF} ({@link BufferSize}), real: asked before the view
 *       has its posixipc socket, they are kept and {@link #apply applied} once it has;
 *   <li>the TCP and IP options accepted without effect, because drivers set them whatever the
 *       transport (PgJDBC sets TCP_NODELAY on every connection, and keep-alive when asked). AF_UNIX
 *       has no Nagle algorithm, no keep-alive probes, no lingering close, no type of service, no
 *       urgent data and no address reuse to ask for; a value set is kept and read back, so a driver
 *       that checks what it set sees it.
 * </ul>
 *
 * Options are known by name and type, so that the JDK's extended TCP options ({@code
 * jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE}, ...) are taken too without a dependency on the
 * {@code jdk.net} module; any other is {@link UnsupportedOperationException}. A closed view refuses
 * every option with {@link SocketException} "Socket is closed", also where the JDK does not check
 * ({@code Socket.getTrafficClass}).
 *
 * <p>The rest of a SocketImpl is not used: the views connect, bind, accept, stream and close by
 * methods of their own, which override those of Socket and ServerSocket that would call it. Its
 * methods for these refuse with a {@link SocketException} that names them, so that nothing opens
 * a platform socket behind a view.
 */
final class ViewSocketImpl<H extends Channel> extends SocketImpl {

  /** The options a socket accepts without effect, with the value read back before one is set. */
  private static final Map<String, Object> SOCKET_INERT = Map.of(
      "TCP_NODELAY", Boolean.FALSE,
      "SO_KEEPALIVE", Boolean.FALSE,
      "SO_LINGER", -1,
      "IP_TOS", 0,
      "SO_REUSEADDR", Boolean.FALSE,
      "SO_OOBINLINE", Boolean.FALSE,
      "TCP_KEEPIDLE", 0,
      "TCP_KEEPINTERVAL", 0,
      "TCP_KEEPCOUNT", 0,
      "TCP_QUICKACK", Boolean.FALSE);

  /** The names of the options the JDK asks for by id, SO_TIMEOUT aside. */
  private static final Map<Integer, String> BY_ID = Map.of(TCP_NODELAY, "TCP_NODELAY", SO_KEEPALIVE,
      "SO_KEEPALIVE", SO_LINGER, "SO_LINGER", IP_TOS, "IP_TOS", SO_REUSEADDR, "SO_REUSEADDR", SO_OOBINLINE,
      "SO_OOBINLINE", SO_SNDBUF, "SO_SNDBUF", SO_RCVBUF, "SO_RCVBUF");

  /** "socket" or "server socket", for the messages. */
  private final String kind;
  private final ViewLife<H> life;
  private final List<BufferSize<H>> buffers;
  /** The options accepted without effect, with their defaults. */
  private final Map<String, Object> inertDefaults;
  private final Map<String, Object> inert = new ConcurrentHashMap<>();
  private final Set<SocketOption<?>> supported;
  /** SO_TIMEOUT; null: no bound (0). */
  private volatile Duration timeout;

  private ViewSocketImpl(String kind, ViewLife<H> life, List<BufferSize<H>> buffers,
      Map<String, Object> inertDefaults, Set<SocketOption<?>> supported) {
    this.kind = kind;
    this.life = life;
    this.buffers = buffers;
    this.inertDefaults = inertDefaults;
    this.supported = supported;
  }

  /**
   * The impl of a {@link UnixSocket} of that life: both buffer sizes, and every TCP and IP option
   * without effect ({@code supportedOptions()}: the standard ones among them).
   */
  static ViewSocketImpl<ConnectedSocket> forSocket(ViewLife<ConnectedSocket> life) {
    return new ViewSocketImpl<>("socket", life, List.of(
        new BufferSize<>("SO_SNDBUF", "wmem_default", ConnectedSocket::setSendBufferSize,
            ConnectedSocket::sendBufferSize),
        new BufferSize<>("SO_RCVBUF", "rmem_default", ConnectedSocket::setReceiveBufferSize,
            ConnectedSocket::receiveBufferSize)),
        SOCKET_INERT, Set.of(StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_RCVBUF,
            StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER,
            StandardSocketOptions.IP_TOS, StandardSocketOptions.SO_REUSEADDR));
  }

  /**
   * The impl of a {@link UnixServerSocket} of that life: the receive size, which accepted sockets
   * start with, and SO_REUSEADDR without effect (a path is reused by removing its file, an abstract
   * name is free once closed).
   */
  static ViewSocketImpl<ListeningSocket> forServer(ViewLife<ListeningSocket> life) {
    return new ViewSocketImpl<>("server socket", life, List.of(
        new BufferSize<>("SO_RCVBUF", "rmem_default", ListeningSocket::setReceiveBufferSize,
            ListeningSocket::receiveBufferSize)),
        Map.of("SO_REUSEADDR", Boolean.FALSE),
        Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR));
  }

  /** The life of the view, which says whether it is closed and which posixipc socket it has. */
  ViewLife<H> life() {
    return life;
  }

  /** SO_TIMEOUT, as the bound of a read or an accept: null for none. */
  Duration timeout() {
    return timeout;
  }

  /** Sets the buffer sizes asked before the view had a posixipc socket on h, the one it has now. */
  void apply(H h) throws SocketException {
    for (BufferSize<H> b : buffers) {
      b.apply(h);
    }
  }

  // ------------------------------------------------------------------ options

  @Override
  public void setOption(int id, Object value) throws SocketException {
    requireOpen();
    if (id == SO_TIMEOUT) {
      int millis = (Integer) value;
      timeout = millis == 0 ? null : Duration.ofMillis(millis);
    } else {
      // Socket.setSoLinger(false, ...) passes Boolean.FALSE; as an Integer, off is -1.
      set(name(id), id == SO_LINGER && Boolean.FALSE.equals(value) ? Integer.valueOf(-1) : value);
    }
  }

  @Override
  public Object getOption(int id) throws SocketException {
    requireOpen();
    if (id == SO_TIMEOUT) {
      Duration t = timeout;
      return t == null ? 0 : (int) t.toMillis();
    }
    return get(name(id));
  }

  @Override
  protected <T> void setOption(SocketOption<T> option, T value) throws IOException {
    requireOpen();
    String name = known(option);
    if (!option.type().isInstance(value)) {
      throw badValue(name, value);
    }
    set(name, value);
  }

  @Override
  protected <T> T getOption(SocketOption<T> option) throws IOException {
    requireOpen();
    return option.type().cast(get(known(option)));
  }

  @Override
  protected Set<SocketOption<?>> supportedOptions() {
    return supported;
  }

  private void requireOpen() throws SocketException {
    if (life.isClosed()) {
      throw new SocketException("Socket is closed");
    }
  }

  /** The name of the option that id stands for, when the view has it. */
  private String name(int id) throws SocketException {
    String name = BY_ID.get(id);
    if (name == null || type(name) == null) {
      throw new SocketException("option " + id + " is not supported by an AF_UNIX " + kind);
    }
    return name;
  }

  /** The name of option, when the view has an option of that name and type. */
  private String known(SocketOption<?> option) {
    if (type(option.name()) != option.type()) {
      throw new UnsupportedOperationException("'" + option + "' not supported by an AF_UNIX " + kind);
    }
    return option.name();
  }

  /** The type of the value of the option of that name, Integer or Boolean; null when the view has none. */
  private Class<?> type(String name) {
    if (buffer(name) != null) {
      return Integer.class;
    }
    Object d = inertDefaults.get(name);
    return d == null ? null : d.getClass();
  }

  private BufferSize<H> buffer(String name) {
    for (BufferSize<H> b : buffers) {
      if (b.name().equals(name)) {
        return b;
      }
    }
    return null;
  }

  /** Sets the option of that name to value, of its type. */
  private void set(String name, Object value) throws SocketException {
    BufferSize<H> b = buffer(name);
    if (b == null) {
      inert.put(name, value);
      return;
    }
    int size = (Integer) value;
    if (size <= 0) {
      // Socket's and ServerSocket's setters refuse it before they ask; setOption does not.
      throw badValue(name, value);
    }
    b.set(size, life.handle());
  }

  private Object get(String name) throws SocketException {
    BufferSize<H> b = buffer(name);
    return b != null ? b.get(life.handle()) : inert.getOrDefault(name, inertDefaults.get(name));
  }

  private static IllegalArgumentException badValue(String name, Object value) {
    return new IllegalArgumentException("bad value for " + name + ": " + value);
  }

  // ------------------------------------------------------------------ what the views do themselves

  private static SocketException unused(String call) {
    return new SocketException("SocketImpl." + call + " is not used by posixipc's java.net views, which connect,"
        + " bind, accept and stream by methods of their own");
  }

  @Override
  protected void create(boolean stream) {
    // Nothing to create: the view opens its posixipc socket itself.
  }

  @Override
  protected void close() {
    // The view closes its posixipc socket itself.
  }

  @Override
  protected void connect(String host, int port) throws IOException {
    throw unused("connect");
  }

  @Override
  protected void connect(InetAddress address, int port) throws IOException {
    throw unused("connect");
  }

  @Override
  protected void connect(SocketAddress address, int timeout) throws IOException {
    throw unused("connect");
  }

  @Override
  protected void bind(InetAddress host, int port) throws IOException {
    throw unused("bind");
  }

  @Override
  protected void listen(int backlog) throws IOException {
    throw unused("listen");
  }

  @Override
  protected void accept(SocketImpl s) throws IOException {
    throw unused("accept");
  }

  @Override
  protected InputStream getInputStream() throws IOException {
    throw unused("getInputStream");
  }

  @Override
  protected OutputStream getOutputStream() throws IOException {
    throw unused("getOutputStream");
  }

  @Override
  protected int available() throws IOException {
    throw unused("available");
  }

  @Override
  protected void sendUrgentData(int data) throws IOException {
    throw unused("sendUrgentData");
  }
}
