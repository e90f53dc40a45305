package io.github.posixipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;

/** A readable channel whose reads can also wait a bounded time, whatever its blocking mode. */
public interface TimedReadableByteChannel extends ReadableByteChannel {

  /**
   * Reads into dst as the channel's blocking mode says: in blocking mode it waits for at least
   * one byte, in non-blocking mode it returns 0 when there is nothing to read. The same as
   * {@code read(dst, null)}, so that every channel has the one implementation.
   *
   * @return the number of bytes read, or -1 at end of stream
   */
  @Override
  default int read(ByteBuffer dst) throws IOException {
    return read(dst, null);
  }

  /**
   * Reads into dst, waiting at most timeout for something to read.
   *
   * @param timeout null waits as the blocking mode says (as long as it takes in blocking mode),
   *     {@link Duration#ZERO} does not wait
   * @return the number of bytes read, or -1 at end of stream
   * @throws WouldBlockException with {@code Duration.ZERO} and nothing to read
   * @throws TimedOutException when the timeout ran out with nothing to read
   */
  int read(ByteBuffer dst, Duration timeout) throws IOException;
}
