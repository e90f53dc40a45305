package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Objects;
import java.util.Set;

/**
 * The options of a {@link UnixSocket}: {@code SO_SNDBUF} and {@code SO_RCVBUF}, real (asked before
 * the connect, applied by it), and the TCP and IP options of {@link InertOptions}; with the
 * by-name {@code setOption} and {@code getOption} over both.
 */
final class SocketOptions {

  /** What {@link UnixSocket#supportedOptions()} gives: the real buffer sizes and the inert TCP/IP ones. */
  static final Set<SocketOption<?>> SUPPORTED = Set.of(StandardSocketOptions.SO_SNDBUF,
      StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_KEEPALIVE,
      StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS, StandardSocketOptions.SO_REUSEADDR);

  private final SocketState state;
  private final InertOptions inert;
  private final BufferSize<ConnectedSocket> sendBuffer = new BufferSize<>("SO_SNDBUF", "wmem_default",
      "negative send size", ConnectedSocket::setSendBufferSize, ConnectedSocket::sendBufferSize,
      NetErrors::socketException);
  private final BufferSize<ConnectedSocket> receiveBuffer = new BufferSize<>("SO_RCVBUF", "rmem_default",
      "invalid receive size", ConnectedSocket::setReceiveBufferSize, ConnectedSocket::receiveBufferSize,
      NetErrors::socketException);

  SocketOptions(SocketState state, InertOptions inert) {
    this.state = state;
    this.inert = inert;
  }

  /** Sets the buffer sizes asked before the connect on s, the socket it made; closes the view when that fails. */
  void apply(ConnectedSocket s) throws IOException {
    try {
      sendBuffer.apply(s);
      receiveBuffer.apply(s);
    } catch (IOException e) {
      state.close();
      throw NetErrors.of(e, "setsockopt");
    }
  }

  void setSendBufferSize(int size) throws SocketException {
    set(sendBuffer, size);
  }

  int sendBufferSize() throws SocketException {
    return get(sendBuffer);
  }

  void setReceiveBufferSize(int size) throws SocketException {
    set(receiveBuffer, size);
  }

  int receiveBufferSize() throws SocketException {
    return get(receiveBuffer);
  }

  private void set(BufferSize<ConnectedSocket> buffer, int size) throws SocketException {
    buffer.check(size);
    state.requireOpen();
    buffer.set(size, state.socket());
  }

  private int get(BufferSize<ConnectedSocket> buffer) throws SocketException {
    state.requireOpen();
    return buffer.get(state.socket());
  }

  /** {@link UnixSocket#setOption}: a buffer size, or an inert option by name. */
  void set(SocketOption<?> name, Object value) throws SocketException {
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
  }

  /** {@link UnixSocket#getOption}. */
  <T> T get(SocketOption<T> name) throws SocketException {
    Objects.requireNonNull(name, "name");
    Object v;
    if (name == StandardSocketOptions.SO_SNDBUF) {
      v = sendBufferSize();
    } else if (name == StandardSocketOptions.SO_RCVBUF) {
      v = receiveBufferSize();
    } else if (InertOptions.knows(name.name())) {
      v = inert.get(name.name());
    } else {
      throw InertOptions.unsupported(name, "socket");
    }
    return name.type().cast(v);
  }
}
