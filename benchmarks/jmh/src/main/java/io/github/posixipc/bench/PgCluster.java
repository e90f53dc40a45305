package io.github.posixipc.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The PostgreSQL cluster of the pg-select1 scenario, started by the driver: initdb into a private
 * temporary directory, then a server on a unix socket there and on 127.0.0.1 at a free port, so
 * that the AF_UNIX contenders and TCP loopback reach the same server. As root it runs as the
 * {@code postgres} user (PostgreSQL refuses root). {@link #close()} stops it and removes the
 * directory; a shutdown hook does too if the driver ends first.
 */
final class PgCluster implements AutoCloseable {

  /** System properties that tell the JMH forks where the server is. */
  static final String SOCKET_PROPERTY = "posixipc.bench.pgSocket";
  static final String PORT_PROPERTY = "posixipc.bench.pgPort";
  static final String USER = "pipc";

  private final Path dir;
  private final Path bin;
  private final boolean asPostgres;
  final int port;
  private final Thread hook = new Thread(this::stop, "pg-cluster-stop");
  private volatile boolean stopped;

  private PgCluster(Path dir, Path bin, boolean asPostgres, int port) {
    this.dir = dir;
    this.bin = bin;
    this.asPostgres = asPostgres;
    this.port = port;
  }

  /** The server's socket file. */
  Path socket() {
    return dir.resolve(".s.PGSQL." + port);
  }

  static PgCluster start() throws IOException, InterruptedException {
    Path bin;
    try (Stream<Path> versions = Files.isDirectory(Path.of("/usr/lib/postgresql"))
        ? Files.list(Path.of("/usr/lib/postgresql")) : Stream.empty()) {
      bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(Path::toString)).orElse(null);
    }
    if (bin == null) {
      throw new IOException("pg-select1 needs a PostgreSQL server: none under /usr/lib/postgresql"
          + " (Debian: apt-get install postgresql)");
    }
    boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Path dir = Files.createTempDirectory("pipc-bench-pg-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    PgCluster c = new PgCluster(dir, bin, root, port);
    try {
      if (root) {
        UserPrincipal postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
      }
      Path data = dir.resolve("data");
      c.run("initdb", "-D", data.toString(), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync");
      String conf = String.join("\n", "", "listen_addresses = '127.0.0.1'", "port = " + port,
          "unix_socket_directories = '" + dir + "'", "max_connections = 20", "fsync = off",
          "synchronous_commit = off", "");
      Path confFile = data.resolve("postgresql.conf");
      if (root) {
        c.run("/bin/sh", "-c", "printf '%s' \"$1\" >> \"$0\"", confFile.toString(), conf);
      } else {
        Files.writeString(confFile, conf, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      }
      Runtime.getRuntime().addShutdownHook(c.hook);
      c.run("pg_ctl", "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start");
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private void run(String program, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (asPostgres) {
      // util-linux's runuser, by its path: root's PATH may lack /usr/sbin.
      String runuser = Files.isExecutable(Path.of("/usr/sbin/runuser")) ? "/usr/sbin/runuser" : "runuser";
      cmd.addAll(List.of(runuser, "-u", "postgres", "--"));
    }
    cmd.add(program.startsWith("/") ? program : bin.resolve(program).toString());
    cmd.addAll(List.of(args));
    // Output to a file, not a pipe: the server that pg_ctl starts must not hold our pipe open.
    Path out = Files.createTempFile("pipc-bench-pg-", ".log");
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " failed: " + Files.readString(out));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      if (Files.exists(dir.resolve("data/postmaster.pid"))) {
        run("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("posixipc bench: stopping the PostgreSQL cluster in " + dir + ": " + e.getMessage());
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("posixipc bench: removing " + dir + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // shutting down already, or never registered
    }
  }
}
