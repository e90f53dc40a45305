package io.github.posixipc;

import java.io.IOException;

/**
 * A handle of posixipc backed by a file descriptor of this process: a channel (a pipe end, a FIFO,
 * a socket, a message queue) or a {@link SharedMemory} object. Such a handle can become a
 * descriptor of a child process ({@link ChildProcess.Builder#fd(int, DescriptorHandle)}) or travel
 * to another process over an AF_UNIX socket; the library holds it open for the duration of that
 * call, so that its number cannot be closed and given to another file in between.
 *
 * <p>Closing follows the library's one lifecycle: {@link #close()} is idempotent and thread-safe,
 * and a method that declares {@link IOException} throws a
 * {@link java.nio.channels.ClosedChannelException} naming the object after it.
 */
public sealed interface DescriptorHandle extends AutoCloseable permits DescriptorChannel, SharedMemory {

  /**
   * The descriptor number, for use with other native code while the handle is open. Do not close
   * it: close the handle.
   *
   * @throws java.nio.channels.ClosedChannelException if the handle is closed
   */
  int fd() throws IOException;

  /** True until the handle is closed. */
  boolean isOpen();

  /** Closes the descriptor; idempotent and thread-safe. */
  @Override
  void close() throws IOException;
}
