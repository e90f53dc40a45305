package io.github.posixipc.peer;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.OwnerDiedException;
import io.github.posixipc.SharedCondition;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.SharedMutex;
import io.github.posixipc.UnnamedSemaphore;
import java.io.IOException;
import java.time.Duration;

/**
 * The Java peer's commands for shared memory, the same as the C peer's (test/peer/peer_shm.c):
 *
 * <pre>
 *   shm-count NAME MUTEX COUNTER N   N times: lock, add 1 to the long at COUNTER, unlock
 *   shm-add NAME OFFSET N            N times: atomically add 1 to the long at OFFSET
 *   shm-hold NAME MUTEX              lock, print "locked", wait to be killed
 *   shm-echo NAME A B ROUNDS         ROUNDS times: acquire semaphore A, post semaphore B
 *   shm-relay NAME IN_FULL IN_EMPTY IN_DATA OUT_FULL OUT_EMPTY OUT_DATA CHUNK
 *                                    echoes length-prefixed messages (the tour's link)
 *   shm-spin-relay NAME IN OUT CHUNK the same by spinning on sequence numbers (peer_shm.c)
 *   shm-fault NAME PAGE              map, start a thread waiting on the semaphore at 3 * PAGE and
 *                                    one waiting on the condition at 3 * PAGE + 128 (mutex at 64),
 *                                    print "mapped", wait for a line on stdin (the object is
 *                                    shrunk meanwhile), then access beyond the end: prints the
 *                                    exception of each access, then how the waits ended ("waits
 *                                    E1 E2", and "held" when the condition's mutex is held after
 *                                    it), then "alive" (the region is faulted, and a new
 *                                    mapping of the first page reads what the parent wrote)
 * </pre>
 */
public final class ShmPeer {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private ShmPeer() {}

  /**
   * Spins until the long at offset reaches want (acquire loads); gives the CPU away after a
   * while and gives up after a minute without progress.
   */
  public static void spinUntil(MappedRegion region, long offset, long want) throws IOException {
    long spins = 0;
    long deadline = 0;
    while (region.getLongAcquire(offset) < want) {
      if (++spins < 10_000) {
        Thread.onSpinWait();
        continue;
      }
      long now = System.nanoTime();
      if (deadline == 0) {
        deadline = now + 60_000_000_000L;
      } else if (now - deadline > 0) {
        throw new IOException("no progress at offset " + offset + " for a minute");
      }
      Thread.yield();
    }
  }

