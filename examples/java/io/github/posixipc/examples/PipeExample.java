package io.github.posixipc.examples;

import io.github.posixipc.Pipe;
import io.github.posixipc.PosixException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The README's pipe example: write into a pipe, read it back with a timeout. */
public final class PipeExample {
  public static void main(String[] args) throws Exception {
    try (Pipe pipe = Pipe.open()) {
      pipe.sink().write(ByteBuffer.wrap("hello through a pipe".getBytes(StandardCharsets.UTF_8)));

      ByteBuffer buf = ByteBuffer.allocateDirect(64); // direct: no copy on the way
      int n = pipe.source().read(buf, Duration.ofSeconds(1));
      System.out.println(StandardCharsets.UTF_8.decode(buf.flip()) + " (" + n + " bytes)");

      pipe.source().close();
      try {
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
      } catch (PosixException e) {
        System.out.println(e.errnoName() + ": " + e.getMessage()); // EPIPE, never a signal
      }
    }
  }
}
