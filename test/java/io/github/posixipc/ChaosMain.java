package io.github.posixipc;

import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
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
 * of the public API on a small shared pool of objects — pipes, FIFOs, message queues, shared memory
 * handles and mapped regions, sealed memfds, unnamed and named semaphores, socket pairs, servers and
 * their connections, pollers over pool members, and signal listeners — opens, closes and close
 * races, reads and writes of random sizes into random kinds of buffer, region accesses at random
 * (also out-of-bounds and misaligned) offsets, descriptors passed over sockets, use after close,
 * bad arguments, interrupts of each other, children spawned with pool members mapped in. Every wait
 * has a short timeout or can be ended by a close. Every failure must be one of the documented
 * exceptions; at the end everything is closed and the descriptor count must be back to its
 * baseline.
 *
 * <p>Arguments: SEED OPS THREADS. Each thread's operations come from its own Random seeded from
 * SEED, so a run's sequence of operations is reproducible (their interleaving is not). Prints
 * {@code seed=S ops=N failures=F fds=A->B} and the exception counts; exits 0 only when there was
 * no failure and no leak.
 */
public final class ChaosMain {

  private static final int SLOTS = 8;
  private static final long SHM_SIZE = 3 * 4096;
  private static final Duration SHORT = Duration.ofMillis(1);
  private static final int[] SIZES = {0, 1, 64, 4096, 65536, 70000};

  private final AtomicReferenceArray<Object> slots = new AtomicReferenceArray<>(SLOTS);
  private final Path dir;
  private final List<Path> fifos = new ArrayList<>();
  private final Path plainFile;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong ops = new AtomicLong();
  private final Map<String, AtomicLong> exceptions = new ConcurrentHashMap<>();
  /** Operations by the kind of pool member they were drawn on: shows that every kind is reached. */
  private final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

  private ChaosMain(Path dir) throws IOException {
    this.dir = dir;
    for (int i = 0; i < SLOTS; i++) {
      Path p = dir.resolve("fifo" + i);
      Fifo.create(p, Fifo.options().mode(0600));
      fifos.add(p);
    }
    plainFile = Files.writeString(dir.resolve("plain"), "not a FIFO");
    queue = "/pipc-chaos-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    MessageQueue.open(queue, MessageQueue.options().create().exclusive().mode(0600).maxMessages(4).messageSize(4096))
        .close();
    segment = "/pipc-chaos-shm-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    SharedMemory.create(segment, SHM_SIZE).close();
    semaphore = "/pipc-chaos-sem-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    NamedSemaphore.open(semaphore, NamedSemaphore.options().exclusive().initialValue(0)).close();
    // A real-time signal's default action ends the process: while the run sends them to itself,
    // each keeps a listener, and the pool's own listeners come and go on top of it.
    for (int sig : signals) {
      keepers.add(Signals.addListener(sig, info -> caught.incrementAndGet()));
    }
  }

