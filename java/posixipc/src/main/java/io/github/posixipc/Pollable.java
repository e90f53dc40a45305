package io.github.posixipc;

import java.io.IOException;

/**
 * Anything a {@link Poller} can watch: a handle backed by a file descriptor that supports
 * {@code poll(2)}. Every {@link DescriptorChannel} is one (pipes, FIFOs, sockets); other handles
 * that have a descriptor (a message queue's {@code mqd_t} on Linux) implement it too.
 */
public interface Pollable {

  /**
   * The descriptor number while the handle is open.
   *
   * @throws java.nio.channels.ClosedChannelException if the handle is closed
   */
  int fd() throws IOException;
}
