package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.SocketAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;

/**
 * Where a {@link UnixSocket} is in its life, and what it reports of it: unconnected, connecting,
 * connected over a posixipc {@link ConnectedSocket}, closed; the IP address a library asked a
 * factory for, and the AF_UNIX addresses of both ends. The view's java.net methods are its face;
 * the connect, the close and the answers about addresses are made here.
 */
final class SocketState {

  private final ViewLife<ConnectedSocket> life;
  /** The address a connect to an InetSocketAddress goes to (a factory's socket), or null. */
  private final SocketAddress target;
  /** The IP address and port the caller connected to, reported by getInetAddress and getPort. */
  private volatile InetSocketAddress asked;
  /** The AF_UNIX address connected to, or got from the kernel for an adopted socket. */
  private volatile SocketAddress remote;
  private volatile SocketAddress local;

  /**
   * Connected over the socket of life, or unconnected (none yet), a connect to any IP address then
   * going to target (null: none).
   */
  SocketState(SocketAddress target, ViewLife<ConnectedSocket> life) {
    this.target = target;
    this.life = life;
  }

  /** The posixipc socket, null before the connect. */
  ConnectedSocket socket() {
    return life.handle();
  }

  /** The connected socket, or a SocketException saying why there is none. */
  ConnectedSocket connected() throws SocketException {
    requireOpen();
    ConnectedSocket s = life.handle();
    if (s == null) {
      throw new SocketException("Socket is not connected");
    }
    return s;
  }

  void requireOpen() throws SocketException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
  }

  /** Closed by the view, or its posixipc socket closed: by a stream's close, an interrupt, or directly. */
  boolean isClosed() {
    return life.isClosed();
  }

  /** {@link UnixSocket#connect(SocketAddress, int)}, but for the buffer sizes asked before it: the socket made. */
  ConnectedSocket connect(SocketAddress endpoint, int timeout) throws IOException {
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
    life.begin();
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
    SocketAddress reached = where;
    InetSocketAddress forIp = ip;
    life.made(s, () -> {
      remote = reached;
      asked = forIp;
    });
    return s;
  }

  /** After a failed connect the socket is closed, as JDK 25's own Socket does. */
  private void connectFailed() throws IOException {
    life.failed();
    close();
  }

  /** Idempotent; closes the posixipc socket, which wakes a thread blocked on it. */
  void close() throws IOException {
    life.close();
  }

  /** The IP address asked for, the loopback address when there was none; null when not connected. */
  InetAddress inetAddress() {
    if (life.handle() == null) {
      return null;
    }
    InetSocketAddress a = asked;
    return a != null && a.getAddress() != null ? a.getAddress() : InetAddress.getLoopbackAddress();
  }

  /** The port asked for; 0 when none was, or when not connected. */
  int port() {
    InetSocketAddress a = asked;
    return life.handle() != null && a != null ? a.getPort() : 0;
  }

  /**
   * The AF_UNIX address of the other end (peer) or of this one, asked of the kernel once; null when
   * not connected, or when the kernel cannot say.
   */
  SocketAddress address(boolean peer) {
    ConnectedSocket s = life.handle();
    if (s == null) {
      return null;
    }
    SocketAddress a = peer ? remote : local;
    if (a != null) {
      return a;
    }
    try {
      a = peer ? s.remoteAddress() : s.localAddress();
    } catch (IOException e) {
      return null;
    }
    if (peer) {
      remote = a;
    } else {
      local = a;
    }
    return a;
  }

  /** The view's toString: its AF_UNIX address and state, and the IP address asked for, if any. */
  @Override
  public String toString() {
    SocketAddress r = remote;
    String where = life.handle() == null ? "unconnected" : r != null ? SocketAddresses.format(r) : "connected";
    InetSocketAddress a = asked;
    return "UnixSocket[" + where + (a != null ? ", for " + a : "") + (isClosed() ? ", closed" : "") + "]";
  }
}
