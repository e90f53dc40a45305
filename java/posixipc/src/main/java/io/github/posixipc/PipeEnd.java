package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;

/**
 * One end of a pipe: a {@link Pipe.Source}, a {@link Pipe.Sink}, or a {@link Fifo} (the same kernel
 * object, reached by a path).
 *
 * <p>Writes of at most {@link #ATOMIC_WRITE} bytes are atomic: they are never interleaved with
 * another writer's data.
 */
public abstract class PipeEnd extends DescriptorChannel {

  /** The largest write that is never split or interleaved (PIPE_BUF). */
  public static final int ATOMIC_WRITE = 4096;

  PipeEnd(Descriptor descriptor) {
    super(descriptor);
  }

  /** The capacity of the pipe in bytes (64 KiB unless changed). Both ends see the same value. */
  public final int capacity() throws IOException {
    return (int) withFd(Core::pipc_pipe_capacity, "fcntl(F_GETPIPE_SZ)");
  }

  /**
   * Changes the capacity of the pipe; the kernel rounds it up to a power-of-two number of pages.
   * Returns the capacity obtained.
   *
   * @throws IllegalArgumentException if bytes is not positive
   * @throws PermissionDeniedException above {@code /proc/sys/fs/pipe-max-size} without privilege
   * @throws PosixException EBUSY when the pipe holds more data than the new capacity
   */
  public final int setCapacity(int bytes) throws IOException {
    if (bytes <= 0) {
      throw new IllegalArgumentException("capacity must be positive: " + bytes);
    }
    return (int) withFd(fd -> Core.pipc_pipe_set_capacity(fd, bytes), "fcntl(F_SETPIPE_SZ)");
  }

  /** The number of bytes that can be read now without waiting (FIONREAD). */
  int availableBytes() throws IOException {
    return (int) withFd(Core::pipc_fd_available, "ioctl(FIONREAD)");
  }
}
