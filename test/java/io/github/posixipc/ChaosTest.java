package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 100,000 random operations of the public API from four threads on a shared pool of objects, in a
 * child JVM (ChaosMain): it must not crash (exit status, no hs_err file), every failure must be a
 * documented exception, and no descriptor may leak. The seed is printed; rerun one with
 * {@code -Dposixipc.chaos.seed=S}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ChaosTest {

  static final int OPS = 100_000;

  @Test
  void randomApiSequencesNeitherCrashNorLeak() throws Exception {
    long seed = Long.getLong("posixipc.chaos.seed", ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
    System.out.println("ChaosTest seed=" + seed + " (rerun with -Dposixipc.chaos.seed=" + seed + ")");
    Path dir = Files.createTempDirectory("pipc-chaos-cwd-");
    List<String> cmd = TestSupport.childJvmCommand(List.of("-Xmx256m"), ChaosMain.class.getName(),
        Long.toString(seed), Integer.toString(OPS), "4");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(280, TimeUnit.SECONDS), "the run ended");
    File[] crashes = dir.toFile().listFiles((d, n) -> n.startsWith("hs_err"));
    int crashCount = crashes == null ? 0 : crashes.length;
    if (crashCount == 0) {
      Files.delete(dir);
    }
    System.out.println(out);
    assertEquals(0, crashCount, "no JVM crash report (left in " + dir + "); seed " + seed);
    assertEquals(0, p.exitValue(), "seed " + seed + ":\n" + out);
    assertTrue(out.contains("seed=" + seed + " ops=" + OPS + " failures=0"), out);
  }
}
