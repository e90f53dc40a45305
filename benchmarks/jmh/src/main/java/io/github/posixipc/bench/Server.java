package io.github.posixipc.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** Where the C harness is, and the argument lists that start its server side. */
final class Server {

  /** The system property naming the C harness executable (the driver sets it for JMH forks). */
  static final String EXE_PROPERTY = "posixipc.benchExe";

  /**
   * The system property that makes a JMH fork widen its CPU affinity before it starts its server
   * (the driver sets it for an unpinned scenario).
   */
  static final String UNPINNED_PROPERTY = "posixipc.benchUnpinned";

  /**
   * The system property naming the file where a message queue stream's link writes its server's
   * voluntary context switches per message when it closes (the driver sets it).
   */
  static final String SWITCHES_PROPERTY = "posixipc.benchSwitches";

  private Server() {}

  /** A process's voluntary context switches (/proc/PID/status: its main thread), or -1. */
  static long voluntarySwitches(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("voluntary_ctxt_switches:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not counted
    }
    return -1;
  }

  /**
   * Widens every thread of this JVM to every online CPU allowed (pipc-bench widen PID), so that
   * the server the calling thread then starts inherits it too; fails if that leaves the calling
   * thread on one CPU.
   */
  static void widen() throws IOException {
    Process p = new ProcessBuilder(exe(), "widen", Long.toString(ProcessHandle.current().pid()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("cannot run unpinned: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
      if (line.startsWith("Cpus_allowed_list:") && !line.matches(".*[-,].*")) {
        throw new IOException("still on one CPU after pipc-bench widen: " + line);
      }
    }
  }

  static String exe() {
    String exe = System.getProperty(EXE_PROPERTY);
    if (exe == null || !Files.isExecutable(Path.of(exe))) {
      throw new IllegalStateException("the C harness is not set or not executable: -D" + EXE_PROPERTY + "=" + exe);
    }
    return exe;
  }

  /** pipc-bench serve echo IN OUT, or serve sink IN. */
  static List<String> command(boolean echo, String in, String out) {
    List<String> cmd = new ArrayList<>(List.of(exe(), "serve", echo ? "echo" : "sink", in));
    if (echo) {
      cmd.add(out);
    }
    return cmd;
  }

  /** A private directory for the two FIFOs of a scenario. */
  static Path fifoDir() throws IOException {
    return Files.createTempDirectory("pipc-bench-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  static void removeFifoDir(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve("in"));
    Files.deleteIfExists(dir.resolve("out"));
    Files.deleteIfExists(dir.resolve("sock"));
    Files.deleteIfExists(dir);
  }

  static void checkEcho(int sent, int received) throws IOException {
    if (sent != received) {
      throw new IOException("the echo differs: sent " + sent + ", received " + received);
    }
  }
}
