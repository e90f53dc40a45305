package io.github.posixipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.posixipc.Access;
import io.github.posixipc.ChildProcess;
import io.github.posixipc.Fifo;
import io.github.posixipc.Pipe;
import io.github.posixipc.Signals;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command line: exit codes, output shapes, and what each subcommand really does. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The outcome of one run of the tool. */
  record Run(int status, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(status, out.toString(), err.toString());
  }

  private static Path unique(String tag) {
    return Path.of("/tmp/pipc-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + tag);
  }

  // ------------------------------------------------------------------ tour

  @Test
  void tourJsonHasOneOkRowPerMechanismAndPeer() throws Exception {
    Run r = run("tour", "--json", "--round-trips", "300", "--bulk-mib", "2");
    assertEquals(0, r.status(), r.err());
    JsonNode doc = JSON.readTree(r.out());
    assertTrue(doc.get("ok").asBoolean());
    assertEquals(300, doc.get("round_trips").asInt());
    assertEquals(64, doc.get("message_bytes").asInt());
    assertEquals(2 << 20, doc.get("bulk_bytes").asLong());
    Set<String> seen = new HashSet<>();
    for (JsonNode row : doc.get("rows")) {
      seen.add(row.get("mechanism").asText() + "/" + row.get("peer").asText());
      assertEquals("ok", row.get("result").asText(), row.toString());
      assertTrue(row.get("errno").isNull());
      double p50 = row.get("round_trip_p50_us").asDouble();
      double p99 = row.get("round_trip_p99_us").asDouble();
      assertTrue(p50 > 0 && p50 <= p99, row.toString());
      boolean bulk = TourCommand.MECHANISMS.stream()
          .filter(m -> m.name().equals(row.get("mechanism").asText())).findFirst().orElseThrow().hasBulkTransfer();
      if (bulk) {
        assertTrue(row.get("throughput_mb_s").asDouble() > 0, row.toString());
      } else {
        assertTrue(row.get("throughput_mb_s").isNull(), "no bulk transfer, no throughput: " + row);
      }
    }
    for (TourMechanism m : TourCommand.MECHANISMS) {
      assertTrue(seen.contains(m.name() + "/C"), m.name() + " with the C peer");
      assertTrue(seen.contains(m.name() + "/Java"), m.name() + " with the Java peer");
    }
    assertTrue(r.err().contains("[1/" + seen.size() + "]"), "progress lines: " + r.err());
  }

  @Test
  void tourTableAndFilters() {
    Run r = run("tour", "--only", "pipe", "--peer", "C", "--round-trips", "100", "--bulk-mib", "1");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("mechanism"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pipe") && l.contains(" C ") && l.endsWith("ok")), r.out());
    assertTrue(r.out().contains("1 of 1 rows ok"), r.out());
  }

  @Test
  void aFailingRowMakesTheTourExitOne() throws Exception {
    // A "peer" that exits at once: the row fails, the tour says so, and its status is 1.
    String saved = System.getProperty("posixipc.peer");
    System.setProperty("posixipc.peer", "/bin/true");
    try {
      Run r = run("tour", "--json", "--only", "pipe", "--peer", "C", "--round-trips", "10", "--bulk-mib", "1");
      assertEquals(1, r.status(), r.out() + r.err());
      JsonNode row = JSON.readTree(r.out()).get("rows").get(0);
      assertEquals("error", row.get("result").asText());
      assertFalse(row.get("error").asText().isEmpty());
      assertFalse(JSON.readTree(r.out()).get("ok").asBoolean());
    } finally {
      System.setProperty("posixipc.peer", saved);
    }
  }

  @Test
  void tourUsageErrorsExitTwo() {
    assertEquals(2, run("tour", "--only", "no-such-mechanism").status());
    assertEquals(2, run("tour", "--round-trips", "0").status());
    assertEquals(2, run("tour", "--round-trips", "many").status());
  }

  // ------------------------------------------------------------------ ls

  @Test
  void lsSeesASharedMemoryObjectATestCreated() throws Exception {
    String name = "pipc-cli-test-" + ProcessHandle.current().pid();
    Path obj = Path.of("/dev/shm", name);
    Path sem = Path.of("/dev/shm", "sem." + name);
    Files.write(obj, new byte[4096]);
    Files.setPosixFilePermissions(obj, PosixFilePermissions.fromString("rw-r-----"));
    Files.write(sem, new byte[32]);
    try {
      Run r = run("ls", "--json");
      assertEquals(0, r.status(), r.err());
      JsonNode doc = JSON.readTree(r.out());
      assertTrue(doc.has("mqueue_mounted"));
      JsonNode found = null;
      JsonNode foundSem = null;
      for (JsonNode o : doc.get("objects")) {
        if (o.get("type").asText().equals("shm") && o.get("name").asText().equals("/" + name)) {
          found = o;
        }
        if (o.get("type").asText().equals("semaphore") && o.get("name").asText().equals("/" + name)) {
          foundSem = o;
        }
      }
      assertTrue(found != null, r.out());
      assertEquals("shm", found.get("type").asText());
      assertEquals(4096, found.get("size").asLong());
      assertEquals("0640", found.get("mode").asText());
      assertEquals(obj.toString(), found.get("path").asText());
      assertEquals(System.getProperty("user.name"), found.get("owner").asText());
      assertTrue(foundSem != null, "a named semaphore is listed as one: " + r.out());

      Run text = run("ls");
      assertEquals(0, text.status());
      assertTrue(text.out().lines().anyMatch(l -> l.startsWith("shm") && l.contains("/" + name) && l.contains("4096")), text.out());
      if (!doc.get("mqueue_mounted").asBoolean()) {
        assertTrue(text.out().contains(LsCommand.MOUNT_HINT), text.out());
      }
    } finally {
      Files.deleteIfExists(obj);
      Files.deleteIfExists(sem);
    }
  }

  // ------------------------------------------------------------------ fifo

  @Test
  void fifoCreateWriteReadRemove() throws Exception {
    Path path = unique("fifo");
    assertEquals(0, run("fifo", "create", path.toString(), "--mode", "640").status());
    try {
      assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
      // The tool writes, the library reads.
      CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
        try (Fifo in = Fifo.open(path, Access.READ, Duration.ofSeconds(10))) {
          return new String(in.inputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      Run w = run("fifo", "write", path.toString(), "--timeout", "10s", "hello", "fifo");
      assertEquals(0, w.status(), w.err());
      assertEquals("hello fifo\n", got.get(10, TimeUnit.SECONDS));

      // The library writes, the tool reads to its standard output.
      CompletableFuture.runAsync(() -> {
        try (Fifo out = Fifo.open(path, Access.WRITE, Duration.ofSeconds(10))) {
          out.write(ByteBuffer.wrap("from java\n".getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      PrintStream saved = System.out;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Run rd;
      try {
        rd = run("fifo", "read", path.toString(), "--timeout", "10s");
      } finally {
        System.setOut(saved);
      }
      assertEquals(0, rd.status(), rd.err());
      assertEquals("from java\n", captured.toString(StandardCharsets.UTF_8));
    } finally {
      assertEquals(0, run("fifo", "rm", path.toString()).status());
    }
    assertFalse(Files.exists(path));
  }

  @Test
  void fifoErrorsExitOneAndNameTheErrno() throws Exception {
    Path missing = unique("missing");
    Run rm = run("fifo", "rm", missing.toString());
    assertEquals(1, rm.status());
    assertEquals("posixipc: unlink FIFO " + missing + ": ENOENT (No such file or directory)\n", rm.err());

    Path path = unique("exists");
    assertEquals(0, run("fifo", "create", path.toString()).status());
    try {
      Run again = run("fifo", "create", path.toString());
      assertEquals(1, again.status());
      assertTrue(again.err().contains("EEXIST"), again.err());
      Run noReader = run("fifo", "write", path.toString(), "--timeout", "0s", "x");
      assertEquals(1, noReader.status());
      assertTrue(noReader.err().contains("ENXIO"), noReader.err());
      Run late = run("fifo", "write", path.toString(), "--timeout", "100ms", "x");
      assertEquals(1, late.status());
      assertTrue(late.err().contains("ETIMEDOUT"), late.err());
    } finally {
      Files.deleteIfExists(path);
    }
    Path file = unique("regular");
    Files.writeString(file, "not a fifo");
    try {
      Run notFifo = run("fifo", "rm", file.toString());
      assertEquals(1, notFifo.status());
      assertTrue(notFifo.err().contains("EINVAL"), notFifo.err());
      assertTrue(Files.exists(file));
    } finally {
      Files.delete(file);
    }
  }

  // ------------------------------------------------------------------ mq

  /** A POSIX IPC name ("/pipc-cli-...") no other test or run uses: the CLI tests' one namer. */
  static String uniqueName(String tag) {
    return "/pipc-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-"
        + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt()) + "-" + tag;
  }

  @Test
  void mqCreateSendReceiveStatRemove() throws Exception {
    String name = uniqueName("q");
    try {
      assertEquals(0, run("mq", "create", name, "--max-messages", "4", "--message-size", "128", "--exclusive").status());
      assertEquals(0, run("mq", "send", name, "--priority", "3", "hello", "there").status());
      assertEquals(0, run("mq", "send", name, "--priority", "7", "urgent").status());
      Run stat = run("mq", "stat", name, "--json");
      assertEquals(0, stat.status(), stat.err());
      JsonNode doc = JSON.readTree(stat.out());
      assertEquals(4, doc.get("max_messages").asInt());
      assertEquals(128, doc.get("message_size").asInt());
      assertEquals(2, doc.get("current_messages").asInt());
      assertTrue(run("mq", "stat", name).out().contains("current_messages=2"));
      Run got = run("mq", "receive", name, "--count", "2", "--priority");
      assertEquals(0, got.status(), got.err());
      assertEquals("7\turgent\n3\thello there\n", got.out());
      // Without words, standard input is the message.
      java.io.InputStream stdin = System.in;
      System.setIn(new java.io.ByteArrayInputStream("from stdin".getBytes(StandardCharsets.UTF_8)));
      try {
        assertEquals(0, run("mq", "send", name).status());
      } finally {
        System.setIn(stdin);
      }
      assertEquals("0\tfrom stdin\n", run("mq", "receive", name, "--timeout", "0", "--priority").out());
      // The queue is empty now: a timed receive fails with ETIMEDOUT, a try with EAGAIN.
      Run late = run("mq", "receive", name, "--timeout", "50ms");
      assertEquals(1, late.status());
      assertTrue(late.err().contains("ETIMEDOUT"), late.err());
      assertTrue(run("mq", "receive", name, "--timeout", "0").err().contains("EAGAIN"));
      if (LsCommand.mqueueMounted()) {
        Run ls = run("ls");
        assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("mqueue") && l.contains(name)), ls.out());
      }
      assertEquals(0, run("mq", "rm", name).status());
    } finally {
      run("mq", "rm", name); // when the test failed before removing it
    }
    Run gone = run("mq", "rm", name);
    assertEquals(1, gone.status());
    assertEquals("posixipc: mq_unlink queue " + name + ": ENOENT (No such file or directory)\n", gone.err());
  }

  @Test
  void mqErrorsNameTheErrnoAndTheLimit() throws Exception {
    Run bad = run("mq", "create", "no-slash");
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("EINVAL") && bad.err().contains("a queue name is '/'"), bad.err());
    assertEquals(1, run("mq", "stat", uniqueName("missing")).status());
    Run limits = run("mq", "limits", "--json");
    assertEquals(0, limits.status());
    long msgMax = JSON.readTree(limits.out()).get("msg_max").asLong();
    boolean privileged = JSON.readTree(limits.out()).get("cap_sys_resource").asBoolean();
    if (!privileged) {
      String big = uniqueName("big");
      try {
        Run tooMany = run("mq", "create", big, "--max-messages", "" + (msgMax + 1), "--message-size", "8");
        assertEquals(1, tooMany.status());
        assertTrue(tooMany.err().contains("/proc/sys/fs/mqueue/msg_max (" + msgMax + ")"), tooMany.err());
      } finally {
        run("mq", "rm", big); // only if it was wrongly created
      }
    }
    String name = uniqueName("full");
    try {
      assertEquals(0, run("mq", "create", name, "--max-messages", "1", "--message-size", "4").status());
      assertEquals(2, run("mq", "send", name, "--priority", "40000", "x").status());
      Run tooLong = run("mq", "send", name, "12345");
      assertEquals(1, tooLong.status());
      assertTrue(tooLong.err().contains("a message of 5 bytes is longer than the queue's message size (mq_msgsize 4)"),
          tooLong.err());
      assertEquals(0, run("mq", "send", name, "1").status());
      Run full = run("mq", "send", name, "--timeout", "0", "2");
      assertEquals(1, full.status());
      assertTrue(full.err().contains("EAGAIN"), full.err());
      assertEquals(2, run("mq", "create", name, "--mode", "999").status());
      assertEquals(2, run("mq", "receive", name, "--count", "0").status());
    } finally {
      run("mq", "rm", name);
    }
  }

  @Test
  void tourRowOfMessageQueues() {
    Run r = run("tour", "--only", "message queue", "--round-trips", "100", "--bulk-mib", "1");
    assertEquals(0, r.status(), r.err() + r.out());
    assertEquals(2, r.out().lines().filter(l -> l.startsWith("message queue") && l.endsWith("ok")).count(), r.out());
  }

  // ------------------------------------------------------------------ socket

  private static java.net.SocketAddress abstractAddress(String tag) {
    return io.github.posixipc.AbstractSocketAddress.of("pipc-cli-" + ProcessHandle.current().pid() + "-"
        + System.nanoTime() + "-" + tag);
  }

  /** Connects, retrying while the tool in another thread has not bound yet. */
  private static io.github.posixipc.ConnectedSocket connectSoon(java.net.SocketAddress a,
      io.github.posixipc.SocketType type) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return io.github.posixipc.ConnectedSocket.connect(a, io.github.posixipc.ConnectedSocket.options().type(type), Duration.ofSeconds(5));
      } catch (io.github.posixipc.PosixException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(10);
      }
    }
  }

  @Test
  void socketListenPrintsWhatAConnectionSends() throws Exception {
    for (String type : new String[] {"stream", "seqpacket"}) {
      java.net.SocketAddress where = abstractAddress("listen");
      CompletableFuture<Run> tool = CompletableFuture.supplyAsync(
          () -> run("socket", "listen", where.toString(), "--type", type, "--timeout", "20s"));
      io.github.posixipc.SocketType t = type.equals("stream")
          ? io.github.posixipc.SocketType.STREAM : io.github.posixipc.SocketType.SEQPACKET;
      try (io.github.posixipc.ConnectedSocket c = connectSoon(where, t)) {
        c.send(ByteBuffer.wrap("hello ".getBytes(StandardCharsets.UTF_8)));
        c.send(ByteBuffer.wrap("socket".getBytes(StandardCharsets.UTF_8)));
      }
      Run r = tool.get(30, TimeUnit.SECONDS);
      assertEquals(0, r.status(), r.err());
      assertEquals("hello socket", r.out());
      assertTrue(r.err().contains("connection from pid " + ProcessHandle.current().pid()), r.err());
    }
  }

  @Test
  void socketListenOnAPathRemovesItAfterwards() throws Exception {
    Path path = unique("sock");
    java.net.SocketAddress where = java.net.UnixDomainSocketAddress.of(path);
    try {
      CompletableFuture<Run> tool = CompletableFuture.supplyAsync(
          () -> run("socket", "listen", "unix:" + path, "--timeout", "20s"));
      try (io.github.posixipc.ConnectedSocket c = connectSoon(where, io.github.posixipc.SocketType.STREAM)) {
        c.write(ByteBuffer.wrap("via path\n".getBytes(StandardCharsets.UTF_8)));
      }
      Run r = tool.get(30, TimeUnit.SECONDS);
      assertEquals(0, r.status(), r.err());
      assertEquals("via path\n", r.out());
      assertFalse(Files.exists(path));
    } finally {
      Files.deleteIfExists(path);
    }
  }

  @Test
  void socketConnectSendsAndPrintsTheReply() throws Exception {
    java.net.SocketAddress where = abstractAddress("connect");
    try (io.github.posixipc.ListeningSocket server = io.github.posixipc.ListeningSocket.bind(where)) {
      CompletableFuture<String> echo = CompletableFuture.supplyAsync(() -> {
        try (io.github.posixipc.ConnectedSocket s = server.accept(Duration.ofSeconds(20))) {
          String got = new String(s.inputStream().readAllBytes(), StandardCharsets.UTF_8);
          s.write(ByteBuffer.wrap(("got " + got).getBytes(StandardCharsets.UTF_8)));
          return got;
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      Run r = run("socket", "connect", where.toString(), "--timeout", "20s", "ping", "pong");
      assertEquals(0, r.status(), r.err());
      assertEquals("ping pong\n", echo.get(20, TimeUnit.SECONDS));
      assertEquals("got ping pong\n", r.out());
    }
  }

  @Test
  void socketSendDeliversOneDatagramToListen() throws Exception {
    java.net.SocketAddress where = abstractAddress("dgram");
    CompletableFuture<Run> tool = CompletableFuture.supplyAsync(
        () -> run("socket", "listen", where.toString(), "--type", "dgram", "--count", "2", "--timeout", "20s"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Run s1;
    do {
      s1 = run("socket", "send", where.toString(), "first");
      if (s1.status() != 0) {
        Thread.sleep(10); // the listener is not bound yet
      }
    } while (s1.status() != 0 && System.nanoTime() < deadline);
    assertEquals(0, s1.status(), s1.err());
    assertEquals(0, run("socket", "send", where.toString(), "second").status());
    Run r = tool.get(30, TimeUnit.SECONDS);
    assertEquals(0, r.status(), r.err());
    assertEquals("first\nsecond\n", r.out());
  }

  @Test
  void socketErrorsExitOneOrTwo() {
    Path missing = unique("nobody");
    Run r = run("socket", "connect", "unix:" + missing, "x");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("ENOENT"), r.err());
    Run refused = run("socket", "send", abstractAddress("none").toString(), "x");
    assertEquals(1, refused.status());
    assertTrue(refused.err().contains("ECONNREFUSED"), refused.err());
    assertEquals(2, run("socket", "connect", "nonsense:x", "x").status());
    assertEquals(2, run("socket", "listen", "abstract:x", "--type", "raw").status());
    assertEquals(2, run("socket", "connect", "unix:/" + "p".repeat(200), "x").status());
    assertEquals(2, run("socket", "connect", "abstract:x", "--type", "dgram", "x").status());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, run("no-such-command").status());
    assertEquals(2, run("fifo", "create").status());
    assertEquals(2, run("fifo", "create", "/tmp/x", "--mode", "999").status());
    assertEquals(2, run("fifo", "read", "/tmp/x", "--timeout", "soon").status());
    assertEquals(2, run("ls", "--bogus").status());
    Run help = run("--help");
    assertEquals(0, help.status());
    for (String sub : new String[] {"tour", "ls", "fifo", "bench"}) {
      assertTrue(help.out().contains(sub), help.out());
    }
    assertTrue(help.out().lines().anyMatch(l -> l.matches("\\s+tour\\s.*")), help.out());
    assertFalse(help.out().lines().anyMatch(l -> l.matches("\\s+peer\\s.*")), "the peer subcommand is hidden");
  }

  @Test
  void durationsParse() {
    assertEquals(Duration.ofMillis(250), Main.parseDuration("250ms"));
    assertEquals(Duration.ofMillis(1500), Main.parseDuration("1.5s"));
    assertEquals(Duration.ofMinutes(2), Main.parseDuration("2m"));
    assertEquals(Duration.ofSeconds(3), Main.parseDuration("3"));
    assertEquals(Duration.ofSeconds(5), Main.parseDuration("PT5S"));
    assertEquals(Duration.ZERO, Main.parseDuration("0s"));
  }

  // ------------------------------------------------------------------ bench

  /**
   * {@code bench --quick --only pipe-rt}, run once for the tests that read it: a quick pair takes
   * seconds, and its output does not depend on which test asks.
   */
  private static Run quickPipeRt;

  private static synchronized Run quickPipeRt() {
    if (quickPipeRt == null) {
      quickPipeRt = run("bench", "--quick", "--only", "pipe-rt");
    }
    return quickPipeRt;
  }

  /** A ratio cell: the median alone (one pair) or with its range. */
  private static final String RATIO = "\\d+\\.\\d\\d(?: \\[\\d+\\.\\d\\d-\\d+\\.\\d\\d\\])?";

  /**
   * pipe-rt's ratio row: posixipc / raw C, C API / raw C, posixipc / JDK, posixipc / FFM (a
   * ratio, or "-" where the FFM contender was skipped), then "-" for junixsocket and Agrona.
   */
  private static String pipeRatioRow(String ffm) {
    return "pipe-rt\\s+" + RATIO + "\\s+" + RATIO + "\\s+" + RATIO + "\\s+" + ffm + "\\s+-\\s+-\\s*";
  }

  @Test
  void benchQuickRunsEveryContenderAndPrintsTheRatios() {
    Run r = quickPipeRt();
    assertEquals(0, r.status(), r.err());
    for (String contender : new String[] {"raw C", "C API", "posixipc", "JDK"}) {
      assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pipe-rt") && l.contains(contender)
          && l.matches(".*\\d+\\.\\d\\d µs.*")), contender + " row missing:\n" + r.out());
    }
    assertTrue(r.out().contains("posixipc / JDK"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches(pipeRatioRow("(?:" + RATIO + "|-)"))),
        "ratio row missing:\n" + r.out());
    assertFalse(r.out().contains("fifo"), "--only keeps the other scenarios out");
    // On JDK 24+ JMH's use of sun.misc.Unsafe would print warnings into the tables.
    assertFalse(r.out().contains("WARNING:") || r.err().contains("WARNING:"),
        "JVM warnings in the output:\n" + r.out() + r.err());
  }

  @Test
  void benchRunsTheFfmContenderOnJdk22AndLater() {
    assumeTrue(Runtime.version().feature() >= 22, "the FFM contender needs JDK 22+");
    Run r = quickPipeRt();
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("pipe-rt\\s+FFM\\s+\\d+\\.\\d\\d µs\\s+\\d+\\.\\d\\d µs.*")),
        "FFM row missing (is the driver jar built on JDK 22+?):\n" + r.out() + r.err());
    assertTrue(r.out().contains("posixipc / FFM"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches(pipeRatioRow(RATIO))),
        "posixipc / FFM ratio missing:\n" + r.out());
    assertFalse(r.err().contains("skipping the FFM contender"), r.err());
  }

  @Test
  void benchSkipsTheFfmContenderBeforeJdk22WithOneLine() {
    assumeTrue(Runtime.version().feature() < 22, "JDK 22+ runs the FFM contender");
    Run r = quickPipeRt();
    assertEquals(0, r.status(), r.err());
    assertEquals(1, r.err().lines().filter(l -> l.contains("skipping the FFM contender")).count(), r.err());
    assertTrue(r.err().contains("posixipc bench: skipping the FFM contender: java.lang.foreign needs JDK 22+"),
        r.err());
    assertFalse(r.out().lines().anyMatch(l -> l.matches("pipe-rt\\s+FFM\\s.*")), "no FFM row:\n" + r.out());
    assertTrue(r.out().contains("posixipc / FFM"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches(pipeRatioRow("-"))), "the FFM ratio is -:\n" + r.out());
  }

  @Test
  void benchRunsTheMessageQueueStreamUnpinnedBesideThePinnedOne() {
    Run r = run("bench", "--quick", "--only", "mq-stream-unpinned");
    assertEquals(0, r.status(), r.err());
    if (r.out().contains("mq-stream-unpinned: not measured: ")) {
      // One CPU online, or a cpuset of one: said so, and no figure made up.
      assertFalse(r.out().contains("MB/s"), r.out());
      return;
    }
    for (String contender : new String[] {"raw C", "C API", "posixipc"}) {
      assertTrue(r.out().lines().anyMatch(l -> l.startsWith("mq-stream-unpinned") && l.contains(contender)
          && l.matches(".*\\d+ MB/s.*")), contender + " row missing:\n" + r.out());
    }
    assertTrue(r.out().lines().anyMatch(l -> l.matches("mq-stream-unpinned\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d(\\s+-)+\\s*")),
        "ratio row missing:\n" + r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("mq-stream-unpinned: both sides .* on CPUs \\d+[-,].*")),
        "where both sides ran:\n" + r.out());
    assertTrue(r.out().contains("mq-stream-unpinned: the server's voluntary context switches per message: raw C "),
        r.out());
    assertFalse(r.out().lines().anyMatch(l -> l.matches("mq-stream\\s.*")), "--only mq-stream-unpinned keeps the pinned mq-stream out:\n" + r.out());
  }

  @Test
  void benchUsageErrorsExitTwo() {
    assertEquals(2, run("bench", "--pairs", "0").status());
    assertEquals(2, run("bench", "--cpu", "-3").status());
    Run unknown = run("bench", "--quick", "--only", "no-such-scenario");
    assertEquals(2, unknown.status(), unknown.err());
    assertTrue(unknown.err().contains("no scenario matches"), unknown.err());
  }

  /** The C harness, copied out of the benchmark driver jar into dir (the test fails without it). */
  private static Path harnessIn(Path dir) throws Exception {
    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(BenchCommand.driver().toFile())) {
      java.util.jar.JarEntry e = jar.getJarEntry("io/github/posixipc/bench/native/pipc-bench");
      assertTrue(e != null, "the driver jar holds the C harness");
      Path exe = dir.resolve("pipc-bench");
      try (java.io.InputStream in = jar.getInputStream(e)) {
        Files.copy(in, exe);
      }
      Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
      return exe;
    }
  }

  /** Runs the C harness with args; returns its exit status, standard output and error. */
  private static Run harness(Path exe, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(exe.toString()));
    cmd.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException x) {
        return x.toString();
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the harness ended");
    return new Run(p.exitValue(), out, err.get());
  }

  @Test
  @Timeout(120)
  void harnessFillSamplesAChannelStreamsRingAndRefusesOtherScenarios() throws Exception {
    Path dir = Files.createTempDirectory("pipc-harness-");
    try {
      Path exe = harnessIn(dir);
      for (String contender : new String[] {"capi", "raw"}) {
        Run r = harness(exe, "run", "channel-stream", contender, "--seconds", "0.5", "--warmup", "0.1", "--fill");
        assertEquals(0, r.status(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("mb_per_s").asDouble() > 0, r.out());
        assertTrue(j.get("fill_samples").asLong() > 0, "looks at the ring once per 4 MiB: " + r.out());
        double mean = j.get("fill_mean").asDouble();
        double nearEmpty = j.get("fill_near_empty_share").asDouble();
        assertTrue(mean >= 0 && mean <= 1 && nearEmpty >= 0 && nearEmpty <= 1, r.out());
      }
      Run plain = harness(exe, "run", "channel-stream", "capi", "--seconds", "0.2", "--warmup", "0.1");
      assertEquals(0, plain.status(), plain.err());
      assertFalse(plain.out().contains("fill_"), "no look at the ring without --fill: " + plain.out());
      for (String scenario : new String[] {"channel-rt", "pipe-stream"}) {
        Run refused = harness(exe, "run", scenario, "capi", "--fill");
        assertEquals(2, refused.status(), refused.out());
        assertTrue(refused.err().contains("--fill is for the channel streams only"), refused.err());
      }
      Run dangling = harness(exe, "run", "channel-stream", "capi", "--seconds");
      assertEquals(2, dangling.status(), "an option without its value");
      Run badSink = harness(exe, "serve", "chan-sink", "/pipc-no-such-channel", "1", "timed");
      assertEquals(2, badSink.status(), "chan-sink takes only 'untimed' after SPIN: " + badSink.err());
      Run untimed = harness(exe, "serve", "chan-sink", "/pipc-no-such-channel", "1", "untimed");
      assertEquals(1, untimed.status(), "'untimed' taken, then the channel not found: " + untimed.err());
      assertTrue(untimed.err().contains("pipc_channel_open: ENOENT"), untimed.err());
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  @Test
  void benchSaysHowToBuildWhenTheDriverIsMissing() {
    String saved = System.getProperty("posixipc.benchJar");
    System.setProperty("posixipc.benchJar", "/nonexistent/posixipc-benchmarks.jar");
    try {
      Run r = run("bench", "--quick");
      assertEquals(1, r.status());
      assertTrue(r.err().contains("is not built") && r.err().contains("mvn -B -q package -DskipTests"), r.err());
    } finally {
      if (saved == null) {
        System.clearProperty("posixipc.benchJar");
      } else {
        System.setProperty("posixipc.benchJar", saved);
      }
    }
  }

  // ------------------------------------------------------------------ launcher

  @Test
  void theLauncherSaysHowToBuildWhenTheJarIsMissing() throws Exception {
    Path root = Files.createTempDirectory("pipc-launcher-");
    Path bin = Files.createDirectories(root.resolve("bin"));
    Path home = Path.of(System.getProperty("posixipc.home"));
    Files.copy(home.resolve("bin/posixipc"), bin.resolve("posixipc"));
    try {
      Process p = new ProcessBuilder(bin.resolve("posixipc").toString(), "tour").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      assertEquals(2, p.exitValue(), out);
      assertTrue(out.contains("not built yet") && out.contains("mvn -B -q package -DskipTests"), out);
    } finally {
      Files.delete(bin.resolve("posixipc"));
      Files.delete(bin);
      Files.delete(root);
    }
  }

  // ------------------------------------------------------------------ signal

  @Test
  void signalSendReachesTheCPeerWithItsValue() throws Exception {
    try (Pipe out = Pipe.open();
        ChildProcess peer = ChildProcess.builder(System.getProperty("posixipc.peer"), "signal-wait", "SIGRTMIN+5", "2", "20000")
            .fd(1, out.sink()).start()) {
      out.sink().close();
      Peers.awaitReady(out.source(), "ready pid=" + peer.pid());
      String pid = String.valueOf(peer.pid());
      Run q = run("signal", "send", pid, "SIGRTMIN+5", "--value", "42");
      assertEquals(0, q.status(), q.err());
      Run k = run("signal", "send", pid, "rtmin+5");
      assertEquals(0, k.status(), k.err());
      String text = new String(out.source().inputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, peer.waitFor(Duration.ofSeconds(20)).exitCode(), text);
      long self = ProcessHandle.current().pid();
      String[] lines = text.split("\n");
      assertTrue(lines[0].startsWith("signal SIGRTMIN+5 code=-1 pid=" + self + " ") && lines[0].endsWith(" value=42"), text);
      assertTrue(lines[1].startsWith("signal SIGRTMIN+5 code=0 pid=" + self + " "), text);
      assertTrue(lines[2].startsWith("received=2 lost=0"), text);
    }
  }

  @Test
  void signalWaitPrintsWhatCame() throws Exception {
    int sig = Signals.number("SIGRTMIN+6");
    CompletableFuture<Run> waiting = CompletableFuture.supplyAsync(
        () -> run("signal", "wait", "SIGRTMIN+6", "--timeout", "20s"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (Signals.disposition(sig) != Signals.Disposition.CAUGHT && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    try (ChildProcess sender = ChildProcess.builder(System.getProperty("posixipc.peer"), "signal-send",
        String.valueOf(ProcessHandle.current().pid()), "SIGRTMIN+6", "77", "1").start()) {
      Run r = waiting.get(30, TimeUnit.SECONDS);
      assertEquals(0, r.status(), r.err());
      assertEquals("SIGRTMIN+6 from pid " + sender.pid() + " (uid " + uid() + "), sigqueue value 77", r.out().trim());
      assertTrue(r.err().contains("waiting for SIGRTMIN+6 in process " + ProcessHandle.current().pid()), r.err());
      assertEquals(0, sender.waitFor(Duration.ofSeconds(20)).exitCode());
    }
    assertEquals(Signals.Disposition.DEFAULT, Signals.disposition(sig), "put back after the wait");
  }

  @Test
  void signalErrorsAreClear() throws Exception {
    long dead;
    try (ChildProcess c = ChildProcess.builder(System.getProperty("posixipc.peer"), "exit", "0").start()) {
      dead = c.pid();
      c.waitFor(Duration.ofSeconds(20));
    }
    Run gone = run("signal", "send", String.valueOf(dead), "TERM");
    assertEquals(1, gone.status());
    assertTrue(gone.err().contains("ESRCH"), gone.err());
    Run badName = run("signal", "send", "123", "NOPE");
    assertEquals(2, badName.status());
    assertTrue(badName.err().contains("'NOPE' is not a signal"), badName.err());
    Run reserved = run("signal", "wait", "SIGSEGV");
    assertEquals(2, reserved.status());
    assertTrue(reserved.err().contains("reserved"), reserved.err());
    Run late = run("signal", "wait", "SIGUSR1", "--timeout", "50ms");
    assertEquals(1, late.status());
    assertTrue(late.err().contains("ETIMEDOUT"), late.err());
    Run all = run("signal", "send", "-1", "TERM");
    assertEquals(2, all.status(), all.err());
    assertTrue(all.err().contains("-1"), all.err());
    assertEquals(2, run("signal", "send", "12", "TERM", "--value", "x").status());
    assertEquals(2, run("signal", "wait", "USR1", "--count", "0").status());
    Run help = run("signal", "send", "--help");
    assertEquals(0, help.status());
    assertTrue(help.out().contains("sigqueue with --value"), help.out());
  }

  private static long uid() throws Exception {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }
}
