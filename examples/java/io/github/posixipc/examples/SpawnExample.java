package io.github.posixipc.examples;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.NotFoundException;
import io.github.posixipc.Pipe;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The README's child-process example: our pipe ends become a child's standard input and output
 * (what C does with fork + dup2 + exec); `tr` upper-cases what we send.
 */
public final class SpawnExample {
  public static void main(String[] args) throws Exception {
    try (Pipe in = Pipe.open();
        Pipe out = Pipe.open();
        ChildProcess child = ChildProcess.builder("tr", "a-z", "A-Z")
            .fd(0, in.source()) // our read end becomes the child's fd 0
            .fd(1, out.sink()) // our write end its fd 1
            .start()) {
      in.source().close(); // the child has its own copies
      out.sink().close();

      in.sink().write(ByteBuffer.wrap("hello from a child".getBytes(StandardCharsets.UTF_8)));
      in.sink().close(); // end of input: tr finishes

      ByteBuffer buf = ByteBuffer.allocateDirect(64);
      out.source().read(buf, Duration.ofSeconds(5));
      System.out.println(StandardCharsets.UTF_8.decode(buf.flip()));
      System.out.println(child.waitFor(Duration.ofSeconds(5))); // TimedOutException if it hangs
    }
    try {
      ChildProcess.builder("/no/such/program").start();
    } catch (NotFoundException e) {
      System.out.println("missing program: " + e.errnoName()); // reported here, not by the child
    }
  }
}
