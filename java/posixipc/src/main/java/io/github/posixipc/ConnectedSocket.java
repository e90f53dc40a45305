package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * A connected socket: a {@link SocketType#STREAM} byte stream or a {@link SocketType#SEQPACKET}
 * message channel, over AF_UNIX (a path or an abstract name) or over IP (TCP, loopback or beyond).
 * Made by {@link #connect}, {@link #pair}, {@link ListeningSocket#accept()}, or {@link #adopt} of
 * an inherited descriptor. Addresses are {@link java.net.SocketAddress}es: see {@link
 * SocketAddresses}.
 *
 * <pre>{@code
 * try (ConnectedSocket s = ConnectedSocket.connect(UnixDomainSocketAddress.of("/run/app.sock"))) {
 *   s.write(ByteBuffer.wrap("ping".getBytes()));
 *   ByteBuffer reply = ByteBuffer.allocateDirect(64);
 *   s.read(reply, Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <p>Streams: {@link #read} and {@link #write} (blocking writes are complete, as for pipes).
 * Packets: {@link #send} sends one packet, {@link #receive} takes one and says how long it was.
 * Writing to a stream whose peer is gone throws {@link PosixException} EPIPE; a peer that died with
 * data unread makes reads throw ECONNRESET.
 *
 * <p>AF_UNIX extras: {@link #sendFileDescriptors} / {@link #receiveFileDescriptors} pass open
 * descriptors to the other process ({@code SCM_RIGHTS}); {@link #peerCredentials()} says who the
 * other process is ({@code SO_PEERCRED}).
 */
public final class ConnectedSocket extends SocketBase
    implements ByteChannel, TimedReadableByteChannel, TimedWritableByteChannel {

  /** How to connect or pair: {@code ConnectedSocket.options().type(SocketType.SEQPACKET)}. */
  public static final class Options {
    private SocketType type = SocketType.STREAM;

    private Options() {}

    /**
     * {@link SocketType#STREAM} (the default) or {@link SocketType#SEQPACKET}.
     *
     * @throws IllegalArgumentException for {@link SocketType#DATAGRAM}: that is a {@link
     *     DatagramSocket}
     */
    public Options type(SocketType type) {
      this.type = requireConnected(type);
      return this;
    }
  }

  ConnectedSocket(int fd, SocketType type, String what) {
    super(new Descriptor(what + " (fd " + fd + ")", fd, true), type);
  }

  /** A fresh set of options: a stream socket. */
  public static Options options() {
    return new Options();
  }

  /** Connects a stream socket to address, waiting as long as it takes. */
  public static ConnectedSocket connect(SocketAddress address) throws IOException {
    return connect(address, options(), null);
  }

  /** Connects a socket of the options' type to address, waiting as long as it takes. */
  public static ConnectedSocket connect(SocketAddress address, Options options) throws IOException {
    return connect(address, options, null);
  }

  /**
   * Connects a socket of the options' type to address.
   *
   * @param timeout null waits as long as it takes; otherwise at most that long
   * @throws NotFoundException when no socket file is at the path
   * @throws PosixException ECONNREFUSED when nobody listens there
   * @throws TimedOutException when the timeout ran out
   * @throws IllegalArgumentException for an address of a kind posixipc does not know, or an
   *     unresolved one
   */
  public static ConnectedSocket connect(SocketAddress address, Options options, Duration timeout)
      throws IOException {
    Objects.requireNonNull(address, "address");
    SocketType type = Objects.requireNonNull(options, "options").type;
    long t = Timeouts.nanos(timeout);
    String what = name(type) + " socket to " + SocketAddresses.format(address);
    return connected(new ConnectedSocket(openFd(SocketAddresses.family(address), type, what), type, what),
        address, t);
  }

  /** A connected pair of AF_UNIX stream sockets ({@code socketpair}). */
  public static ConnectedSocket[] pair() throws IOException {
    return pair(options());
  }

  /** A connected pair of AF_UNIX sockets of the options' type. */
  public static ConnectedSocket[] pair(Options options) throws IOException {
    SocketType type = Objects.requireNonNull(options, "options").type;
    int[] fds = new int[2];
    int r = Core.pipc_socket_pair(type.value, 0, fds);
    if (r < 0) {
      throw PosixException.of(r, "socketpair", name(type) + " socket pair");
    }
    return new ConnectedSocket[] {
      new ConnectedSocket(fds[0], type, name(type) + " socket pair end 0"),
      new ConnectedSocket(fds[1], type, name(type) + " socket pair end 1")
    };
  }

  /**
   * Takes over a connected stream or seqpacket socket this process inherited as descriptor fd, or
   * received with {@link #receiveFileDescriptors}. The socket owns the descriptor from then on and
   * makes it close-on-exec.
   *
   * @throws PosixException EBADF when fd is not open, ENOTSOCK when it is not a socket
   * @throws IllegalArgumentException when it is a datagram socket (fd stays open)
   */
  public static ConnectedSocket adopt(int fd) throws IOException {
    int r = Core.pipc_socket_adopt(fd);
    if (r < 0) {
      throw PosixException.of(r, "adopt", "inherited socket (fd " + fd + ")");
    }
    SocketType type = SocketType.of(r);
    if (type == SocketType.DATAGRAM) {
      throw new IllegalArgumentException("fd " + fd + " is a datagram socket: not a ConnectedSocket");
    }
    return new ConnectedSocket(fd, type, "inherited " + name(type) + " socket");
  }

  /** STREAM or SEQPACKET: the types that connect, for connected and listening sockets alike. */
  static SocketType requireConnected(SocketType type) {
    if (Objects.requireNonNull(type, "type") == SocketType.DATAGRAM) {
      throw new IllegalArgumentException("a connection is STREAM or SEQPACKET; a DATAGRAM socket is a DatagramSocket");
    }
    return type;
  }

  static String name(SocketType type) {
    return type == SocketType.STREAM ? "stream" : type == SocketType.SEQPACKET ? "seqpacket" : "datagram";
  }

  // ------------------------------------------------------------------ streams

  /**
   * Reads up to dst.remaining() bytes (on a seqpacket socket: one packet, its rest dropped when
   * it does not fit; see {@link #receive}), waiting at most timeout whatever the blocking mode;
   * {@link #read(ByteBuffer)} is this with null, which follows the blocking mode.
   *
   * @return the number of bytes read, or -1 at end of stream
   * @throws PosixException ECONNRESET when the peer went away with data unread
   */
  @Override
  public int read(ByteBuffer dst, Duration timeout) throws IOException {
    return readBuffer(dst, Timeouts.nanos(timeout));
  }

  /**
   * Writes src.remaining() bytes, waiting at most timeout for room whatever the blocking mode;
   * {@link #write(ByteBuffer)} is this with null, which writes all of them in blocking mode. On a
   * seqpacket socket use {@link #send}, which keeps one buffer one packet.
   *
   * @throws PosixException EPIPE when the peer is gone
   */
  @Override
  public int write(ByteBuffer src, Duration timeout) throws IOException {
    return writeBuffer(src, Timeouts.nanos(timeout));
  }

  /** An input stream (blocking mode only); closing it closes the socket. */
  public InputStream inputStream() {
    return newInputStream();
  }

  /** An output stream (blocking mode only); closing it closes the socket. */
  public OutputStream outputStream() {
    return newOutputStream();
  }

  // ------------------------------------------------------------------ packets

  /**
   * Sends src's remaining bytes in one call: on a seqpacket socket, one packet. Returns the bytes
   * sent.
   *
   * @throws WouldBlockException in non-blocking mode when there is no room now
   * @throws PosixException EMSGSIZE when the packet is larger than the socket can take
   */
  public int send(ByteBuffer src) throws IOException {
    return sendMessage(src, null, FOREVER);
  }

  /** Sends one packet, waiting at most timeout for room. */
  public int send(ByteBuffer src, Duration timeout) throws IOException {
    return sendMessage(src, null, Timeouts.nanos(timeout));
  }

  /**
   * Receives one packet (seqpacket) into dst and returns its full length: when that is more than
   * dst had room for, the rest of the packet was dropped. 0 is an empty packet or the end of the
   * stream (the kernel does not tell them apart on a seqpacket socket). On a stream socket it
   * reads what is there, as {@link #read} does: the count, or -1 at end of stream.
   *
   * @throws WouldBlockException in non-blocking mode when nothing is waiting
   */
  public int receive(ByteBuffer dst) throws IOException {
    return type() == SocketType.STREAM ? streamReceive(dst, FOREVER) : receiveMessage(dst, FOREVER);
  }

  /** Receives one packet, waiting at most timeout. */
  public int receive(ByteBuffer dst, Duration timeout) throws IOException {
    long t = Timeouts.nanos(timeout);
    return type() == SocketType.STREAM ? streamReceive(dst, t) : receiveMessage(dst, t);
  }

  /**
   * A receive on a stream is a read whose "nothing now" is thrown, as for every message call; its
   * end of stream stays -1, as in {@link #read}, so that the two never disagree.
   */
  private int streamReceive(ByteBuffer dst, long t) throws IOException {
    int n = readBuffer(dst, t);
    if (n == 0 && dst.hasRemaining()) {
      throw wouldBlock("recv");
    }
    return n;
  }

  // ------------------------------------------------------------------ AF_UNIX extras

  /**
   * Sends data (at least one byte) together with raw descriptors of this process. The receiver
   * gets new descriptors for the same open files; this process keeps its own.
   *
   * @return the bytes of data sent
   * @throws IllegalArgumentException for more than {@link #MAX_FDS_PER_MESSAGE} descriptors, a
   *     negative one, or no data
   * @throws PosixException EBADF when one of them is not open
   */
  public int sendFileDescriptors(ByteBuffer data, int... fds) throws IOException {
    return sendDescriptors(data, fds, NO_HANDLES, null, FOREVER);
  }

  /**
   * Sends data (at least one byte) together with the descriptors of handles of this library
   * (pipe ends, FIFOs, sockets); each is kept open for the duration of the call.
   */
  public int sendFileDescriptors(ByteBuffer data, DescriptorHandle... handles) throws IOException {
    return sendDescriptors(data, NO_FDS, handles, null, FOREVER);
  }

  /**
   * Receives data into dst together with at most maxFds descriptors. The descriptors are
   * close-on-exec and belong to the caller; descriptors beyond maxFds are closed by the library
   * and reported by {@link ReceivedMessage#controlTruncated()}.
   *
   * @return the message
   * @throws WouldBlockException in non-blocking mode when nothing is waiting
   */
  public ReceivedMessage receiveFileDescriptors(ByteBuffer dst, int maxFds) throws IOException {
    return receiveControl(dst, maxFds, false, FOREVER, new ReceivedMessage());
  }

  /** {@link #receiveFileDescriptors(ByteBuffer, int)} waiting at most timeout. */
  public ReceivedMessage receiveFileDescriptors(ByteBuffer dst, int maxFds, Duration timeout)
      throws IOException {
    return receiveControl(dst, maxFds, false, Timeouts.nanos(timeout), new ReceivedMessage());
  }

  /**
   * {@link #receiveFileDescriptors(ByteBuffer, int, Duration)} into a holder the caller reuses:
   * with a direct dst, a loop allocates nothing (read the descriptors with {@link
   * ReceivedMessage#fileDescriptorCount()} and {@link ReceivedMessage#fileDescriptor(int)}).
   *
   * @param timeout null: wait as the blocking mode says; otherwise at most that long
   * @param into the holder to fill; returned
   */
  public ReceivedMessage receiveFileDescriptors(ByteBuffer dst, int maxFds, Duration timeout,
      ReceivedMessage into) throws IOException {
    return receiveControl(dst, maxFds, false, Timeouts.nanos(timeout), into);
  }

  /**
   * The process at the other end, as it was when the connection was made ({@code SO_PEERCRED};
   * for a pair, the process that made it).
   */
  public Credentials peerCredentials() throws IOException {
    int[] c = new int[3];
    withFd(fd -> Core.pipc_socket_peer_credentials(fd, c), "getsockopt(SO_PEERCRED)");
    return new Credentials(c[0], c[1], c[2]);
  }

  /** The address of the other end ({@code getpeername}). */
  public SocketAddress remoteAddress() throws IOException {
    byte[] raw = new byte[Core.PIPC_SOCKADDR_MAX];
    int len = (int) withFd(fd -> Core.pipc_socket_peer_address(fd, raw, raw.length), "getpeername");
    return SocketAddresses.fromSockaddr(raw, len);
  }

  /** Ends the reading direction: reads return end of stream. */
  public void shutdownInput() throws IOException {
    withFd(fd -> Core.pipc_socket_shutdown(fd, Core.PIPC_SHUT_READ), "shutdown(SHUT_RD)");
  }

  /** Ends the writing direction: the peer reads end of stream once it has read what was sent. */
  public void shutdownOutput() throws IOException {
    withFd(fd -> Core.pipc_socket_shutdown(fd, Core.PIPC_SHUT_WRITE), "shutdown(SHUT_WR)");
  }

  /** TCP only: turns Nagle's algorithm off (true) or on. */
  public void setTcpNoDelay(boolean on) throws IOException {
    withFd(fd -> Core.pipc_socket_set_option(fd, Core.PIPC_TCP_NODELAY, on ? 1 : 0), "setsockopt(TCP_NODELAY)");
  }
}
