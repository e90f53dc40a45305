package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import io.github.posixipc.peer.JavaPeer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the Java suites share: unique object names, descriptor counting, the byte pattern and
 * checksum the peers also compute, and the two kinds of peer process (the C peer program, started
 * with chosen descriptors, and a child JVM running {@link JavaPeer}).
 */
final class TestSupport {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private TestSupport() {}

  /** A path under /tmp unique to this JVM and call; the caller removes it. */
  static Path uniquePath(String tag) {
    return Path.of("/tmp/pipc-jtest-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-" + tag);
  }

  private static final String JAVA_HOME = realPath(System.getProperty("java.home")) + "/";
  /** What the listing's own descriptor refers to. */
  private static final String OWN_LISTING = "/proc/" + ProcessHandle.current().pid() + "/fd";

  private static String realPath(String path) {
    try {
      return Path.of(path).toRealPath().toString();
    } catch (IOException e) {
      return path;
    }
  }

  /**
   * This process's open descriptors, each with what it refers to as {@code /proc/self/fd} shows it
   * (e.g. "pipe:[12345]"), in number order; the listing's own descriptor left out.
   */
  static Map<Integer, String> fdTargets() throws IOException {
    Map<Integer, String> m = new TreeMap<>();
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        try {
          String target = Files.readSymbolicLink(p).toString();
          if (!target.equals(OWN_LISTING)) {
            m.put(Integer.parseInt(p.getFileName().toString()), target);
          }
        } catch (IOException gone) {
          // closed since the listing
        }
      }
    }
    return m;
  }

  /**
   * The number of open descriptors of this process, less the JVM's own files (jars, the runtime's
   * modules), which it may open at any moment to load a class: what a leak check counts.
   */
  static int openFds() throws IOException {
    return countFds(t -> !(t.endsWith(".jar") || t.endsWith(".jmod") || t.startsWith(JAVA_HOME)));
  }

  /**
   * The number of open descriptors of this process whose target starts with {@code target} (for
   * example {@code "socket:"}, or a pipe's own {@link #fdTarget}): a count that descriptors the
   * JVM opens meanwhile for its own ends cannot move.
   */
  static int openFds(String target) throws IOException {
    return countFds(t -> t.startsWith(target));
  }

  private static int countFds(java.util.function.Predicate<String> counted) throws IOException {
    return (int) fdTargets().values().stream().filter(counted).count();
  }

  /** What descriptor fd refers to, as /proc/self/fd shows it (e.g. "pipe:[12345]"). */
  static String fdTarget(int fd) throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
  }

  /**
   * The descriptor count once earlier tests' leftovers (channels the Cleaner has yet to close,
   * descriptors released by the last thread out of a close) have settled: a baseline for a leak
   * check.
   */
  static int settledFds() throws Exception {
    int previous = -1;
    int now = openFds();
    for (int i = 0; i < 50 && now != previous; i++) {
      System.gc();
      Thread.sleep(20);
      previous = now;
      now = openFds();
    }
    return now;
  }

  /**
   * Waits until the descriptor count is back to baseline or below (collecting garbage meanwhile),
   * and fails if it does not get there.
   */
  static void assertFdsReturnTo(int baseline) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int now = openFds();
    while (now > baseline && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
      now = openFds();
    }
    assertTrue(now <= baseline, "descriptors leaked: " + now + " open, " + baseline + " before");
  }

  // The peer protocol's pattern and checksum (test/peer): one definition for all.

  static final long FNV_START = JavaPeer.FNV_START;

  static byte pattern(int seed, long i) {
    return JavaPeer.pattern(seed, i);
  }

  static long fnv1a(long h, ByteBuffer b) {
    return JavaPeer.fnv1a(h, b);
  }

  static String summary(long count, long fnv) {
    return JavaPeer.summary(count, fnv);
  }

  static ByteBuffer patternBlock(int seed, long offset, int size) {
    ByteBuffer b = ByteBuffer.allocateDirect(size);
    JavaPeer.fillPattern(b, seed, offset);
    return b;
  }

  // ------------------------------------------------------------------ the C peer

  static String peerPath() {
    String p = System.getProperty("posixipc.peer");
    assertTrue(p != null && new File(p).canExecute(), "the C peer program (posixipc.peer) is built: " + p);
    return p;
  }

  /** A started C peer and its standard output, as a pipe. */
  static final class CPeer implements AutoCloseable {
    final ChildProcess process;
    final Pipe.Source stdout;

    CPeer(ChildProcess process, Pipe.Source stdout) {
      this.process = process;
      this.stdout = stdout;
    }

    /** Waits for the peer to end; returns its exit code, or 128 + signal. */
    int waitFor(long seconds) throws Exception {
      ChildProcess.Status s = process.waitFor(java.time.Duration.ofSeconds(seconds));
      return s.exited() ? s.exitCode() : 128 + s.signal();
    }

    /** Everything the peer printed, up to its end of output. */
    String output() throws IOException {
      StringBuilder sb = new StringBuilder();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (stdout.read(buf, java.time.Duration.ofSeconds(30)) != -1) {
        buf.flip();
        sb.append(StandardCharsets.UTF_8.decode(buf));
        buf.clear();
      }
      return sb.toString().trim();
    }

    @Override
    public void close() throws IOException {
      try {
        if (process.isAlive()) {
          process.kill();
        }
      } finally {
        process.close();
        stdout.close();
      }
    }
  }

  /**
   * Starts the C peer with args; fdMap gives {child fd, channel} pairs: the channel's descriptor
   * becomes that number in the child. Its stdout is a pipe read through {@link CPeer#output()}.
   */
  static CPeer startCPeer(Object[] fdMap, String... args) throws IOException {
    ChildProcess.Builder b = ChildProcess.builder(peerPath(), args);
    for (int i = 0; i < fdMap.length; i += 2) {
      b.fd((Integer) fdMap[i], (DescriptorHandle) fdMap[i + 1]);
    }
    Pipe out = Pipe.open();
    try {
      ChildProcess child = b.fd(1, out.sink()).start();
      out.sink().close();
      return new CPeer(child, out.source());
    } catch (IOException | RuntimeException e) {
      out.close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ the Java peer

  /** Starts a child JVM running JavaPeer with args; its output is read by the caller. */
  static Process startJavaPeer(String... args) throws IOException {
    return new ProcessBuilder(javaPeerCommand(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** The command line of a child JVM running JavaPeer with args. */
  static List<String> javaPeerCommand(String... args) {
    return childJvmCommand(List.of(), JavaPeer.class.getName(), args);
  }

  /**
   * The command line of a child JVM with this suite's class path (the library, the tests and the
   * peers) running mainClass with args, after the given JVM options.
   */
  static List<String> childJvmCommand(List<String> jvmOptions, String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
    if (cache != null) {
      cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
    }
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Waits for a child JVM and returns its trimmed standard output; asserts exit code 0. */
  static String finish(Process p, long seconds) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "child JVM ended in time");
    assertEquals(0, p.exitValue(), "child JVM exit code; output: " + out);
    return out;
  }

  /** Removes a FIFO left by a test, if any. */
  static void removeQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // best effort in a finally block
    }
  }
}