  private final String queue;
  /** The named shared memory segment and named semaphore of the pool (unlinked and made again). */
  private final String segment;
  private final String semaphore;
  /** Real-time signals no other test uses; each keeps one listener for the whole run. */
  private final int[] signals = {Signals.rtmin() + 12, Signals.rtmin() + 13};
  private final List<Signals.Registration> keepers = new ArrayList<>();
  private final AtomicLong caught = new AtomicLong();
  private final AtomicLong servers = new AtomicLong();

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    long total = Long.parseLong(args[1]);
    int nThreads = Integer.parseInt(args[2]);
    Path dir = Files.createTempDirectory("pipc-chaos-");
    ChaosMain chaos = new ChaosMain(dir);
    try {
      chaos.runAll(seed, total, nThreads);
    } catch (Throwable e) {
      try {
        chaos.removeNames(); // the names go even when the run itself fails
      } catch (IOException | RuntimeException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
  }

  private void runAll(long seed, long total, int nThreads) throws Exception {
    SoakMain.firstUseDescriptors();
    Poller.open().close();
    Map<Integer, String> before = TestSupport.fdTargets();
    int fds0 = TestSupport.openFds();
    int maps0 = sharedMappings();
    for (int t = 0; t < nThreads; t++) {
      Random random = new Random(seed * 31 + t);
      long share = total / nThreads;
      threads.add(new Thread(() -> run(random, share), "chaos-" + t));
    }
    threads.forEach(Thread::start);
    // Some operations block without a timeout (stream writes into a full pipe): a thread blocked
    // there is woken when another closes the object. Once the others have finished, the pool is
    // closed here, again and again, which must wake whatever still waits.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long last = -1;
    while (threads.stream().anyMatch(Thread::isAlive)) {
      Thread.sleep(500);
      long now = ops.get();
      if (now == last) {
        for (int i = 0; i < SLOTS; i++) {
          closeQuietly(slots.get(i));
        }
      }
      last = now;
      if (System.nanoTime() > deadline) {
        for (Thread t : threads) {
          if (t.isAlive()) {
            System.out.println("HANG: " + t.getName() + " still runs after 120 s:");
            for (StackTraceElement e : t.getStackTrace()) {
              System.out.println("  at " + e);
            }
          }
        }
        System.out.flush();
        try {
          removeNames();
        } finally {
          Runtime.getRuntime().halt(4);
        }
      }
    }
    for (int i = 0; i < SLOTS; i++) {
      closeQuietly(slots.getAndSet(i, null));
    }
    int fds1 = fds0;
    int maps1 = maps0;
    for (int i = 0; i < 100; i++) { // closes by other threads' last calls and the Cleaner settle
      System.gc();
      Thread.sleep(20);
      fds1 = TestSupport.openFds();
      maps1 = sharedMappings();
      if (fds1 <= fds0 && maps1 <= maps0) {
        break;
      }
    }
    if (maps1 > maps0) {
      for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
        if (l.contains("/dev/shm/") || l.contains("memfd:")) {
          System.out.println("LEAK: mapping " + l);
        }
      }
    }
    // The keepers stay: a signal still on its way must not meet the default action.
    removeNames();
    if (fds1 > fds0) {
      Map<Integer, String> after = TestSupport.fdTargets();
      after.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
      System.out.println("LEAK: descriptors new since the baseline: " + after);
      for (String t : after.values()) { // a leaked socket's kind and state, from the kernel's table
        if (t.startsWith("socket:[")) {
          String ino = t.substring(8, t.length() - 1);
          for (String l : Files.readAllLines(Path.of("/proc/net/unix"))) {
            String[] f = l.trim().split("\\s+");
            if (f.length > 6 && f[6].equals(ino)) {
              System.out.println("LEAK: /proc/net/unix: " + l);
            }
          }
        }
      }
    }
    failures.forEach(f -> System.out.println("FAILURE: " + f));
    System.out.println("exceptions: " + new java.util.TreeMap<>(exceptions));
    System.out.println("operations by pool member: " + new java.util.TreeMap<>(byKind));
    System.out.println("signals caught: " + caught.get());
    System.out.printf("seed=%d ops=%d failures=%d fds=%d->%d maps=%d->%d%n", seed, ops.get(), failures.size(), fds0,
        fds1, maps0, maps1);
    System.exit(failures.isEmpty() && fds1 <= fds0 && maps1 <= maps0 ? 0 : 3);
  }

