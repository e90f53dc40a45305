package io.github.posixipc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The child JVM of {@link VirtualThreadsTest}: run with the virtual-thread scheduler limited to
 * two carriers, it blocks {@code perGroup} virtual threads in every kind of blocking call of the
 * library, twice per kind: one group that a further virtual thread of this JVM releases, and one
 * that another process (the test's JVM) releases, through the same {@link Releaser} code. It
 * prints its protocol on stdout:
 *
 * <ul>
 *   <li>{@code NAME kind name}: an object for the parent to remove in any case;
 *   <li>{@code SETUP action}: the parent does action, then writes one line to stdin;
 *   <li>{@code RELEASE action}: for the parent to do once {@code BLOCKED} is printed;
 *   <li>{@code BLOCKED n}: n virtual threads are parked at once;
 *   <li>{@code DONE ms pinned} or {@code FAIL why}.
 * </ul>
 *
 * <p>Compiled for JDK 17 like the rest of the suite, it reaches the virtual-thread API by
 * reflection.
 */
public final class VirtualThreadsMain {

  /** The kinds of blocking call, in the order they are set up. */
  static final List<String> KINDS = List.of("pipe-read", "pipe-write", "fifo-read", "fifo-write",
      "fifo-open", "accept", "socket-read", "socket-receive", "socket-receive-fds", "mq-receive",
      "mq-send", "named-semaphore", "unnamed-semaphore", "mutex", "condition", "signal-queue",
      "poller", "channel-receive", "sysv-receive", "sysv-semaphore", "java.net-read", "child-wait");

  private static PrintStream out;
  private static BufferedReader in;
  private static final List<AutoCloseable> KEEP = new ArrayList<>();

  /** A virtual-thread factory, by reflection (Thread.ofVirtual().factory()). */
  static ThreadFactory virtualFactory() throws ReflectiveOperationException {
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    Method factory = Class.forName("java.lang.Thread$Builder").getMethod("factory");
    return (ThreadFactory) factory.invoke(builder);
  }

  /** args: dir (for paths), prefix (for IPC names), perGroup. */
  public static void main(String[] args) throws Exception {
    out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Path dir = Path.of(args[0]);
    String prefix = args[1];
    int perGroup = Integer.parseInt(args[2]);
    ThreadFactory virtual = virtualFactory();

    // A first round with one thread per group, all released here: the library's classes are
    // loaded and initialized before JFR starts counting. On JDK 25 a virtual thread that waits
    // for a class being loaded or initialized by another thread is pinned (a native frame of
    // the class loader), whatever the class; that is the JDK's, once per class, not a call's.
    Releaser warm = new Releaser();
    round(virtual, dir, prefix + "-w", 1, false, warm);
    warm.close();
    for (int i = KEEP.size() - 1; i >= 0; i--) {
      KEEP.get(i).close();
    }
    KEEP.clear();

    // JFR by reflection: the suite compiles inside the library's module, which does not read
    // jdk.jfr; this JVM runs it on the class path.
    AtomicLong pinned = new AtomicLong();
    Class<?> streamClass = Class.forName("jdk.jfr.consumer.RecordingStream");
    Class<?> settingsClass = Class.forName("jdk.jfr.EventSettings");
    Object jfr = streamClass.getConstructor().newInstance();
    Object settings = streamClass.getMethod("enable", String.class).invoke(jfr, "jdk.VirtualThreadPinned");
    settingsClass.getMethod("withThreshold", Duration.class).invoke(settings, Duration.ZERO);
    settingsClass.getMethod("withStackTrace").invoke(settings);
    Consumer<Object> onPinned = e -> {
      pinned.incrementAndGet();
      System.err.println("pinned: " + e);
    };
    streamClass.getMethod("onEvent", String.class, Consumer.class).invoke(jfr, "jdk.VirtualThreadPinned", onPinned);
    streamClass.getMethod("startAsync").invoke(jfr);

    Releaser local = new Releaser();
    long ms = round(virtual, dir, prefix, perGroup, true, local);
    // Let the stream deliver what was recorded, then stop it (RecordingStream.stop is JDK 20+).
    Thread.sleep(1500);
    streamClass.getMethod("stop").invoke(jfr);
    streamClass.getMethod("close").invoke(jfr);
    out.println("DONE " + ms + " " + pinned.get());
    local.close();
    System.exit(0);
  }

  /**
   * One round: perGroup virtual threads blocked in each group of each kind, all parked at once,
   * then released (half by the parent when measured, else all here). Returns the milliseconds
   * from the release to the last thread's end; prints FAIL and exits when it goes wrong.
   */
  private static long round(ThreadFactory virtual, Path dir, String prefix, int perGroup, boolean measured,
      Releaser local) throws Exception {
    List<String> localReleases = new ArrayList<>();
    List<Thread> blockers = new ArrayList<>();
    Map<Thread, String> kindOf = new HashMap<>();
    Map<String, Throwable> failures = new ConcurrentHashMap<>();
    for (String kind : KINDS) {
      for (boolean remote : new boolean[] {false, true}) {
        String tag = kind + (remote ? "-r" : "-l");
        Group g = new Group(dir, prefix + "-" + tag, perGroup, remote && measured, local);
        Callable<?> call = g.setUp(kind);
        if (remote && measured) {
          out.println("RELEASE " + g.release);
        } else {
          localReleases.add(g.release);
        }
        for (int i = 0; i < perGroup; i++) {
          Thread t = virtual.newThread(() -> {
            try {
              call.call();
            } catch (Throwable e) {
              failures.putIfAbsent(tag, e);
            }
          });
          kindOf.put(t, tag);
          blockers.add(t);
          t.start();
        }
      }
    }
    // Proof that they all wait at once without a carrier: parked, not running in native code.
    long setUpDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int parked = 0;
    while (System.nanoTime() < setUpDeadline) {
      parked = 0;
      for (Thread t : blockers) {
        Thread.State s = t.getState();
        if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
          parked++;
        }
      }
      if (parked == blockers.size() || !failures.isEmpty()) {
        break;
      }
      Thread.sleep(50);
    }
    if (parked != blockers.size() || !failures.isEmpty()) {
      StringBuilder why = new StringBuilder("only " + parked + " of " + blockers.size() + " parked;");
      for (Thread t : blockers) {
        if (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
          why.append(' ').append(kindOf.get(t)).append('=').append(t.getState());
        }
      }
      failures.forEach((k, e) -> why.append(" ").append(k).append(": ").append(e));
      out.println("FAIL " + why);
      System.exit(1);
    }
    if (measured) {
      out.println("BLOCKED " + parked);
    }
    long start = System.nanoTime();
    Thread releaser = virtual.newThread(() -> {
      for (String line : localReleases) {
        try {
          local.run(line);
        } catch (Throwable e) {
          failures.putIfAbsent("release " + line, e);
        }
      }
    });
    releaser.start();
    long deadline = start + TimeUnit.SECONDS.toNanos(10);
    List<String> late = new ArrayList<>();
    for (Thread t : blockers) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
      if (t.isAlive()) {
        late.add(kindOf.get(t));
      }
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    releaser.join(10_000);
    if (!late.isEmpty() || !failures.isEmpty()) {
      StringBuilder why = new StringBuilder(measured ? "" : "(warm-up round) ");
      if (!late.isEmpty()) {
        Map<String, Integer> count = new HashMap<>();
        late.forEach(k -> count.merge(k, 1, Integer::sum));
        why.append("not released within 10 s: ").append(count).append(';');
      }
      failures.forEach((k, e) -> why.append(" ").append(k).append(": ").append(e));
      out.println("FAIL " + why);
      System.exit(1);
    }
    return ms;
  }

  /** Asks the parent to do a set-up action and waits for its answer. */
  private static void parentSetUp(String action) throws IOException {
    out.println("SETUP " + action);
    String answer = in.readLine();
    if (!"OK".equals(answer)) {
      throw new IOException("the parent did not set up " + action + ": " + answer);
    }
  }

  /** One group of blocked threads of one kind: its objects, its blocking call, its release. */
  static final class Group {
    final Path dir;
    final String name;
    final int n;
    final boolean remote;
    final Releaser local;
    String release;

    Group(Path dir, String name, int n, boolean remote, Releaser local) {
      this.dir = dir;
      this.name = name;
      this.n = n;
      this.remote = remote;
      this.local = local;
    }

    private void setUpAction(String action) throws Exception {
      if (remote) {
        parentSetUp(action);
      } else {
        local.run(action);
      }
    }

    private static <T extends AutoCloseable> T keep(T c) {
      KEEP.add(c);
      return c;
    }

    private static String procFd(DescriptorHandle h) throws IOException {
      return "/proc/" + ProcessHandle.current().pid() + "/fd/" + h.fd();
    }

    private Path fifo() throws IOException {
      Path p = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
      Fifo.create(p);
      return p;
    }

    /** Fills a non-blocking-capable channel until it is full; returns the bytes written. */
    static int fill(DescriptorChannel c, java.nio.channels.WritableByteChannel w) throws IOException {
      c.setBlocking(false);
      ByteBuffer b = ByteBuffer.allocate(4096);
      int total = 0;
      for (;;) {
        b.clear();
        int k = w.write(b);
        if (k == 0) {
          break;
        }
        total += k;
      }
      b.clear().limit(1);
      for (int k; (k = w.write(b)) > 0; b.clear().limit(1)) {
        total += k;
      }
      c.setBlocking(true);
      return total;
    }

    private static int readOne(java.nio.channels.ReadableByteChannel c) throws IOException {
      int r = c.read(ByteBuffer.allocate(1));
      if (r != 1) {
        throw new IOException("read " + r);
      }
      return r;
    }

    private static int writeOne(java.nio.channels.WritableByteChannel c) throws IOException {
      return c.write(ByteBuffer.wrap(new byte[] {1}));
    }

    Callable<?> setUp(String kind) throws Exception {
      switch (kind) {
        case "pipe-read": {
          Pipe p = keep(Pipe.open());
          release = "WRITE " + procFd(p.sink()) + " " + n;
          return () -> readOne(p.source());
        }
        case "pipe-write": {
          Pipe p = keep(Pipe.open());
          int cap = fill(p.sink(), p.sink());
          release = "READ " + procFd(p.source()) + " " + (cap + n);
          return () -> writeOne(p.sink());
        }
        case "fifo-read": {
          Path f = fifo();
          out.println("NAME path " + f);
          Fifo end = keep(Fifo.open(f, Access.READ_WRITE));
          release = "WRITE " + f + " " + n;
          return () -> readOne(end);
        }
        case "fifo-write": {
          Path f = fifo();
          out.println("NAME path " + f);
          Fifo end = keep(Fifo.open(f, Access.READ_WRITE));
          int cap = fill(end, end);
          release = "READ " + f + " " + (cap + n);
          return () -> writeOne(end);
        }
        case "fifo-open": {
          Path f = fifo();
          out.println("NAME path " + f);
          release = "OPENW " + f;
          return () -> {
            Fifo.open(f, Access.READ).close();
            return null;
          };
        }
        case "accept": {
          Path p = dir.resolve(name.substring(1) + ".sock");
          out.println("NAME path " + p);
          ListeningSocket l = keep(ListeningSocket.bind(UnixDomainSocketAddress.of(p)));
          release = "CONNECTN " + p + " " + n;
          return () -> {
            l.accept().close();
            return null;
          };
        }
        case "socket-read":
        case "java.net-read":
        case "socket-receive":
        case "socket-receive-fds": {
          boolean stream = kind.equals("socket-read") || kind.equals("java.net-read");
          Path p = dir.resolve(name.substring(1) + ".sock");
          out.println("NAME path " + p);
          SocketType type = stream ? SocketType.STREAM : SocketType.SEQPACKET;
          ConnectedSocket conn;
          try (ListeningSocket l = ListeningSocket.bind(UnixDomainSocketAddress.of(p),
              ListeningSocket.options().type(type))) {
            setUpAction("CONNECT " + p + " " + type);
            conn = keep(l.accept(Duration.ofSeconds(30)));
          }
          String what = stream ? "SOCKWRITE" : kind.equals("socket-receive") ? "SOCKSEND" : "SOCKFDS";
          release = what + " " + p + " " + n;
          if (kind.equals("java.net-read")) {
            // The java.net view over the connection, as a JDBC driver reads it.
            java.io.InputStream view = io.github.posixipc.net.UnixSocket.of(conn).getInputStream();
            return () -> {
              if (view.read() < 0) {
                throw new IOException("end of stream");
              }
              return null;
            };
          }
          if (stream) {
            return () -> readOne(conn);
          }
          if (kind.equals("socket-receive")) {
            return () -> conn.receive(ByteBuffer.allocate(1));
          }
          return () -> {
            ReceivedMessage m = conn.receiveFileDescriptors(ByteBuffer.allocate(1), 1);
            if (m.fileDescriptorCount() != 1) {
              throw new IOException("no descriptor came");
            }
            Pipe.Source.adopt(m.fileDescriptor(0)).close();
            return null;
          };
        }
        case "mq-receive": {
          out.println("NAME mq " + name);
          MessageQueue q = keep(MessageQueue.open(name,
              MessageQueue.options().exclusive().maxMessages(4).messageSize(8)));
          release = "MQSEND " + name + " " + n;
          return () -> q.receive(ByteBuffer.allocateDirect(8));
        }
        case "mq-send": {
          out.println("NAME mq " + name);
          MessageQueue q = keep(MessageQueue.open(name,
              MessageQueue.options().exclusive().maxMessages(1).messageSize(8)));
          q.send(new byte[] {1}, 0);
          release = "MQRECV " + name + " " + (n + 1);
          return () -> {
            q.send(new byte[] {2}, 0);
            return null;
          };
        }
        case "named-semaphore": {
          out.println("NAME sem " + name);
          NamedSemaphore s = keep(NamedSemaphore.open(name, NamedSemaphore.options().exclusive()));
          release = "SEMPOST " + name + " " + n;
          return () -> {
            s.acquire();
            return null;
          };
        }
        case "unnamed-semaphore": {
          MappedRegion r = region();
          UnnamedSemaphore s = keep(UnnamedSemaphore.init(r, 0, 0));
          release = "USEMPOST " + name + " 0 " + n;
          return () -> {
            s.acquire();
            return null;
          };
        }
        case "mutex": {
          MappedRegion r = region();
          SharedMutex m = keep(SharedMutex.init(r, 0));
          setUpAction("LOCK " + name + " 0");
          release = "UNLOCK " + name + " 0";
          return () -> {
            m.lock();
            m.unlock();
            return null;
          };
        }
        case "condition": {
          MappedRegion r = region();
          long cond = align(SharedMutex.size(), SharedCondition.alignment());
          long flag = align(cond + SharedCondition.size(), 8);
          SharedMutex m = keep(SharedMutex.init(r, 0));
          SharedCondition c = keep(SharedCondition.init(r, cond));
          release = "CONDSET " + name + " 0 " + cond + " " + flag;
          return () -> {
            m.lock();
            try {
              while (r.getInt(flag) == 0) {
                c.await(m);
              }
            } finally {
              m.unlock();
            }
            return null;
          };
        }
        case "signal-queue": {
          int sig = freeSignal(name.endsWith("-r") ? 2 : 1);
          SignalQueue q = keep(Signals.queue(sig));
          release = "SIGQUEUE " + ProcessHandle.current().pid() + " " + sig + " " + n;
          return () -> q.take(null);
        }
        case "poller": {
          Path f = fifo();
          out.println("NAME path " + f);
          Fifo end = keep(Fifo.open(f, Access.READ_WRITE));
          release = "WRITE " + f + " 1";
          return () -> {
            try (Poller p = Poller.open()) {
              p.register(end, Poller.READABLE);
              if (p.poll(null) != 1) {
                throw new IOException("poll found nothing");
              }
            }
            return null;
          };
        }
        case "channel-receive": {
          // Every thread receives on one consumer handle: one waits in the core (handed off to
          // a platform thread), the others for their turn on the handle (parked in a lock).
          out.println("NAME shm " + name);
          Channel c = keep(Channel.create(name, 1 << 16, Channel.Role.CONSUMER));
          release = "CHSEND " + name + " " + n;
          return () -> c.receive(ByteBuffer.allocateDirect(8));
        }
        case "sysv-receive": {
          SysVMessageQueue q = keep(SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create()));
          out.println("NAME sysv-msg " + q.id());
          release = "SYSVSEND " + q.id() + " " + n;
          return () -> q.receive(ByteBuffer.allocateDirect(8), 0);
        }
        case "sysv-semaphore": {
          SysVSemaphoreSet set = keep(SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().initialValues(0)));
          out.println("NAME sysv-sem " + set.id());
          release = "SYSVSEMPOST " + set.id() + " " + n;
          return () -> {
            set.apply(SysVSemaphoreSet.Operation.add(0, -1));
            return null;
          };
        }
        case "child-wait": {
          StringBuilder pids = new StringBuilder("KILL");
          List<ChildProcess> children = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            ChildProcess c = keep(ChildProcess.builder("sleep", "600").start());
            out.println("NAME pid " + c.pid());
            children.add(c);
            pids.append(' ').append(c.pid());
          }
          release = pids.toString();
          java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
          return () -> children.get(next.getAndIncrement()).waitFor();
        }
        default:
          throw new IllegalArgumentException(kind);
      }
    }

    private MappedRegion region() throws IOException {
      out.println("NAME shm " + name);
      SharedMemory shm = keep(SharedMemory.create(name, 4096));
      return keep(shm.map());
    }

    /** A real-time signal that the library lets a queue take: the n-th free one. */
    private static int freeSignal(int n) {
      for (int s = Signals.rtmin(); s <= Signals.rtmax(); s++) {
        if (!Signals.isReserved(s) && --n == 0) {
          return s;
        }
      }
      throw new IllegalStateException("no free real-time signal");
    }
  }

  static long align(long v, long a) {
    return (v + a - 1) / a * a;
  }

  /**
   * The release side, the same code in this JVM (run by a virtual thread) and in the parent's.
   * What it opens stays open until {@link #close()}, so that nothing released sees an end of
   * file or a hang-up meanwhile. Mutexes are locked and unlocked on one platform thread of its
   * own, since a mutex belongs to the thread that locked it.
   */
  static final class Releaser implements AutoCloseable {
    private final List<AutoCloseable> held = new ArrayList<>();
    private final Map<String, ConnectedSocket> connections = new HashMap<>();
    private final ExecutorService owner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "releaser-mutex-owner");
      t.setDaemon(true);
      return t;
    });

    void run(String line) throws Exception {
      String[] w = line.split(" ");
      switch (w[0]) {
        case "WRITE": {
          Fifo f = hold(Fifo.open(Path.of(w[1]), Access.WRITE, Duration.ofSeconds(10)));
          ByteBuffer b = ByteBuffer.allocate(Integer.parseInt(w[2]));
          while (b.hasRemaining()) {
            f.write(b);
          }
          break;
        }
        case "READ": {
          Fifo f = hold(Fifo.open(Path.of(w[1]), Access.READ, Duration.ofSeconds(10)));
          long want = Long.parseLong(w[2]);
          ByteBuffer b = ByteBuffer.allocate(65536);
          for (long got = 0; got < want; ) {
            b.clear();
            if (want - got < b.capacity()) {
              b.limit((int) (want - got));
            }
            int k = f.read(b, Duration.ofSeconds(10));
            if (k < 0) {
              throw new IOException("end of file after " + got + " of " + want);
            }
            got += k;
          }
          break;
        }
        case "OPENW":
          hold(Fifo.open(Path.of(w[1]), Access.WRITE, Duration.ofSeconds(10)));
          break;
        case "CONNECTN":
          for (int i = Integer.parseInt(w[2]); i > 0; i--) {
            hold(ConnectedSocket.connect(UnixDomainSocketAddress.of(w[1])));
          }
          break;
        case "CONNECT":
          connections.put(w[1], hold(ConnectedSocket.connect(UnixDomainSocketAddress.of(w[1]),
              ConnectedSocket.options().type(SocketType.valueOf(w[2])))));
          break;
        case "SOCKWRITE": {
          ByteBuffer b = ByteBuffer.allocate(Integer.parseInt(w[2]));
          while (b.hasRemaining()) {
            connections.get(w[1]).write(b);
          }
          break;
        }
        case "SOCKSEND":
          for (int i = Integer.parseInt(w[2]); i > 0; i--) {
            connections.get(w[1]).send(ByteBuffer.wrap(new byte[] {1}));
          }
          break;
        case "SOCKFDS": {
          ConnectedSocket c = connections.get(w[1]);
          try (Pipe p = Pipe.open()) {
            for (int i = Integer.parseInt(w[2]); i > 0; i--) {
              c.sendFileDescriptors(ByteBuffer.wrap(new byte[] {1}), p.source());
            }
          }
          break;
        }
        case "MQSEND":
          try (MessageQueue q = MessageQueue.open(w[1])) {
            for (int i = Integer.parseInt(w[2]); i > 0; i--) {
              q.send(new byte[] {3}, 0, Duration.ofSeconds(10));
            }
          }
          break;
        case "MQRECV":
          try (MessageQueue q = MessageQueue.open(w[1])) {
            ByteBuffer b = ByteBuffer.allocateDirect(q.messageSize());
            for (int i = Integer.parseInt(w[2]); i > 0; i--) {
              b.clear();
              q.receive(b, Duration.ofSeconds(10));
            }
          }
          break;
        case "SYSVSEND": {
          SysVMessageQueue q = hold(SysVMessageQueue.ofId(Integer.parseInt(w[1])));
          for (int i = Integer.parseInt(w[2]); i > 0; i--) {
            q.send(1, new byte[] {4}, Duration.ofSeconds(10));
          }
          break;
        }
        case "SYSVSEMPOST": {
          SysVSemaphoreSet set = hold(SysVSemaphoreSet.ofId(Integer.parseInt(w[1])));
          set.apply(SysVSemaphoreSet.Operation.add(0, Integer.parseInt(w[2])));
          break;
        }
        case "CHSEND":
          try (Channel c = Channel.open(w[1], Channel.Role.PRODUCER)) {
            ByteBuffer b = ByteBuffer.allocateDirect(8);
            for (int i = Integer.parseInt(w[2]); i > 0; i--) {
              c.send(b.clear(), Duration.ofSeconds(10));
            }
          }
          break;
        case "SEMPOST":
          try (NamedSemaphore s = NamedSemaphore.open(w[1])) {
            for (int i = Integer.parseInt(w[2]); i > 0; i--) {
              s.post();
            }
          }
          break;
        case "USEMPOST": {
          MappedRegion r = region(w[1]);
          UnnamedSemaphore s = UnnamedSemaphore.at(r, Long.parseLong(w[2]));
          for (int i = Integer.parseInt(w[3]); i > 0; i--) {
            s.post();
          }
          break;
        }
        case "LOCK": {
          SharedMutex m = SharedMutex.at(region(w[1]), Long.parseLong(w[2]));
          owner.submit(() -> {
            m.lock();
            return null;
          }).get();
          break;
        }
        case "UNLOCK": {
          SharedMutex m = SharedMutex.at(region(w[1]), Long.parseLong(w[2]));
          owner.submit(() -> {
            m.unlock();
            return null;
          }).get();
          break;
        }
        case "CONDSET": {
          MappedRegion r = region(w[1]);
          SharedMutex m = SharedMutex.at(r, Long.parseLong(w[2]));
          SharedCondition c = SharedCondition.at(r, Long.parseLong(w[3]));
          long flag = Long.parseLong(w[4]);
          owner.submit(() -> {
            m.lock();
            try {
              r.putInt(flag, 1);
              c.signalAll();
            } finally {
              m.unlock();
            }
            return null;
          }).get();
          break;
        }
        case "SIGQUEUE":
          for (int i = Integer.parseInt(w[3]); i > 0; i--) {
            Signals.sigqueue(Integer.parseInt(w[1]), Integer.parseInt(w[2]), i);
          }
          break;
        case "KILL":
          for (int i = 1; i < w.length; i++) {
            Signals.kill(Integer.parseInt(w[i]), Signals.SIGKILL);
          }
          break;
        default:
          throw new IllegalArgumentException(line);
      }
    }

    private final Map<String, MappedRegion> regions = new HashMap<>();

    private MappedRegion region(String name) throws IOException {
      MappedRegion r = regions.get(name);
      if (r == null) {
        SharedMemory shm = hold(SharedMemory.open(name));
        r = hold(shm.map());
        regions.put(name, r);
      }
      return r;
    }

    private <T extends AutoCloseable> T hold(T c) {
      held.add(c);
      return c;
    }

    @Override
    public void close() {
      owner.shutdownNow();
      for (int i = held.size() - 1; i >= 0; i--) {
        try {
          held.get(i).close();
        } catch (Exception ignored) {
          // closing what the test held; the objects are removed by name
        }
      }
      held.clear();
    }
  }

  /** Removes a path quietly, for the parent's clean-up. */
  static void removePath(String p) {
    try {
      Files.deleteIfExists(Path.of(p));
    } catch (IOException ignored) {
      // the directory is removed afterwards anyway
    }
  }
}
