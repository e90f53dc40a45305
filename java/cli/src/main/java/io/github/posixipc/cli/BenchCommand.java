package io.github.posixipc.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the benchmark driver (benchmarks/jmh: the C harness and the JMH harness, interleaved) in a
 * JVM of its own, pinned to one CPU with {@code taskset} so that both sides of every blocking
 * scenario share it; the "-unpinned" scenarios (mq-stream-unpinned) widen their own runs to every
 * online CPU, so that their figures stand beside the pinned ones. The tool itself does not depend
 * on JMH: the driver is the jar the build makes in benchmarks/jmh/target.
 */
@Command(
    name = "bench",
    description = {
      "Benchmark every mechanism: raw C, the posixipc C API, posixipc from Java and the JDK's nearest"
          + " equivalent, against the same server, interleaved in pairs.",
      "On JDK 22+ the round trips of pipes, FIFOs, AF_UNIX sockets, message queues and shm-sem also have"
          + " FFM: the same system calls through hand-written java.lang.foreign downcalls (skipped with a"
          + " message on older JDKs, or when the driver jar was built on one).",
      "Prints the medians and the ratios Java/raw C, C API/raw C, posixipc/JDK and posixipc/FFM."
          + " A full run takes minutes."
    })
final class BenchCommand implements Callable<Integer> {

  static final String JAR = "benchmarks/jmh/target/posixipc-benchmarks.jar";

  @Spec CommandSpec spec;

  @Option(names = "--quick", description = "Run one short pair, which checks that every contender runs; the figures are rough.")
  boolean quick;

  @Option(names = "--pairs", paramLabel = "N", converter = Args.Positive.class,
      description = "How many interleaved pairs each scenario runs (default: 5).")
  Integer pairs;

  @Option(names = "--only", paramLabel = "SCENARIO", split = ",",
      description = "Run only these scenarios, by name or prefix (pipe, fifo, pipe-rt, vt-, mq-stream, ...).")
  List<String> only;

  @Option(names = "--markdown", description = "Print the tables as Markdown (as in docs/benchmarks.md).")
  boolean markdown;

  @Option(names = "--cpu", defaultValue = "0", paramLabel = "N",
      description = "The CPU both sides run on (default: ${DEFAULT-VALUE}).")
  int cpu;

  @Option(names = "--no-pin", description = "Do not pin to one CPU; crossing CPUs adds wake-up latency and variance."
      + " The -unpinned scenarios run on every CPU either way.")
  boolean noPin;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (cpu < 0) {
      throw new IllegalArgumentException("--cpu must be a CPU number");
    }
    Path jar = driver();
    List<String> cmd = new ArrayList<>();
    if (!noPin) {
      Path taskset = onPath("taskset");
      if (taskset == null) {
        spec.commandLine().getErr().println(
            "posixipc bench: taskset (util-linux) is not installed; running unpinned");
      } else {
        cmd.addAll(List.of(taskset.toString(), "-c", Integer.toString(cpu)));
      }
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    if (Runtime.version().feature() >= 23) {
      // The driver runs JMH, which JDK 24+ would warn about for its use of sun.misc.Unsafe.
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
    if (cache != null) {
      cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
    }
    cmd.add("-jar");
    cmd.add(jar.toString());
    if (quick) {
      cmd.add("--quick");
    }
    if (pairs != null) {
      cmd.addAll(List.of("--pairs", pairs.toString()));
    }
    if (only != null) {
      cmd.addAll(List.of("--only", String.join(",", only)));
    }
    if (markdown) {
      cmd.add("--markdown");
    }
    Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
    Thread progress = new Thread(() -> copy(p.getErrorStream(), spec.commandLine().getErr()), "bench-progress");
    progress.setDaemon(true);
    progress.start();
    try {
      copy(p.getInputStream(), spec.commandLine().getOut());
      int status = p.waitFor();
      progress.join();
      return status == 0 ? 0 : status == 2 ? 2 : 1;
    } finally {
      p.destroy();
    }
  }

  /** Copies the driver's output line by line, as it comes. */
  private static void copy(InputStream in, PrintWriter to) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        to.println(line);
        to.flush();
      }
    } catch (IOException e) {
      to.println("posixipc bench: lost the driver's output: " + e.getMessage());
    }
  }

  /** The driver jar: -Dposixipc.benchJar, else under -Dposixipc.home (bin/posixipc sets it). */
  static Path driver() throws IOException {
    String configured = System.getProperty("posixipc.benchJar");
    String home = System.getProperty("posixipc.home");
    Path jar = configured != null ? Path.of(configured) : home != null ? Path.of(home, JAR) : null;
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new IOException("the benchmark driver " + (jar == null ? JAR : jar)
          + " is not built; build it with 'mvn -B -q package -DskipTests'");
    }
    return jar;
  }

  private static Path onPath(String program) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
