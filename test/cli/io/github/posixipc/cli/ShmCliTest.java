package io.github.posixipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.NamedSemaphore;
import io.github.posixipc.SharedMemory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** posixipc shm ... and posixipc sem ...: what they do, their exit codes and their errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShmCliTest {

  @Test
  void shmCreateDumpRemove() throws Exception {
    String name = CliTest.uniqueName("shm");
    try {
      assertEquals(0, CliTest.run("shm", "create", name, "100", "--mode", "640").status());
      try (SharedMemory shm = SharedMemory.open(name); MappedRegion r = shm.map()) {
        assertEquals(100, shm.size());
        r.put(16, "hello shm".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      CliTest.Run dump = CliTest.run("shm", "dump", name);
      assertEquals(0, dump.status(), dump.err());
      assertTrue(dump.out().startsWith(name + ": 100 bytes"), dump.out());
      assertTrue(dump.out().contains("00000010  68 65 6c 6c 6f 20 73 68  6d 00"), dump.out());
      assertTrue(dump.out().contains("|hello shm.......|"), dump.out());
      assertEquals(8, dump.out().lines().count(), "a header and 7 lines of 16 bytes: " + dump.out());
      CliTest.Run part = CliTest.run("shm", "dump", name, "--offset", "20", "--length", "5");
      assertEquals(0, part.status(), part.err());
      assertTrue(part.out().contains("00000014  6f 20 73 68 6d"), part.out());
      CliTest.Run beyond = CliTest.run("shm", "dump", name, "--offset", "90", "--length", "20");
      assertEquals(2, beyond.status());
      assertTrue(beyond.err().contains("beyond the end"), beyond.err());
      CliTest.Run again = CliTest.run("shm", "create", name, "10");
      assertEquals(1, again.status());
      assertTrue(again.err().contains("EEXIST"), again.err());
      assertEquals(0, CliTest.run("shm", "rm", name).status());
      CliTest.Run gone = CliTest.run("shm", "rm", name);
      assertEquals(1, gone.status());
      assertTrue(gone.err().contains("shm_unlink shared memory " + name + ": ENOENT"), gone.err());
      assertEquals(1, CliTest.run("shm", "dump", name).status());
    } finally {
      try {
        SharedMemory.unlink(name);
      } catch (java.io.IOException ignored) {
        // removed by the test
      }
    }
  }

  @Test
  void shmUsageErrors() {
    CliTest.Run bad = CliTest.run("shm", "create", "noslash", "10");
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("EINVAL"), bad.err());
    assertEquals(2, CliTest.run("shm", "create", CliTest.uniqueName("x"), "lots").status());
    assertEquals(2, CliTest.run("shm", "create", CliTest.uniqueName("x"), "10", "--mode", "1777").status());
    assertEquals(2, CliTest.run("shm", "create").status());
    assertEquals(0, CliTest.run("shm").status());
  }

  @Test
  void semCreatePostWaitValueRemove() throws Exception {
    String name = CliTest.uniqueName("sem");
    try {
      assertEquals(0, CliTest.run("sem", "create", name, "--value", "1").status());
      assertEquals("1", CliTest.run("sem", "value", name).out().trim());
      assertEquals(0, CliTest.run("sem", "post", name, "--count", "2").status());
      assertEquals("3", CliTest.run("sem", "value", name).out().trim());
      try (NamedSemaphore s = NamedSemaphore.open(name)) {
        assertEquals(3, s.value(), "the library sees what the tool did");
        s.acquire();
      }
      assertEquals(0, CliTest.run("sem", "wait", name).status());
      assertEquals(0, CliTest.run("sem", "wait", name, "--timeout", "1s").status());
      CliTest.Run empty = CliTest.run("sem", "wait", name, "--timeout", "0s");
      assertEquals(1, empty.status());
      assertTrue(empty.err().contains("EAGAIN"), empty.err());
      CliTest.Run late = CliTest.run("sem", "wait", name, "--timeout", "50ms");
      assertEquals(1, late.status());
      assertTrue(late.err().contains("ETIMEDOUT"), late.err());
      assertEquals(1, CliTest.run("sem", "create", name).status());
      assertEquals(0, CliTest.run("sem", "rm", name).status());
      CliTest.Run gone = CliTest.run("sem", "value", name);
      assertEquals(1, gone.status());
      assertTrue(gone.err().contains("ENOENT"), gone.err());
      assertEquals(2, CliTest.run("sem", "post", name, "--count", "0").status());
      assertEquals(2, CliTest.run("sem", "create", name, "--value", "-1").status());
    } finally {
      try {
        NamedSemaphore.unlink(name);
      } catch (java.io.IOException ignored) {
        // removed by the test
      }
    }
  }
}
