package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedMemoryTest {

  @Test
  void createdObjectIsSharedBetweenHandlesAndMappings() throws Exception {
    int before = TestSupport.settledFds();
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("share");
      try (SharedMemory shm = SharedMemory.create(name, 10_000);
           MappedRegion a = shm.map();
           SharedMemory ro = SharedMemory.open(name, SharedMemory.options().access(Access.READ));
           MappedRegion b = ro.map()) {
        assertEquals(10_000, shm.size());
        assertEquals(10_000, a.size());
        assertTrue(a.isWritable());
        assertFalse(b.isWritable());
        assertEquals(name, shm.name());
        a.putByte(0, (byte) -5);
        a.putShort(2, (short) 1234);
        a.putInt(4, 0x12345678);
        a.putLong(8, Long.MIN_VALUE + 7);
        a.putFloat(16, 1.5f);
        a.putDouble(24, -2.25);
        assertEquals(-5, b.getByte(0));
        assertEquals(1234, b.getShort(2));
        assertEquals(0x12345678, b.getInt(4));
        assertEquals(Long.MIN_VALUE + 7, b.getLong(8));
        assertEquals(1.5f, b.getFloat(16));
        assertEquals(-2.25, b.getDouble(24));
        // Unaligned plain accesses are fine; only atomics need alignment.
        a.putLong(9_991, 42);
        assertEquals(42, b.getLong(9_991));
        byte[] src = new byte[3000];
        for (int i = 0; i < src.length; i++) {
          src[i] = (byte) i;
        }
        a.put(5000, src, 1, 2999);
        byte[] dst = new byte[2999];
        b.get(5000, dst);
        assertArrayEquals(java.util.Arrays.copyOfRange(src, 1, 3000), dst);
        ByteBuffer direct = ByteBuffer.allocateDirect(100);
        b.get(5000, direct);
        assertEquals(100, direct.position());
        assertEquals(1, direct.get(0));
        direct.flip();
        a.put(200, direct);
        assertEquals(0, direct.remaining());
        assertEquals(100, b.getByte(299));
        a.fill(300, 10, (byte) 9);
        assertEquals(9, b.getByte(309));
        assertEquals(0, b.getByte(310));
        ByteBuffer view = b.asByteBuffer(4, 8);
        assertTrue(view.isReadOnly());
        assertEquals(0x12345678, view.getInt(0));
        // The read-only mapping refuses every store instead of dying of SIGSEGV.
        assertThrows(ReadOnlyBufferException.class, () -> b.putInt(0, 1));
        assertThrows(ReadOnlyBufferException.class, () -> b.setIntRelease(0, 1));
        assertThrows(ReadOnlyBufferException.class, () -> b.put(0, new byte[1]));
        assertThrows(NonWritableChannelException.class, () -> ro.map(0, 4096, true));
      }
      SharedMemory.unlink(name);
      assertThrows(NotFoundException.class, () -> SharedMemory.open(name));
      assertThrows(NotFoundException.class, () -> SharedMemory.unlink(name));
    }
    TestSupport.assertFdsReturnTo(before);
  }

  @Test
  void badNamesSizesModesAndOptionsAreRefused() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("bad");
      PosixException e = assertThrows(PosixException.class, () -> SharedMemory.create("noslash", 10));
      assertEquals(Errno.EINVAL, e.errno());
      assertEquals(Errno.EINVAL, assertThrows(PosixException.class, () -> SharedMemory.create("/a/b", 10)).errno());
      assertEquals(Errno.ENAMETOOLONG,
          assertThrows(PosixException.class, () -> SharedMemory.create("/" + "x".repeat(256), 10)).errno());
      assertThrows(IllegalArgumentException.class, () -> SharedMemory.create("/a\0b", 10));
      assertThrows(NullPointerException.class, () -> SharedMemory.create(null, 10));
      assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(name, -1));
      assertThrows(IllegalArgumentException.class, () -> SharedMemory.options().mode(01000), "checked when set");
      assertThrows(IllegalArgumentException.class, () -> SharedMemory.options().access(Access.WRITE));
      assertThrows(NullPointerException.class, () -> SharedMemory.options().access(null));
      assertThrows(IllegalArgumentException.class,
          () -> SharedMemory.open(name, SharedMemory.options().access(Access.READ).truncate()));
      assertThrows(IllegalArgumentException.class, () -> SharedMemory.open(name, SharedMemory.options().sealable()));
      assertThrows(IllegalArgumentException.class,
          () -> SharedMemory.create(name, 10, SharedMemory.options().access(Access.READ)), "create is read-write");
      assertThrows(IllegalArgumentException.class,
          () -> SharedMemory.createAnonymous("x", 10, SharedMemory.options().create()));
      assertThrows(IllegalArgumentException.class,
          () -> SharedMemory.createAnonymous("x", 10, SharedMemory.options().mode(0640)));
      assertThrows(NullPointerException.class, () -> SharedMemory.open(name, null));
      assertThrows(NotFoundException.class, () -> SharedMemory.open(name));
      try (SharedMemory shm = SharedMemory.create(name, 8192)) {
        assertThrows(AlreadyExistsException.class, () -> SharedMemory.create(name, 10));
        assertThrows(AlreadyExistsException.class, () -> SharedMemory.open(name, SharedMemory.options().exclusive()));
        long page = SharedMemory.pageSize();
        assertThrows(IllegalArgumentException.class, () -> shm.map(1, 100));
        assertThrows(IllegalArgumentException.class, () -> shm.map(0, 0));
        assertThrows(IllegalArgumentException.class, () -> shm.map(-page, 100));
        assertThrows(IllegalArgumentException.class, () -> shm.map(0, 8193));
        assertThrows(IllegalArgumentException.class, () -> shm.map(page * 2, 1));
        assertThrows(IllegalArgumentException.class, () -> shm.truncate(-1));
        try (MappedRegion tail = shm.map(page, 8192 - page)) {
          tail.putInt(0, 77);
        }
        try (MappedRegion whole = shm.map()) {
          assertEquals(77, whole.getInt(page));
        }
      }
      // More than /dev/shm holds is an error at creation, and nothing is left behind. (A tmpfs
      // with no size limit reports 0 blocks and would try to allocate it all: not tried there.)
      long total = java.nio.file.Files.getFileStore(java.nio.file.Path.of("/dev/shm")).getTotalSpace();
      if (total > 0) {
        String huge = names.shm("huge");
        PosixException full = assertThrows(PosixException.class,
            () -> SharedMemory.create(huge, total + (1L << 30)));
        assertEquals(Errno.ENOSPC, full.errno(), full.getMessage());
        assertThrows(NotFoundException.class, () -> SharedMemory.open(huge));
      }
    }
  }

  @Test
  void offsetsAreBoundsCheckedAndAtomicsNeedAlignment() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("bounds"), 4096);
         MappedRegion r = shm.map()) {
      assertThrows(IndexOutOfBoundsException.class, () -> r.getInt(4093));
      assertThrows(IndexOutOfBoundsException.class, () -> r.getByte(-1));
      assertThrows(IndexOutOfBoundsException.class, () -> r.putLong(Long.MAX_VALUE, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> r.getByte(4096));
      assertThrows(IndexOutOfBoundsException.class, () -> r.get(4000, new byte[97]));
      assertThrows(IndexOutOfBoundsException.class, () -> r.put(1, new byte[10], 5, 6));
      assertThrows(IndexOutOfBoundsException.class, () -> r.asByteBuffer(4000, 97));
      assertThrows(IndexOutOfBoundsException.class, () -> r.fill(4000, 97, (byte) 1));
      assertThrows(IllegalArgumentException.class, () -> r.getIntAcquire(2));
      assertThrows(IllegalArgumentException.class, () -> r.compareAndSetLong(4, 0, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> r.getAndAddLong(4096, 1));
      assertEquals(0, r.getAndAddInt(4092, 4092));
      assertTrue(r.compareAndSetInt(4092, 4092, 5));
      assertFalse(r.compareAndSetInt(4092, 4092, 6));
      assertEquals(5, r.getIntVolatile(4092));
      r.setLongRelease(4088 - 8, -1);
      assertEquals(-1, r.getLongAcquire(4080));
      assertEquals(0, r.asByteBuffer(4096, 0).capacity());
    }
  }

  @Test
  void regionsBeyondTwoGibibytesUseLongOffsetsAndChunkedViews() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("big");
      long size = 3L << 30;
      // Sparse: truncate without allocation; only the pages touched below come into being.
      try (SharedMemory shm = SharedMemory.open(name, SharedMemory.options().exclusive())) {
        shm.truncate(size);
        try (MappedRegion r = shm.map()) {
          assertEquals(size, r.size());
          long far = (5L << 29) + 8; // 2.5 GiB
          r.setLongRelease(far, 0x0102030405060708L);
          assertEquals(0x0102030405060708L, r.getLongVolatile(far));
          // A plain long straddling the 1 GiB chunk boundary.
          long across = (1L << 30) - 4;
          r.putLong(across, 0x1122334455667788L);
          assertEquals(0x1122334455667788L, r.getLong(across));
          assertEquals(r.getInt(across), r.asByteBuffer(across, 4).getInt(0));
          byte[] block = new byte[64];
          r.get(across - 30, block);
          assertEquals(r.getByte(across), block[30]);
          assertThrows(IllegalArgumentException.class, () -> r.asByteBuffer(across, 8));
          assertEquals(1, r.asByteBuffer(size - 1, 1).capacity());
          assertThrows(IndexOutOfBoundsException.class, () -> r.getLong(size - 7));
          // Shrunk by the C peer: each chunk has its own entry in the guard's registry, all with
          // the region's one mark, and a value straddling two chunks faults like any other.
          try (MappedRegion straddling = shm.map()) {
            try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-truncate", name, "4")) {
              assertEquals("size=4", peer.output());
              assertEquals(0, peer.waitFor(10));
            }
            assertThrows(SharedMemoryFaultException.class, () -> r.getLongVolatile(far));
            assertTrue(r.isFaulted());
            assertThrows(SharedMemoryFaultException.class, () -> r.getByte(0), "the region stays faulted");
            assertThrows(SharedMemoryFaultException.class, () -> straddling.getLong(across));
          }
        }
      }
    }
  }

  @Test
  void accessAfterCloseThrowsAndOldViewsNoLongerReachTheObject() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("closed"), 4096);
         MappedRegion other = shm.map()) {
      MappedRegion r = shm.map();
      ByteBuffer view = r.asByteBuffer(0, 64);
      r.putInt(0, 11);
      assertEquals(11, view.getInt(0));
      r.close();
      r.close(); // idempotent
      assertFalse(r.isOpen());
      assertThrows(IllegalStateException.class, () -> r.getInt(0));
      assertThrows(IllegalStateException.class, () -> r.putLong(0, 1));
      assertThrows(IllegalStateException.class, () -> r.getAndAddLong(0, 1));
      assertThrows(IllegalStateException.class, () -> r.asByteBuffer(0, 1));
      assertThrows(IllegalStateException.class, () -> r.fill(0, 8, (byte) 1));
      // The methods that declare IOException follow the channels (docs/conventions.md).
      assertThrows(java.nio.channels.ClosedChannelException.class, r::sync);
      assertThrows(java.nio.channels.ClosedChannelException.class, () -> r.advise(MappedRegion.Advice.NORMAL));
      // The view is still safe: private zero pages now, detached from the object.
      assertEquals(0, view.getInt(0));
      view.putInt(0, 99);
      assertEquals(11, other.getInt(0));
      shm.close();
      assertThrows(ClosedChannelException.class, shm::size);
      assertThrows(ClosedChannelException.class, shm::map);
      assertEquals(11, other.getInt(0), "a region outlives the handle it came from");
    }
  }

  private static long mappingsOf(String name) throws Exception {
    try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.endsWith("/dev/shm" + name) || l.contains("/dev/shm" + name + " ")).count();
    }
  }

  /**
   * close() detaches the shared pages at once; a region nobody closed is unmapped by the Cleaner
   * once unreachable, and so are the addresses of a closed region once its last view is gone.
   */
  @Test
  void mappingsGoAwayOnCloseAndAfterGarbageCollection() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("maps");
      try (SharedMemory shm = SharedMemory.create(name, 8192)) {
        MappedRegion r = shm.map();
        assertEquals(1, mappingsOf(name));
        r.close();
        assertEquals(0, mappingsOf(name), "the shared pages are detached by close()");
        assertEquals(1, mapAndForget(shm, name), "mapped while the region was reachable");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (mappingsOf(name) > 0 && System.nanoTime() < deadline) {
          System.gc();
          Thread.sleep(20);
        }
        assertEquals(0, mappingsOf(name), "the Cleaner unmapped a region nobody closed");
      }
    }
  }

  /**
   * Maps shm, writes to it and lets the region go; returns the mappings of name counted while it
   * was still reachable (once it is not, a collection may unmap it at any moment, even before a
   * count made by the caller).
   */
  private static long mapAndForget(SharedMemory shm, String name) throws Exception {
    MappedRegion r = shm.map();
    r.putInt(0, 1);
    long mapped = mappingsOf(name);
    java.lang.ref.Reference.reachabilityFence(r);
    return mapped;
  }

  /** Threads posting on a named semaphore while another closes it: each ends closed, none dies. */
  @Test
  void namedSemaphoreClosedUnderPostingThreads() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.sem("busy");
      for (int round = 0; round < 10; round++) {
        NamedSemaphore s = NamedSemaphore.open(name, NamedSemaphore.options().create().initialValue(0).mode(0600));
        CountDownLatch started = new CountDownLatch(3);
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          Thread th = new Thread(() -> {
            started.countDown();
            try {
              for (;;) {
                s.post();
                s.tryAcquire();
              }
            } catch (ClosedChannelException expected) {
              // closed under it
            } catch (Throwable e) {
              unexpected.set(e);
            }
          });
          th.start();
          threads.add(th);
        }
        started.await();
        s.close();
        for (Thread th : threads) {
          th.join(10_000);
          assertFalse(th.isAlive());
        }
        if (unexpected.get() != null) {
          throw new AssertionError("unexpected", unexpected.get());
        }
      }
    }
  }

  @Test
  void closeWhileOtherThreadsHammerTheRegionNeverCrashes() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("race"), 1 << 16)) {
      for (int round = 0; round < 20; round++) {
        MappedRegion r = shm.map();
        CountDownLatch started = new CountDownLatch(3);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        for (int t = 0; t < 3; t++) {
          int id = t;
          Thread th = new Thread(() -> {
            started.countDown();
            byte[] chunk = new byte[4096];
            try {
              for (long i = 0; ; i++) {
                r.getAndAddLong(8 * id, 1);
                r.put((i * 4096) & 0xffff, chunk);
                r.getLongAcquire(0);
              }
            } catch (IllegalStateException expected) {
              // closed under it: the only acceptable outcome
            } catch (Throwable e) {
              unexpected.set(e);
            }
          });
          th.start();
          threads.add(th);
        }
        started.await();
        r.close();
        for (Thread th : threads) {
          th.join(10_000);
          assertFalse(th.isAlive());
        }
        if (unexpected.get() != null) {
          throw new AssertionError("unexpected", unexpected.get());
        }
      }
    }
  }

  /**
   * The C peer shrinks the object under this JVM: the semaphore's and the mutex's native calls
   * run under the core's fault guard, so they report the fault instead of dying of SIGBUS.
   */
  @Test
  void syncObjectsInATruncatedSegmentReportTheFault() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("sigbus");
      long page = SharedMemory.pageSize();
      try (SharedMemory shm = SharedMemory.create(name, 4 * page); MappedRegion r = shm.map()) {
        assertEquals(1, io.github.posixipc.internal.Core.pipc_fault_guard_installed(),
            "the first mapping installs the fault guard");
        UnnamedSemaphore sem = UnnamedSemaphore.init(r, 3 * page, 1);
        SharedMutex mutex = SharedMutex.init(r, 2 * page);
        SharedCondition cond = SharedCondition.init(r, 3 * page + 128);
        try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[0], "shm-truncate", name, "" + page)) {
          assertEquals("size=" + page, peer.output());
          assertEquals(0, peer.waitFor(10));
        }
        assertEquals(page, shm.size());
        r.putInt(0, 1); // the first page is still there
        assertEquals(1, r.getInt(0));
        assertThrows(SharedMemoryFaultException.class, sem::post);
        assertThrows(SharedMemoryFaultException.class, () -> sem.acquire(Duration.ZERO));
        assertThrows(SharedMemoryFaultException.class, mutex::lock);
        SharedMemoryFaultException e = assertThrows(SharedMemoryFaultException.class, mutex::unlock);
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertThrows(SharedMemoryFaultException.class, sem::value);
        assertThrows(SharedMemoryFaultException.class, sem::tryAcquire);
        assertThrows(SharedMemoryFaultException.class, () -> sem.acquire(Duration.ofMillis(50)));
        assertThrows(SharedMemoryFaultException.class, mutex::tryLock);
        assertThrows(SharedMemoryFaultException.class, () -> mutex.lock(Duration.ofMillis(50)));
        assertThrows(SharedMemoryFaultException.class, cond::signal);
        assertThrows(SharedMemoryFaultException.class, cond::signalAll);
        assertThrows(SharedMemoryFaultException.class, () -> r.compareAndSetInt(3 * page + 512, 0, 1));
        assertThrows(SharedMemoryFaultException.class, () -> r.compareAndSetLong(3 * page + 512, 0, 1));
        assertThrows(SharedMemoryFaultException.class, () -> r.getAndAddInt(3 * page + 512, 1));
        assertThrows(SharedMemoryFaultException.class, () -> r.getAndAddLong(3 * page + 512, 1));
        SharedMutex kept = SharedMutex.init(r, 64); // in the first page, which stays
        kept.lock();
        assertThrows(SharedMemoryFaultException.class, () -> cond.await(kept, Duration.ofMillis(50)));
        kept.unlock(); // held again after the failed wait, as after every wait
        assertThrows(SharedMemoryFaultException.class, () -> UnnamedSemaphore.init(r, 3 * page, 0));
        assertThrows(SharedMemoryFaultException.class, () -> SharedMutex.init(r, 2 * page));
        shm.truncate(4 * page);
        assertEquals(0, r.getInt(3 * page), "the object grew back with zero pages");
      }
    }
  }

  /**
   * Another process shrinks the object under a child JVM, which then reads and writes beyond the
   * new end through every kind of access. The child runs interpreted (-Xint), the mode in which
   * HotSpot leaves a compare-and-set unguarded and in which it reports each fault before the next
   * access: each access must end in SharedMemoryFaultException from the access itself (never
   * HotSpot's InternalError: the fault guard's handler runs first), and the child must live on.
   * ShrunkSegmentTest tries every kind of access in every execution mode.
   */
  @Test
  void aSegmentTruncatedByAnotherProcessGivesAnExceptionNotADeadJvm() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("sigbus-jvm");
      long page = SharedMemory.pageSize();
      try (SharedMemory shm = SharedMemory.create(name, 4 * page); MappedRegion r = shm.map()) {
        UnnamedSemaphore.init(r, 3 * page, 0);
        SharedMutex.init(r, 64);
        SharedCondition.init(r, 3 * page + 128);
        r.putInt(0, 1);
        List<String> cmd = new ArrayList<>(TestSupport.javaPeerCommand("shm-fault", name, "" + page));
        cmd.add(1, "-Xint");
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
          java.io.BufferedReader out = new java.io.BufferedReader(
              new java.io.InputStreamReader(child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
          assertEquals("mapped", out.readLine());
          shm.truncate(page);
          child.getOutputStream().write('\n');
          child.getOutputStream().flush();
          String faults = out.readLine();
          assertTrue(faults.matches("(SharedMemoryFaultException ){4}SharedMemoryFaultException"),
              faults);
          // The waiters were blocked when the pages went: each notices at the end of its slice.
          assertEquals("waits SharedMemoryFaultException SharedMemoryFaultException held", out.readLine());
          assertEquals("alive", out.readLine());
          assertTrue(child.waitFor(30, TimeUnit.SECONDS));
          assertEquals(0, child.exitValue());
        } finally {
          child.destroyForcibly();
        }
      }
    }
  }

  @Test
  void atomicsReturnEveryValueIncludingTheExtremes() throws Exception {
    try (SharedMemory shm = SharedMemory.createAnonymous("atomics", 4096); MappedRegion r = shm.map()) {
      assertTrue(r.compareAndSetLong(8, 0, Long.MIN_VALUE));
      assertFalse(r.compareAndSetLong(8, 0, 1));
      assertEquals(Long.MIN_VALUE, r.getAndAddLong(8, 1)); // a genuine MIN_VALUE, not an error
      assertEquals(Long.MIN_VALUE + 1, r.getLongVolatile(8));
      assertTrue(r.compareAndSetInt(4, 0, Integer.MIN_VALUE));
      assertFalse(r.compareAndSetInt(4, 0, 1));
      assertEquals(Integer.MIN_VALUE, r.getAndAddInt(4, -1));
      assertEquals(Integer.MAX_VALUE, r.getIntVolatile(4), "wraps around as in C");
      assertThrows(IllegalArgumentException.class, () -> r.compareAndSetInt(2, 0, 1));
      assertThrows(IllegalArgumentException.class, () -> r.getAndAddLong(4, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> r.getAndAddLong(4096, 1));
      r.close();
      assertThrows(IllegalStateException.class, () -> r.compareAndSetLong(8, 0, 1));
    }
  }

  @Test
  void atomicAddsFromTwoProcessesAreExact() throws Exception {
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("atomic");
      try (SharedMemory shm = SharedMemory.create(name, 4096); MappedRegion r = shm.map()) {
        Process child = TestSupport.startJavaPeer("shm-add", name, "64", "200000");
        for (int i = 0; i < 200_000; i++) {
          r.getAndAddLong(64, 1);
        }
        assertEquals("done", TestSupport.finish(child, 30));
        assertEquals(400_000, r.getLongVolatile(64));
      }
    }
  }

  @Test
  void memfdSealsForbidShrinkingSoNobodyCanCauseSigbus() throws Exception {
    try (SharedMemory fd = SharedMemory.createAnonymous("pipc-jtest", 8192, SharedMemory.options().sealable())) {
      assertEquals(8192, fd.size());
      assertEquals(null, fd.name());
      assertTrue(fd.seals().isEmpty());
      fd.addSeals(SharedMemory.Seal.SHRINK, SharedMemory.Seal.GROW);
      assertEquals(EnumSet.of(SharedMemory.Seal.SHRINK, SharedMemory.Seal.GROW), fd.seals());
      assertEquals(Errno.EPERM, assertThrows(PosixException.class, () -> fd.truncate(4096)).errno());
      try (MappedRegion r = fd.map()) {
        r.putLong(0, 3);
        // Its pages cannot go away: sync objects in it can never fault.
        UnnamedSemaphore s = UnnamedSemaphore.init(r, 64, 0);
        s.post();
        s.acquire(Duration.ofSeconds(1));
        assertEquals(0, s.value());
        assertEquals(Errno.EBUSY,
            assertThrows(PosixException.class, () -> fd.addSeals(SharedMemory.Seal.WRITE)).errno());
      }
      assertThrows(IllegalArgumentException.class, () -> fd.addSeals());
    }
    try (SharedMemory fd = SharedMemory.createAnonymous("pipc-jtest", 0)) {
      assertEquals(Errno.EPERM,
          assertThrows(PosixException.class, () -> fd.addSeals(SharedMemory.Seal.GROW)).errno());
    }
  }

  /** A sealed memfd handed to the C peer as descriptor 3: it shares the pages, cannot shrink them. */
  @Test
  void sealedMemfdIsSharedWithAChildByDescriptor() throws Exception {
    try (SharedMemory fd = SharedMemory.createAnonymous("pipc-jtest-pass", 4096, SharedMemory.options().sealable());
         MappedRegion r = fd.map()) {
      fd.addSeals(SharedMemory.Seal.SHRINK, SharedMemory.Seal.GROW, SharedMemory.Seal.SEAL);
      r.setLongVolatile(64, 40);
      try (TestSupport.CPeer peer = TestSupport.startCPeer(new Object[] {3, fd}, "memfd-add", "3", "64", "2")) {
        int seals = io.github.posixipc.internal.Core.PIPC_SEAL_SHRINK
            | io.github.posixipc.internal.Core.PIPC_SEAL_GROW | io.github.posixipc.internal.Core.PIPC_SEAL_SEAL;
        assertEquals("size=4096 seals=" + seals + "\ntruncate=EPERM", peer.output());
        assertEquals(0, peer.waitFor(10));
      }
      assertEquals(42, r.getLongVolatile(64));
    }
  }

  @Test
  void pageControlCallsWork() throws Exception {
    try (IpcNames names = new IpcNames();
         SharedMemory shm = SharedMemory.create(names.shm("pages"), 8192);
         MappedRegion r = shm.map()) {
      r.sync();
      r.advise(MappedRegion.Advice.SEQUENTIAL);
      try {
        r.lockInMemory();
        r.unlockFromMemory();
      } catch (PosixException e) {
        // A tight RLIMIT_MEMLOCK is a refusal, not a failure of the binding.
        assertTrue(e.errno() == Errno.ENOMEM || e.errno() == Errno.EPERM, e.getMessage());
      }
    }
  }
}