  /** Mappings of shared memory (named segments and memfds) in /proc/self/maps: none may be left. */
  static int sharedMappings() throws IOException {
    int n = 0;
    for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
      if (l.contains("/dev/shm/") || l.contains("memfd:")) {
        n++;
      }
    }
    return n;
  }

  private void run(Random random, long count) {
    for (long i = 0; i < count; i++) {
      int op = random.nextInt(100);
      int slot = random.nextInt(SLOTS);
      try {
        step(op, slot, random);
      } catch (IOException | IllegalArgumentException | IllegalStateException | NullPointerException
          | IndexOutOfBoundsException | ReadOnlyBufferException | InterruptedException e) {
        // Documented: I/O errors (PosixException and its kinds, ClosedChannelException,
        // ClosedByInterruptException, AsynchronousCloseException), bad arguments, wrong state
        // (including NonReadable/NonWritableChannelException, a closed region, and
        // SharedMemoryFaultException), null arguments, region accesses out of bounds, stores into
        // a read-only mapping, interrupts.
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
    String kind = o == null ? "empty" : o.getClass().getSimpleName();
    byKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    if (op < 30) {
      open(op, slot, random);
    } else if (op < 37) {
      close(o); // close races with other threads' calls, and double closes
    } else if (op < 51) {
      write(o, buffer(random, SIZES[random.nextInt(SIZES.length)]), timeout(random), random);
    } else if (op < 65) {
      read(o, buffer(random, SIZES[random.nextInt(SIZES.length)]), timeout(random), random);
    } else if (op < 68) {
      Thread victim = threads.get(random.nextInt(threads.size()));
      victim.interrupt();
    } else if (op < 72) {
      inspect(o);
    } else if (op < 75) {
      streams(o, random);
    } else if (op < 87) {
      badInput(random.nextInt(18), o, slot, random);
    } else if (op < 88) {
      spawn(o);
    } else if (op < 93) {
      across(o, slots.get(random.nextInt(SLOTS)), random);
    } else if (op < 96) {
      Signals.sigqueue((int) ProcessHandle.current().pid(), signals[random.nextInt(signals.length)], random.nextInt());
    } else {
      Thread.yield();
    }
  }

  /** Puts a newly opened object (or two, for a socket pair) into the pool, closing what was there. */
  private void open(int op, int slot, Random random) throws IOException {
    int other = (slot + 1 + random.nextInt(SLOTS - 1)) % SLOTS;
    switch (op % 15) {
      case 0 -> closeQuietly(slots.getAndSet(slot, Pipe.open()));
      case 1 -> closeQuietly(slots.getAndSet(slot, Fifo.of(fifos.get(slot), Access.READ_WRITE).open()));
      case 2 -> closeQuietly(slots.getAndSet(slot, MessageQueue.open(queue, random.nextBoolean()
          ? MessageQueue.options() : MessageQueue.options().nonBlocking())));
      case 3 -> {
        // The segment may have been unlinked: made again, and grown (never shrunk: a mapping of
        // it must never lose its pages).
        SharedMemory m = SharedMemory.open(segment, SharedMemory.options().create());
        if (m.size() < SHM_SIZE) {
          m.truncate(SHM_SIZE);
        }
        closeQuietly(slots.getAndSet(slot, m));
      }
      case 4, 5 -> {
        try (SharedMemory m = random.nextInt(4) == 0
            ? SharedMemory.open(segment, SharedMemory.options().access(Access.READ)) : SharedMemory.open(segment)) {
          boolean writable = !m.isReadOnly() && random.nextBoolean();
          MappedRegion r = random.nextBoolean() ? m.map()
              : m.map(4096 * random.nextInt(2), 4096 * (1 + random.nextInt(2)), writable);
          closeQuietly(slots.getAndSet(slot, r));
        }
      }
      case 6 -> {
        SharedMemory m = SharedMemory.createAnonymous("pipc-chaos", SHM_SIZE, SharedMemory.options().sealable());
        if (random.nextBoolean()) {
          try {
            m.addSeals(SharedMemory.Seal.SHRINK, SharedMemory.Seal.GROW);
          } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
          }
        }
        closeQuietly(slots.getAndSet(slot, m));
      }
      case 7 -> {
        // A fresh memfd for each unnamed semaphore: initializing one in use is undefined.
        MappedRegion r;
        try (SharedMemory m = SharedMemory.createAnonymous("pipc-chaos-sem", 4096)) {
          r = m.map();
        }
        UnnamedSemaphore sem;
        try {
          sem = UnnamedSemaphore.init(r, UnnamedSemaphore.alignment() * random.nextInt(4), random.nextInt(3));
        } catch (IOException | RuntimeException e) {
          r.close();
          throw e;
        }
        closeQuietly(slots.getAndSet(slot, sem));
        closeQuietly(slots.getAndSet(other, r)); // the region, closed by whoever comes along
      }
      case 8 -> closeQuietly(slots.getAndSet(slot, NamedSemaphore.open(semaphore, NamedSemaphore.options().create().initialValue(0).mode(0600))));
      case 9, 10 -> {
        ConnectedSocket[] pair = ConnectedSocket.pair(ConnectedSocket.options().type(random.nextBoolean() ? SocketType.STREAM : SocketType.SEQPACKET));
        closeQuietly(slots.getAndSet(slot, pair[0]));
        closeQuietly(slots.getAndSet(other, pair[1]));
      }
      case 11 -> closeQuietly(slots.getAndSet(slot,
          ListeningSocket.bind(UnixDomainSocketAddress.of(dir.resolve("srv" + servers.incrementAndGet())),
              ListeningSocket.options().backlog(1 + random.nextInt(4)))));
      case 12 -> {
        if (slots.get(other) instanceof ListeningSocket server) {
          closeQuietly(slots.getAndSet(slot, ConnectedSocket.connect(server.address(), ConnectedSocket.options().type(SocketType.STREAM), SHORT)));
        }
      }
      case 13 -> {
        Poller poller = Poller.open(1 + random.nextInt(4));
        closeQuietly(slots.getAndSet(slot, poller));
        if (slots.get(other) instanceof Pollable p) {
          poller.register(p, Poller.READABLE | (random.nextBoolean() ? Poller.WRITABLE : 0));
        }
      }
      default -> closeQuietly(slots.getAndSet(slot,
          Signals.addListener(signals[random.nextInt(signals.length)], info -> caught.incrementAndGet())));
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

  /** An offset into a region: mostly inside, sometimes just outside or negative. */
  private static long offset(Random random, long size) {
    return switch (random.nextInt(8)) {
      case 0 -> -1 - random.nextInt(8);
      case 1 -> size - random.nextInt(8);
      case 2 -> size + random.nextInt(8);
      default -> random.nextInt((int) Math.max(1, size));
    };
  }

  private void write(Object o, ByteBuffer b, Duration t, Random random) throws IOException {
    if (o instanceof MessageQueue q) {
      q.send(b, random.nextInt(40_000) - 2, t); // priorities out of range too
    } else if (o instanceof Pipe p) {
      p.sink().write(b, t);
    } else if (o instanceof Fifo f) {
      f.write(b, t);
    } else if (o instanceof MappedRegion r) {
      long at = offset(random, r.size());
      switch (random.nextInt(8)) {
        case 0 -> r.putByte(at, (byte) at);
        case 1 -> r.putInt(at, (int) at);
        case 2 -> r.putLong(at, at);
        case 3 -> r.put(at, new byte[random.nextInt(5000)]);
        case 4 -> r.put(at, b);
        case 5 -> r.fill(at, random.nextInt(5000), (byte) 7);
        case 6 -> r.compareAndSetInt(at, 0, 1); // misaligned offsets too
        default -> r.getAndAddLong(at, 1);
      }
    } else if (o instanceof SharedMemory m) {
      m.allocate(0, SHM_SIZE);
    } else if (o instanceof PosixSemaphore sem) {
      sem.post();
    } else if (o instanceof ConnectedSocket s) {
      if (random.nextBoolean()) {
        s.write(b, t);
      } else {
        s.send(b, t);
      }
    } else if (o instanceof Poller poller) {
      poller.wakeup();
    } else if (o instanceof Signals.Registration reg) {
      Signals.sigqueue((int) ProcessHandle.current().pid(), reg.signal(), random.nextInt());
    }
  }

  private void read(Object o, ByteBuffer b, Duration t, Random random) throws Exception {
    if (o instanceof MessageQueue q) {
      q.receive(b, t);
    } else if (o instanceof Pipe p) {
      p.source().read(b, t);
    } else if (o instanceof Fifo f) {
      f.read(b, t);
    } else if (o instanceof MappedRegion r) {
      long at = offset(random, r.size());
      switch (random.nextInt(8)) {
        case 0 -> r.getByte(at);
        case 1 -> r.getInt(at);
        case 2 -> r.getLong(at);
        case 3 -> r.get(at, new byte[random.nextInt(5000)]);
        case 4 -> r.get(at, b);
        case 5 -> r.getIntAcquire(at); // misaligned offsets too
        case 6 -> r.getLongVolatile(at);
        default -> r.asByteBuffer(at, random.nextInt(5000)).get(0);
      }
    } else if (o instanceof SharedMemory m) {
      try (MappedRegion r = m.map()) {
        r.getLong(0);
      }
    } else if (o instanceof PosixSemaphore sem) {
      if (random.nextBoolean()) {
        sem.tryAcquire();
      } else {
        sem.acquire(t); // never untimed: nobody might post
      }
    } else if (o instanceof ConnectedSocket s) {
      switch (random.nextInt(3)) {
        case 0 -> s.read(b, t);
        case 1 -> s.receive(b, t);
        default -> {
          // Room for fewer descriptors than may come: the rest are closed by the library.
          ReceivedMessage m = s.receiveFileDescriptors(b, random.nextInt(2), t);
          if (m != null) {
            for (int fd : m.fileDescriptors()) {
              io.github.posixipc.internal.Core.pipc_fd_close(fd);
            }
          }
        }
      }
    } else if (o instanceof ListeningSocket server) {
      ConnectedSocket c = server.accept(t);
      closeQuietly(slots.getAndSet(random.nextInt(SLOTS), c));
    } else if (o instanceof Poller poller) {
      int n = poller.poll(t);
      for (int i = 0; i < n; i++) {
        poller.source(i);
        poller.events(i);
      }
    } else if (o instanceof Signals.Registration) {
      Signals.lostCount(signals[random.nextInt(signals.length)]);
    }
  }

  /** Reads an object's attributes. */
  private static void inspect(Object o) throws IOException {
    if (o instanceof MessageQueue q) {
      q.attributes();
    } else if (o instanceof Pipe p) {
      p.source().available();
    } else if (o instanceof Fifo f) {
      f.available();
    } else if (o instanceof SharedMemory m) {
      m.size();
      if (m.name() == null) {
        m.seals();
      }
    } else if (o instanceof PosixSemaphore sem) {
      sem.value();
    } else if (o instanceof ConnectedSocket s) {
      s.peerCredentials();
    } else if (o instanceof ListeningSocket s) {
      s.address();
    } else if (o != null) {
      o.toString();
    }
  }

  /** An operation between two pool members: descriptors passed over a socket, poller watches. */
  private void across(Object o, Object member, Random random) throws IOException {
    if (o instanceof ConnectedSocket s) {
      DescriptorHandle handle = member instanceof Pipe p ? p.source()
          : member instanceof DescriptorHandle d ? d : null;
      if (handle != null) {
        s.sendFileDescriptors(ByteBuffer.allocate(random.nextInt(2)), handle); // 0 bytes: refused
      }
    } else if (o instanceof Poller poller && member instanceof Pollable p) {
      switch (random.nextInt(3)) {
        case 0 -> poller.register(p, Poller.READABLE);
        case 1 -> poller.modify(p, Poller.WRITABLE);
        default -> poller.unregister(p);
      }
    } else if (o instanceof Poller poller && member instanceof Pipe p) {
      poller.register(random.nextBoolean() ? p.source() : p.sink(), Poller.READABLE | Poller.WRITABLE);
    }
  }

  private static void streams(Object o, Random random) throws IOException {
    if (o instanceof ConnectedSocket s) {
      if (random.nextBoolean()) {
        s.outputStream().write(new byte[random.nextInt(100)]);
      } else if (s.inputStream().available() > 0) {
        s.inputStream().read(new byte[random.nextInt(100) + 1]);
      }
      return;
    }
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

  private void badInput(int which, Object o, int slot, Random random) throws Exception {
    switch (which) {
      case 0 -> Fifo.create(fifos.get(slot)); // exists
      case 1 -> Fifo.unlink(plainFile); // not a FIFO: EINVAL, the file stays
      case 2 -> Fifo.of(plainFile, Access.READ).open(Duration.ZERO);
      case 3 -> Pipe.Source.adopt(Math.random() < 0.5 ? random(-5, 0) : random(50_000, 100_000)); // never open
      case 4 -> {
        if (o instanceof Pipe p) {
          p.sink().setCapacity(random.nextBoolean() ? -1 : Integer.MAX_VALUE);
        }
      }
      case 5 -> read(o, ByteBuffer.allocate(8), Duration.ofMillis(-1), random);
      case 6 -> write(o, null, Duration.ZERO, random);
      case 7 -> Fifo.create(dir.resolve("no-such-dir").resolve("f"));
      case 8 -> SharedMemory.open(random.nextBoolean() ? "/a/b" : segment + "-missing");
      case 9 -> {
        if (o instanceof SharedMemory m) {
          m.map(1 + random.nextInt(4095), 4096, true); // offset not page-aligned
        } else {
          SharedMemory.unlink(segment); // made again by the next open
        }
      }
      case 10 -> {
        if (o instanceof MappedRegion r) {
          UnnamedSemaphore.init(r, 1 + random.nextInt(3), 0); // misaligned
        } else {
          NamedSemaphore.unlink(semaphore); // made again by the next open
        }
      }
      case 11 -> NamedSemaphore.open(semaphore, NamedSemaphore.options().exclusive().initialValue(-1));
      case 12 -> Signals.addListener(random.nextBoolean() ? Signals.SIGKILL : 0, info -> { });
      case 13 -> Signals.sigqueue(random.nextBoolean() ? -5 : 0, signals[0], 1);
      case 14 -> ConnectedSocket.connect(UnixDomainSocketAddress.of(dir.resolve("no-server")), ConnectedSocket.options().type(SocketType.STREAM), SHORT);
      case 15 -> {
        if (o instanceof ConnectedSocket s) {
          s.receiveFileDescriptors(ByteBuffer.allocate(4), -1, Duration.ZERO);
        } else {
          Poller.open(0);
        }
      }
      case 16 -> {
        if (o instanceof MappedRegion r) {
          r.asByteBuffer(r.size() - 8, 16); // past the end
        } else if (o instanceof Poller poller) {
          Pollable bad = () -> random.nextBoolean() ? -1 : 1 << 20; // never an open descriptor
          poller.register(random.nextBoolean() ? null : bad, Poller.READABLE);
        }
      }
      default -> Fifo.of(fifos.get(slot), Access.WRITE).open(Duration.ZERO).close(); // ENXIO without reader
    }
  }

  /** Removes every name the run made: its directory, the queue, the segment, the semaphore. */
  private void removeNames() throws IOException {
    try (var listing = Files.list(dir)) { // FIFOs, the plain file, servers' socket files
      for (Path p : (Iterable<Path>) listing::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
    unlinkQuietly(() -> MessageQueue.unlink(queue));
    unlinkQuietly(() -> SharedMemory.unlink(segment)); // the run may have unlinked it last
    unlinkQuietly(() -> NamedSemaphore.unlink(semaphore));
  }

  private static int random(int lo, int hi) {
    return lo + (int) (Math.random() * (hi - lo));
  }

  private void spawn(Object o) throws IOException, InterruptedException {
    DescriptorHandle handle = o instanceof Pipe p ? p.source()
        : o instanceof DescriptorHandle d ? d : null;
    if (handle == null) {
      return;
    }
    try (ChildProcess c = ChildProcess.builder("true").fd(3, handle).start()) {
      c.waitFor(Duration.ofSeconds(10));
    }
  }

  private static void unlinkQuietly(Unlink u) throws IOException {
    try {
      u.run();
    } catch (NotFoundException gone) {
      // unlinked by the run's last operation on it
    }
  }

  private interface Unlink {
    void run() throws IOException;
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
