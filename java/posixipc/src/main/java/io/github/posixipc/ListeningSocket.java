package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A listening socket: binds an address, listens, and accepts connections as {@link
 * ConnectedSocket}s of the same type (STREAM or SEQPACKET) and family (AF_UNIX, AF_INET,
 * AF_INET6).
 *
 * <pre>{@code
 * UnixDomainSocketAddress where = UnixDomainSocketAddress.of("/tmp/app.sock");
 * try (ListeningSocket server = ListeningSocket.bind(where)) {
 *   try (ConnectedSocket client = server.accept()) { ... }
 *   server.unlink(); // a path stays in the file system until it is removed
 * }
 * }</pre>
 *
 * <p>A path address leaves a socket file that outlives the socket, as in POSIX: remove it with
 * {@link #unlink()} (or {@link SocketAddresses#unlink}). Closing never removes it. An abstract
 * name disappears with the last socket bound to it.
 *
 * <p>{@link #accept()} blocked in one thread returns with {@link
 * java.nio.channels.AsynchronousCloseException} when another thread closes the server.
 */
public final class ListeningSocket extends SocketBase {

  /** The backlog unless {@link Options#backlog(int)} says otherwise. */
  public static final int DEFAULT_BACKLOG = 128;

  /** How to listen: {@code ListeningSocket.options().type(SocketType.SEQPACKET).backlog(16)}. */
  public static final class Options {
    private SocketType type = SocketType.STREAM;
    private int backlog = DEFAULT_BACKLOG;

    private Options() {}

    /**
     * {@link SocketType#STREAM} (the default) or {@link SocketType#SEQPACKET}.
     *
     * @throws IllegalArgumentException for {@link SocketType#DATAGRAM}, which does not listen
     */
    public Options type(SocketType type) {
      this.type = ConnectedSocket.requireConnected(type);
      return this;
    }

    /** The most connections waiting to be accepted (default {@value ListeningSocket#DEFAULT_BACKLOG}); not negative. */
    public Options backlog(int backlog) {
      this.backlog = (int) OptionChecks.notNegative(backlog, "backlog");
      return this;
    }
  }

  private final SocketAddress address;

  private ListeningSocket(int fd, SocketType type, SocketAddress address, String what) {
    // Not "nowait": a timed accept waits for readiness and then accepts, which can block if
    // another process takes the connection in between; the deadline signal ends it.
    super(new Descriptor(what + " (fd " + fd + ")", fd, false), type);
    this.address = address;
  }

  /** A fresh set of options: a stream socket, backlog {@value #DEFAULT_BACKLOG}. */
  public static Options options() {
    return new Options();
  }

  /** Binds a stream socket to address and listens. */
  public static ListeningSocket bind(SocketAddress address) throws IOException {
    return bind(address, options());
  }

  /**
   * Binds a socket of the options' type to address and listens. For an IP address, port 0 picks
   * a free port: see {@link #address()}. IP sockets get SO_REUSEADDR.
   *
   * @throws PosixException EADDRINUSE when the path exists or the name or port is taken
   */
  public static ListeningSocket bind(SocketAddress address, Options options) throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(options, "options");
    SocketType type = options.type;
    String what = ConnectedSocket.name(type) + " listening socket " + SocketAddresses.format(address);
    byte[] raw = SocketAddresses.sockaddr(address);
    int family = SocketAddresses.family(address);
    int fd = openFd(family, type, what);
    int r = family != Core.PIPC_AF_UNIX ? Core.pipc_socket_set_option(fd, Core.PIPC_SO_REUSEADDR, 1) : 0;
    String call = "setsockopt(SO_REUSEADDR)";
    if (r >= 0) {
      r = Core.pipc_socket_bind(fd, raw, raw.length);
      call = "bind";
    }
    if (r >= 0) {
      r = Core.pipc_socket_listen(fd, options.backlog);
      call = "listen";
    }
    if (r < 0) {
      closeFd(fd);
      throw PosixException.of(r, call, what);
    }
    SocketAddress bound = address;
    if (address instanceof InetSocketAddress i && i.getPort() == 0) {
      // The port the kernel chose, asked before the descriptor has an owner.
      byte[] actual = new byte[Core.PIPC_SOCKADDR_MAX];
      int len = Core.pipc_socket_local_address(fd, actual, actual.length);
      if (len < 0) {
        closeFd(fd);
        throw PosixException.of(len, "getsockname", what);
      }
      bound = SocketAddresses.fromSockaddr(actual, len);
      what = ConnectedSocket.name(type) + " listening socket " + SocketAddresses.format(bound);
    }
    return new ListeningSocket(fd, type, bound, what);
  }

  /** The address the socket is bound to (with the port chosen by the kernel for port 0). */
  public SocketAddress address() {
    return address;
  }

  /**
   * Accepts a connection, waiting as long as it takes in blocking mode.
   *
   * @throws WouldBlockException in non-blocking mode when no connection is waiting
   */
  public ConnectedSocket accept() throws IOException {
    return acceptOnce(FOREVER);
  }

  /**
   * Accepts a connection, waiting at most timeout whatever the blocking mode.
   *
   * @throws WouldBlockException for Duration.ZERO with no connection waiting
   * @throws TimedOutException when the timeout ran out
   */
  public ConnectedSocket accept(Duration timeout) throws IOException {
    return acceptOnce(Timeouts.nanos(timeout));
  }

  private ConnectedSocket acceptOnce(long timeoutNs) throws IOException {
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
    return new ConnectedSocket((int) r, type(), ConnectedSocket.name(type()) + " socket accepted on "
        + SocketAddresses.format(address));
  }

  /**
   * Removes the socket file of a path address, so that the path can be bound again. The server
   * keeps its connections and can still accept those already queued.
   *
   * @throws PosixException EINVAL for an abstract or IP address (nothing to remove)
   */
  public void unlink() throws IOException {
    if (!SocketAddresses.isPath(address)) {
      throw new PosixException(Errno.EINVAL, "unlink", "socket " + SocketAddresses.format(address) + " (not a path)");
    }
    SocketAddresses.unlink((UnixDomainSocketAddress) address);
  }
}
