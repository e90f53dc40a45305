package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.internal.Core;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A segment shrunk by a separate C process gives {@link SharedMemoryFaultException} from the very
 * access that touched the vanished memory, for every kind of access, in every execution mode of
 * HotSpot: {@link ShrunkSegmentMain} in this JVM after a warm-up, and in child JVMs run with
 * {@code -Xint}, with {@code -Xcomp}, and by default cold and warmed up, with this JVM's java (JDK
 * 17 in the default build) and with JDK 25 (when installed, see {@link #JDK25}). The two
 * {@code -Xcomp} children start together with the class and run beside the other tests.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ShrunkSegmentTest {

  /** Where the JDK 25 that the library must pass on lives on the build machines. */
  static final Path JDK25 = Path.of(System.getProperty("posixipc.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));

  private static final String PASSED = "kinds=" + ShrunkSegmentMain.kinds().size() + " ok="
      + ShrunkSegmentMain.kinds().size() + " late=none";

  /**
   * The two {@code -Xcomp} children, by far the slowest (about 23 s each on 2 CPUs: every method
   * is compiled at its first call): started together when the class starts, so that they run
   * beside each other and the other tests, and each checked by its own test. Null for JDK 25 when
   * it is not installed (its test then says so).
   */
  private static Child compiled17;
  private static Child compiled25;

  @BeforeAll
  static void startTheCompiledChildren() throws Exception {
    compiled17 = Child.start(null, "-Xcomp", "cold");
    compiled25 = Files.isExecutable(java25()) ? Child.start(java25(), "-Xcomp", "cold") : null;
  }

  @AfterAll
  static void stopTheCompiledChildren() {
    for (Child c : new Child[] {compiled17, compiled25}) {
      if (c != null) {
        c.stop();
      }
    }
  }

  @Test
  void inThisJvmAfterAWarmUp() throws Exception {
    try (IpcNames names = new IpcNames()) {
      List<String> report = ShrunkSegmentMain.run(names.shm("shrunk"), TestSupport.peerPath(), true);
      assertEquals(List.of(PASSED), report);
    }
  }

  @Test
  void interpreted() throws Exception {
    child(null, "-Xint", "cold");
  }

  @Test
  void compiledAtFirstCall() throws Exception {
    compiled17.check();
  }

  @Test
  void cold() throws Exception {
    child(null, null, "cold");
  }

  @Test
  void warmedUp() throws Exception {
    child(null, null, "warm");
  }

  @Test
  void jdk25Interpreted() throws Exception {
    child(jdk25(), "-Xint", "cold");
  }

  @Test
  void jdk25Compiled() throws Exception {
    jdk25();
    compiled25.check();
  }

  @Test
  void jdk25Cold() throws Exception {
    child(jdk25(), null, "cold");
  }

  @Test
  void jdk25WarmedUp() throws Exception {
    child(jdk25(), null, "warm");
  }

  /**
   * Threads reading and writing all over one region while the C peer shrinks it: each ends with
   * SharedMemoryFaultException from one of its own accesses (none sees an InternalError, none
   * dies), and the region is faulted.
   */
  @Test
  void threadsHammeringTheRegionWhileItShrinksAllGetTheException() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("shrunk-threads");
      try (SharedMemory shm = SharedMemory.create(name, ShrunkSegmentMain.SIZE); MappedRegion r = shm.map()) {
        int n = 4;
        String[] ends = new String[n];
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
          int id = t;
          Thread th = new Thread(() -> {
            running.countDown();
            try {
              for (long i = 0; ; i++) {
                long at = (i * 8 * (id + 1)) % ShrunkSegmentMain.SIZE;
                if (id % 2 == 0) {
                  r.getLong(at);
                } else {
                  r.setLongRelease(at, i);
                }
              }
            } catch (Throwable e) {
              ends[id] = e.getClass().getSimpleName();
            }
          });
          th.start();
          threads.add(th);
        }
        running.await();
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-truncate", name, "4")) {
          assertEquals("size=4", peer.output());
          assertEquals(0, peer.waitFor(10));
        }
        for (Thread th : threads) {
          th.join(30_000);
          assertTrue(!th.isAlive(), "every thread met the fault");
        }
        for (String end : ends) {
          assertEquals("SharedMemoryFaultException", end);
        }
        assertTrue(r.isFaulted());
      }
    }
  }

  /**
   * A JVM that uses no shared memory keeps HotSpot's own SIGBUS handler: the guard is installed
   * by the first mapping, not by loading the library.
   */
  @Test
  void theGuardIsInstalledByTheFirstMappingNotByLoadingTheLibrary() throws Exception {
    List<String> cmd = TestSupport.childJvmCommand(List.of(), GuardProbe.class.getName());
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals("pipe: 0, mapped: 1", out);
  }

  /** The child JVM of the test above. */
  public static final class GuardProbe {
    public static void main(String[] args) throws Exception {
      try (Pipe pipe = Pipe.open()) {
        System.out.print("pipe: " + Core.pipc_fault_guard_installed());
      }
      try (SharedMemory shm = SharedMemory.createAnonymous("probe", 4096); MappedRegion r = shm.map()) {
        System.out.println(", mapped: " + Core.pipc_fault_guard_installed());
      }
    }
  }

  /** JDK 25's java, installed or not. */
  private static Path java25() {
    return JDK25.resolve("bin").resolve("java");
  }

  /** JDK 25's java; the calling test is skipped, saying so, when it is not installed. */
  private static Path jdk25() {
    Path java = java25();
    Assumptions.assumeTrue(Files.isExecutable(java), "JDK 25 is not installed at " + JDK25);
    return java;
  }

  /** Runs ShrunkSegmentMain in a child JVM (java null: this JVM's) with one option, or none. */
  private static void child(Path java, String option, String warm) throws Exception {
    Child.start(java, option, warm).check();
  }

  /** A child JVM running ShrunkSegmentMain, with its segment's name and its working directory. */
  private record Child(IpcNames names, Process process, Path dir, List<String> cmd) {

    static Child start(Path java, String option, String warm) throws Exception {
      IpcNames names = new IpcNames();
      try {
        List<String> options = new ArrayList<>();
        if (option != null) {
          options.add(option);
        }
        List<String> cmd = new ArrayList<>(TestSupport.childJvmCommand(options, ShrunkSegmentMain.class.getName(),
            names.shm("shrunk"), TestSupport.peerPath(), warm));
        if (java != null) {
          cmd.set(0, java.toString());
        }
        Path dir = Files.createTempDirectory("pipc-shrunk-");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        return new Child(names, p, dir, cmd);
      } catch (Exception | Error e) {
        names.close();
        throw e;
      }
    }

    /** Waits for the child and checks its report; removes its segment whatever happens. */
    void check() throws Exception {
      try {
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), "the child JVM ended");
        File[] crashes = dir.toFile().listFiles((d, n) -> n.startsWith("hs_err"));
        assertEquals(0, crashes == null ? 0 : crashes.length, "no JVM crash report");
        Files.delete(dir);
        assertEquals(PASSED, out, cmd.toString());
        assertEquals(0, process.exitValue(), out);
      } finally {
        stop();
      }
    }

    /** Ends the child if it still runs and removes its segment (once checked, again: harmless). */
    void stop() {
      process.destroyForcibly();
      names.close();
    }
  }
}
