package io.github.posixipc.examples;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.OwnerDiedException;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.SharedMutex;
import io.github.posixipc.UnnamedSemaphore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The README's shared memory example: a segment with an unnamed semaphore and a robust mutex in
 * it, shared by two threads here; another process (C or Java) would map the same name.
 */
public final class SharedMemoryExample {
  public static void main(String[] args) throws Exception {
    String name = "/pipc-example-" + ProcessHandle.current().pid();
    try (SharedMemory shm = SharedMemory.create(name, 4096);   // every page allocated now
         MappedRegion region = shm.map()) {
      // Sizes and alignments come from the C library: place the objects accordingly.
      long semAt = 0;
      long mutexAt = align(UnnamedSemaphore.size(), SharedMutex.alignment());
      long counterAt = align(mutexAt + SharedMutex.size(), 8);
      long textAt = counterAt + 8;
      UnnamedSemaphore ready = UnnamedSemaphore.init(region, semAt, 0);
      SharedMutex mutex = SharedMutex.init(region, mutexAt);

      Thread writer = new Thread(() -> {
        try {
          region.put(textAt, "hello through shared memory".getBytes(StandardCharsets.UTF_8));
          region.getAndAddLong(counterAt, 1);   // atomic, as C11 atomic_fetch_add
          ready.post();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      writer.start();
      ready.acquire(Duration.ofSeconds(5));     // TimedOutException if nobody posts

      try {
        mutex.lock(Duration.ofSeconds(1));
      } catch (OwnerDiedException e) {
        mutex.consistent();                     // the previous owner died holding it
      }
      try {
        byte[] text = new byte[27];
        region.get(textAt, text);
        System.out.println(new String(text, StandardCharsets.UTF_8) + " (counter "
            + region.getLongAcquire(counterAt) + ")");
      } finally {
        mutex.unlock();
      }
      writer.join();
    } finally {
      SharedMemory.unlink(name);
    }
  }

  private static long align(long n, long to) {
    return (n + to - 1) / to * to;
  }
}
