package io.github.posixipc.bench;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.UnnamedSemaphore;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The measurement behind the choice of how a virtual thread waits on a semaphore (a wait with no
 * descriptor; see docs/handles.md): the library's hand-off ({@code acquire()} on a virtual
 * thread: one try, then a platform thread makes the wait while the virtual thread parks) against
 * a timed try with park backoff (50 µs doubling to 20 ms, written here with the public API). For
 * each: the wake-up latency from a post to the waiter's return, after the waiter has waited 50 ms
 * (p50, p99 over the rounds), and the process CPU time while 500 virtual threads wait idle for two
 * seconds. JDK 21+.
 *
 * <pre>{@code java -cp benchmarks/jmh/target/posixipc-benchmarks.jar io.github.posixipc.bench.VirtualWaits}</pre>
 */
public final class VirtualWaits {

  private static final int ROUNDS = 100;
  private static final int IDLE_WAITERS = 500;

  private VirtualWaits() {}

  /** One way for a virtual thread to take a semaphore. */
  private interface Design {
    void acquire(UnnamedSemaphore s) throws Exception;
  }

  private static final Design HAND_OFF = UnnamedSemaphore::acquire;

  private static final Design BACKOFF = s -> {
    long nap = 50_000;
    while (!s.tryAcquire()) {
      LockSupport.parkNanos(nap);
      nap = Math.min(nap * 2, 20_000_000);
    }
  };

  public static void main(String[] args) throws Exception {
    ThreadFactory virtual = (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory")
        .invoke(Thread.class.getMethod("ofVirtual").invoke(null));
    String name = "/pipc-bench-waits-" + ProcessHandle.current().pid();
    try (SharedMemory shm = SharedMemory.create(name, 64L * (IDLE_WAITERS + 1)); MappedRegion r = shm.map()) {
      SharedMemory.unlink(name);
      for (String[] d : new String[][] {{"hand-off", "h"}, {"try + park backoff", "b"}}) {
        Design design = d[1].equals("h") ? HAND_OFF : BACKOFF;
        long[] lat = latency(virtual, r, design);
        double cpu = idleCpu(virtual, r, design);
        System.out.printf(Locale.ROOT, "%-20s wake-up p50 %8.1f us  p99 %8.1f us   idle CPU of %d waiters: %.1f%% of one CPU%n",
            d[0], lat[ROUNDS / 2] / 1e3, lat[ROUNDS * 99 / 100] / 1e3, IDLE_WAITERS, cpu * 100);
      }
    }
  }

  /** Post-to-return latencies, sorted. */
  private static long[] latency(ThreadFactory virtual, MappedRegion r, Design design) throws Exception {
    UnnamedSemaphore s = UnnamedSemaphore.init(r, 0, 0);
    long[] lat = new long[ROUNDS];
    long[] returned = new long[1];
    for (int i = 0; i < ROUNDS; i++) {
      Thread t = virtual.newThread(() -> {
        try {
          design.acquire(s);
          returned[0] = System.nanoTime();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      t.start();
      Thread.sleep(50);
      long posted = System.nanoTime();
      s.post();
      t.join();
      lat[i] = returned[0] - posted;
    }
    Arrays.sort(lat);
    return lat;
  }

  /** The share of one CPU the process uses while IDLE_WAITERS virtual threads wait for 2 s. */
  private static double idleCpu(ThreadFactory virtual, MappedRegion r, Design design) throws Exception {
    List<UnnamedSemaphore> sems = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < IDLE_WAITERS; i++) {
      UnnamedSemaphore s = UnnamedSemaphore.init(r, 64L * (i + 1), 0);
      sems.add(s);
      Thread t = virtual.newThread(() -> {
        try {
          design.acquire(s);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    Thread.sleep(500); // settle: every waiter has begun its wait
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Thread.sleep(2000);
    double share = (double) (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
    for (UnnamedSemaphore s : sems) {
      s.post();
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    return share;
  }
}
