package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysVSharedMemoryTest {

  private final List<Integer> made = new ArrayList<>();

  @AfterEach
  void removeSegments() {
    for (int id : made) {
      try {
        SysVSharedMemory.remove(id);
      } catch (IOException ignored) {
        // removed by the test already
      }
    }
  }

  private SysVSharedMemory privateSegment(long size) throws IOException {
    SysVSharedMemory s = SysVSharedMemory.create(SysV.PRIVATE, size);
    made.add(s.id());
    return s;
  }

  @Test
  void attachCountsBoundsAtomicsAndDetachOnClose() throws Exception {
    try (SysVSharedMemory shm = privateSegment(10000)) {
      assertEquals(10000, shm.size());
      assertEquals(0, shm.stat().attaches());
      try (MappedRegion r = shm.attach()) {
        assertEquals(10000, r.size());
        assertEquals(0, r.getLong(0), "a new segment is zero-filled");
        assertEquals(1, shm.stat().attaches());
        assertThrows(IndexOutOfBoundsException.class, () -> r.getLong(9996));
        assertThrows(IndexOutOfBoundsException.class, () -> r.putByte(10000, (byte) 1));
        assertTrue(r.compareAndSetLong(8, 0, 42));
        assertEquals(42, r.getAndAddLong(8, 1));
        try (MappedRegion ro = shm.attachReadOnly()) {
          assertEquals(2, shm.stat().attaches());
          assertEquals(43, ro.getLong(8), "the same memory");
          assertThrows(ReadOnlyBufferException.class, () -> ro.putLong(0, 1));
        }
        assertEquals(1, shm.stat().attaches(), "closing a region detaches it");
        SysVSharedMemory.Stat st = shm.stat();
        assertEquals(ProcessHandle.current().pid(), st.creatorPid());
        assertEquals(ProcessHandle.current().pid(), st.lastPid());
        assertEquals(0600, st.permissions().mode());
        assertFalse(st.removed());
      }
      assertEquals(0, shm.stat().attaches());
    }
  }

  @Test
  void javaToCAndCToJava() throws Exception {
    try (SysVSharedMemory shm = privateSegment(4096); MappedRegion r = shm.attach()) {
      String id = Integer.toString(shm.id());
      r.put(100, "from java".getBytes(StandardCharsets.UTF_8));
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-shm-read", id, "100", "9")) {
        assertEquals(0, peer.waitFor(30));
        assertEquals("from java", peer.output());
      }
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "sysv-shm-write", id, "200", "from c")) {
        assertEquals(0, peer.waitFor(30));
      }
      byte[] b = new byte[6];
      r.get(200, b);
      assertEquals("from c", new String(b, StandardCharsets.UTF_8));
      assertTrue(shm.stat().lastPid() != ProcessHandle.current().pid(), "the C peer detached last");
      Process child = TestSupport.startJavaPeer("sysv-shm-read", id, "200", "6");
      assertEquals("from c", TestSupport.finish(child, 30), "and the Java peer in another JVM");
    }
  }

  @Test
  void aRemovedSegmentStaysAttachableOnLinuxUntilTheLastDetach() throws Exception {
    SysVSharedMemory shm = privateSegment(4096);
    try (MappedRegion r = shm.attach()) {
      r.putInt(0, 7);
      shm.remove();
      SysVSharedMemory.Stat st = shm.stat();
      assertTrue(st.removed());
      assertEquals(SysV.PRIVATE, st.permissions().key());
      try (SysVSharedMemory again = SysVSharedMemory.ofId(shm.id()); MappedRegion r2 = again.attach()) {
        assertEquals(7, r2.getInt(0), "Linux lets a removed segment be attached by its id");
      }
    }
    assertEquals(Errno.EINVAL, assertThrows(PosixException.class, shm::stat).errno(),
        "gone with the last detach");
    shm.close();
  }

  @Test
  void badInputGetsNamedErrors() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> SysVSharedMemory.create(SysV.PRIVATE, 0));
    PosixException noSize = assertThrows(PosixException.class,
        () -> SysVSharedMemory.open(SysV.PRIVATE, SysVSharedMemory.options().create()));
    assertEquals(Errno.EINVAL, noSize.errno());
    assertTrue(noSize.getMessage().contains("size"), noSize.getMessage());
    long shmmax = SysV.limits().shmmax();
    if (shmmax < Long.MAX_VALUE / 2) {
      PosixException big = assertThrows(PosixException.class, () -> SysVSharedMemory.create(SysV.PRIVATE, shmmax + 1));
      assertEquals(Errno.EINVAL, big.errno());
      assertTrue(big.getMessage().contains("shmmax"), big.getMessage());
    }
    assertEquals(Errno.EINVAL, assertThrows(PosixException.class, () -> SysVSharedMemory.ofId(-1)).errno());
    java.nio.file.Path file = TestSupport.uniquePath("sysv-shm-key");
    java.nio.file.Files.createFile(file);
    try {
      int key = SysV.ftok(file, 'S');
      assertThrows(NotFoundException.class, () -> SysVSharedMemory.open(key));
      try (SysVSharedMemory shm = SysVSharedMemory.create(key, 4096)) {
        made.add(shm.id());
        assertThrows(AlreadyExistsException.class, () -> SysVSharedMemory.create(key, 4096));
        PosixException smaller = assertThrows(PosixException.class,
            () -> SysVSharedMemory.open(key, SysVSharedMemory.options().size(8192)));
        assertEquals(Errno.EINVAL, smaller.errno(), "the existing segment is smaller than asked");
        try (SysVSharedMemory same = SysVSharedMemory.open(key)) {
          assertEquals(shm.id(), same.id());
          assertEquals(4096, same.size());
        }
      }
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void lockWherePermitted() throws Exception {
    try (SysVSharedMemory shm = privateSegment(4096)) {
      try {
        shm.lock();
      } catch (PermissionDeniedException e) {
        assertFalse(shm.stat().locked());
        return;
      } catch (PosixException e) {
        assertEquals(Errno.ENOMEM, e.errno(), e.getMessage());
        return;
      }
      assertTrue(shm.stat().locked());
      shm.unlock();
      assertFalse(shm.stat().locked());
    }
  }
}
