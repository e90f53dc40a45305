package org.example.consumer;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.github.posixipc.Pipe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

public final class Hello {
  public static void main(String[] args) throws IOException {
    try (Pipe pipe = Pipe.open()) {
      pipe.sink().write(ByteBuffer.wrap("hello through a pipe".getBytes(UTF_8)));
      ByteBuffer buf = ByteBuffer.allocateDirect(64);
      pipe.source().read(buf, Duration.ofSeconds(1));
      System.out.println(UTF_8.decode(buf.flip()));
    }
  }
}
