package io.github.posixipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVMessageQueue;
import io.github.posixipc.SysVSemaphoreSet;
import io.github.posixipc.SysVSharedMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** posixipc sysv ... and the System V objects of posixipc ls. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysvCliTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CREATED = Pattern.compile("key=(0x[0-9a-f]{8}) id=(\\d+)");

  /** The identifier a create printed. */
  private static int id(CliTest.Run created) {
    Matcher m = CREATED.matcher(created.out().trim());
    assertTrue(m.matches(), created.out() + created.err());
    return Integer.parseInt(m.group(2));
  }

  @Test
  void msgCreateSendReceiveStatRemove() throws Exception {
    CliTest.Run created = CliTest.run("sysv", "msg", "create", "private", "--mode", "640");
    assertEquals(0, created.status(), created.err());
    int id = id(created);
    String obj = "id:" + id;
    try {
      assertEquals(0, CliTest.run("sysv", "msg", "send", obj, "3", "three").status());
      assertEquals(0, CliTest.run("sysv", "msg", "send", obj, "1", "one", "word").status());
      CliTest.Run stat = CliTest.run("sysv", "msg", "stat", obj, "--json");
      assertEquals(0, stat.status(), stat.err());
      JsonNode s = JSON.readTree(stat.out());
      assertEquals(2, s.get("messages").asInt());
      assertEquals("0640", s.get("mode").asText());
      CliTest.Run low = CliTest.run("sysv", "msg", "receive", obj, "--type", "-2", "--timeout", "0");
      assertEquals(0, low.status(), low.err());
      assertEquals("1 one word", low.out().trim());
      CliTest.Run except = CliTest.run("sysv", "msg", "receive", obj, "--type", "1", "--except", "--timeout", "0");
      assertEquals("3 three", except.out().trim());
      CliTest.Run none = CliTest.run("sysv", "msg", "receive", obj, "--timeout", "0");
      assertEquals(1, none.status());
      assertTrue(none.err().contains("EAGAIN"), none.err());
      CliTest.Run zero = CliTest.run("sysv", "msg", "send", obj, "0", "x");
      assertEquals(2, zero.status(), "a type of 0 is bad input");
      assertTrue(zero.err().contains("above 0"), zero.err());
      assertEquals(0, CliTest.run("sysv", "msg", "rm", obj).status());
      CliTest.Run gone = CliTest.run("sysv", "msg", "stat", obj);
      assertEquals(1, gone.status());
      assertTrue(gone.err().contains("EINVAL"), gone.err());
      assertEquals(2, CliTest.run("sysv", "msg", "stat", "nonsense").status(), "a bad object is a usage error");
    } finally {
      try {
        SysVMessageQueue.remove(id);
      } catch (IOException ignored) {
        // removed by the test
      }
    }
  }

  @Test
  void shmAndSemWithAKeyFromFtokAndTheirRowsInLs() throws Exception {
    Path file = Files.createTempFile("pipc-cli-sysv", "");
    String shmObj = "ftok:" + file + ":S";
    String semObj = "ftok:" + file + ":7";
    int shmId = -1;
    int semId = -1;
    try {
      CliTest.Run shm = CliTest.run("sysv", "shm", "create", shmObj, "100");
      assertEquals(0, shm.status(), shm.err());
      shmId = id(shm);
      assertEquals(SysV.formatKey(SysV.ftok(file, 'S')), CREATED.matcher(shm.out().trim()).results().findFirst().orElseThrow().group(1));
      try (SysVSharedMemory s = SysVSharedMemory.ofId(shmId); MappedRegion r = s.attach()) {
        r.put(16, "hello sysv".getBytes(StandardCharsets.US_ASCII));
        CliTest.Run dump = CliTest.run("sysv", "shm", "dump", shmObj, "--offset", "16", "--length", "10");
        assertEquals(0, dump.status(), dump.err());
        assertTrue(dump.out().contains("1 attached"), dump.out());
        assertTrue(dump.out().contains("|hello sysv|"), dump.out());
        JsonNode st = JSON.readTree(CliTest.run("sysv", "shm", "stat", shmObj, "--json").out());
        assertEquals(1, st.get("attaches").asInt());
        assertEquals(100, st.get("size").asInt());
      }
      CliTest.Run sem = CliTest.run("sysv", "sem", "create", semObj, "1", "0", "5");
      assertEquals(0, sem.status(), sem.err());
      semId = id(sem);
      assertEquals(0, CliTest.run("sysv", "sem", "op", semObj, "0:-1", "1:2:undo", "--timeout", "0").status());
      // The tool runs in this JVM here: its SEM_UNDO is undone only when the JVM exits.
      assertEquals("0 2 5", CliTest.run("sysv", "sem", "value", semObj).out().trim());
      CliTest.Run blocked = CliTest.run("sysv", "sem", "op", semObj, "0:-1", "--timeout", "0");
      assertEquals(1, blocked.status());
      assertTrue(blocked.err().contains("EAGAIN"), blocked.err());
      assertEquals(2, CliTest.run("sysv", "sem", "op", semObj, "3:1").status(), "semaphore number out of range");
      assertEquals(2, CliTest.run("sysv", "sem", "op", semObj, "nonsense").status());
      assertEquals("7", CliTest.run("sysv", "sem", "value", semObj, "--num", "2", "--set", "7").out().trim());

      CliTest.Run ls = CliTest.run("ls", "--json");
      assertEquals(0, ls.status(), ls.err());
      JsonNode foundShm = null;
      JsonNode foundSem = null;
      for (JsonNode o : JSON.readTree(ls.out()).get("objects")) {
        if (o.get("type").asText().equals("sysv-shm") && o.get("id").asInt() == shmId) {
          foundShm = o;
        }
        if (o.get("type").asText().equals("sysv-sem") && o.get("id").asInt() == semId) {
          foundSem = o;
        }
      }
      assertTrue(foundShm != null && foundSem != null, ls.out());
      assertEquals(SysV.formatKey(SysV.ftok(file, 'S')), foundShm.get("key").asText());
      assertEquals(100, foundShm.get("size").asLong());
      assertEquals(0, foundShm.get("attaches").asInt());
      assertEquals("0600", foundShm.get("mode").asText());
      assertEquals(System.getProperty("user.name"), foundShm.get("owner").asText());
      assertEquals(3, foundSem.get("semaphores").asInt());
      CliTest.Run text = CliTest.run("ls");
      String semDetail = "id=" + semId;
      assertTrue(text.out().lines().anyMatch(l -> l.startsWith("sysv-sem") && l.contains(semDetail)), text.out());

      assertEquals(0, CliTest.run("sysv", "shm", "rm", shmObj).status());
      assertEquals(0, CliTest.run("sysv", "sem", "rm", semObj).status());
      assertEquals(1, CliTest.run("sysv", "sem", "value", semObj).status(), "gone");
    } finally {
      try {
        if (shmId >= 0) {
          SysVSharedMemory.remove(shmId);
        }
      } catch (IOException ignored) {
        // removed by the test
      }
      try {
        if (semId >= 0) {
          SysVSemaphoreSet.remove(semId);
        }
      } catch (IOException ignored) {
        // removed by the test
      }
      Files.deleteIfExists(file);
    }
  }

  @Test
  void lsHoldersNamesTheProcessesThatMapOrAttachAnObject() throws Exception {
    String name = CliTest.uniqueName("holders");
    long self = ProcessHandle.current().pid();
    int[] sysvId = {-1};
    try (SysVSharedMemory sysv = SysVSharedMemory.create(SysV.PRIVATE, 4096);
        io.github.posixipc.SharedMemory posix = io.github.posixipc.SharedMemory.create(name, 4096)) {
      sysvId[0] = sysv.id();
      try (MappedRegion attached = sysv.attach(); MappedRegion mapped = posix.map()) {
        CliTest.Run ls = CliTest.run("ls", "--holders", "--json");
        assertEquals(0, ls.status(), ls.err());
        JsonNode sysvRow = null;
        JsonNode posixRow = null;
        for (JsonNode o : JSON.readTree(ls.out()).get("objects")) {
          if (o.get("type").asText().equals("sysv-shm") && o.get("id").asInt() == sysv.id()) {
            sysvRow = o;
          }
          if (o.get("type").asText().equals("shm") && o.get("name").asText().equals(name)) {
            posixRow = o;
          }
        }
        assertTrue(sysvRow != null && posixRow != null, ls.out());
        assertEquals(self, sysvRow.get("holders").get(0).get("pid").asLong(), sysvRow.toString());
        assertEquals("attached", sysvRow.get("holders").get(0).get("how").get(0).asText());
        JsonNode mine = null;
        for (JsonNode h : posixRow.get("holders")) {
          if (h.get("pid").asLong() == self) {
            mine = h;
          }
        }
        assertTrue(mine != null, posixRow.toString());
        assertEquals("[\"mapped\",\"open\"]", mine.get("how").toString());
        CliTest.Run text = CliTest.run("ls", "--holders");
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("sysv-shm") && l.contains("holders=" + self + "(")), text.out());
      }
      CliTest.Run after = CliTest.run("ls", "--holders", "--json");
      for (JsonNode o : JSON.readTree(after.out()).get("objects")) {
        if (o.get("type").asText().equals("sysv-shm") && o.get("id").asInt() == sysv.id()) {
          assertEquals(0, o.get("holders").size(), "detached: " + o);
        }
      }
    } finally {
      if (sysvId[0] >= 0) {
        SysVSharedMemory.remove(sysvId[0]);
      }
      io.github.posixipc.SharedMemory.unlink(name);
    }
  }
}
