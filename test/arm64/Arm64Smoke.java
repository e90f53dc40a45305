import static java.nio.charset.StandardCharsets.UTF_8;

import io.github.posixipc.AbstractSocketAddress;
import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.MessageQueue;
import io.github.posixipc.Pipe;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.UnnamedSemaphore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The smoke test that .ci/run starts with Debian's arm64 JDK under qemu-aarch64, against the
 * library jar: it proves that the jar's linux-arm64 library is the one in memory and that a pipe,
 * a message queue, a shared segment with a semaphore in it and a socket work on that platform.
 * It prints one line per check and "4 passed, 0 failed" at the end; any failure is an exception
 * and a non-zero exit.
 */
public final class Arm64Smoke {
  private static final Duration WAIT = Duration.ofSeconds(30);

  public static void main(String[] args) throws Exception {
    String arch = System.getProperty("os.arch");
    if (!arch.equals("aarch64")) {
      throw new AssertionError("not an arm64 JVM: os.arch=" + arch);
    }
    String tag = "pipc-arm64-smoke-" + ProcessHandle.current().pid();

    try (Pipe pipe = Pipe.open()) {
      pipe.sink().write(ByteBuffer.wrap("pipe".getBytes(UTF_8)));
      expect("pipe", pipe.source().read(ByteBuffer.allocateDirect(16), WAIT), 4);
    }
    // The class that loaded the library ran: the mapping must be the jar's arm64 one.
    String maps = Files.readString(Path.of("/proc/self/maps"));
    if (!maps.contains("/linux-arm64/libjniCore.so")) {
      throw new AssertionError("the linux-arm64 library from the jar is not mapped:\n" + maps);
    }
    System.out.println("loaded: the jar's linux-arm64/libjniCore.so");

    String queue = "/" + tag;
    try (MessageQueue q = MessageQueue.open(queue,
        MessageQueue.options().exclusive().maxMessages(4).messageSize(64))) {
      q.send("queue".getBytes(UTF_8), 7);
      ByteBuffer buf = ByteBuffer.allocateDirect(q.messageSize());
      ReceivedMessage r = new ReceivedMessage();
      q.receive(buf, WAIT, r);
      expect("queue priority", r.priority(), 7);
      expect("queue", UTF_8.decode(buf.flip()).toString(), "queue");
    } finally {
      MessageQueue.unlink(queue);
    }

    String segment = "/" + tag;
    try (SharedMemory shm = SharedMemory.create(segment, 4096);
        MappedRegion region = shm.map()) {
      UnnamedSemaphore ready = UnnamedSemaphore.init(region, 0, 0);
      long counterAt = (UnnamedSemaphore.size() + 7) / 8 * 8;
      Thread poster = new Thread(() -> {
        try {
          region.getAndAddLong(counterAt, 42);
          ready.post();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      poster.start();
      ready.acquire(WAIT);
      expect("shared segment with a semaphore", region.getLongAcquire(counterAt), 42L);
      poster.join();
    } finally {
      SharedMemory.unlink(segment);
    }

    java.net.SocketAddress where = AbstractSocketAddress.of(tag);
    try (ListeningSocket server = ListeningSocket.bind(where);
        ConnectedSocket client = ConnectedSocket.connect(where);
        ConnectedSocket accepted = server.accept(WAIT)) {
      client.write(ByteBuffer.wrap("socket".getBytes(UTF_8)));
      ByteBuffer buf = ByteBuffer.allocateDirect(16);
      accepted.read(buf, WAIT);
      expect("socket", UTF_8.decode(buf.flip()).toString(), "socket");
    }
    System.out.println("4 passed, 0 failed");
  }

  private static void expect(String what, Object got, Object want) {
    if (!want.equals(got)) {
      throw new AssertionError(what + ": got " + got + ", want " + want);
    }
    System.out.println("ok: " + what);
  }
}
