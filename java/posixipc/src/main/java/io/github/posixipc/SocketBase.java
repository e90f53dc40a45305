package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.util.Objects;

/**
 * What every socket of posixipc shares: {@link ConnectedSocket} (connected stream or seqpacket),
 * {@link ListeningSocket} and {@link DatagramSocket}. The family is AF_UNIX, or AF_INET /
 * AF_INET6 when the address says so: the same calls work over IP. Package-private: a caller
 * holds one of the three, and their public methods declared here are theirs.
 *
 * <p>Close, interrupts and blocking mode behave as for every {@link DescriptorChannel}: a thread
 * blocked in accept, connect, read or receive returns with {@link
 * java.nio.channels.AsynchronousCloseException} when another thread closes the socket, and an
 * interrupt closes it ({@link java.nio.channels.ClosedByInterruptException}).
 */
abstract class SocketBase extends DescriptorChannel {

  static {
    Native.ensureLoaded();
  }

  /** The most descriptors one message can carry (the kernel's SCM_MAX_FD). */
  public static final int MAX_FDS_PER_MESSAGE = Core.PIPC_SOCKET_MAX_FDS;

  static final Call SEND = (fd, buf, len, unused, t) -> Core.pipc_socket_send(fd, buf, len, 0, t);
  static final Call RECV = (fd, buf, len, flags, t) -> Core.pipc_socket_recv(fd, buf, len, (int) flags, t);
  /** sendmsg to an address: b packs the length (low 32 bits) and the address length (high). */
  static final Call SENDTO = (fd, buf, lenAndAddrlen, addr, t) -> Core.pipc_socket_sendmsg(fd, buf,
      lenAndAddrlen & 0xffffffffL, 0, 0, addr, lenAndAddrlen >>> 32, t);
  static final Call CONNECT = (fd, addr, addrlen, unused, t) -> Core.pipc_socket_connect(fd, addr, addrlen, t);

  // The pipc_msg_info block (socket.h), then room for the sender's address and the descriptors.
  private static final int INFO_NFDS = Core.PIPC_MSG_INFO_NFDS;
  private static final int INFO_FLAGS = Core.PIPC_MSG_INFO_FLAGS;
  private static final int INFO_ADDRLEN = Core.PIPC_MSG_INFO_ADDRLEN;
  private static final int INFO_HAS_CRED = Core.PIPC_MSG_INFO_HAS_CREDENTIALS;
  private static final int INFO_PID = Core.PIPC_MSG_INFO_PID;
  private static final int INFO_UID = Core.PIPC_MSG_INFO_UID;
  private static final int INFO_GID = Core.PIPC_MSG_INFO_GID;
  private static final int CTL_ADDR = Core.PIPC_MSG_INFO_SIZE;
  private static final int CTL_FDS = CTL_ADDR + Core.PIPC_SOCKADDR_MAX;
  private static final int CTL_SIZE = CTL_FDS + 4 * Core.PIPC_SOCKET_MAX_FDS;

  private static final ThreadLocal<AddressScratch> ADDRESS = ThreadLocal.withInitial(AddressScratch::new);

  private final SocketType type;
  private Buffers.Cached sendCache;
  private Buffers.Cached receiveCache;

  SocketBase(Descriptor descriptor, SocketType type) {
    super(descriptor);
    this.type = type;
  }

  /** Stream, datagram or seqpacket. */
  public final SocketType type() {
    return type;
  }

  /**
   * The address this socket is bound to ({@code getsockname}): see {@link SocketAddresses} for
   * the types; an unnamed AF_UNIX socket gives a {@link java.net.UnixDomainSocketAddress} with an
   * empty path.
   */
  public final SocketAddress localAddress() throws IOException {
    byte[] raw = new byte[Core.PIPC_SOCKADDR_MAX];
    int len = (int) withFd(fd -> Core.pipc_socket_local_address(fd, raw, raw.length), "getsockname");
    return SocketAddresses.fromSockaddr(raw, len);
  }

  /** The size of the send buffer in bytes ({@code SO_SNDBUF}). */
  public final int sendBufferSize() throws IOException {
    return (int) withFd(fd -> Core.pipc_socket_get_option(fd, Core.PIPC_SO_SNDBUF), "getsockopt(SO_SNDBUF)");
  }

  /** Asks for a send buffer of bytes; the kernel doubles it and applies its limits. */
  public final void setSendBufferSize(int bytes) throws IOException {
    requirePositive(bytes, "send buffer size");
    withFd(fd -> Core.pipc_socket_set_option(fd, Core.PIPC_SO_SNDBUF, bytes), "setsockopt(SO_SNDBUF)");
  }

