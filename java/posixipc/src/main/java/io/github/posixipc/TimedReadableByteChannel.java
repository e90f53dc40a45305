package io.github.posixipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;

/** A readable channel whose reads can also wait a bounded time, whatever its blocking mode. */
public interface TimedReadableByteChannel extends ReadableByteChannel {

  /**
   * Reads into dst, waiting at most timeout for something to read.
   *
   * @param timeout null waits forever, {@link Duration#ZERO} does not wait
   * @return the number of bytes read, or -1 at end of stream
   * @throws WouldBlockException with {@code Duration.ZERO} and nothing to read
   * @throws TimedOutException when the timeout ran out with nothing to read
   */
  int read(ByteBuffer dst, Duration timeout) throws IOException;
}
