package io.github.posixipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;

/** A writable channel whose writes can also wait a bounded time, whatever its blocking mode. */
public interface TimedWritableByteChannel extends WritableByteChannel {

  /**
   * Writes src as the channel's blocking mode says: in blocking mode it returns once every byte
   * is written, in non-blocking mode it writes what fits now, possibly nothing. The same as
   * {@code write(src, null)}, so that every channel has the one implementation.
   *
   * @return the number of bytes written
   */
  @Override
  default int write(ByteBuffer src) throws IOException {
    return write(src, null);
  }

  /**
   * Writes src, waiting at most timeout for room. Returns once everything is written or the time
   * is up, with the number of bytes written.
   *
   * @param timeout null waits as the blocking mode says (until everything is written in blocking
   *     mode), {@link Duration#ZERO} does not wait
   * @throws WouldBlockException with {@code Duration.ZERO} and no room at all
   * @throws TimedOutException when no byte could be written in time
   */
  int write(ByteBuffer src, Duration timeout) throws IOException;
}
