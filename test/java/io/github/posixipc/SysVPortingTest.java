package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.examples.SysVMsgClient;
import io.github.posixipc.examples.SysVShmConsumer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two worked ports of docs/porting.md, each run against its unmodified C side
 * (examples/porting/*.c, plain libc System V calls built beside the C peer): the Java side must
 * give what the C program it replaces gives.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysVPortingTest {

  /** A legacy program built beside the C peer. */
  private static String program(String name) {
    Path p = Path.of(TestSupport.peerPath()).resolveSibling(name);
    assertTrue(Files.isExecutable(p), "the legacy C program is built: " + p);
    return p.toString();
  }

  private static Process start(String... command) throws Exception {
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static String run(String... command) throws Exception {
    Process p = start(command);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
    return out;
  }

  /** Removes what a C side that failed left behind; nothing when it ended well. */
  private static void removeLeftovers(Path file, int projectId) {
    try {
      int key = SysV.ftok(file, projectId);
      for (ThrowingRunnable r : new ThrowingRunnable[] {
          () -> {
            try (SysVMessageQueue q = SysVMessageQueue.open(key)) {
              q.remove();
            }
          },
          () -> {
            try (SysVSharedMemory m = SysVSharedMemory.open(key)) {
              m.remove();
            }
          },
          () -> {
            try (SysVSemaphoreSet s = SysVSemaphoreSet.open(key)) {
              s.remove();
            }
          }}) {
        try {
          r.run();
        } catch (Exception ignored) {
          // none of that kind
        }
      }
    } catch (Exception ignored) {
      // the file is gone: nothing was made
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void theMessageServerStaysCAndItsClientBecomesJava() throws Exception {
    Path file = TestSupport.uniquePath("port-msg");
    Files.createFile(file);
    Process server = start(program("sysv-msg-server"), file.toString(), "77");
    try (BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
      assertEquals("ready", out.readLine());
      // The C client it replaces, for reference, then the Java port: the same answers.
      assertEquals("HELLO\nPORT ME", run(program("sysv-msg-client"), file.toString(), "77", "hello", "port me"));
      assertEquals(List.of("HELLO", "PORT ME", "ÄÖ STAYS"),
          SysVMsgClient.call(file, 77, List.of("hello", "port me", "ÄÖ stays")));
      assertEquals(List.of(), SysVMsgClient.call(file, 77, List.of("quit")));
      assertTrue(server.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, server.exitValue());
      assertEquals("served 5", out.readLine());
    } finally {
      server.destroyForcibly();
      removeLeftovers(file, 77);
      Files.deleteIfExists(file);
    }
  }

  @Test
  void theShmProducerStaysCAndItsConsumerBecomesJava() throws Exception {
    Path file = TestSupport.uniquePath("port-shm");
    Files.createFile(file);
    try {
      long count = 2000;
      long sum = count * (count + 1) / 2;
      for (boolean java : new boolean[] {false, true}) {
        Process producer = start(program("sysv-shm-producer"), file.toString(), "78", Long.toString(count));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(producer.getInputStream(), StandardCharsets.UTF_8))) {
          assertEquals("ready", out.readLine());
          if (java) {
            assertEquals(sum, SysVShmConsumer.consume(file, 78, count));
          } else {
            assertEquals("consumed " + count + " sum " + sum,
                run(program("sysv-shm-consumer"), file.toString(), "78", Long.toString(count)));
          }
          assertTrue(producer.waitFor(30, TimeUnit.SECONDS));
          assertEquals(0, producer.exitValue());
          assertEquals("produced " + count + " sum " + sum, out.readLine());
        } finally {
          producer.destroyForcibly();
        }
      }
    } finally {
      removeLeftovers(file, 78);
      Files.deleteIfExists(file);
    }
  }
}
