package io.github.posixipc;

import java.net.SocketAddress;
import java.util.Arrays;

/**
 * What a receive brought besides the bytes stored in the caller's buffer: the message's length,
 * and, depending on where it came from, its queue priority ({@link MessageQueue}) or the
 * descriptors, credentials and sender address that came with it over a socket ({@code recvmsg}).
 * Fields a source does not fill read as none: priority 0, no descriptors, null credentials and
 * sender, nothing cut.
 *
 * <p>A holder that may be reused: {@link MessageQueue#receive(java.nio.ByteBuffer,
 * java.time.Duration, ReceivedMessage)} fills the one it is given, so that a receive loop
 * allocates nothing. A holder belongs to one thread at a time; each receive overwrites it.
 *
 * <p>Received descriptors belong to the caller, who must close them or hand them to a handle
 * ({@link Pipe.Source#adopt(int)}, {@link ConnectedSocket#adopt(int)}, ...). They are close-on-exec.
 */
public final class ReceivedMessage {

  private static final int[] NO_FDS = {};

  private int length;
  private int priority;
  private int[] fds = NO_FDS;
  private boolean truncated;
  private boolean controlTruncated;
  private Credentials credentials;
  private SocketAddress sender;

  /** An empty holder, to pass to a receive that fills it. */
  public ReceivedMessage() {}

  /** Fills the holder with what a message queue reports. */
  ReceivedMessage fromQueue(int length, int priority) {
    this.length = length;
    this.priority = priority;
    this.fds = NO_FDS;
    this.truncated = false;
    this.controlTruncated = false;
    this.credentials = null;
    this.sender = null;
    return this;
  }

  /** Fills the holder with what a socket's {@code recvmsg} reports. */
  ReceivedMessage fromSocket(int length, int[] fds, boolean truncated, boolean controlTruncated,
      Credentials credentials, SocketAddress sender) {
    this.length = length;
    this.priority = 0;
    this.fds = fds.length == 0 ? NO_FDS : fds;
    this.truncated = truncated;
    this.controlTruncated = controlTruncated;
    this.credentials = credentials;
    this.sender = sender;
    return this;
  }

  /** The bytes stored in the buffer (0 for an empty message, or at the end of a stream). */
  public int length() {
    return length;
  }

  /** The priority a queue message was sent with; 0 for a socket message. */
  public int priority() {
    return priority;
  }

  /** The descriptors received over a socket, in the order sent; empty when none. A copy. */
  public int[] fileDescriptors() {
    return fds.clone();
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
        + (fds.length != 0 ? ", fds=" + Arrays.toString(fds) : "")
        + (truncated ? ", truncated" : "") + (controlTruncated ? ", control truncated" : "")
        + (credentials != null ? ", " + credentials : "") + (sender != null ? ", from " + sender : "") + "]";
  }
}
