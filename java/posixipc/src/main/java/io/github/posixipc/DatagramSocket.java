package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * A datagram socket: every send is one message, delivered whole or not at all, with its
 * boundaries kept. AF_UNIX datagrams are reliable and ordered between two sockets of one machine;
 * over IP (UDP) they may be lost or reordered.
 *
 * <pre>{@code
 * try (DatagramSocket server = DatagramSocket.bind(AbstractSocketAddress.of("svc"));
 *     DatagramSocket client = DatagramSocket.open()) {
 *   client.send(ByteBuffer.wrap("hello".getBytes()), server.localAddress());
 *   ByteBuffer buf = ByteBuffer.allocateDirect(1024);
 *   int length = server.receive(buf); // the datagram's full length
 * }
 * }</pre>
 *
 * <p>A message larger than the buffer given to {@link #receive} is cut: the call returns its full
 * length so that the caller can tell. A bound path stays in the file system until {@link
 * #unlink()} removes it.
 */
public final class DatagramSocket extends SocketBase {

  private DatagramSocket(int fd, String what) {
    super(new Descriptor(what + " (fd " + fd + ")", fd, true), SocketType.DATAGRAM);
  }

  /** An unbound AF_UNIX datagram socket (it can send; replies need a bound sender). */
  public static DatagramSocket open() throws IOException {
    String what = "datagram socket";
    return new DatagramSocket(openFd(Core.PIPC_AF_UNIX, SocketType.DATAGRAM, what), what);
  }

  /**
   * A datagram socket bound to address (AF_UNIX path or abstract name, or IP address and port,
   * where port 0 picks a free port: see {@link #localAddress()}).
   *
   * @throws PosixException EADDRINUSE when the path exists or the name or port is taken
   */
  public static DatagramSocket bind(SocketAddress address) throws IOException {
    Objects.requireNonNull(address, "address");
    String what = "datagram socket " + SocketAddresses.format(address);
    byte[] raw = SocketAddresses.sockaddr(address);
    int fd = openFd(SocketAddresses.family(address), SocketType.DATAGRAM, what);
    int r = Core.pipc_socket_bind(fd, raw, raw.length);
    if (r < 0) {
      closeFd(fd);
      throw PosixException.of(r, "bind", what);
    }
    return new DatagramSocket(fd, what);
  }

  /**
   * A datagram socket of address's family connected to address: {@link #send(ByteBuffer)} goes
   * there, and only datagrams from there are received.
   */
  public static DatagramSocket connect(SocketAddress address) throws IOException {
    Objects.requireNonNull(address, "address");
    String what = "datagram socket to " + SocketAddresses.format(address);
    return connected(new DatagramSocket(openFd(SocketAddresses.family(address), SocketType.DATAGRAM, what), what),
        address, FOREVER);
  }

  /** A connected pair of AF_UNIX datagram sockets. */
  public static DatagramSocket[] pair() throws IOException {
    int[] fds = new int[2];
    int r = Core.pipc_socket_pair(Core.PIPC_SOCK_DGRAM, 0, fds);
    if (r < 0) {
      throw PosixException.of(r, "socketpair", "datagram socket pair");
    }
    return new DatagramSocket[] {
      new DatagramSocket(fds[0], "datagram socket pair end 0"),
      new DatagramSocket(fds[1], "datagram socket pair end 1")
    };
  }

  /**
   * Sends src's remaining bytes as one datagram to target. Returns the bytes sent.
   *
   * @throws WouldBlockException in non-blocking mode when there is no room now
   * @throws PosixException EMSGSIZE when the datagram is too big, ECONNREFUSED / ENOENT when
   *     nothing is bound at target
   */
  public int send(ByteBuffer src, SocketAddress target) throws IOException {
    return sendMessage(src, Objects.requireNonNull(target, "target"), FOREVER);
  }

  /** Sends one datagram to target, waiting at most timeout for room. */
  public int send(ByteBuffer src, SocketAddress target, Duration timeout) throws IOException {
    return sendMessage(src, Objects.requireNonNull(target, "target"), Timeouts.nanos(timeout));
  }

  /** Sends one datagram to the connected address. */
  public int send(ByteBuffer src) throws IOException {
    return sendMessage(src, null, FOREVER);
  }

  /**
   * Receives one datagram into dst; returns its full length (more than was stored when it did not
   * fit; the rest is dropped).
   *
   * @throws WouldBlockException in non-blocking mode when nothing is waiting
   */
  public int receive(ByteBuffer dst) throws IOException {
    return receiveMessage(dst, FOREVER);
  }

  /** Receives one datagram, waiting at most timeout whatever the blocking mode. */
  public int receive(ByteBuffer dst, Duration timeout) throws IOException {
    return receiveMessage(dst, Timeouts.nanos(timeout));
  }

  /**
   * Receives one datagram with its sender's address, at most maxFds descriptors, and the
   * sender's credentials when credential passing is on.
   *
   * @throws WouldBlockException in non-blocking mode when nothing is waiting
   */
  public ReceivedMessage receiveMessage(ByteBuffer dst, int maxFds, Duration timeout) throws IOException {
    return receiveControl(dst, maxFds, true, Timeouts.nanos(timeout), new ReceivedMessage());
  }

  /**
   * {@link #receiveMessage(ByteBuffer, int, Duration)} into a holder the caller reuses: with a
   * direct dst, a loop allocates nothing while the sender and its credentials stay the same
   * (the holder keeps their objects).
   *
   * @param into the holder to fill; returned
   */
  public ReceivedMessage receiveMessage(ByteBuffer dst, int maxFds, Duration timeout, ReceivedMessage into)
      throws IOException {
    return receiveControl(dst, maxFds, true, Timeouts.nanos(timeout), into);
  }

  /** Sends one datagram with descriptors to target (null: the connected address). */
  public int sendFileDescriptors(ByteBuffer data, SocketAddress target, int... fds) throws IOException {
    return sendDescriptors(data, fds, NO_HANDLES, target, FOREVER);
  }

  /** Sends one datagram with the descriptors of handles to target (null: the connected address). */
  public int sendFileDescriptors(ByteBuffer data, SocketAddress target, DescriptorHandle... handles)
      throws IOException {
    return sendDescriptors(data, NO_FDS, handles, target, FOREVER);
  }

  /**
   * Removes the socket file of the path this socket is bound to.
   *
   * @throws PosixException EINVAL when it is not bound to a path
   */
  public void unlink() throws IOException {
    SocketAddress a = localAddress();
    if (!SocketAddresses.isPath(a)) {
      throw new PosixException(Errno.EINVAL, "unlink", "socket " + SocketAddresses.format(a) + " (not a path)");
    }
    SocketAddresses.unlink((UnixDomainSocketAddress) a);
  }
}
