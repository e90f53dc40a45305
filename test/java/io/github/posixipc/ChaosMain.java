package io.github.posixipc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Randomized API sequences, run in a child JVM by ChaosTest: several threads run random operations
 * of the public API on a small shared pool of objects — opens, closes and close races, reads and
 * writes of random sizes into random kinds of buffer, use after close, bad arguments, interrupts
 * of each other, children spawned with pool members mapped in. Every failure must be one of the
 * documented exceptions; at the end everything is closed and the descriptor count must be back to
 * its baseline.
 *
 * <p>Arguments: SEED OPS THREADS. Each thread's operations come from its own Random seeded from
 * SEED, so a run's sequence of operations is reproducible (their interleaving is not). Prints
 * {@code seed=S ops=N failures=F fds=A->B} and the exception counts; exits 0 only when there was
 * no failure and no leak.
 */
public final class ChaosMain {

  private static final int SLOTS = 6;
  private static final Duration SHORT = Duration.ofMillis(1);
  private static final int[] SIZES = {0, 1, 64, 4096, 65536, 70000};

  private final AtomicReferenceArray<Object> slots = new AtomicReferenceArray<>(SLOTS);
  private final Path dir;
  private final List<Path> fifos = new ArrayList<>();
  private final Path plainFile;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong ops = new AtomicLong();
  private final Map<String, AtomicLong> exceptions = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  private ChaosMain(Path dir) throws IOException {
    this.dir = dir;
    for (int i = 0; i < SLOTS; i++) {
      Path p = dir.resolve("fifo" + i);
      Fifo.create(p, 0600);
      fifos.add(p);
    }
    plainFile = Files.writeString(dir.resolve("plain"), "not a FIFO");
    queue = "/pipc-chaos-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    MessageQueue.open(queue, MessageQueue.options().create().exclusive().mode(0600).maxMessages(4).messageSize(4096))
        .close();
  }

