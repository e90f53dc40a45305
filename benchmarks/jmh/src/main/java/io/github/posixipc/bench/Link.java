package io.github.posixipc.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;

/**
 * One contender's connection to the benchmark server ({@code pipc-bench serve}): the Java side
 * of a scenario. A round-trip link sends 64 bytes and reads the echo back; a stream link writes
 * 64 KiB chunks into a sink. Implementations allocate nothing per call.
 */
interface Link extends AutoCloseable {

  /** Bytes per round-trip message. */
  int MESSAGE = 64;

  /** Bytes per stream write. */
  int CHUNK = 64 * 1024;

  /** One 64-byte round trip, the echo checked; returns a byte of the echo. */
  int roundTrip() throws IOException;

  /** Writes one 64 KiB chunk in full; returns the bytes written. */
  int writeChunk() throws IOException;

  /**
   * Starts (true) or ends (false) counting the server's voluntary context switches over a measured
   * iteration, where the link can (a message queue stream); nothing otherwise.
   */
  default void countSwitches(boolean start) throws IOException {}

  /** Ends the server (it sees end-of-file) and waits for it; removes what was created. */
  @Override
  void close() throws IOException, InterruptedException;

  /**
   * The link for a mechanism ("pipe", "fifo", "unix", "shm-sem", "shm-spin", "shm-cas", "mq", "signal", "sysv-msg", "sysv-sem") and a contender ("posixipc",
   * "jdk", "junixsocket", "agrona", "ffm"; the JDK has no message queues or signal sending, junixsocket only
   * sockets, the FFM contender only the round trips of pipes, FIFOs, sockets, queues and shm-sem).
   */
  static Link open(String mechanism, String contender, boolean echo) throws IOException {
    return switch (mechanism + "/" + contender) {
      case "pipe/posixipc" -> PosixipcLinks.pipe(echo);
      case "fifo/posixipc" -> PosixipcLinks.fifo(echo);
      case "pipe/jdk" -> JdkLinks.pipe(echo);
      case "fifo/jdk" -> JdkLinks.fifo(echo);
      case "unix/posixipc" -> PosixipcLinks.unix(echo);
      case "unix/jdk" -> JdkLinks.unix(echo);
      case "unix/junixsocket" -> JunixLinks.unix(echo);
      case "shm-sem/posixipc" -> ShmLinks.semaphores();
      case "shm-spin/posixipc" -> ShmLinks.spinPosixipc(false);
      case "shm-spin/jdk" -> ShmLinks.spinJdk(false);
      case "shm-cas/posixipc" -> ShmLinks.spinPosixipc(true);
      case "shm-cas/jdk" -> ShmLinks.spinJdk(true);
      case "mq/posixipc" -> MessageLinks.mq(echo);
      case "signal/posixipc" -> MessageLinks.signal();
      case "pg/posixipc", "pg/jdk", "pg/junixsocket" -> PgLinks.select1(contender);
      case "sysv-msg/posixipc" -> SysvLinks.messages();
      case "sysv-sem/posixipc" -> SysvLinks.semaphores();
      case "channel-spin/posixipc" -> ChannelLinks.open(true, 1, MESSAGE);
      case "channel-sleep/posixipc" -> ChannelLinks.open(true, 0, MESSAGE);
      case "channel-64/posixipc" -> ChannelLinks.open(false, -1, MESSAGE);
      case "channel-4k/posixipc" -> ChannelLinks.open(false, -1, 4096);
      case "channel-spin/agrona" -> AgronaLinks.open(true, MESSAGE);
      case "channel-64/agrona" -> AgronaLinks.open(false, MESSAGE);
      case "channel-4k/agrona" -> AgronaLinks.open(false, 4096);
      case "pipe/ffm", "fifo/ffm", "unix/ffm", "mq/ffm", "shm-sem/ffm", "call/ffm", "transfer/ffm",
          "transfer-unix/ffm" -> ffm(mechanism, echo);
      case "call/posixipc" -> CallLinks.posixipc();
      case "call/jni" -> CallLinks.jni();
      case "transfer/posixipc", "transfer-unix/posixipc" -> CallLinks.transferPosixipc(mechanism.endsWith("unix"));
      case "transfer/jni", "transfer-unix/jni" -> CallLinks.transferJni(mechanism.endsWith("unix"));
      case "transfer/jdk", "transfer-unix/jdk" -> CallLinks.transferJdk(mechanism.endsWith("unix"));
      default -> throw new IllegalArgumentException("no link for " + mechanism + " with " + contender);
    };
  }

  /** The FFM contender's class: JDK 22+ code, in META-INF/versions/22 of a jar built on JDK 22+. */
  String FFM_CLASS = "io.github.posixipc.bench.FfmLinks";

  /** Whether this JVM sees the FFM contender: JDK 22+, and a jar built on JDK 22+. */
  static boolean ffmPresent() {
    try {
      Class.forName(FFM_CLASS, false, Link.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** FfmLinks.open(mechanism, echo), by reflection: this code is compiled for Java 17. */
  private static Link ffm(String mechanism, boolean echo) throws IOException {
    try {
      return (Link) Class.forName(FFM_CLASS).getDeclaredMethod("open", String.class, boolean.class)
          .invoke(null, mechanism, echo);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the FFM contender is not in this jar or this JVM is older than 22"
          + " (it needs a JVM 22+ and a jar built on JDK 22+)", e);
    }
  }
}
