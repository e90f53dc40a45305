package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A million open/close cycles per kind of object (pipe, FIFO, message queue, named shared memory
 * opened and mapped, sealed memfd, socket pair, poller, named semaphore), in two child JVMs with a
 * small fixed heap, four kinds each, running at once: the descriptor count returns to its baseline
 * (or below it, when something older closed meanwhile) and the resident set does not grow with the cycles (a leak of even a few dozen bytes per
 * cycle would show as tens of megabytes).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SoakTest {

  static final int CYCLES = 1_000_000;
  /** Allowed growth of the resident set over a million cycles: well under 32 bytes a cycle. */
  static final long RSS_SLACK_KIB = 16 * 1024;

  private static final Pattern LINE =
      Pattern.compile("(\\S+) cycles=(\\d+) fds=(\\d+)->(\\d+) rssKiB=(\\d+)->(\\d+) nsPerCycle=\\d+");

  /**
   * The kinds in two halves of about the same time (the first has the slowest, the named segment's
   * cycle, with the three fastest), each soaked by a child JVM of its own: the two run at once,
   * one on each of CI's two CPUs.
   */
  static final List<List<String>> HALVES = List.of(SoakMain.KINDS.subList(0, SoakMain.KINDS.size() / 2),
      SoakMain.KINDS.subList(SoakMain.KINDS.size() / 2, SoakMain.KINDS.size()));

  @Test
  void openCloseCyclesLeakNothing() throws Exception {
    List<Soak> soaks = new ArrayList<>();
    try {
      for (List<String> half : HALVES) {
        soaks.add(Soak.start(half));
      }
      int kinds = 0;
      for (Soak soak : soaks) {
        kinds += soak.check();
      }
      assertEquals(SoakMain.KINDS.size(), kinds, "every kind soaked");
    } finally {
      for (Soak soak : soaks) {
        soak.process.destroyForcibly();
      }
    }
  }

  /** One child JVM soaking some kinds, in a working directory of its own (for a crash report). */
  private record Soak(Process process, Path dir, int kinds) {

    static Soak start(List<String> kinds) throws Exception {
      Path dir = Files.createTempDirectory("pipc-soak-cwd-");
      List<String> args = new ArrayList<>(List.of(Integer.toString(CYCLES)));
      args.addAll(kinds);
      List<String> cmd = TestSupport.childJvmCommand(List.of("-Xms64m", "-Xmx64m", "-XX:+UseSerialGC"),
          SoakMain.class.getName(), args.toArray(String[]::new));
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      return new Soak(p, dir, kinds.size());
    }

    /** Waits for the soak and checks each kind's line; returns the number of kinds checked. */
    int check() throws Exception {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(280, TimeUnit.SECONDS), "the soak ended");
      File[] crashes = dir.toFile().listFiles((d, n) -> n.startsWith("hs_err"));
      assertEquals(0, crashes == null ? 0 : crashes.length, "no JVM crash report");
      Files.delete(dir);
      assertEquals(0, process.exitValue(), out);
      System.out.print(out);
      int checked = 0;
      for (String line : out.lines().toList()) {
        Matcher m = LINE.matcher(line);
        assertTrue(m.matches(), "unexpected line: " + line);
        checked++;
        assertEquals(SoakMain.cycles(m.group(1), CYCLES), Integer.parseInt(m.group(2)), line);
        assertTrue(Integer.parseInt(m.group(4)) <= Integer.parseInt(m.group(3)),
            line + ": the descriptor count is back to its baseline (or below: something older closed meanwhile)");
        long growth = Long.parseLong(m.group(6)) - Long.parseLong(m.group(5));
        assertTrue(growth < RSS_SLACK_KIB, line + ": the resident set grew by " + growth + " KiB");
      }
      assertEquals(kinds, checked, "each kind of this half soaked: " + out);
      return checked;
    }
  }
}
