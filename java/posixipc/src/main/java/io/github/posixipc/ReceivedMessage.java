package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a receive brought besides the bytes stored in the caller's buffer: the message's length,
 * and, depending on where it came from, its queue priority ({@link MessageQueue}) or the
 * descriptors, credentials and sender address that came with it over a socket ({@code recvmsg}).
 * Fields a source does not fill read as none: priority 0, no descriptors, null credentials and
 * sender, nothing cut.
 *
 * <p>A holder that may be reused: {@link MessageQueue#receive(java.nio.ByteBuffer,
 * java.time.Duration, ReceivedMessage)}, {@link ConnectedSocket#receiveFileDescriptors(
 * java.nio.ByteBuffer, int, java.time.Duration, ReceivedMessage)} and {@link
 * DatagramSocket#receiveMessage(java.nio.ByteBuffer, int, java.time.Duration, ReceivedMessage)}
 * fill the one they are given, so that a receive loop allocates nothing: the holder keeps the
 * descriptors in storage of its own (read them with {@link #fileDescriptorCount()} and {@link
 * #fileDescriptor(int)}; {@link #fileDescriptors()} is a new array each time), and keeps its
 * {@link #credentials()} and {@link #sender()} objects while the next message brings the same
 * ones. A holder belongs to one thread at a time; each receive overwrites it.
 *
 * <p>Received descriptors belong to the caller, who must close them or hand them to a handle
 * ({@link Pipe.Source#adopt(int)}, {@link ConnectedSocket#adopt(int)}, ...). They are close-on-exec.
 */
public final class ReceivedMessage {

  private static final int[] NO_FDS = {};

  private int length;
  private int priority;
  /** The type of a System V message ({@code mtype}); 0 for the other sources. */
  private long type;
  /** The descriptors received, in fds[0..fdCount); grown once to what a message brought. */
  private int[] fds = NO_FDS;
  private int fdCount;
  private boolean truncated;
  private boolean controlTruncated;
  private Credentials credentials;
  private SocketAddress sender;
  /** The raw sockaddr that {@link #sender} was made from, to keep it while the next is the same. */
  private byte[] senderRaw;
  private int senderRawLength;

  /** An empty holder, to pass to a receive that fills it. */
  public ReceivedMessage() {}

  /** Fills the holder with what a message queue reports. */
  ReceivedMessage fromQueue(int length, int priority) {
    this.length = length;
    this.priority = priority;
    this.type = 0;
    this.fdCount = 0;
    this.truncated = false;
    this.controlTruncated = false;
    this.credentials = null;
    this.sender = null;
    return this;
  }

  /** Fills the holder with what a System V queue's {@code msgrcv} reports. */
  ReceivedMessage fromSysV(int length, long type) {
    fromQueue(length, 0);
    this.type = type;
    return this;
  }

  /**
   * Fills the holder with what a socket's {@code recvmsg} reports, except the descriptors and the
   * sender, which {@link #descriptorStore} and {@link #senderFrom} fill.
   */
  ReceivedMessage fromSocket(int length, boolean truncated, boolean controlTruncated, int pid, int uid,
      int gid, boolean hasCredentials) {
    this.length = length;
    this.priority = 0;
    this.type = 0;
    this.truncated = truncated;
    this.controlTruncated = controlTruncated;
    if (!hasCredentials) {
      credentials = null;
    } else if (credentials == null || credentials.pid() != pid || credentials.uid() != uid
        || credentials.gid() != gid) {
      credentials = new Credentials(pid, uid, gid);
    }
    return this;
  }

  /** Storage for count received descriptors, which the caller writes; grown when too small. */
  int[] descriptorStore(int count) {
    if (fds.length < count) {
      fds = new int[Math.max(count, 4)];
    }
    fdCount = count;
    return fds;
  }

  /**
   * Sets the sender from the raw sockaddr of length bytes at offset in control, keeping the
   * current object when the bytes are those it was made from (a loop receiving from one peer
   * decodes its address once); length 0 means none.
   */
  void senderFrom(ByteBuffer control, int offset, int length) {
    if (length <= 0) {
      sender = null;
      return;
    }
    if (sender != null && length == senderRawLength) {
      boolean same = true;
      for (int i = 0; i < length && same; i++) {
        same = senderRaw[i] == control.get(offset + i);
      }
      if (same) {
        return;
      }
    }
    if (senderRaw == null) {
      senderRaw = new byte[Core.PIPC_SOCKADDR_MAX];
    }
    control.get(offset, senderRaw, 0, length);
    senderRawLength = length;
    sender = SocketAddresses.fromSockaddr(senderRaw, length);
  }

  /** The bytes stored in the buffer (0 for an empty message, or at the end of a stream). */
  public int length() {
    return length;
  }

  /** The priority a queue message was sent with; 0 for a socket message. */
  public int priority() {
    return priority;
  }

  /** The type ({@code mtype}, above 0) of a {@link SysVMessageQueue} message; 0 otherwise. */
  public long type() {
    return type;
  }

  /**
   * The descriptors received over a socket, in the order sent; empty when none. A new array each
   * call: a loop that must not allocate reads {@link #fileDescriptorCount()} and {@link
   * #fileDescriptor(int)} instead.
   */
  public int[] fileDescriptors() {
    return fdCount == 0 ? NO_FDS : Arrays.copyOf(fds, fdCount);
  }

  /** How many descriptors came with the message. */
  public int fileDescriptorCount() {
    return fdCount;
  }

  /**
   * The index-th descriptor that came with the message, in the order sent.
   *
   * @throws IndexOutOfBoundsException unless 0 &lt;= index &lt; {@link #fileDescriptorCount()}
   */
  public int fileDescriptor(int index) {
    return fds[Objects.checkIndex(index, fdCount)];
  }

  /** True when a datagram or packet did not fit in the buffer and its rest was dropped. */
  public boolean truncated() {
    return truncated;
  }

  /**
   * True when descriptors (or credentials) came that did not fit ({@code MSG_CTRUNC}): the ones
   * that did not fit were closed, never leaked.
   */
  public boolean controlTruncated() {
    return controlTruncated;
  }

  /** The sender's credentials, when credential passing is on; otherwise null. */
  public Credentials credentials() {
    return credentials;
  }

  /** The sender's address on a datagram socket; null when not asked for or not known. */
  public SocketAddress sender() {
    return sender;
  }

  @Override
  public String toString() {
    return "ReceivedMessage[length=" + length + (priority != 0 ? ", priority=" + priority : "")
        + (type != 0 ? ", type=" + type : "")
        + (fdCount != 0 ? ", fds=" + Arrays.toString(fileDescriptors()) : "")
        + (truncated ? ", truncated" : "") + (controlTruncated ? ", control truncated" : "")
        + (credentials != null ? ", " + credentials : "") + (sender != null ? ", from " + sender : "") + "]";
  }
}
