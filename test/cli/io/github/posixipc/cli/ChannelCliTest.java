package io.github.posixipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.Channel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** posixipc channel ..., channels in posixipc ls, and the tour's channel row. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChannelCliTest {

  private static String unique(String tag) {
    return "/pipc-cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "-" + tag;
  }

  private static CliTest.Run run(String... args) {
    return CliTest.run(args);
  }

  @Test
  void createSendReceiveStatListRemove() throws Exception {
    String name = unique("chan");
    try {
      assertEquals(0, run("channel", "create", name, "64k", "--mode", "600").status());
      assertEquals(0, run("channel", "send", name, "hello", "channel").status());
      assertEquals(0, run("channel", "send", name, "second").status());

      CliTest.Run stat = run("channel", "stat", name);
      assertEquals(0, stat.status(), stat.err());
      assertTrue(stat.out().contains("capacity=65536"), stat.out());
      assertTrue(stat.out().contains("bytes_waiting=64"), stat.out()); // two records of 32 bytes
      assertTrue(stat.out().contains("messages_waiting=2"), stat.out());
      assertTrue(stat.out().contains("consumer_pid=0"), stat.out());
      assertTrue(stat.out().contains("skipped_claims=0"), stat.out());
      CliTest.Run json = run("channel", "stat", name, "--json");
      assertEquals(0, json.status(), json.err());
      assertTrue(json.out().contains("\"capacity\":65536") || json.out().contains("\"capacity\": 65536"), json.out());
      assertTrue(json.out().contains("consumer_sleeping"), json.out());

      CliTest.Run ls = run("ls", "--json");
      assertEquals(0, ls.status(), ls.err());
      assertTrue(ls.out().contains(name), ls.out());
      CliTest.Run table = run("ls");
      assertTrue(table.out().lines().anyMatch(l -> l.startsWith("channel") && l.contains(name)), table.out());

      CliTest.Run got = run("channel", "receive", name, "--count", "2", "--timeout", "5s");
      assertEquals(0, got.status(), got.err());
      assertEquals("hello channel\nsecond", got.out().trim());
      CliTest.Run none = run("channel", "receive", name, "--timeout", "0s");
      assertEquals(1, none.status());
      assertTrue(none.err().contains("EAGAIN"), none.err());
      assertEquals(0, Channel.stat(name).bytesWaiting());

      CliTest.Run again = run("channel", "create", name, "4096");
      assertEquals(1, again.status());
      assertTrue(again.err().contains("EEXIST"), again.err());
      assertEquals(0, run("channel", "rm", name).status());
      assertEquals(1, run("channel", "rm", name).status());
      assertEquals(1, run("channel", "stat", name).status());
    } finally {
      try {
        Channel.unlink(name);
      } catch (java.io.IOException ignored) {
        // removed by the test
      }
    }
  }

  @Test
  void usageErrorsAndNotAChannel() throws Exception {
    assertEquals(2, run("channel", "create", unique("x"), "1000").status(), "not a power of two");
    assertEquals(2, run("channel", "create", unique("x"), "lots").status());
    assertEquals(2, run("channel", "create").status());
    assertEquals(0, run("channel").status());
    CliTest.Run bad = run("channel", "stat", "noslash");
    assertEquals(1, bad.status(), bad.err());
    assertTrue(bad.err().contains("EINVAL"), bad.err());
    String plain = unique("plain");
    try {
      assertEquals(0, run("shm", "create", plain, "8192").status());
      CliTest.Run stat = run("channel", "stat", plain);
      assertEquals(1, stat.status());
      assertTrue(stat.err().contains("EBADMSG"), stat.err());
      CliTest.Run ls = run("ls");
      assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("shm") && l.contains(plain)), ls.out());
    } finally {
      run("shm", "rm", plain);
    }
    String small = unique("small");
    try {
      assertEquals(0, run("channel", "create", small, "1k").status());
      CliTest.Run big = run("channel", "send", small, "x".repeat(600));
      assertEquals(2, big.status());
      assertTrue(big.err().contains("longer than"), big.err());
    } finally {
      run("channel", "rm", small);
    }
  }

  @Test
  void tourRowOfChannels() {
    CliTest.Run r = run("tour", "--only", "channel", "--round-trips", "100", "--bulk-mib", "1");
    assertEquals(0, r.status(), r.err() + r.out());
    assertEquals(2, r.out().lines().filter(l -> l.startsWith("channel") && l.endsWith("ok")).count(), r.out());
  }
}
