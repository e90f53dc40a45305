package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A listening socket: binds an address, listens, and accepts connections as {@link UnixSocket}s
 * of the same type (STREAM or SEQPACKET) and family (AF_UNIX, AF_INET, AF_INET6).
 *
 * <pre>{@code
 * UnixSocketAddress where = UnixSocketAddress.of(Path.of("/tmp/app.sock"));
 * try (UnixServerSocket server = UnixServerSocket.bind(where)) {
 *   try (UnixSocket client = server.accept()) { ... }
 * } finally {
 *   where.unlink(); // a path stays in the file system until it is removed
 * }
 * }</pre>
 *
 * <p>A path address leaves a socket file that outlives the socket, as in POSIX: remove it with
 * {@link #unlink()} (or {@link UnixSocketAddress#unlink()}). Closing never removes it. An abstract
 * name disappears with the last socket bound to it.
 *
 * <p>{@link #accept()} blocked in one thread returns with {@link
 * java.nio.channels.AsynchronousCloseException} when another thread closes the server.
 */
public final class UnixServerSocket extends UnixSocketChannel {

  /** The backlog of {@link #bind(UnixSocketAddress)}. */
  public static final int DEFAULT_BACKLOG = 128;

  private final UnixSocketAddress address;

  private UnixServerSocket(int fd, SocketType type, UnixSocketAddress address, String what) {
    // Not "nowait": a timed accept waits for readiness and then accepts, which can block if
    // another process takes the connection in between; the deadline signal ends it.
    super(new Descriptor(what + " (fd " + fd + ")", fd, false), type);
    this.address = address;
  }

  /** Binds a stream socket to address and listens. */
  public static UnixServerSocket bind(UnixSocketAddress address) throws IOException {
    return bind(address, SocketType.STREAM, DEFAULT_BACKLOG);
  }

  /**
   * Binds a socket of type (STREAM or SEQPACKET) to address and listens with backlog. For an IP
   * address, port 0 picks a free port: see {@link #address()}. IP sockets get SO_REUSEADDR.
   *
   * @throws PosixException EADDRINUSE when the path exists or the name or port is taken
   */
  public static UnixServerSocket bind(UnixSocketAddress address, SocketType type, int backlog)
      throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(type, "type");
    if (type == SocketType.DATAGRAM) {
      throw new IllegalArgumentException("a datagram socket does not listen; use UnixDatagramSocket.bind");
    }
    if (backlog < 0) {
      throw new IllegalArgumentException("negative backlog: " + backlog);
    }
    String what = UnixSocket.name(type) + " server socket " + address;
    int fd = openFd(address.family(), type, what);
    byte[] raw = address.sockaddr();
    int r = address.family() != Core.PIPC_AF_UNIX ? Core.pipc_socket_set_option(fd, Core.PIPC_SO_REUSEADDR, 1) : 0;
    String call = "setsockopt(SO_REUSEADDR)";
    if (r >= 0) {
      r = Core.pipc_socket_bind(fd, raw, raw.length);
      call = "bind";
    }
    if (r >= 0) {
      r = Core.pipc_socket_listen(fd, backlog);
      call = "listen";
    }
    if (r < 0) {
      closeFd(fd);
      throw PosixException.of(r, call, what);
    }
    UnixSocketAddress bound = address;
    if (address.port() == 0) {
      // The port the kernel chose, asked before the descriptor has an owner.
      byte[] actual = new byte[Core.PIPC_SOCKADDR_MAX];
      int len = Core.pipc_socket_local_address(fd, actual, actual.length);
      if (len < 0) {
        closeFd(fd);
        throw PosixException.of(len, "getsockname", what);
      }
      bound = UnixSocketAddress.fromSockaddr(actual, len);
      what = UnixSocket.name(type) + " server socket " + bound;
    }
    return new UnixServerSocket(fd, type, bound, what);
  }

  /** The address the server is bound to (with the port chosen by the kernel for port 0). */
  public UnixSocketAddress address() {
    return address;
  }

  /**
   * Accepts a connection, waiting as long as it takes in blocking mode.
   *
   * @throws WouldBlockException in non-blocking mode when no connection is waiting
   */
  public UnixSocket accept() throws IOException {
    return acceptOnce(FOREVER);
  }

  /**
   * Accepts a connection, waiting at most timeout whatever the blocking mode.
   *
   * @throws WouldBlockException for Duration.ZERO with no connection waiting
   * @throws TimedOutException when the timeout ran out
   */
  public UnixSocket accept(Duration timeout) throws IOException {
    return acceptOnce(Timeouts.nanos(timeout));
  }

  private UnixSocket acceptOnce(long timeoutNs) throws IOException {
    long[] accepted = {-1};
    Call op = (fd, a, b, c, t) -> {
      long r = Core.pipc_socket_accept(fd, 0, t);
      if (r >= 0) {
        accepted[0] = r;
      }
      return r;
    };
    long r;
    try {
      r = call(op, 0, 0, 0, timeoutNs, true, "accept");
    } catch (IOException | RuntimeException e) {
      // Accepted just as a close or an interrupt ended the call: nobody will get it.
      if (accepted[0] >= 0) {
        closeFd((int) accepted[0]);
      }
      throw e;
    }
    if (r < 0) {
      throw wouldBlock("accept");
    }
    return new UnixSocket((int) r, type(), UnixSocket.name(type()) + " socket accepted on " + address);
  }

  /**
   * Removes the socket file of a path address, so that the path can be bound again. The server
   * keeps its connections and can still accept those already queued.
   *
   * @throws PosixException EINVAL for an abstract or IP address (nothing to remove)
   */
  public void unlink() throws IOException {
    if (address.kind() != UnixSocketAddress.Kind.PATH) {
      throw new PosixException(Errno.EINVAL, "unlink", "socket " + address + " (not a path)");
    }
    address.unlink();
  }
}
