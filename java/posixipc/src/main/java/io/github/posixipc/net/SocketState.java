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

  private final Object lock = new Object();
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

  /** Unconnected (socket null) with target the address of any IP address (null: none), or connected. */
  SocketState(SocketAddress target, ConnectedSocket socket) {
    this.target = target;
    this.socket = socket;
  }

  /** The posixipc socket, null before the connect. */
  ConnectedSocket socket() {
    return socket;
  }

  /** The connected socket, or a SocketException saying why there is none. */
  ConnectedSocket connected() throws SocketException {
    requireOpen();
    ConnectedSocket s = socket;
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
    if (closed) {
      return true;
    }
    ConnectedSocket s = socket;
    return s != null && !s.isOpen();
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
    synchronized (lock) {
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
    synchronized (lock) {
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
    return s;
  }

  /** After a failed connect the socket is closed, as JDK 25's own Socket does. */
  private void connectFailed() throws IOException {
    synchronized (lock) {
      connecting = false;
    }
    close();
  }

  /** Idempotent; closes the posixipc socket, which wakes a thread blocked on it. */
  void close() throws IOException {
    ConnectedSocket s;
    synchronized (lock) {
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

  /** The IP address asked for, the loopback address when there was none; null when not connected. */
  InetAddress inetAddress() {
    if (socket == null) {
      return null;
    }
    InetSocketAddress a = asked;
    return a != null && a.getAddress() != null ? a.getAddress() : InetAddress.getLoopbackAddress();
  }

  /** The port asked for; 0 when none was, or when not connected. */
  int port() {
    InetSocketAddress a = asked;
    return socket != null && a != null ? a.getPort() : 0;
  }

  /**
   * The AF_UNIX address of the other end (peer) or of this one, asked of the kernel once; null when
   * not connected, or when the kernel cannot say.
   */
  SocketAddress address(boolean peer) {
    ConnectedSocket s = socket;
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
    String where = socket == null ? "unconnected" : r != null ? SocketAddresses.format(r) : "connected";
    InetSocketAddress a = asked;
    return "UnixSocket[" + where + (a != null ? ", for " + a : "") + (isClosed() ? ", closed" : "") + "]";
  }
}
