package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.posixipc.examples.ChannelExample;
import io.github.posixipc.examples.FifoExample;
import io.github.posixipc.examples.MessageQueueExample;
import io.github.posixipc.examples.PipeExample;
import io.github.posixipc.examples.SpawnExample;
import io.github.posixipc.examples.SignalExample;
import io.github.posixipc.examples.SocketExample;
import io.github.posixipc.examples.SharedMemoryExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java examples the README shows (examples/java) compile, run and print what it says. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExamplesTest {

  private static String run(ThrowingMain main) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8).trim();
  }

  interface ThrowingMain {
    void run() throws Exception;
  }

  @Test
  void pipeExample() throws Exception {
    String out = run(() -> PipeExample.main(new String[0]));
    String[] lines = out.split("\n");
    assertEquals("hello through a pipe (20 bytes)", lines[0]);
    assertEquals(true, lines[1].startsWith("EPIPE: write pipe write end (fd "), lines[1]);
  }

  @Test
  void fifoExample() throws Exception {
    assertEquals("no reader: ETIMEDOUT\nhello through a FIFO", run(() -> FifoExample.main(new String[0])));
  }

  @Test
  void spawnExample() throws Exception {
    assertEquals("HELLO FROM A CHILD\nexit code 0\nmissing program: ENOENT", run(() -> SpawnExample.main(new String[0])));
  }

  @Test
  void signalExample() throws Exception {
    assertEquals("SIGRTMIN+1 value 42, sent by this process: true\n"
        + "SIGSEGV (11) is reserved: the JVM handles it (faults become exceptions or crash reports)",
        run(() -> SignalExample.main(new String[0])));
  }

  @Test
  void messageQueueExample() throws Exception {
    assertEquals("notified: a message arrived in the empty queue\n9 urgent\n1 routine\nthen ETIMEDOUT",
        run(() -> MessageQueueExample.main(new String[0])));
  }

  @Test
  void socketExample() throws Exception {
    assertEquals("hello through a socket\npeer is this process: true\nhello through a passed pipe\nECONNREFUSED",
        run(() -> SocketExample.main(new String[0])));
  }

  @Test
  void sharedMemoryExample() throws Exception {
    assertEquals("hello through shared memory (counter 1)", run(() -> SharedMemoryExample.main(new String[0])));
  }

  @Test
  void channelExample() throws Exception {
    assertEquals("hello through a channel\nand a copy\nthen EAGAIN", run(() -> ChannelExample.main(new String[0])));
  }
}
