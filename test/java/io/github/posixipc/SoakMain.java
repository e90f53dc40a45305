package io.github.posixipc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The soak: a child JVM (small fixed heap) opens and closes each kind of object a million times
 * (a quarter of that for the slowest, see {@link #cycles}) and prints, for each kind, its
 * descriptor count and resident set size before and after:
 * {@code KIND cycles=N fds=A->B rssKiB=X->Y nsPerCycle=T}. SoakTest starts it and judges the
 * figures (the time is for the reader; nothing asserts on it).
 *
 * <p>Arguments: the cycle count, then the kinds to soak (all when none is given).
 */
public final class SoakMain {

  /** One open/close cycle of one kind of object. */
  interface Cycle {
    void run() throws Exception;
  }

  private SoakMain() {}

  /** Message queues this run made, removed at the end. */
  private static final java.util.List<String> QUEUES = new java.util.ArrayList<>();
  /** Shared memory segments and named semaphores this run made, removed at the end. */
  private static final java.util.List<String> SEGMENTS = new java.util.ArrayList<>();
  private static final java.util.List<String> SEMAPHORES = new java.util.ArrayList<>();

  /** The kinds, in the order they run; {@link #kinds} makes exactly these. */
  static final java.util.List<String> KINDS =
      java.util.List.of("pipe", "fifo", "mq", "shm-map", "memfd-sealed", "socketpair", "poller", "named-sem");

  static Map<String, Cycle> kinds(Path dir) throws IOException {
    Map<String, Cycle> kinds = new LinkedHashMap<>();
    kinds.put("pipe", () -> Pipe.open().close());
    Path fifo = dir.resolve("fifo");
    Fifo.create(fifo, Fifo.options().mode(0600));
    kinds.put("fifo", () -> Fifo.of(fifo, Access.READ_WRITE).open().close());
    String queue = "/pipc-soak-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    MessageQueue.open(queue, MessageQueue.options().create().exclusive().mode(0600).maxMessages(2).messageSize(64))
        .close();
    QUEUES.add(queue);
    kinds.put("mq", () -> MessageQueue.open(queue).close());
    String shm = "/pipc-soak-shm-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    SharedMemory.create(shm, 4096).close();
    SEGMENTS.add(shm);
    kinds.put("shm-map", () -> {
      try (SharedMemory m = SharedMemory.open(shm); MappedRegion r = m.map()) {
        r.putInt(0, r.getInt(0) + 1);
      }
    });
    kinds.put("memfd-sealed", () -> {
      try (SharedMemory m = SharedMemory.createAnonymous("pipc-soak", 4096, SharedMemory.options().sealable())) {
        m.addSeals(SharedMemory.Seal.SHRINK, SharedMemory.Seal.GROW, SharedMemory.Seal.SEAL);
      }
    });
    kinds.put("socketpair", () -> {
      ConnectedSocket[] pair = ConnectedSocket.pair();
      pair[0].close();
      pair[1].close();
    });
    kinds.put("poller", () -> Poller.open().close());
    String sem = "/pipc-soak-sem-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    NamedSemaphore.open(sem, NamedSemaphore.options().exclusive().initialValue(0)).close();
    SEMAPHORES.add(sem);
    kinds.put("named-sem", () -> NamedSemaphore.open(sem).close());
    if (!java.util.List.copyOf(kinds.keySet()).equals(KINDS)) {
      throw new IllegalStateException("KINDS says " + KINDS + ", the cycles are " + kinds.keySet());
    }
    return kinds;
  }

  /**
   * The cycles each kind runs: all of them the requested count (a named segment's open, map, unmap
   * and close is several system calls more, 15 to 30 µs a cycle, and takes longest). SoakTest
   * expects exactly these counts.
   */
  static int cycles(String kind, int requested) {
    return requested;
  }

  public static void main(String[] args) throws Exception {
    int cycles = Integer.parseInt(args[0]);
    Path dir = Files.createTempDirectory("pipc-soak-");
    try {
      Map<String, Cycle> kinds = kinds(dir);
      for (String kind : args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length)
          : kinds.keySet().toArray(String[]::new)) {
        Cycle c = kinds.get(kind);
        if (c == null) {
          throw new IllegalArgumentException("no soak for " + kind + "; kinds: " + kinds.keySet());
        }
        int n = cycles(kind, cycles);
        for (int i = 0; i < 20_000; i++) {
          c.run(); // warm-up: the JIT, the Cleaner's thread, the heap's working size
        }
        firstUseDescriptors();
        settle();
        Map<Integer, String> before = TestSupport.fdTargets();
        int fds0 = TestSupport.openFds();
        long rss0 = rssKiB();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          c.run();
        }
        long perCycle = (System.nanoTime() - t0) / n;
        settle();
        int fds1 = TestSupport.openFds();
        System.out.printf("%s cycles=%d fds=%d->%d rssKiB=%d->%d nsPerCycle=%d%n", kind, n, fds0, fds1, rss0, rssKiB(),
            perCycle);
        if (fds1 != fds0) {
          Map<Integer, String> after = TestSupport.fdTargets();
          after.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
          System.err.println("descriptors new or changed since the baseline: " + after);
        }
      }
    } finally {
      for (String q : QUEUES) {
        MessageQueue.unlink(q);
      }
      for (String m : SEGMENTS) {
        SharedMemory.unlink(m);
      }
      for (String m : SEMAPHORES) {
        NamedSemaphore.unlink(m);
      }
      try (var s = Files.list(dir)) {
        for (Path p : (Iterable<Path>) s::iterator) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  private static void settle() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
  }

  /**
   * Opens, once, the descriptors the platform keeps for itself on first use, so that a baseline
   * taken after this does not count them: the JDK's pre-close socket (file I/O) and JavaCPP's
   * /proc/self/statm (its native memory accounting).
   */
  static void firstUseDescriptors() throws IOException {
    TestSupport.fdTargets();
    rssKiB();
    org.bytedeco.javacpp.Pointer.physicalBytes();
  }

  static long rssKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no VmRSS in /proc/self/status");
  }
}
