package io.github.posixipc.examples;

import io.github.posixipc.Access;
import io.github.posixipc.Fifo;
import io.github.posixipc.TimedOutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** The README's FIFO example: a reader and a writer meet at a path. */
public final class FifoExample {
  public static void main(String[] args) throws Exception {
    Path path = Path.of("/tmp/posixipc-example-" + ProcessHandle.current().pid());
    Fifo.create(path); // mkfifo, mode 0600
    try {
      try {
        Fifo.open(path, Access.WRITE, Duration.ofMillis(100)); // nobody reads yet
      } catch (TimedOutException e) {
        System.out.println("no reader: " + e.errnoName());
      }
      try (Fifo reader = Fifo.open(path, Access.READ, Duration.ZERO); // does not wait for a writer
          Fifo writer = Fifo.open(path, Access.WRITE, Duration.ofSeconds(1))) {
        writer.write(ByteBuffer.wrap("hello through a FIFO".getBytes(StandardCharsets.UTF_8)));
        writer.close();
        ByteBuffer buf = ByteBuffer.allocateDirect(64);
        while (reader.read(buf, Duration.ofSeconds(1)) != -1) {
          // until every writer has closed
        }
        System.out.println(StandardCharsets.UTF_8.decode(buf.flip()));
      }
    } finally {
      Fifo.unlink(path);
    }
  }
}
