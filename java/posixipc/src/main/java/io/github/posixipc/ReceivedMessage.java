package io.github.posixipc;

import java.util.Arrays;

/**
 * What one {@code recvmsg} brought besides the bytes stored in the caller's buffer: the
 * descriptors that came with it, the sender's credentials, the sender's address, and whether
 * something was cut.
 *
 * <p>The received descriptors belong to the caller, who must close them or hand them to a handle
 * ({@link Pipe.Source#adopt(int)}, {@link UnixSocket#adopt(int)}, ...). They are close-on-exec.
 */
public final class ReceivedMessage {

  private final int length;
  private final int[] fds;
  private final boolean truncated;
  private final boolean controlTruncated;
  private final Credentials credentials;
  private final UnixSocketAddress sender;

  ReceivedMessage(int length, int[] fds, boolean truncated, boolean controlTruncated,
      Credentials credentials, UnixSocketAddress sender) {
    this.length = length;
    this.fds = fds;
    this.truncated = truncated;
    this.controlTruncated = controlTruncated;
    this.credentials = credentials;
    this.sender = sender;
  }

  /** The bytes stored in the buffer (0 at the end of a stream, or for an empty message). */
  public int length() {
    return length;
  }

  /** The descriptors received, in the order sent; empty when none. A copy. */
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
  public UnixSocketAddress sender() {
    return sender;
  }

  @Override
  public String toString() {
    return "ReceivedMessage[length=" + length + ", fds=" + Arrays.toString(fds)
        + (truncated ? ", truncated" : "") + (controlTruncated ? ", control truncated" : "")
        + (credentials != null ? ", " + credentials : "") + (sender != null ? ", from " + sender : "") + "]";
  }
}
