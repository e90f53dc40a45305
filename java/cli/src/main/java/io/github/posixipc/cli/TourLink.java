package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * This JVM's side of one mechanism, connected to a peer process that echoes what it receives. The
 * tour drives every mechanism through this: round trips of 64 bytes, then a bulk transfer.
 */
interface TourLink extends AutoCloseable {

  /**
   * How long any one step of the tour may wait for the peer: generous, so that a slow machine
   * passes, and finite, so that a dead peer fails its row instead of hanging the tour.
   */
  Duration PATIENCE = Duration.ofSeconds(20);

  /** The largest unit send and receive move at once: a message size, or a chunk of a stream. */
  int maxChunk();

  /** Sends b's remaining bytes (one message, for a message mechanism). */
  void send(ByteBuffer b) throws IOException;

  /** Receives exactly b.remaining() bytes (one message, for a message mechanism). */
  void receive(ByteBuffer b) throws IOException;

  /** Tells the peer nothing more comes, so that it ends. */
  void finish() throws IOException;

  /** The peer process. */
  ChildProcess peer();

  /** Releases everything this side opened or created (names included). */
  @Override
  void close() throws IOException;
}
