package io.github.posixipc.bench;

import io.github.posixipc.ChildProcess;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A link over byte channels, whoever provides them (posixipc's pipe ends, FIFOs and sockets, the
 * JDK's FileChannel and SocketChannel, junixsocket's channel): direct buffers, no allocation.
 */
final class ChannelLink implements Link {

  /** How the server is waited for once the channels are closed. */
  interface Ending {
    void end() throws IOException, InterruptedException;
  }

  private final WritableByteChannel out;
  private final ReadableByteChannel in;
  private final Ending ending;
  private final Path dir;
  private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
  private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
  private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
  private int seq;

  /**
   * @param in null for a stream link; may be out itself for a socket
   * @param dir a private directory to remove at the end, or null
   */
  ChannelLink(WritableByteChannel out, ReadableByteChannel in, Ending ending, Path dir) {
    this.out = out;
    this.in = in;
    this.ending = ending;
    this.dir = dir;
    for (int i = 0; i < CHUNK; i++) {
      chunk.put(i, (byte) i);
    }
  }

  /** The ending of a server started by posixipc's ChildProcess: exit code 0 within 10 s. */
  static Ending endOf(ChildProcess server) {
    return () -> {
      try {
        ChildProcess.Status status = server.waitFor(Duration.ofSeconds(10));
        if (!status.exited() || status.exitCode() != 0) {
          throw new IOException("the server did not end cleanly: " + status);
        }
      } finally {
        server.close();
      }
    };
  }

  /** The ending of a server started by the JDK's ProcessBuilder. */
  static Ending endOf(Process server) {
    return () -> JdkLinks.end(server);
  }

  @Override
  public int roundTrip() throws IOException {
    int sent = (byte) ++seq;
    ping.clear();
    ping.put(0, (byte) sent);
    while (ping.hasRemaining()) {
      out.write(ping);
    }
    pong.clear();
    while (pong.hasRemaining()) {
      if (in.read(pong) < 0) {
        throw new EOFException("the server closed the link");
      }
    }
    int received = pong.get(0);
    Server.checkEcho(sent, received);
    return received;
  }

  @Override
  public int writeChunk() throws IOException {
    chunk.clear();
    while (chunk.hasRemaining()) {
      out.write(chunk);
    }
    return CHUNK;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      out.close();
      if (in != null && in != out) {
        in.close();
      }
      ending.end();
    } finally {
      if (dir != null) {
        Server.removeFifoDir(dir);
      }
    }
  }
}
