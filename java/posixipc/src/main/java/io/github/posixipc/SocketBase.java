package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
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

  /** No raw descriptors, or no handles, for the sendDescriptors of one kind only. */
  static final int[] NO_FDS = {};
  static final DescriptorHandle[] NO_HANDLES = {};

  static final Call SEND = (fd, buf, len, unused, t) -> Core.pipc_socket_send(fd, buf, len, 0, t);
  static final Call RECV = (fd, buf, len, flags, t) -> Core.pipc_socket_recv(fd, buf, len, (int) flags, t);
  /**
   * sendmsg with what the thread's {@link Buffers#control()} area holds: b packs the data's
   * length (bits 0-31), the number of descriptors at CONTROL_FDS (bits 32-47) and the length of
   * the address at CONTROL_TO (bits 48-63, 0 for the connected peer); c is the area's address.
   * The one lambda for sendto and descriptor passing alike, and it captures nothing, so that no
   * call allocates it.
   */
  static final Call SENDMSG = (fd, buf, packed, ctl, t) -> {
    int nfds = (int) (packed >>> 32) & 0xffff;
    long addrlen = packed >>> 48;
    return Core.pipc_socket_sendmsg(fd, buf, packed & 0xffffffffL, nfds == 0 ? 0 : ctl + Buffers.CONTROL_FDS,
        nfds, addrlen == 0 ? 0 : ctl + Buffers.CONTROL_TO, addrlen, t);
  };
  /** recvmsg into the control area at c: the info block, the descriptors, no sender. */
  static final Call RECVMSG = (fd, buf, len, ctl, t) -> Core.pipc_socket_recvmsg(fd, buf, len,
      ctl + Buffers.CONTROL_FDS, 0, ctl + Buffers.CONTROL_INFO, t);
  /** recvmsg into the control area at c, with the sender's address at CONTROL_FROM. */
  static final Call RECVMSG_FROM = (fd, buf, len, ctl, t) -> Core.pipc_socket_recvmsg(fd, buf, len,
      ctl + Buffers.CONTROL_FDS, ctl + Buffers.CONTROL_FROM, ctl + Buffers.CONTROL_INFO, t);
  static final Call CONNECT = (fd, addr, addrlen, unused, t) -> Core.pipc_socket_connect(fd, addr, addrlen, t);

  // The pipc_msg_info block (socket.h) that recvmsg fills at CONTROL_INFO.
  private static final int INFO_NFDS = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_NFDS;
  private static final int INFO_FLAGS = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_FLAGS;
  private static final int INFO_ADDRLEN = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_ADDRLEN;
  private static final int INFO_HAS_CRED = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_HAS_CREDENTIALS;
  private static final int INFO_PID = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_PID;
  private static final int INFO_UID = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_UID;
  private static final int INFO_GID = Buffers.CONTROL_INFO + Core.PIPC_MSG_INFO_GID;

  /**
   * The handles whose descriptors a sendmsg carries, held open (entered) for its duration, per
   * thread: the bracket's tokens and the lifecycles themselves, so that the exits do not read
   * the caller's array again and nothing is allocated per call.
   */
  private static final ThreadLocal<Held> HELD = ThreadLocal.withInitial(Held::new);

  private final SocketType type;

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

  /**
   * Encodes address at CONTROL_TO of the thread's control area, for connect, sendto and sendmsg,
   * unless it is already there (the same object as last time). Returns its length.
   */
  static int encodeTarget(Buffers.Control ctl, SocketAddress address) {
    if (ctl.to != address) {
      byte[] raw = SocketAddresses.sockaddr(address);
      ctl.buffer.put(Buffers.CONTROL_TO, raw);
      ctl.toLength = raw.length;
      ctl.to = address;
    }
    return ctl.toLength;
  }

  /** Connects through the blocking-call bracket. */
  final void connectTo(SocketAddress address, long timeoutNs) throws IOException {
    Objects.requireNonNull(address, "address");
    Buffers.Control ctl = Buffers.control();
    int len = encodeTarget(ctl, address);
    call(CONNECT, ctl.address + Buffers.CONTROL_TO, len, 0, timeoutNs, true, "connect");
  }

  /** Connects a new socket s to address and returns it; closes it when the connect fails. */
  static <S extends SocketBase> S connected(S s, SocketAddress address, long timeoutNs) throws IOException {
    try {
      s.connectTo(address, timeoutNs);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Sends src's remaining bytes as one message (to, when not null). Returns the bytes sent; a
   * non-blocking socket with no room throws WouldBlockException, since a message is never sent in
   * part and no count could say "nothing now" without meaning "an empty message".
   */
  final int sendMessage(ByteBuffer src, SocketAddress to, long timeoutNs) throws IOException {
    Objects.requireNonNull(src, "src");
    return sendmsg(src, 0, to, timeoutNs, to == null ? "send" : "sendto");
  }

  /**
   * Sends src's remaining bytes with nfds descriptors already at CONTROL_FDS of the thread's
   * control area, to to (null: the connected peer). A direct src goes without a copy; a heap
   * one through the thread's copy area.
   */
  private int sendmsg(ByteBuffer src, int nfds, SocketAddress to, long timeoutNs, String syscall)
      throws IOException {
    int pos = src.position();
    int len = src.remaining();
    long buf;
    Buffers.Scratch copy = null;
    if (src.isDirect()) {
      buf = directAddress(src, true) + pos;
    } else {
      copy = Buffers.copyArea(len);
      copy.buffer.put(0, src, pos, len);
      buf = copy.address;
    }
    Buffers.Control ctl = Buffers.control();
    long addrlen = to == null ? 0 : encodeTarget(ctl, to);
    long r;
    if (nfds == 0 && to == null) {
      r = call(SEND, buf, len, 0, timeoutNs, true, syscall);
    } else {
      r = call(SENDMSG, buf, len | ((long) nfds << 32) | (addrlen << 48), ctl.address, timeoutNs, true, syscall);
    }
    // A copy area over 64 KiB is a fresh buffer that only this frame holds.
    Reference.reachabilityFence(copy);
    if (r < 0) {
      throw wouldBlock(syscall);
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
    checkReceiveBuffer(dst);
    int pos = dst.position();
    int len = dst.remaining();
    Buffers.Scratch copy = dst.isDirect() ? null : Buffers.copyArea(len);
    long buf = copy == null ? directAddress(dst, false) + pos : copy.address;
    long r = call(RECV, buf, len, Core.PIPC_MSG_TRUNC, timeoutNs, true, "recv");
    if (r < 0) {
      throw wouldBlock("recv");
    }
    closedDuring(r);
    return (int) storeReceived(dst, copy, pos, len, r);
  }

  private static void checkReceiveBuffer(ByteBuffer dst) {
    Objects.requireNonNull(dst, "dst");
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("receive into a read-only buffer");
    }
  }

  /**
   * After a receive of a message of r bytes into len bytes at dst's pos (or into copy for a heap
   * dst): copies what was stored, moves the position past it, and returns r.
   */
  private static long storeReceived(ByteBuffer dst, Buffers.Scratch copy, int pos, int len, long r) {
    int stored = (int) Math.min(r, len);
    if (copy != null) {
      dst.put(pos, copy.buffer, 0, stored);
    }
    dst.position(pos + stored);
    return r;
  }

  /**
   * Sends src's remaining bytes with descriptors: raw fds, then the descriptors of handles (held
   * open during the call). Returns the bytes sent. The descriptors go through the thread's
   * control area: nothing is allocated per call.
   */
  final int sendDescriptors(ByteBuffer src, int[] fds, DescriptorHandle[] handles, SocketAddress to,
      long timeoutNs) throws IOException {
    Objects.requireNonNull(src, "src");
    int n = fds.length + handles.length;
    if (n > MAX_FDS_PER_MESSAGE) {
      throw new IllegalArgumentException("at most " + MAX_FDS_PER_MESSAGE + " descriptors per message: " + n);
    }
    if (type() != SocketType.DATAGRAM && !src.hasRemaining()) {
      throw new IllegalArgumentException("descriptors travel with data: send at least one byte with them");
    }
    Buffers.Control ctl = Buffers.control();
    // Copied before they are checked, so that the caller's array changing meanwhile cannot send
    // a descriptor that was not checked.
    for (int i = 0; i < fds.length; i++) {
      ctl.buffer.putInt(Buffers.CONTROL_FDS + 4 * i, fds[i]);
    }
    for (int i = 0; i < fds.length; i++) {
      int fd = ctl.buffer.getInt(Buffers.CONTROL_FDS + 4 * i);
      if (fd < 0) {
        throw new IllegalArgumentException("not a descriptor: " + fd);
      }
    }
    Held held = HELD.get();
    try {
      for (DescriptorHandle h : handles) {
        Descriptor d = Descriptor.of(Objects.requireNonNull(h, "handle"));
        held.tokens[held.count] = d.enter();
        held.descriptors[held.count] = d;
        ctl.buffer.putInt(Buffers.CONTROL_FDS + 4 * (fds.length + held.count), d.fd());
        held.count++;
      }
      return sendmsg(src, n, to, timeoutNs, "sendmsg");
    } finally {
      held.exitAll();
    }
  }

  /**
   * recvmsg: data into dst, up to maxFds descriptors, credentials, and the sender's address when
   * wanted, all reported in into. Throws WouldBlockException when non-blocking and nothing was
   * waiting. Descriptors received by a call that then fails (a close or an interrupt at the same
   * moment) are closed, never leaked. The control block is the thread's control area, and into
   * keeps its storage: with a direct dst, nothing is allocated per call.
   */
  final ReceivedMessage receiveControl(ByteBuffer dst, int maxFds, boolean wantSender, long timeoutNs,
      ReceivedMessage into) throws IOException {
    checkReceiveBuffer(dst);
    Objects.requireNonNull(into, "into");
    if (maxFds < 0 || maxFds > MAX_FDS_PER_MESSAGE) {
      throw new IllegalArgumentException("maxFds must be within 0.." + MAX_FDS_PER_MESSAGE + ": " + maxFds);
    }
    int pos = dst.position();
    int len = dst.remaining();
    Buffers.Scratch copy = dst.isDirect() ? null : Buffers.copyArea(len);
    long buf = copy == null ? directAddress(dst, false) + pos : copy.address;
    Buffers.Control control = Buffers.control();
    ByteBuffer ctl = control.buffer;
    ctl.putInt(INFO_NFDS, maxFds);
    ctl.putInt(INFO_FLAGS, -1); // stays -1 unless the call succeeded
    ctl.putInt(INFO_ADDRLEN, Core.PIPC_SOCKADDR_MAX);
    long r;
    try {
      r = call(wantSender ? RECVMSG_FROM : RECVMSG, buf, len, control.address, timeoutNs, true, "recvmsg");
    } catch (IOException | RuntimeException e) {
      if (ctl.getInt(INFO_FLAGS) != -1) {
        closeReceived(ctl);
      }
      throw e;
    }
    if (r < 0) {
      throw wouldBlock("recvmsg");
    }
    if (r == 0 && !isOpen()) {
      // A message whose data did not fit an empty buffer still brings its descriptors: a close
      // racing with it must not leave them open with nobody to close them.
      closeReceived(ctl);
    }
    closedDuring(r);
    int stored = (int) Math.min(storeReceived(dst, copy, pos, len, r), len);
    int nfds = ctl.getInt(INFO_NFDS);
    int[] store = into.descriptorStore(nfds);
    for (int i = 0; i < nfds; i++) {
      store[i] = ctl.getInt(Buffers.CONTROL_FDS + 4 * i);
    }
    into.senderFrom(ctl, Buffers.CONTROL_FROM, wantSender ? ctl.getInt(INFO_ADDRLEN) : 0);
    int flags = ctl.getInt(INFO_FLAGS);
    return into.fromSocket(stored, (flags & Core.PIPC_MSG_TRUNC) != 0, (flags & Core.PIPC_MSG_CTRUNC) != 0,
        ctl.getInt(INFO_PID), ctl.getInt(INFO_UID), ctl.getInt(INFO_GID), ctl.getInt(INFO_HAS_CRED) != 0);
  }

  /** Closes the descriptors a recvmsg put in the control area, for a call that cannot return them. */
  private static void closeReceived(ByteBuffer ctl) {
    for (int i = 0; i < ctl.getInt(INFO_NFDS); i++) {
      Core.pipc_fd_close(ctl.getInt(Buffers.CONTROL_FDS + 4 * i));
    }
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

  /** A thread's handles held open by a sendmsg, with the bracket's token of each. */
  private static final class Held {
    final Descriptor[] descriptors = new Descriptor[MAX_FDS_PER_MESSAGE];
    final long[] tokens = new long[MAX_FDS_PER_MESSAGE];
    int count;

    /** Leaves every call entered, and forgets the handles so that none is kept reachable. */
    void exitAll() {
      for (int i = 0; i < count; i++) {
        descriptors[i].exit(tokens[i]);
        descriptors[i] = null;
      }
      count = 0;
    }
  }
}