  private final String queue;

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    long total = Long.parseLong(args[1]);
    int nThreads = Integer.parseInt(args[2]);
    Path dir = Files.createTempDirectory("pipc-chaos-");
    ChaosMain chaos = new ChaosMain(dir);
    SoakMain.firstUseDescriptors();
    Map<String, String> before = SoakMain.fdTargets();
    int fds0 = TestSupport.openFds();
    for (int t = 0; t < nThreads; t++) {
      Random random = new Random(seed * 31 + t);
      long share = total / nThreads;
      chaos.threads.add(new Thread(() -> chaos.run(random, share), "chaos-" + t));
    }
    chaos.threads.forEach(Thread::start);
    // Some operations block without a timeout (stream writes into a full pipe): a thread blocked
    // there is woken when another closes the object. Once the others have finished, the pool is
    // closed here, again and again, which must wake whatever still waits.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long last = -1;
    while (chaos.threads.stream().anyMatch(Thread::isAlive)) {
      Thread.sleep(500);
      long now = chaos.ops.get();
      if (now == last) {
        for (int i = 0; i < SLOTS; i++) {
          chaos.closeQuietly(chaos.slots.get(i));
        }
      }
      last = now;
      if (System.nanoTime() > deadline) {
        for (Thread t : chaos.threads) {
          if (t.isAlive()) {
            System.out.println("HANG: " + t.getName() + " still runs after 120 s:");
            for (StackTraceElement e : t.getStackTrace()) {
              System.out.println("  at " + e);
            }
          }
        }
        System.out.flush();
        Runtime.getRuntime().halt(4);
      }
    }
    for (int i = 0; i < SLOTS; i++) {
      chaos.closeQuietly(chaos.slots.getAndSet(i, null));
    }
    int fds1 = fds0;
    for (int i = 0; i < 100; i++) { // closes by other threads' last calls and the Cleaner settle
      System.gc();
      Thread.sleep(20);
      fds1 = TestSupport.openFds();
      if (fds1 <= fds0) {
        break;
      }
    }
    for (Path p : chaos.fifos) {
      Files.deleteIfExists(p);
    }
    MessageQueue.unlink(chaos.queue);
    Files.deleteIfExists(chaos.plainFile);
    Files.deleteIfExists(dir);
    if (fds1 > fds0) {
      Map<String, String> after = SoakMain.fdTargets();
      after.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
      System.out.println("LEAK: descriptors new since the baseline: " + after);
    }
    chaos.failures.forEach(f -> System.out.println("FAILURE: " + f));
    System.out.println("exceptions: " + new java.util.TreeMap<>(chaos.exceptions));
    System.out.printf("seed=%d ops=%d failures=%d fds=%d->%d%n", seed, chaos.ops.get(), chaos.failures.size(), fds0,
        fds1);
    System.exit(chaos.failures.isEmpty() && fds1 <= fds0 ? 0 : 3);
  }

  private void run(Random random, long count) {
    for (long i = 0; i < count; i++) {
      int op = random.nextInt(100);
      int slot = random.nextInt(SLOTS);
      try {
        step(op, slot, random);
      } catch (IOException | IllegalArgumentException | IllegalStateException | NullPointerException
          | InterruptedException e) {
        // Documented: I/O errors (PosixException and its kinds, ClosedChannelException,
        // ClosedByInterruptException, AsynchronousCloseException), bad arguments, wrong state
        // (including NonReadable/NonWritableChannelException), null arguments, interrupts.
        exceptions.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
      } catch (Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        failures.add("op " + op + " on slot " + slot + ": " + w);
      }
      Thread.interrupted(); // an interrupt aimed at one operation does not outlive it
      ops.incrementAndGet();
    }
  }

  private void step(int op, int slot, Random random) throws Exception {
    Object o = slots.get(slot);
    if (op < 10) {
      closeQuietly(slots.getAndSet(slot, Pipe.open()));
    } else if (op < 15) {
      closeQuietly(slots.getAndSet(slot, Fifo.of(fifos.get(slot), Fifo.Access.READ_WRITE).open()));
    } else if (op < 18) {
      closeQuietly(slots.getAndSet(slot, MessageQueue.open(queue, random.nextBoolean() ? MessageQueue.options()
          : MessageQueue.options().nonBlocking())));
    } else if (op < 26) {
      close(o); // close races with other threads' calls, and double closes
    } else if (op < 46) {
      write(o, buffer(random, SIZES[random.nextInt(SIZES.length)]), timeout(random));
    } else if (op < 66) {
      read(o, buffer(random, SIZES[random.nextInt(SIZES.length)]), timeout(random));
    } else if (op < 70) {
      Thread victim = threads.get(random.nextInt(threads.size()));
      victim.interrupt();
    } else if (op < 75) {
      if (o instanceof MessageQueue q) {
        q.attributes();
      } else if (o instanceof Pipe p) {
        p.source().available();
      } else if (o instanceof Fifo f) {
        f.available();
      }
    } else if (op < 80) {
      streams(o, random);
    } else if (op < 95) {
      badInput(random.nextInt(9), o, slot);
    } else if (op < 96) {
      spawn(o);
    } else {
      Thread.yield();
    }
  }

  private static ByteBuffer buffer(Random random, int size) {
    return switch (random.nextInt(4)) {
      case 0 -> ByteBuffer.allocate(size);
      case 1 -> ByteBuffer.allocateDirect(size).asReadOnlyBuffer();
      case 2 -> ByteBuffer.allocateDirect(size + 8).position(3).limit(size + 3).slice();
      default -> ByteBuffer.allocateDirect(size);
    };
  }

  private static Duration timeout(Random random) {
    return random.nextBoolean() ? Duration.ZERO : SHORT;
  }

  private static void write(Object o, ByteBuffer b, Duration t) throws IOException {
    if (o instanceof MessageQueue q) {
      q.send(b, (int) (Math.random() * 40_000) - 2, t); // priorities out of range too
    } else if (o instanceof Pipe p) {
      p.sink().write(b, t);
    } else if (o instanceof Fifo f) {
      f.write(b, t);
    }
  }

  private static void read(Object o, ByteBuffer b, Duration t) throws IOException {
    if (o instanceof MessageQueue q) {
      q.receive(b, t);
    } else if (o instanceof Pipe p) {
      p.source().read(b, t);
    } else if (o instanceof Fifo f) {
      f.read(b, t);
    }
  }

  private static void streams(Object o, Random random) throws IOException {
    if (!(o instanceof Pipe p)) {
      return;
    }
    if (random.nextBoolean()) {
      p.sink().outputStream().write(new byte[random.nextInt(100)]);
    } else {
      InputStream in = p.source().inputStream();
      if (in.available() > 0) {
        in.read(new byte[random.nextInt(100) + 1]);
      }
    }
  }

  private void badInput(int which, Object o, int slot) throws Exception {
    switch (which) {
      case 0 -> Fifo.create(fifos.get(slot)); // exists
      case 1 -> Fifo.unlink(plainFile); // not a FIFO: EINVAL, the file stays
      case 2 -> Fifo.of(plainFile, Fifo.Access.READ).open(Duration.ZERO);
      case 3 -> Pipe.Source.adopt(Math.random() < 0.5 ? random(-5, 0) : random(50_000, 100_000)); // never open
      case 4 -> {
        if (o instanceof Pipe p) {
          p.sink().setCapacity(which % 2 == 0 ? -1 : Integer.MAX_VALUE);
        }
      }
      case 5 -> read(o, ByteBuffer.allocate(8), Duration.ofMillis(-1));
      case 6 -> write(o, null, Duration.ZERO);
      case 7 -> Fifo.create(dir.resolve("no-such-dir").resolve("f"));
      default -> Fifo.of(fifos.get(slot), Fifo.Access.WRITE).open(Duration.ZERO).close(); // ENXIO without reader
    }
  }

  private static int random(int lo, int hi) {
    return lo + (int) (Math.random() * (hi - lo));
  }

  private void spawn(Object o) throws IOException, InterruptedException {
    if (!(o instanceof Pipe p)) {
      return;
    }
    try (ChildProcess c = ChildProcess.builder("true").fd(3, p.source()).start()) {
      c.waitFor(Duration.ofSeconds(10));
    }
  }

  private static void close(Object o) throws IOException {
    if (o instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
  }

  private void closeQuietly(Object o) {
    try {
      close(o);
    } catch (IOException e) {
      exceptions.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
    }
  }
}
