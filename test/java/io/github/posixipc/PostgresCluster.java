package io.github.posixipc;

import java.io.IOException;
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
 * A private PostgreSQL cluster for one test class: initdb into a fresh temporary directory, and a
 * server that listens only on AF_UNIX sockets there (listen_addresses = '', no TCP), on a path
 * and on an abstract name. PostgreSQL refuses to run as root, so as root the cluster runs as the
 * {@code postgres} user that Debian's package creates (runuser), in a directory it owns.
 * {@link #close()} stops the server ({@code pg_ctl stop -m immediate}) and removes the directory;
 * a shutdown hook does the same if the JVM ends first.
 */
final class PostgresCluster implements AutoCloseable {

  /** The superuser initdb makes; trust authentication, on the private sockets only. */
  static final String USER = "pipc";
  static final int PORT = 5432;

  private final Path dir;
  private final Path bin;
  private final boolean asPostgres;
  private final String abstractDir;
  private final Thread hook;
  private volatile boolean stopped;

  private PostgresCluster(Path dir, Path bin, boolean asPostgres, String abstractDir) {
    this.dir = dir;
    this.bin = bin;
    this.asPostgres = asPostgres;
    this.abstractDir = abstractDir;
    this.hook = new Thread(this::stopQuietly, "postgres-cluster-stop");
  }

  /**
   * The bin directory of the newest PostgreSQL server installed under /usr/lib/postgresql, or of
   * -Dposixipc.pgBin; null when there is none.
   */
  static Path findBin() throws IOException {
    String configured = System.getProperty("posixipc.pgBin");
    if (configured != null) {
      Path b = Path.of(configured);
      return Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")) ? b : null;
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> versionOf(b.getParent())))
          .orElse(null);
    }
  }

  private static Integer versionOf(Path dir) {
    try {
      return Integer.parseInt(dir.getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Why no cluster can be started here, or null when one can. */
  static String unavailableReason() throws IOException {
    Path bin = findBin();
    if (bin == null) {
      return "no PostgreSQL server (initdb, pg_ctl) under " + System.getProperty("posixipc.pgBin", "/usr/lib/postgresql/*/bin")
          + " (Debian: apt-get install postgresql)";
    }
    if (isRoot() && postgresUser() == null) {
      return "running as root and there is no 'postgres' user to run the server as";
    }
    return null;
  }

  static boolean isRoot() throws IOException {
    return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
  }

  private static UserPrincipal postgresUser() {
    try {
      return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
    } catch (IOException e) {
      return null;
    }
  }

  /** initdb and start; on failure nothing is left running and the directory is gone. */
  static PostgresCluster start() throws IOException, InterruptedException {
    Path bin = findBin();
    if (bin == null) {
      throw new IOException(unavailableReason());
    }
    boolean root = isRoot();
    Path dir = Files.createTempDirectory("pipc-pg-", PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    String abstractDir = "pipc-pg-" + ProcessHandle.current().pid() + "-" + dir.getFileName();
    PostgresCluster c = new PostgresCluster(dir, bin, root, abstractDir);
    try {
      if (root) {
        UserPrincipal postgres = postgresUser();
        if (postgres == null) {
          throw new IOException(unavailableReason());
        }
        Files.setOwner(dir, postgres);
      }
      c.run(60, "initdb", "-D", c.data().toString(), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C",
          "--no-sync");
      String conf = String.join("\n",
          "",
          "# posixipc's test cluster: AF_UNIX only, a path and an abstract name",
          "listen_addresses = ''",
          "port = " + PORT,
          "unix_socket_directories = '" + dir + ",@" + abstractDir + "'",
          "max_connections = 20",
          "shared_buffers = 16MB",
          "fsync = off",
          "synchronous_commit = off",
          "full_page_writes = off",
          "");
      if (root) {
        // postgresql.conf belongs to postgres: append through a process of that user.
        c.run(20, "/bin/sh", "-c", "printf '%s' \"$1\" >> \"$0\"", c.data().resolve("postgresql.conf").toString(),
            conf);
      } else {
        Files.writeString(c.data().resolve("postgresql.conf"), conf, StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.APPEND);
      }
      Runtime.getRuntime().addShutdownHook(c.hook);
      c.run(90, "pg_ctl", "-D", c.data().toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60",
          "start");
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      String log = c.serverLog();
      c.close();
      throw new IOException("the PostgreSQL test cluster did not start: " + e.getMessage()
          + (log.isEmpty() ? "" : "\nserver log:\n" + log), e);
    }
  }

  private Path data() {
    return dir.resolve("data");
  }

  /** The server's socket file. */
  Path socketPath() {
    return dir.resolve(".s.PGSQL." + PORT);
  }

  /** The abstract name of the server's second socket ('@' directory in unix_socket_directories). */
  String abstractName() {
    return abstractDir + "/.s.PGSQL." + PORT;
  }

  /** The server's log so far, for a failure's message. */
  String serverLog() {
    try {
      return Files.readString(dir.resolve("server.log"));
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Runs a PostgreSQL program of bin (or an absolute command) as the cluster's user, in the
   * cluster's directory; its output goes to a file quoted when it fails.
   */
  private void run(int seconds, String program, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (asPostgres) {
      // util-linux's runuser, by its path: root's PATH may lack /usr/sbin.
      String runuser = Files.isExecutable(Path.of("/usr/sbin/runuser")) ? "/usr/sbin/runuser" : "runuser";
      cmd.addAll(List.of(runuser, "-u", "postgres", "--"));
    }
    cmd.add(program.startsWith("/") ? program : bin.resolve(program).toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("pipc-pg-cmd-", ".log");
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish in " + seconds + " s: " + Files.readString(out));
      }
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + Files.readString(out));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private void stopQuietly() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      if (Files.exists(data().resolve("postmaster.pid"))) {
        run(60, "pg_ctl", "-D", data().toString(), "-m", "immediate", "-w", "stop");
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("posixipc test: stopping the PostgreSQL test cluster in " + dir + ": " + e.getMessage());
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("posixipc test: removing " + dir + ": " + e.getMessage());
    }
  }

  /** Stops the server and removes its directory; idempotent. */
  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // shutting down already, or never registered
    }
  }
}
