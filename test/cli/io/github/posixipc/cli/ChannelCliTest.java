package io.github.posixipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.Channel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** posixipc channel ..., channels in posixipc ls, and the tour's channel row. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChannelCliTest {

  @Test
  void createSendReceiveStatListRemove() throws Exception {
    String name = CliTest.uniqueName("chan");
    try {
      assertEquals(0, CliTest.run("channel", "create", name, "64k", "--mode", "600").status());
      assertEquals(0, CliTest.run("channel", "send", name, "hello", "channel").status());
      assertEquals(0, CliTest.run("channel", "send", name, "second").status());

      CliTest.Run stat = CliTest.run("channel", "stat", name);
      assertEquals(0, stat.status(), stat.err());
      assertTrue(stat.out().contains("capacity=65536"), stat.out());
      assertTrue(stat.out().contains("bytes_waiting=64"), stat.out()); // two records of 32 bytes
      assertTrue(stat.out().contains("messages_waiting=2"), stat.out());
      assertTrue(stat.out().contains("consumer_pid=0"), stat.out());
      assertTrue(stat.out().contains("skipped_claims=0"), stat.out());
      CliTest.Run json = CliTest.run("channel", "stat", name, "--json");
      assertEquals(0, json.status(), json.err());
      assertTrue(json.out().contains("\"capacity\":65536") || json.out().contains("\"capacity\": 65536"), json.out());
      assertTrue(json.out().contains("consumer_sleeping"), json.out());

      CliTest.Run ls = CliTest.run("ls", "--json");
      assertEquals(0, ls.status(), ls.err());
      assertTrue(ls.out().contains(name), ls.out());
      CliTest.Run table = CliTest.run("ls");
      assertTrue(table.out().lines().anyMatch(l -> l.startsWith("channel") && l.contains(name)), table.out());

      CliTest.Run got = CliTest.run("channel", "receive", name, "--count", "2", "--timeout", "5s");
      assertEquals(0, got.status(), got.err());
      assertEquals("hello channel\nsecond", got.out().trim());
      CliTest.Run none = CliTest.run("channel", "receive", name, "--timeout", "0s");
      assertEquals(1, none.status());
      assertTrue(none.err().contains("EAGAIN"), none.err());
      assertEquals(0, Channel.stat(name).bytesWaiting());

      CliTest.Run again = CliTest.run("channel", "create", name, "4096");
      assertEquals(1, again.status());
      assertTrue(again.err().contains("EEXIST"), again.err());
      assertEquals(0, CliTest.run("channel", "rm", name).status());
      assertEquals(1, CliTest.run("channel", "rm", name).status());
      assertEquals(1, CliTest.run("channel", "stat", name).status());
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
    assertEquals(2, CliTest.run("channel", "create", CliTest.uniqueName("x"), "1000").status(), "not a power of two");
    assertEquals(2, CliTest.run("channel", "create", CliTest.uniqueName("x"), "lots").status());
    assertEquals(2, CliTest.run("channel", "create").status());
    assertEquals(0, CliTest.run("channel").status());
    CliTest.Run bad = CliTest.run("channel", "stat", "noslash");
    assertEquals(1, bad.status(), bad.err());
    assertTrue(bad.err().contains("EINVAL"), bad.err());
    String plain = CliTest.uniqueName("plain");
    try {
      assertEquals(0, CliTest.run("shm", "create", plain, "8192").status());
      CliTest.Run stat = CliTest.run("channel", "stat", plain);
      assertEquals(1, stat.status());
      assertTrue(stat.err().contains("EBADMSG"), stat.err());
      CliTest.Run ls = CliTest.run("ls");
      assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("shm") && l.contains(plain)), ls.out());
    } finally {
      CliTest.run("shm", "rm", plain);
    }
    String small = CliTest.uniqueName("small");
    try {
      assertEquals(0, CliTest.run("channel", "create", small, "1k").status());
      CliTest.Run big = CliTest.run("channel", "send", small, "x".repeat(600));
      assertEquals(2, big.status());
      assertTrue(big.err().contains("longer than"), big.err());
    } finally {
      CliTest.run("channel", "rm", small);
    }
  }

  @Test
  void tourRowOfChannels() {
    CliTest.Run r = CliTest.run("tour", "--only", "channel", "--round-trips", "100", "--bulk-mib", "1");
    assertEquals(0, r.status(), r.err() + r.out());
    assertEquals(2, r.out().lines().filter(l -> l.startsWith("channel") && l.endsWith("ok")).count(), r.out());
  }
}
