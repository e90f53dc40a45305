package io.github.posixipc;

import static io.github.posixipc.TestSupport.peerPath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChildProcessTest {

  /** Runs the C peer with args and fd map; returns its trimmed standard output. */
  private static String peerOutput(ChildProcess.Builder b) throws Exception {
    try (Pipe out = Pipe.open()) {
      try (ChildProcess child = b.fd(1, out.sink()).start()) {
        out.sink().close();
        String text = new String(out.source().inputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        ChildProcess.Status s = child.waitFor(Duration.ofSeconds(10));
        assertTrue(s.exited() && s.exitCode() == 0, "peer: " + s);
        return text;
      }
    }
  }

  private static char processState(long pid) throws Exception {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return 'X';
    }
    String s = Files.readString(stat);
    return s.charAt(s.lastIndexOf(')') + 2);
  }

  @Test
  void exitCodesAndSignalsAreDecoded() throws Exception {
    try (ChildProcess c = ChildProcess.builder(peerPath(), "exit", "7").start()) {
      ChildProcess.Status s = c.waitFor();
      assertTrue(s.exited());
      assertEquals(7, s.exitCode());
      assertEquals(0, s.signal());
      assertEquals("exit code 7", s.toString());
      assertEquals(s, c.waitFor(Duration.ZERO), "the status is kept once reaped");
      assertFalse(c.isAlive());
      PosixException gone = assertThrows(PosixException.class, c::kill);
      assertEquals("ESRCH", gone.errnoName());
    }
    try (ChildProcess c = ChildProcess.builder(peerPath(), "raise", "15").start()) {
      ChildProcess.Status s = c.waitFor(Duration.ofSeconds(10));
      assertFalse(s.exited());
      assertEquals(15, s.signal());
      assertEquals(-1, s.exitCode());
      assertEquals("signal SIGTERM (15)", s.toString());
    }
  }

  @Test
  void childSeesExactlyTheMappedDescriptors() throws Exception {
    try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
      assertEquals("0 1 2 3 4 5", peerOutput(ChildProcess.builder(peerPath(), "fds")
          .fd(3, a.source()).fd(4, b.sink()).fd(5, a.sink())));
      assertEquals("0 1 2 9", peerOutput(ChildProcess.builder(peerPath(), "fds").fd(9, b.source())));
      // A raw descriptor number works too: this process's stderr as fd 6.
      assertEquals("0 1 2 6", peerOutput(ChildProcess.builder(peerPath(), "fds").fd(6, 2)));
    }
  }

  @Test
  void environmentDirectoryAndSession() throws Exception {
    assertEquals("forty-two", peerOutput(ChildProcess.builder(peerPath(), "env", "PIPC_VALUE")
        .env("PIPC_VALUE", "forty-two")));
    assertEquals("", peerOutput(ChildProcess.builder(peerPath(), "env", "PATH")
        .environment(Map.of("ONLY", "this"))));
    String d = peerOutput(ChildProcess.builder(peerPath(), "describe").directory(Path.of("/tmp")).newSession());
    assertTrue(d.startsWith("cwd=/tmp "), d);
    String[] f = d.split(" ");
    String pid = f[1].substring(4);
    assertEquals("sid=" + pid, f[2], d);
    assertEquals("pgid=" + pid, f[3], d);
    assertTrue(d.endsWith("blocked=0 ignored=0"), "signal state is reset: " + d);
  }

  @Test
  void waitForTimesOutAndKillEndsTheChild() throws Exception {
    try (Pipe p = Pipe.open();
        ChildProcess c = ChildProcess.builder(peerPath(), "sink", "fd:3").fd(3, p.source()).start()) {
      assertTrue(c.isAlive());
      assertThrows(WouldBlockException.class, () -> c.waitFor(Duration.ZERO));
      long start = System.nanoTime();
      TimedOutException t = assertThrows(TimedOutException.class, () -> c.waitFor(Duration.ofMillis(100)));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms >= 95 && ms < 2000, "waited " + ms);
      assertEquals("waitid", t.syscall());
      c.kill();
      ChildProcess.Status s = c.waitFor(Duration.ofSeconds(10));
      assertEquals(9, s.signal());
    }
  }

  @Test
  void interruptingAWaiterLeavesTheChildAlone() throws Exception {
    try (Pipe p = Pipe.open();
        ChildProcess c = ChildProcess.builder(peerPath(), "sink", "fd:3").fd(3, p.source()).start()) {
      Thread[] t = new Thread[1];
      CompletableFuture<ChildProcess.Status> f = new CompletableFuture<>();
      t[0] = new Thread(() -> {
        try {
          f.complete(c.waitFor());
        } catch (Throwable e) {
          f.completeExceptionally(e);
        }
      });
      t[0].start();
      Thread.sleep(100);
      long start = System.nanoTime();
      t[0].interrupt();
      ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
      assertInstanceOf(InterruptedException.class, e.getCause());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 100);
      assertTrue(c.isAlive());
      p.close(); // the sink ends at end of file
      assertEquals(0, c.waitFor(Duration.ofSeconds(10)).exitCode());
    }
  }

  @Test
  void closeEndsAWaitOfAnotherThread() throws Exception {
    try (Pipe p = Pipe.open()) {
      ChildProcess c = ChildProcess.builder(peerPath(), "sink", "fd:3").fd(3, p.source()).start();
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread t = new Thread(() -> {
        try {
          c.waitFor(null);
          outcome.complete(null);
        } catch (Throwable e) {
          outcome.complete(e);
        }
      });
      t.start();
      Thread.sleep(100);
      c.close();
      assertInstanceOf(AsynchronousCloseException.class, outcome.get(10, TimeUnit.SECONDS));
      ClosedChannelException e = assertThrows(ClosedChannelException.class, c::waitFor);
      assertTrue(e.getMessage().contains("child process " + c.pid()), e.getMessage());
    } // the pipe's write end closes: the child ends, and the reaper reaps it
  }

  @Test
  void closedHandlesAreReapedInTheBackground() throws Exception {
    Pipe p = Pipe.open();
    ChildProcess c = ChildProcess.builder(peerPath(), "sink", "fd:3").fd(3, p.source()).start();
    long pid = c.pid();
    c.close();
    c.close();
    assertThrows(ClosedChannelException.class, c::waitFor);
    assertThrows(ClosedChannelException.class, c::kill);
    // Alive, neither reaped nor a zombie: sleeping on its pipe, or still starting (running).
    char alive = processState(pid);
    assertTrue(alive == 'S' || alive == 'R' || alive == 'D', "still running, but state " + alive);
    p.close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    char state;
    while ((state = processState(pid)) != 'X' && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals('X', state, "reaped, not left a zombie");
  }

  @Test
  void forgottenHandlesAreReapedToo() throws Exception {
    long pid;
    {
      pid = ChildProcess.builder(peerPath(), "exit", "0").start().pid();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (processState(pid) != 'X' && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals('X', processState(pid));
  }

  @Test
  void badInputIsRefusedClearly() throws Exception {
    NotFoundException nf = assertThrows(NotFoundException.class,
        () -> ChildProcess.builder("/no/such/program").start());
    assertEquals("posix_spawn", nf.syscall());
    assertThrows(NotFoundException.class, () -> ChildProcess.builder("no-such-program-anywhere").start());
    assertThrows(PermissionDeniedException.class, () -> ChildProcess.builder("/tmp").start());
    assertThrows(NullPointerException.class, () -> ChildProcess.builder((String) null));
    assertThrows(IllegalArgumentException.class, () -> ChildProcess.builder(List.of()));
    assertThrows(IllegalArgumentException.class, () -> ChildProcess.builder(peerPath()).fd(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> ChildProcess.builder(peerPath()).fd(3, -2));
    assertThrows(IllegalArgumentException.class, () -> ChildProcess.builder(peerPath()).fd(3, 0).fd(3, 1));
    assertThrows(IllegalArgumentException.class, () -> ChildProcess.builder(peerPath()).env("A=B", "x"));
    assertThrows(IllegalArgumentException.class, () -> ChildProcess.builder(peerPath(), "a\0b").start());
    PosixException badFd = assertThrows(PosixException.class,
        () -> ChildProcess.builder(peerPath(), "fds").fd(3, 999).start());
    assertEquals("EBADF", badFd.errnoName());
    Pipe p = Pipe.open();
    p.close();
    assertThrows(ClosedChannelException.class,
        () -> ChildProcess.builder(peerPath(), "fds").fd(3, p.source()).start());
    NotFoundException noDir = assertThrows(NotFoundException.class,
        () -> ChildProcess.builder(peerPath(), "fds").directory(Path.of("/no/such/dir")).start());
    assertEquals("ENOENT", noDir.errnoName());
  }

  @Test
  void noDescriptorLeakOverManyChildren() throws Exception {
    int baseline = TestSupport.settledFds();
    for (int i = 0; i < 100; i++) {
      try (Pipe p = Pipe.open();
          ChildProcess c = ChildProcess.builder(peerPath(), "exit", "0").fd(3, p.source()).start()) {
        assertEquals(0, c.waitFor(Duration.ofSeconds(10)).exitCode());
      }
    }
    TestSupport.assertFdsReturnTo(baseline);
  }

  // A child JVM adopts inherited pipe ends and echoes: pipes between two JVMs, no path involved.
  @Test
  void aChildJvmEchoesOverInheritedPipes() throws Exception {
    List<String> cmd = TestSupport.javaPeerCommand("echo", "fd:3", "fd:4");
    try (Pipe toChild = Pipe.open(); Pipe fromChild = Pipe.open();
        ChildProcess child = ChildProcess.builder(cmd).fd(3, toChild.source()).fd(4, fromChild.sink()).start()) {
      toChild.source().close();
      fromChild.sink().close();
      ByteBuffer ping = ByteBuffer.allocateDirect(64);
      ByteBuffer pong = ByteBuffer.allocateDirect(64);
      for (int i = 0; i < 200; i++) {
        ping.clear().putInt(0, i);
        toChild.sink().write(ping);
        pong.clear();
        while (pong.hasRemaining()) {
          assertTrue(fromChild.source().read(pong, Duration.ofSeconds(30)) > 0);
        }
        assertEquals(i, pong.getInt(0));
      }
      toChild.sink().close();
      assertEquals(-1, fromChild.source().read(pong.clear(), Duration.ofSeconds(30)));
      assertEquals(0, child.waitFor(Duration.ofSeconds(30)).exitCode());
    }
  }

  @Test
  void adoptRefusesWhatIsNotAPipeEndOfTheRightDirection() throws Exception {
    try (Pipe p = Pipe.open()) {
      PosixException wrongWay = assertThrows(PosixException.class, () -> Pipe.Sink.adopt(p.source().fd()));
      assertEquals("EINVAL", wrongWay.errnoName());
      assertEquals("adopt", wrongWay.syscall());
      assertThrows(PosixException.class, () -> Pipe.Source.adopt(999));
      assertThrows(PosixException.class, () -> Pipe.Source.adopt(-1));
    }
  }

  // The case: a pipe, one end of a connected pair of Unix stream sockets (made with the
  // JDK, found through /proc) and a FIFO become fds 3, 4 and 5; the child has those and no others.
  @Test
  void aPipeASocketEndAndAFifoBecomeThreeFourFiveAndNothingElse() throws Exception {
    Path fifoPath = TestSupport.uniquePath("fifo");
    Path sockPath = TestSupport.uniquePath("sock");
    Fifo.create(fifoPath);
    try (Pipe pipe = Pipe.open();
        Fifo fifo = Fifo.of(fifoPath, Access.READ).open(Duration.ZERO)) {
      Map<Integer, String> before = TestSupport.fdTargets();
      java.nio.channels.SocketChannel client;
      java.nio.channels.SocketChannel accepted;
      try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
        server.bind(java.net.UnixDomainSocketAddress.of(sockPath));
        client = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(sockPath));
        accepted = server.accept();
      }
      // The listening socket is closed: the new sockets are the two connected ends.
      try (client; accepted) {
        Map<Integer, String> after = TestSupport.fdTargets();
        int socketFd = -1;
        // A socket that was not open before: by its inode, not its number, since a number that was
        // another descriptor then may have been closed (by the Cleaner, say) and reused since.
        for (Map.Entry<Integer, String> e : after.entrySet()) {
          if (e.getValue().startsWith("socket:") && !before.containsValue(e.getValue())) {
            socketFd = e.getKey();
            break;
          }
        }
        assertTrue(socketFd >= 0, "found the socket's descriptor");
        ChildProcess.Builder b = ChildProcess.builder(peerPath(), "fds")
            .fd(3, pipe.source()).fd(4, socketFd).fd(5, fifo);
        assertEquals("0 1 2 3 4 5", peerOutput(b));
        String kinds = peerOutput(ChildProcess.builder(peerPath(), "fd-kinds")
            .fd(3, pipe.source()).fd(4, socketFd).fd(5, fifo));
        assertEquals("3:" + after.get(pipe.source().fd()) + " 4:" + after.get(socketFd) + " 5:" + fifoPath, kinds);
        assertTrue(kinds.startsWith("3:pipe:["), kinds);
        try (ChildProcess c = ChildProcess.builder(peerPath(), "exit", "3")
            .fd(3, pipe.source()).fd(4, socketFd).fd(5, fifo).start()) {
          assertEquals(new ChildProcess.Status(3, 0, false), c.waitFor(Duration.ofSeconds(10)));
        }
        try (ChildProcess c = ChildProcess.builder(peerPath(), "raise", "9")
            .fd(3, pipe.source()).fd(4, socketFd).fd(5, fifo).start()) {
          ChildProcess.Status s = c.waitFor(Duration.ofSeconds(10));
          assertFalse(s.exited());
          assertEquals(9, s.signal());
          assertEquals("signal SIGKILL (9)", s.toString());
        }
      }
    } finally {
      TestSupport.removeQuietly(fifoPath);
      TestSupport.removeQuietly(sockPath);
    }
  }
}