  /** Runs a shared memory command; returns its exit status, or -1 when args is not one. */
  public static int run(String... args) throws IOException {
    if (args.length == 0 || !args[0].startsWith("shm-")) {
      return -1;
    }
    try (SharedMemory shm = SharedMemory.open(args[1]); MappedRegion region = shm.map()) {
      switch (args[0] + "/" + args.length) {
        case "shm-count/5": {
          SharedMutex m = SharedMutex.at(region, Long.parseLong(args[2]));
          long counter = Long.parseLong(args[3]);
          long n = Long.parseLong(args[4]);
          for (long i = 0; i < n; i++) {
            try {
              m.lock(WAIT);
            } catch (OwnerDiedException e) {
              m.consistent();
            }
            region.putLong(counter, region.getLong(counter) + 1);
            m.unlock();
          }
          System.out.println("done");
          return 0;
        }
        case "shm-add/4": {
          long offset = Long.parseLong(args[2]);
          long n = Long.parseLong(args[3]);
          for (long i = 0; i < n; i++) {
            region.getAndAddLong(offset, 1);
          }
          System.out.println("done");
          return 0;
        }
        case "shm-hold/3": {
          SharedMutex.at(region, Long.parseLong(args[2])).lock(WAIT);
          System.out.println("locked");
          System.out.flush();
          Thread.sleep(30_000); // killed long before
          return 3;
        }
        case "shm-echo/5": {
          UnnamedSemaphore a = UnnamedSemaphore.at(region, Long.parseLong(args[2]));
          UnnamedSemaphore b = UnnamedSemaphore.at(region, Long.parseLong(args[3]));
          long rounds = Long.parseLong(args[4]);
          for (long i = 0; i < rounds; i++) {
            a.acquire(WAIT);
            b.post();
          }
          System.out.println("rounds=" + rounds);
          return 0;
        }
        case "shm-relay/9": {
          long[] o = new long[8];
          for (int i = 0; i < 7; i++) {
            o[i] = Long.parseLong(args[2 + i]);
          }
          UnnamedSemaphore inFull = UnnamedSemaphore.at(region, o[0]);
          UnnamedSemaphore inEmpty = UnnamedSemaphore.at(region, o[1]);
          UnnamedSemaphore outFull = UnnamedSemaphore.at(region, o[3]);
          UnnamedSemaphore outEmpty = UnnamedSemaphore.at(region, o[4]);
          long in = o[2];
          long out = o[5];
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(Integer.parseInt(args[8]));
          Duration patience = WAIT.multipliedBy(6);
          for (;;) {
            inFull.acquire(patience);
            long len = region.getLong(in);
            if (len < 0) {
              return 0;
            }
            buf.clear().limit((int) len);
            region.get(in + 8, buf);
            outEmpty.acquire(patience);
            buf.flip();
            region.put(out + 8, buf);
            region.putLong(out, len);
            outFull.post();
            inEmpty.post();
          }
        }
        case "shm-spin-relay/5": {
          long in = Long.parseLong(args[2]);
          long out = Long.parseLong(args[3]);
          java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(Integer.parseInt(args[4]));
          for (long k = 1; ; k++) {
            spinUntil(region, in, k);
            long len = region.getLong(in + 128);
            if (len < 0) {
              return 0;
            }
            buf.clear().limit((int) len);
            region.get(in + 136, buf);
            spinUntil(region, out + 64, k - 1);
            buf.flip();
            region.put(out + 136, buf);
            region.putLong(out + 128, len);
            region.setLongRelease(out, k);
            region.setLongRelease(in + 64, k);
          }
        }
        case "shm-fault/3": {
          long page = Long.parseLong(args[2]);
          UnnamedSemaphore sem = UnnamedSemaphore.at(region, 3 * page);
          SharedMutex mutex = SharedMutex.at(region, 64);
          SharedCondition cond = SharedCondition.at(region, 3 * page + 128);
          String[] waits = new String[3];
          Thread semWaiter = new Thread(() -> {
            try {
              sem.acquire(Duration.ofSeconds(30));
              waits[0] = "acquired";
            } catch (Exception e) {
              waits[0] = e.getClass().getSimpleName();
            }
          });
          Thread condWaiter = new Thread(() -> {
            try {
              mutex.lock();
              try {
                // Waits return after a slice at the latest (spurious wake-ups): wait in a loop,
                // as every caller does, until the wait fails or nothing happened for 30 s.
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() - deadline < 0) {
                  cond.awaitNanos(mutex, -1);
                }
                waits[1] = "nothing";
              } catch (Exception e) {
                waits[1] = e.getClass().getSimpleName();
              }
              mutex.unlock();
              waits[2] = "held";
            } catch (Exception e) {
              waits[2] = e.toString();
            }
          });
          semWaiter.start();
          condWaiter.start();
          Thread.sleep(200); // both are blocked by now, normally; if not, they fault on entry
          System.out.println("mapped");
          System.out.flush();
          new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
          StringBuilder sb = new StringBuilder();
          Runnable[] accesses = {
            () -> region.getInt(2 * page),
            () -> region.putLong(2 * page + 8, 1),
            () -> region.getAndAddInt(2 * page, 1),
            () -> region.get(page - 10, new byte[20]),
            () -> {
              try {
                sem.post();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          };
          for (Runnable a : accesses) {
            try {
              a.run();
              sb.append("none ");
            } catch (RuntimeException | Error e) {
              sb.append(e.getClass().getSimpleName()).append(' ');
            }
          }
          System.out.println(sb.toString().trim());
          semWaiter.join();
          condWaiter.join();
          System.out.println("waits " + waits[0] + " " + waits[1] + " " + waits[2]);
          // The region is faulted for good; the first page is still the object's, in a new mapping.
          try (MappedRegion again = shm.map(0, page)) {
            System.out.println(region.isFaulted() && again.getInt(0) == 1 ? "alive" : "wrong");
          }
          return 0;
        }
        default:
          System.err.println("ShmPeer: bad arguments");
          return 2;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
