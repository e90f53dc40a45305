package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.Pipe;
import io.github.posixipc.peer.JavaPeer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The two kinds of peer process the tour talks to: the C peer program ({@code pipc-peer}, built
 * from test/peer/pipc_peer.c and carried in this jar) and a child JVM running {@link JavaPeer}.
 */
final class Peers {

  /** Which program is on the other side. */
  enum Kind {
    C,
    JAVA;

    String label() {
      return this == C ? "C" : "Java";
    }
  }

  private static Path cPeer;

  private Peers() {}

  /**
   * The C peer: -Dposixipc.peer when set, otherwise the copy in this jar, extracted once per run
   * into a private temporary directory.
   */
  static synchronized Path cPeer() throws IOException {
    String configured = System.getProperty("posixipc.peer");
    if (configured != null) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        throw new IOException("the C peer " + p + " is not an executable file (-Dposixipc.peer)");
      }
      return p;
    }
    if (cPeer != null) {
      return cPeer;
    }
    try (InputStream in = Peers.class.getResourceAsStream("native/pipc-peer")) {
      if (in == null) {
        throw new IOException("the C peer program is not in this jar; build with 'mvn -B package'");
      }
      Path dir = Files.createTempDirectory("posixipc-", PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
      Path exe = dir.resolve("pipc-peer");
      Files.copy(in, exe, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
      // Deleted at exit in the reverse order of registration: the file, then its directory.
      dir.toFile().deleteOnExit();
      exe.toFile().deleteOnExit();
      cPeer = exe;
      return cPeer;
    }
  }

  /** A builder for a peer of the given kind running the peer protocol's args. */
  static ChildProcess.Builder builder(Kind kind, String... args) throws IOException {
    if (kind == Kind.C) {
      return ChildProcess.builder(cPeer().toString(), args);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-XX:+UseSerialGC");
    String cache = System.getProperty("org.bytedeco.javacpp.cachedir");
    if (cache != null) {
      cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + cache);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(JavaPeer.class.getName());
    cmd.addAll(List.of(args));
    return ChildProcess.builder(cmd);
  }

  /** Ends a peer that still runs and lets go of it; a peer that has ended is only let go. */
  static void stop(ChildProcess peer) throws IOException {
    try {
      if (peer.isAlive()) {
        peer.kill();
      }
    } finally {
      peer.close();
    }
  }

  /**
   * Reads the line a peer writes once it is ready and checks that it is the one expected, so that
   * the tour never talks to a peer that is still setting up (or one that failed to).
   */
  static void awaitReady(Pipe.Source in, String expected) throws IOException {
    StringBuilder line = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    for (;;) {
      if (in.read(one.clear(), TourLink.PATIENCE) < 0) {
        throw new EOFException("the peer ended before it said '" + expected + "' (it said '" + line + "')");
      }
      byte b = one.get(0);
      if (b == '\n') {
        break;
      }
      line.append((char) (b & 0xff));
    }
    if (!line.toString().equals(expected)) {
      throw new IOException("the peer said '" + line + "' instead of '" + expected + "'");
    }
  }
}