  /** The size of the receive buffer in bytes ({@code SO_RCVBUF}). */
  public final int receiveBufferSize() throws IOException {
    return (int) withFd(fd -> Core.pipc_socket_get_option(fd, Core.PIPC_SO_RCVBUF), "getsockopt(SO_RCVBUF)");
  }

  /** Asks for a receive buffer of bytes; the kernel doubles it and applies its limits. */
  public final void setReceiveBufferSize(int bytes) throws IOException {
    requirePositive(bytes, "receive buffer size");
    withFd(fd -> Core.pipc_socket_set_option(fd, Core.PIPC_SO_RCVBUF, bytes), "setsockopt(SO_RCVBUF)");
  }

  /**
   * Turns credential passing on or off ({@code SO_PASSCRED}, AF_UNIX): when on, every message
   * received carries the sender's {@link Credentials}, see {@link ReceivedMessage#credentials()}.
   */
  public final void setPassCredentials(boolean on) throws IOException {
    withFd(fd -> Core.pipc_socket_set_option(fd, Core.PIPC_SO_PASSCRED, on ? 1 : 0), "setsockopt(SO_PASSCRED)");
  }

  /** Whether credential passing is on. */
  public final boolean passCredentials() throws IOException {
    return withFd(fd -> Core.pipc_socket_get_option(fd, Core.PIPC_SO_PASSCRED), "getsockopt(SO_PASSCRED)") != 0;
  }

  @Override
  final Call readCall() {
    return RECV;
  }

  @Override
  final Call writeCall() {
    return SEND;
  }

  private static void requirePositive(int bytes, String what) {
    if (bytes <= 0) {
      throw new IllegalArgumentException(what + " must be positive: " + bytes);
    }
  }

  // ------------------------------------------------------------------ for the subclasses

  /** Creates a socket descriptor; throws on failure. */
  static int openFd(int family, SocketType type, String what) throws IOException {
    int[] fd = new int[1];
    int r = Core.pipc_socket_create(family, type.value, 0, fd);
    if (r < 0) {
      throw PosixException.of(r, "socket", what);
    }
    return fd[0];
  }

  /** Closes a descriptor that never got a channel, keeping the first error. */
  static void closeFd(int fd) {
    Core.pipc_fd_close(fd);
  }

  /** The address in this thread's direct scratch memory, for connect and sendto. */
  static AddressScratch scratchAddress(SocketAddress address) {
    AddressScratch s = ADDRESS.get();
    if (s.last != address) {
      byte[] raw = SocketAddresses.sockaddr(address);
      s.buffer.put(0, raw);
      s.length = raw.length;
      s.last = address;
    }
    return s;
  }

  /** Connects through the blocking-call bracket. */
  final void connectTo(SocketAddress address, long timeoutNs) throws IOException {
    Objects.requireNonNull(address, "address");
    AddressScratch a = scratchAddress(address);
    call(CONNECT, a.address, a.length, 0, timeoutNs, true, "connect");
  }

  /**
   * Sends src's remaining bytes as one message (to, when not null). Returns the bytes sent; a
   * non-blocking socket with no room throws WouldBlockException, since a message is never sent in
   * part and no count could say "nothing now" without meaning "an empty message".
   */
  final int sendMessage(ByteBuffer src, SocketAddress to, long timeoutNs) throws IOException {
    Objects.requireNonNull(src, "src");
    int pos = src.position();
    int len = src.remaining();
    long buf;
    ByteBuffer keep = null;
    if (src.isDirect()) {
      Buffers.Cached c = sendCache;
      if (c == null || c.buffer != src) {
        c = new Buffers.Cached(src);
        sendCache = c;
      }
      buf = c.address + pos;
    } else if (len <= Buffers.SCRATCH_MAX) {
      Buffers.Scratch s = Buffers.scratch(len);
      s.buffer.put(0, src, pos, len);
      buf = s.address;
    } else {
      keep = ByteBuffer.allocateDirect(len); // a heap message too big for the scratch: rare
      keep.put(0, src, pos, len);
      buf = Buffers.address(keep);
    }
    long r;
    if (to == null) {
      r = call(SEND, buf, len, 0, timeoutNs, true, "send");
    } else {
      AddressScratch a = scratchAddress(to);
      r = call(SENDTO, buf, len | ((long) a.length << 32), a.address, timeoutNs, true, "sendto");
    }
    java.lang.ref.Reference.reachabilityFence(keep);
    if (r < 0) {
      throw wouldBlock(to == null ? "send" : "sendto");
    }
    src.position(pos + (int) r);
    return (int) r;
  }

