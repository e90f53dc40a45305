package io.github.posixipc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The benchmark driver: runs the C harness (raw system calls, and the posixipc C API) and the
 * JMH harness (posixipc from Java, and the JDK's nearest equivalent) on the same scenarios,
 * against the same raw-syscall server, interleaved in pairs (A/B/A/B, the order reversed every
 * other pair so that drift cancels), and prints the median of each contender and the median
 * ratio, with its range over the pairs, of Java to raw C, of the C API to raw C, of posixipc
 * to the JDK, and of posixipc to the same system calls through hand-written FFM downcalls (JDK
 * 22+; {@code FfmLinks}).
 *
 * <p>Ratios compare costs: time per round trip, or time per byte for streams. Above 1 means
 * slower than the reference.
 *
 * <p>Both sides of every scenario inherit this process's CPU affinity; {@code posixipc bench}
 * starts it under {@code taskset -c 0}, the stable configuration on a small machine. An
 * "-unpinned" scenario is the exception: its C harness run, its JMH fork and their servers widen
 * their affinity to every online CPU allowed ({@code pipc-bench widen}), so that its figures sit
 * beside the pinned scenario's; where that is one CPU it is not measured, and the report says why.
 */
public final class Bench {

  /**
   * A scenario of both harnesses: its name in the C harness, the mechanism the JMH harness opens,
   * round trips or a stream (of chunk-byte writes), and whether the JDK has an equivalent.
   */
  record Scenario(String name, String mechanism, boolean roundTrip, int chunk, List<String> others, boolean capi,
      boolean cHarness) {
    Scenario(String name, String mechanism, boolean roundTrip, int chunk, List<String> others) {
      this(name, mechanism, roundTrip, chunk, others, true);
    }

    Scenario(String name, String mechanism, boolean roundTrip, int chunk, List<String> others, boolean capi) {
      this(name, mechanism, roundTrip, chunk, others, capi, true);
    }

    /** Both sides on every online CPU allowed, not on this process's CPUs ("...-unpinned"). */
    boolean unpinned() {
      return name.endsWith("-unpinned");
    }

    /** The C harness's name of the scenario: a virtual-thread one ("vt-...") runs the plain one. */
    String cName() {
      return name.startsWith("vt-") ? name.substring(3) : name;
    }

    /**
     * raw C, C API (where it is on the path), posixipc, then this scenario's other Java contenders;
     * posixipc and the others alone for a scenario the C harness has not (cHarness false).
     */
    List<String> contenders() {
      List<String> all = new ArrayList<>(cHarness ? CONTENDERS : List.of("posixipc"));
      if (!capi) {
        all.remove("C API");
      }
      all.addAll(others);
      return all;
    }

    /** The same scenario without one of its other contenders. */
    Scenario without(String other) {
      List<String> kept = new ArrayList<>(others);
      kept.remove(other);
      return new Scenario(name, mechanism, roundTrip, chunk, List.copyOf(kept), capi, cHarness);
    }

    /** The contenders JMH measures: all but those of the C harness. */
    List<String> javaContenders() {
      List<String> java = new ArrayList<>(contenders());
      java.removeAll(List.of("raw C", "C API", C_THREADS));
      return java;
    }
  }

  /** The C harness's C API contender run on a second thread while the main thread waits. */
  static final String C_THREADS = "C API, 2 threads";

  private static final List<String> JDK = List.of("JDK");
  private static final List<String> SOCKETS = List.of("JDK", "junixsocket");
  private static final List<String> NONE = List.of();
  private static final List<String> AGRONA = List.of("Agrona");
  /** The round trips with an FFM contender: the same system calls, as java.lang.foreign downcalls. */
  static final String FFM = "FFM";
  private static final List<String> JDK_FFM = List.of("JDK", FFM);
  private static final List<String> SOCKETS_FFM = List.of("JDK", "junixsocket", FFM);
  private static final List<String> ONLY_FFM = List.of(FFM);

  static final List<Scenario> SCENARIOS = List.of(
      new Scenario("pipe-rt", "pipe", true, Link.MESSAGE, JDK_FFM),
      new Scenario("pipe-stream", "pipe", false, Link.CHUNK, JDK),
      new Scenario("fifo-rt", "fifo", true, Link.MESSAGE, JDK_FFM),
      new Scenario("fifo-stream", "fifo", false, Link.CHUNK, JDK),
      new Scenario("unix-rt", "unix", true, Link.MESSAGE, SOCKETS_FFM),
      new Scenario("unix-stream", "unix", false, Link.CHUNK, SOCKETS),
      new Scenario("shm-sem-rt", "shm-sem", true, Link.MESSAGE, ONLY_FFM),
      new Scenario("shm-spin-rt", "shm-spin", true, Link.MESSAGE, JDK, false),
      new Scenario("shm-cas-rt", "shm-cas", true, Link.MESSAGE, JDK),
      new Scenario("mq-rt", "mq", true, Link.MESSAGE, ONLY_FFM),
      // 100 calls of ioctl(FIONREAD) on an empty pipe: through posixipc's API, through the same
      // JNI binding bare ("JNI"), and through an FFM downcall; no server, no C harness.
      new Scenario("call-cost", "call", true, CallLinks.CALLS, List.of("JNI", FFM), false, false),
      // 100 pairs of a 1-byte write and read on a pipe of the process's own (neither waits): the
      // bracket of a call that may block, against the bare JNI binding, the JDK's Pipe and FFM.
      new Scenario("transfer-cost", "transfer", true, CallLinks.CALLS, List.of("JNI", "JDK", FFM), false, false),
      // The same on a connected AF_UNIX stream pair (send/recv; the JDK's: two SocketChannels).
      new Scenario("transfer-cost-unix", "transfer-unix", true, CallLinks.CALLS, List.of("JNI", "JDK", FFM), false,
          false),
      new Scenario("mq-stream", "mq", false, MessageLinks.MQ_CHUNK, NONE),
      // The same stream with both sides free to run on different CPUs, even when this process is pinned.
      new Scenario("mq-stream-unpinned", "mq", false, MessageLinks.MQ_CHUNK, NONE),
      // "C API, 2 threads": the C API with a JVM's threads (the signal's handler runs on the main
      // thread, which waits in pthread_join, and the record wakes the thread that takes it).
      new Scenario("signal-rt", "signal", true, 4, List.of(C_THREADS)),
      // PgJDBC's SELECT 1 against a PostgreSQL cluster the driver starts: posixipc's AF_UNIX
      // socket factory, TCP loopback ("JDK": the JDK's default socket factory), junixsocket's.
      new Scenario("pg-select1", "pg", true, Link.MESSAGE, SOCKETS, false, false),
      new Scenario("sysv-msg-rt", "sysv-msg", true, Link.MESSAGE, NONE),
      new Scenario("sysv-sem-rt", "sysv-sem", true, Link.MESSAGE, NONE),
      new Scenario("channel-rt", "channel-spin", true, Link.MESSAGE, AGRONA),
      new Scenario("channel-rt-sleep", "channel-sleep", true, Link.MESSAGE, NONE),
      new Scenario("channel-stream", "channel-64", false, Link.MESSAGE, AGRONA),
      new Scenario("channel-stream-4k", "channel-4k", false, 4096, AGRONA),
      // Virtual threads (JDK 21+): "posixipc" and "JDK" on a virtual thread, "platform" the same
      // posixipc link on a platform thread; raw C and the C API are the plain scenario's.
      new Scenario("vt-pipe-rt", "pipe", true, Link.MESSAGE, List.of("platform", "JDK")),
      new Scenario("vt-unix-rt", "unix", true, Link.MESSAGE, List.of("platform", "JDK")),
      new Scenario("vt-mq-rt", "mq", true, Link.MESSAGE, List.of("platform")),
      new Scenario("vt-shm-sem-rt", "shm-sem", true, Link.MESSAGE, List.of("platform")));

  /** The contenders every scenario has, in the order of a forward pair. */
  static final List<String> CONTENDERS = List.of("raw C", "C API", "posixipc");

  /** One measurement: p50 (ns) or MB/s, and p99 (ns, round trips only). */
  record Sample(double value, double p99) {}

  private record Timing(int pairs, double cWarmup, double cSeconds, int warmups, int warmupMs, int iterations,
      int iterationMs) {}

  private static final Timing FULL = new Timing(5, 0.5, 2.0, 2, 500, 3, 500);
  private static final Timing QUICK = new Timing(1, 0.2, 0.5, 1, 300, 1, 500);

  /** The JVM options that point JMH forks at the PostgreSQL cluster, once started. */
  private static List<String> pgProperties = List.of();

  private Bench() {}

  public static void main(String[] args) throws Exception {
    Timing timing = FULL;
    int pairs = -1;
    boolean markdown = false;
    List<Scenario> chosen = new ArrayList<>(SCENARIOS);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> timing = QUICK;
        case "--markdown" -> markdown = true;
        case "--pairs" -> pairs = Integer.parseInt(value(args, ++i));
        case "--only" -> {
          List<String> names = Arrays.asList(value(args, ++i).split(","));
          chosen.removeIf(s -> names.stream().noneMatch(n -> s.name().startsWith(n)));
        }
        case "-h", "--help" -> {
          usage();
          return;
        }
        default -> {
          System.err.println("posixipc bench: unknown option " + args[i]);
          usage();
          System.exit(2);
        }
      }
    }
    if (Runtime.version().feature() < 21 && chosen.removeIf(s -> s.name().startsWith("vt-"))) {
      System.err.println("posixipc bench: skipping the vt-* scenarios: virtual threads need JDK 21+, this is "
          + Runtime.version());
    }
    if (chosen.stream().anyMatch(s -> s.others().contains(FFM))) {
      String why = Runtime.version().feature() < 22
          ? "java.lang.foreign needs JDK 22+, this is " + Runtime.version()
          : !Link.ffmPresent()
              ? "this jar was built without it (on JDK < 22); rebuild it on JDK 22+, e.g."
                  + " JAVA_HOME=/path/to/jdk-22+ mvn -B -q package -DskipTests"
              : null;
      if (why != null) {
        chosen.replaceAll(s -> s.without(FFM));
        System.err.println("posixipc bench: skipping the FFM contender: " + why);
      }
    }
    if (pairs > 0) {
      timing = new Timing(pairs, timing.cWarmup, timing.cSeconds, timing.warmups, timing.warmupMs,
          timing.iterations, timing.iterationMs);
    }
    if (chosen.isEmpty()) {
      System.err.println("posixipc bench: no scenario matches; scenarios: "
          + SCENARIOS.stream().map(Scenario::name).toList());
      System.exit(2);
    }
    String exe = harness();
    String cpus = cpusAllowed();
    if (cpus.contains(",") || cpus.contains("-")) {
      System.err.println("posixipc bench: warning: this process may run on CPUs " + cpus
          + "; blocking round trips are stable only with both sides on one CPU (taskset -c 0)");
    }
    List<String> notes = unpinned(exe, cpus, chosen);
    if (chosen.isEmpty()) {
      notes.forEach(n -> System.out.println("posixipc bench: " + n));
      return;
    }

    if (chosen.stream().anyMatch(s -> s.mechanism().equals("pg"))) {
      // The PostgreSQL scenario's server, started here and stopped when the driver ends.
      PgCluster pg = PgCluster.start();
      Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "pg-cluster"));
      pgProperties = List.of("-D" + PgCluster.SOCKET_PROPERTY + "=" + pg.socket(),
          "-D" + PgCluster.PORT_PROPERTY + "=" + pg.port);
    }

    Map<String, Map<String, List<Sample>>> results = new LinkedHashMap<>();
    for (Scenario s : chosen) {
      Map<String, List<Sample>> byContender = new LinkedHashMap<>();
      s.contenders().forEach(c -> byContender.put(c, new ArrayList<>()));
      results.put(s.name(), byContender);
    }
    for (int p = 0; p < timing.pairs; p++) {
      for (Scenario s : chosen) {
        List<String> order = new ArrayList<>(s.contenders());
        if (p % 2 == 1) {
          Collections.reverse(order);
        }
        for (String c : order) {
          System.err.printf(Locale.ROOT, "[pair %d/%d] %s, %s%n", p + 1, timing.pairs, s.name(), c);
          Sample sample = switch (c) {
            case "raw C" -> runC(exe, s, "raw", timing);
            case "C API" -> runC(exe, s, "capi", timing);
            case C_THREADS -> runC(exe, s, "capi-thread", timing);
            default -> runJmh(exe, s, c.toLowerCase(Locale.ROOT), timing);
          };
          results.get(s.name()).get(c).add(sample);
        }
      }
    }
    // Allocation per operation, once per Java contender: JMH's allocation profiler in
    // average-time mode (sample-time mode allocates its own sample buffers).
    Map<String, Double> alloc = new LinkedHashMap<>();
    for (Scenario s : chosen) {
      for (String c : s.javaContenders()) {
        System.err.printf(Locale.ROOT, "[allocation] %s, %s%n", s.name(), c);
        alloc.put(s.name() + "/" + c, allocation(exe, s, c.toLowerCase(Locale.ROOT), timing));
      }
    }
    Report.print(System.out, markdown, header(cpus, timing.pairs), chosen, results, alloc);
    Report.notes(System.out, notes, chosen, SERVER_SWITCHES);
  }

  /**
   * Whether the chosen "-unpinned" scenarios can run (pipc-bench widen: this machine and cpuset
   * give more than one CPU): the lines the report adds about them. Those that cannot are removed
   * from chosen, and the lines say so: their figures are not measured.
   */
  private static List<String> unpinned(String exe, String cpus, List<Scenario> chosen)
      throws IOException, InterruptedException {
    List<String> names = chosen.stream().filter(Scenario::unpinned).map(Scenario::name).toList();
    if (names.isEmpty()) {
      return List.of();
    }
    Process p = new ProcessBuilder(exe, "widen").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()
        .replaceFirst("^pipc-bench: ", "");
    List<String> notes = new ArrayList<>();
    if (p.waitFor() == 0) {
      notes.add(String.join(", ", names) + ": both sides (the C harness or the JMH fork, and the server) on CPUs "
          + out + (out.equals(cpus) ? ", as this process." : ", widened from this process's CPUs " + cpus + "."));
      return notes;
    }
    boolean othersRun = chosen.size() > names.size();
    for (String name : names) {
      String note = name + ": not measured: " + out + "; its figures would be the pinned ones.";
      if (othersRun) {
        System.err.println("posixipc bench: " + note); // now; the report repeats it after the tables
      }
      notes.add(note);
    }
    chosen.removeIf(Scenario::unpinned);
    return notes;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      System.err.println("posixipc bench: " + args[i - 1] + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  private static void usage() {
    System.err.println("""
        usage: posixipc bench [--quick] [--pairs N] [--only SCENARIO,...] [--markdown]
          --quick      one short pair: checks that every contender runs (figures are rough)
          --pairs N    interleaved pairs per scenario (default 5)
          --only LIST  scenarios by name or prefix: pipe, fifo, pipe-rt, vt- (JDK 21+), ..., pg-select1;
                       mq-stream runs it pinned and unpinned (mq-stream-unpinned), side by side
          --markdown   print the tables as Markdown, as in docs/benchmarks.md
        contenders: raw C, C API, posixipc, and per scenario JDK, junixsocket, Agrona, and FFM (the same
        system calls through hand-written java.lang.foreign downcalls, in pipe-rt, fifo-rt, unix-rt, mq-rt
        and shm-sem-rt; JDK 22+ and a jar built on JDK 22+, skipped with a message otherwise), and in
        signal-rt the C API with a JVM's threads (C API, 2 threads)""");
  }

  /** The C harness: -Dposixipc.benchExe, or the copy in this jar extracted to a private directory. */
  private static String harness() throws IOException {
    String configured = System.getProperty(Server.EXE_PROPERTY);
    if (configured != null) {
      return configured;
    }
    try (InputStream in = Bench.class.getResourceAsStream("native/pipc-bench")) {
      if (in == null) {
        throw new IOException("the C harness is not in this jar; build with 'mvn -B package'");
      }
      Path dir = Files.createTempDirectory("pipc-bench-", PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      Path exe = dir.resolve("pipc-bench");
      Files.copy(in, exe, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
      // Deleted at exit in the reverse order of registration: the file, then its directory.
      dir.toFile().deleteOnExit();
      exe.toFile().deleteOnExit();
      return exe.toString();
    }
  }

  private static final Pattern P50 = Pattern.compile("\"p50\": (\\d+)");
  private static final Pattern P99 = Pattern.compile("\"p99\": (\\d+)");
  private static final Pattern MBPS = Pattern.compile("\"mb_per_s\": ([0-9.]+)");
  private static final Pattern SERVER_SWITCHES_PER_OP =
      Pattern.compile("\"server_voluntary_switches_per_op\": ([0-9.]+)");

  /**
   * The server's voluntary context switches per operation, by "scenario/contender", one per pair:
   * every C harness run, and the JMH runs of the message queue streams.
   */
  static final Map<String, List<Double>> SERVER_SWITCHES = new LinkedHashMap<>();

  /**
   * One run of the C harness; both of its sides inherit this process's affinity (--cpu -1), but
   * for an unpinned scenario, whose run widens it.
   */
  static Sample runC(String exe, Scenario s, String contender, Timing t) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(exe, "run", s.cName(), contender, "--warmup", Double.toString(t.cWarmup),
        "--seconds", Double.toString(t.cSeconds), "--cpu", "-1")
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("the C harness failed on " + s.name() + " " + contender + ": " + out);
    }
    Matcher switches = SERVER_SWITCHES_PER_OP.matcher(out);
    if (switches.find()) {
      SERVER_SWITCHES.computeIfAbsent(s.name() + "/" + (contender.equals("raw") ? "raw C" : "C API"),
          k -> new ArrayList<>()).add(Double.parseDouble(switches.group(1)));
    }
    if (s.roundTrip()) {
      return new Sample(number(P50, out), number(P99, out));
    }
    return new Sample(number(MBPS, out), Double.NaN);
  }

  private static double number(Pattern p, String out) throws IOException {
    Matcher m = p.matcher(out);
    if (!m.find()) {
      throw new IOException("unexpected output from the C harness: " + out);
    }
    return Double.parseDouble(m.group(1));
  }

  /** Where a message queue stream's JMH fork writes its server's context switches per message. */
  private static Path switchesFile;

  /** One JMH run in a forked JVM: the median and p99 of round trips, or the stream's MB/s. */
  static Sample runJmh(String exe, Scenario s, String contender, Timing t) throws RunnerException, IOException {
    boolean counted = s.mechanism().equals("mq") && !s.roundTrip();
    ChainedOptionsBuilder o = options(exe, s, contender, t);
    if (counted) {
      if (switchesFile == null) {
        switchesFile = Files.createTempFile("pipc-bench-switches-", ".txt");
        switchesFile.toFile().deleteOnExit();
      }
      Files.writeString(switchesFile, "");
      o.jvmArgsAppend("-D" + Server.SWITCHES_PROPERTY + "=" + switchesFile);
    }
    RunResult r = new Runner(o.build()).runSingle();
    String switches = counted ? Files.readString(switchesFile).strip() : "";
    if (!switches.isEmpty()) {
      SERVER_SWITCHES.computeIfAbsent(s.name() + "/" + contender, k -> new ArrayList<>())
          .add(Double.parseDouble(switches));
    }
    Result<?> primary = r.getPrimaryResult();
    if (s.roundTrip()) {
      return new Sample(primary.getStatistics().getPercentile(50), primary.getStatistics().getPercentile(99));
    }
    return new Sample(primary.getScore() * s.chunk() / 1e6, Double.NaN);
  }

  /** Bytes allocated per operation, by JMH's allocation profiler, in average-time mode. */
  static double allocation(String exe, Scenario s, String contender, Timing t) throws RunnerException {
    Options o = options(exe, s, contender, t).mode(Mode.AverageTime).addProfiler(GCProfiler.class).build();
    RunResult r = new Runner(o).runSingle();
    for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
      if (e.getKey().endsWith("gc.alloc.rate.norm")) {
        return e.getValue().getScore();
      }
    }
    return Double.NaN;
  }

  private static ChainedOptionsBuilder options(String exe, Scenario s, String contender, Timing t) {
    Class<?> benchmark = s.name().startsWith("vt-") ? VirtualRoundTrip.class
        : s.roundTrip() ? RoundTrip.class : Stream.class;
    List<String> jvmArgs = new ArrayList<>(List.of("-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
        "-D" + Server.EXE_PROPERTY + "=" + exe));
    String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
    if (cache != null) {
      jvmArgs.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
    }
    jvmArgs.addAll(pgProperties);
    if (Runtime.version().feature() >= 23) {
      // JMH reads fields through sun.misc.Unsafe, which JDK 24+ warns about on every fork's
      // standard output, in the middle of the tables; the flag exists from JDK 23 on.
      jvmArgs.add("--sun-misc-unsafe-memory-access=allow");
    }
    if (contender.equals("agrona")) {
      jvmArgs.addAll(AgronaLinks.JVM_OPTIONS);
    }
    if (s.unpinned()) {
      jvmArgs.add("-D" + Server.UNPINNED_PROPERTY + "=true");
    }
    return new OptionsBuilder()
        .include("^" + Pattern.quote(benchmark.getName() + "."))
        .param("mechanism", s.mechanism())
        .param("contender", contender)
        .forks(1)
        .threads(1)
        .warmupIterations(t.warmups)
        .warmupTime(TimeValue.milliseconds(t.warmupMs))
        .measurementIterations(t.iterations)
        .measurementTime(TimeValue.milliseconds(t.iterationMs))
        .jvmArgs(jvmArgs.toArray(String[]::new))
        .verbosity(VerboseMode.SILENT)
        .shouldFailOnError(true);
  }

  private static String cpusAllowed() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux-like; reported as unknown
    }
    return "unknown";
  }

  private static String header(String cpus, int pairs) {
    String model = "unknown CPU";
    int cores = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).trim();
          cores++;
        }
      }
    } catch (IOException e) {
      // left unknown
    }
    String kernel = "unknown";
    try {
      kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      // left unknown
    }
    return String.format(Locale.ROOT, "%s; %s, %d CPUs, runs on CPUs %s; Linux %s; %s %s; %d pair(s)",
        ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")), model, cores, cpus, kernel,
        System.getProperty("java.vm.name"), System.getProperty("java.version"), pairs);
  }
}
