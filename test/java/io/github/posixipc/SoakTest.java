package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A million open/close cycles per kind of object (pipe, FIFO, message queue, named shared memory
 * opened and mapped — a quarter million of those, the slowest —, sealed memfd, socket pair,
 * poller, named semaphore) in a child JVM with a small fixed heap: the descriptor count returns to its baseline exactly and the resident set does
 * not grow with the cycles (a leak of even a few dozen bytes per cycle would show as tens of
 * megabytes).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SoakTest {

  static final int CYCLES = 1_000_000;
  /** Allowed growth of the resident set over a million cycles: well under 32 bytes a cycle. */
  static final long RSS_SLACK_KIB = 16 * 1024;

  private static final Pattern LINE =
      Pattern.compile("(\\S+) cycles=(\\d+) fds=(\\d+)->(\\d+) rssKiB=(\\d+)->(\\d+) nsPerCycle=\\d+");

  @Test
  void openCloseCyclesLeakNothing() throws Exception {
    Path dir = Files.createTempDirectory("pipc-soak-cwd-");
    List<String> cmd = TestSupport.childJvmCommand(List.of("-Xms64m", "-Xmx64m", "-XX:+UseSerialGC"),
        SoakMain.class.getName(), Integer.toString(CYCLES));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(280, TimeUnit.SECONDS), "the soak ended");
    File[] crashes = dir.toFile().listFiles((d, n) -> n.startsWith("hs_err"));
    assertEquals(0, crashes == null ? 0 : crashes.length, "no JVM crash report");
    Files.delete(dir);
    assertEquals(0, p.exitValue(), out);
    System.out.print(out);
    int kinds = 0;
    for (String line : out.lines().toList()) {
      Matcher m = LINE.matcher(line);
      assertTrue(m.matches(), "unexpected line: " + line);
      kinds++;
      assertEquals(SoakMain.cycles(m.group(1), CYCLES), Integer.parseInt(m.group(2)), line);
      assertTrue(Integer.parseInt(m.group(4)) <= Integer.parseInt(m.group(3)),
          line + ": the descriptor count is back to its baseline (or below: something older closed meanwhile)");
      long growth = Long.parseLong(m.group(6)) - Long.parseLong(m.group(5));
      assertTrue(growth < RSS_SLACK_KIB, line + ": the resident set grew by " + growth + " KiB");
    }
    assertEquals(8, kinds, "every kind soaked: " + out);
  }
}