  /**
   * Receives one message into dst. Returns the message's full length, which is more than what
   * was stored when it did not fit (the rest is dropped). A non-blocking socket with nothing
   * waiting throws WouldBlockException. dst's position moves past what was stored.
   */
  final int receiveMessage(ByteBuffer dst, long timeoutNs) throws IOException {
    Objects.requireNonNull(dst, "dst");
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("receive into a read-only buffer");
    }
    int pos = dst.position();
    int len = dst.remaining();
    long buf;
    ByteBuffer heapCopy = null;
    if (dst.isDirect()) {
      Buffers.Cached c = receiveCache;
      if (c == null || c.buffer != dst) {
        c = new Buffers.Cached(dst);
        receiveCache = c;
      }
      buf = c.address + pos;
    } else if (len <= Buffers.SCRATCH_MAX) {
      Buffers.Scratch s = Buffers.scratch(len);
      heapCopy = s.buffer;
      buf = s.address;
    } else {
      heapCopy = ByteBuffer.allocateDirect(len);
      buf = Buffers.address(heapCopy);
    }
    long r = call(RECV, buf, len, Core.PIPC_MSG_TRUNC, timeoutNs, true, "recv");
    if (r < 0) {
      throw wouldBlock("recv");
    }
    closedDuring(r);
    int stored = (int) Math.min(r, len);
    if (heapCopy != null) {
      dst.put(pos, heapCopy, 0, stored);
    }
    dst.position(pos + stored);
    return (int) r;
  }

  /**
   * Sends src's remaining bytes with descriptors: raw fds, then the descriptors of channels (held
   * open during the call). Returns the bytes sent.
   */
  final int sendDescriptors(ByteBuffer src, int[] fds, DescriptorHandle[] channels, SocketAddress to,
      long timeoutNs) throws IOException {
    Objects.requireNonNull(src, "src");
    int n = fds.length + channels.length;
    if (n > MAX_FDS_PER_MESSAGE) {
      throw new IllegalArgumentException("at most " + MAX_FDS_PER_MESSAGE + " descriptors per message: " + n);
    }
    if (type() != SocketType.DATAGRAM && !src.hasRemaining()) {
      throw new IllegalArgumentException("descriptors travel with data: send at least one byte with them");
    }
    for (int fd : fds) {
      if (fd < 0) {
        throw new IllegalArgumentException("not a descriptor: " + fd);
      }
    }
    ByteBuffer data = ByteBuffer.allocateDirect(Math.max(src.remaining(), 1));
    data.put(0, src, src.position(), src.remaining());
    ByteBuffer fdBlock = ByteBuffer.allocateDirect(4 * Math.max(n, 1)).order(ByteOrder.nativeOrder());
    long[] entered = new long[channels.length];
    int held = 0;
    try {
      for (int i = 0; i < fds.length; i++) {
        fdBlock.putInt(4 * i, fds[i]);
      }
      for (DescriptorHandle c : channels) {
        Descriptor d = Descriptor.of(Objects.requireNonNull(c, "channel"));
        entered[held] = d.enter();
        fdBlock.putInt(4 * (fds.length + held), d.fd());
        held++;
      }
      long fdAddress = Buffers.address(fdBlock);
      ByteBuffer to0 = null;
      if (to != null) {
        byte[] raw = SocketAddresses.sockaddr(to);
        to0 = ByteBuffer.allocateDirect(raw.length).put(0, raw);
      }
      final long addr = to0 != null ? Buffers.address(to0) : 0;
      final long addrlen = to0 != null ? to0.capacity() : 0;
      Call op = (fd, buf, len, fdsAt, t) -> Core.pipc_socket_sendmsg(fd, buf, len, fdsAt, n, addr, addrlen, t);
      long r = call(op, Buffers.address(data), src.remaining(), fdAddress, timeoutNs, true, "sendmsg");
      java.lang.ref.Reference.reachabilityFence(fdBlock);
      java.lang.ref.Reference.reachabilityFence(to0);
      java.lang.ref.Reference.reachabilityFence(data);
      if (r < 0) {
        throw PosixException.of(r, "sendmsg", descriptor.what());
      }
      src.position(src.position() + (int) r);
      return (int) r;
    } finally {
      for (int i = 0; i < held; i++) {
        Descriptor.of(channels[i]).exit(entered[i]);
      }
    }
  }

  /**
   * recvmsg: data into dst, up to maxFds descriptors, credentials, and the sender's address when
   * wanted. Throws WouldBlockException when non-blocking and nothing was waiting. Descriptors received by a call
   * that then fails (a close or an interrupt at the same moment) are closed, never leaked.
   */
  final ReceivedMessage receiveControl(ByteBuffer dst, int maxFds, boolean wantSender, long timeoutNs)
      throws IOException {
    Objects.requireNonNull(dst, "dst");
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("receive into a read-only buffer");
    }
    if (maxFds < 0 || maxFds > MAX_FDS_PER_MESSAGE) {
      throw new IllegalArgumentException("maxFds must be within 0.." + MAX_FDS_PER_MESSAGE + ": " + maxFds);
    }
    int pos = dst.position();
    int len = dst.remaining();
    ByteBuffer data = dst.isDirect() ? dst : ByteBuffer.allocateDirect(Math.max(len, 1));
    long dataAddress = Buffers.address(data) + (dst.isDirect() ? pos : 0);
    ByteBuffer ctl = ByteBuffer.allocateDirect(CTL_SIZE).order(ByteOrder.nativeOrder());
    ctl.putInt(INFO_NFDS, maxFds);
    ctl.putInt(INFO_FLAGS, -1); // stays -1 unless the call succeeded
    ctl.putInt(INFO_ADDRLEN, Core.PIPC_SOCKADDR_MAX);
    long ctlAddress = Buffers.address(ctl);
    long r;
    try {
      Call op = (fd, buf, n, at, t) -> Core.pipc_socket_recvmsg(fd, buf, n, at + CTL_FDS,
          wantSender ? at + CTL_ADDR : 0, at, t);
      r = call(op, dataAddress, len, ctlAddress, timeoutNs, true, "recvmsg");
    } catch (IOException | RuntimeException e) {
      if (ctl.getInt(INFO_FLAGS) != -1) {
        for (int i = 0; i < ctl.getInt(INFO_NFDS); i++) {
          Core.pipc_fd_close(ctl.getInt(CTL_FDS + 4 * i));
        }
      }
      throw e;
    } finally {
      java.lang.ref.Reference.reachabilityFence(data);
    }
    if (r < 0) {
      throw wouldBlock("recvmsg");
    }
    if (r == 0 && !isOpen()) {
      // A message whose data did not fit an empty buffer still brings its descriptors: a close
      // racing with it must not leave them open with nobody to close them.
      for (int i = 0; i < ctl.getInt(INFO_NFDS); i++) {
        Core.pipc_fd_close(ctl.getInt(CTL_FDS + 4 * i));
      }
    }
    closedDuring(r);
    int stored = (int) Math.min(r, len);
    if (!dst.isDirect()) {
      dst.put(pos, data, 0, stored);
    }
    dst.position(pos + stored);
    int flags = ctl.getInt(INFO_FLAGS);
    int[] fds = new int[ctl.getInt(INFO_NFDS)];
    for (int i = 0; i < fds.length; i++) {
      fds[i] = ctl.getInt(CTL_FDS + 4 * i);
    }
    Credentials cred = ctl.getInt(INFO_HAS_CRED) != 0
        ? new Credentials(ctl.getInt(INFO_PID), ctl.getInt(INFO_UID), ctl.getInt(INFO_GID))
        : null;
    SocketAddress sender = null;
    int addrlen = ctl.getInt(INFO_ADDRLEN);
    if (wantSender && addrlen > 0) {
      byte[] raw = new byte[Core.PIPC_SOCKADDR_MAX];
      ctl.get(CTL_ADDR, raw, 0, raw.length);
      sender = SocketAddresses.fromSockaddr(raw, addrlen);
    }
    return new ReceivedMessage().fromSocket(stored, fds, (flags & Core.PIPC_MSG_TRUNC) != 0,
        (flags & Core.PIPC_MSG_CTRUNC) != 0, cred, sender);
  }

  /**
   * The outcome of a message call on a non-blocking socket that could not proceed now: the
   * bracket reports it as -EAGAIN so that byte reads can turn it into 0, and the message calls,
   * which have no such count, throw it.
   */
  final WouldBlockException wouldBlock(String syscall) {
    return new WouldBlockException(Errno.EAGAIN, syscall, descriptor.what());
  }

  /**
   * A message receive that returns 0 once a close has begun may have read the end of stream of
   * the dead socket that close puts in the descriptor's place (a timed wait looks at the
   * descriptor again when the wake-up signal arrives): it is the close, not an empty message.
   */
  private void closedDuring(long r) throws AsynchronousCloseException {
    if (r == 0 && !isOpen()) {
      throw new AsynchronousCloseException();
    }
  }

  /** A thread's direct copy of the last address it connected or sent to. */
  static final class AddressScratch {
    final ByteBuffer buffer = ByteBuffer.allocateDirect(Core.PIPC_SOCKADDR_MAX);
    final long address = Buffers.address(buffer);
    SocketAddress last;
    int length;
  }
}
