package io.github.posixipc.examples;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVSemaphoreSet;
import io.github.posixipc.SysVSemaphoreSet.Operation;
import io.github.posixipc.SysVSharedMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The second worked port of docs/porting.md: the consumer of the legacy C producer
 * examples/porting/sysv_shm_producer.c, moved from C (sysv_shm_consumer.c) to Java call by
 * call. The ring is the C struct {@code int64_t slot[16]} in a System V segment; semaphore 0
 * counts the free slots, semaphore 1 the filled ones.
 *
 * <pre>
 *   shmget(key, 0, 0); shmat(.., SHM_RDONLY)  SysVSharedMemory.open(key).attachReadOnly()
 *   semget(key, 0, 0)                         SysVSemaphoreSet.open(key)
 *   semop(sem, {1, -1, 0}, 1)                 set.apply(timeout, takeFilled)
 *   ring-&gt;slot[i % 16]                        region.getLongAcquire(8L * (i % 16))
 *   semop(sem, {0, +1, 0}, 1)                 set.apply(null, giveFree)
 * </pre>
 *
 * The operations are kept in arrays, so the loop allocates nothing; the wait for a filled slot
 * has a timeout, which semop alone does not.
 */
public final class SysVShmConsumer {

  private static final int SLOTS = 16;
  private static final Operation[] TAKE_FILLED = {Operation.add(1, -1)};
  private static final Operation[] GIVE_FREE = {Operation.add(0, 1)};

  private SysVShmConsumer() {}

  /** Consumes count values and returns their sum. */
  public static long consume(Path path, int projectId, long count) throws IOException {
    int key = SysV.ftok(path, projectId);
    long sum = 0;
    try (SysVSharedMemory shm = SysVSharedMemory.open(key);
        MappedRegion ring = shm.attachReadOnly();
        SysVSemaphoreSet sem = SysVSemaphoreSet.open(key)) {
      for (long i = 0; i < count; i++) {
        sem.apply(Duration.ofSeconds(10), TAKE_FILLED);
        // semop orders the C store before it; the acquire load keeps the JIT from hoisting it.
        sum += ring.getLongAcquire(8L * (i % SLOTS));
        sem.apply(null, GIVE_FREE);
      }
    }
    return sum;
  }

  /** {@code SysVShmConsumer PATH PROJ_ID COUNT}: prints what the C consumer prints. */
  public static void main(String[] args) throws IOException {
    long count = Long.parseLong(args[2]);
    long sum = consume(Path.of(args[0]), Integer.parseInt(args[1]), count);
    System.out.println("consumed " + count + " sum " + sum);
  }
}
