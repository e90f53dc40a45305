package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Virtual threads: no call of the library holds a carrier while it waits. Needs JDK 21+; on an
 * older JVM the tests are skipped with the reason (CI runs the suite again on JDK 25).
 */
class VirtualThreadsTest {

  private static void assumeVirtualThreads() {
    assumeTrue(Runtime.version().feature() >= 21,
        "virtual threads need JDK 21+, this JVM is " + Runtime.version()
            + " (.ci/run runs the suite again on JDK 25)");
  }

  /**
   * 1,232 virtual threads blocked at once, 56 in each kind of blocking call, on a scheduler of
   * two carriers (which holding carriers in native calls would starve at once); half of each kind
   * released by a further virtual thread of that JVM, half by this process; all done within 10 s,
   * and JFR saw no pinned park.
   */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void everyKindOfBlockingCallParksOnTwoCarriers() throws Exception {
    assumeVirtualThreads();
    Path dir = TestSupport.uniquePath("vt");
    Files.createDirectories(dir);
    String prefix = "/pipc-vt-" + ProcessHandle.current().pid();
    List<String> cmd = TestSupport.childJvmCommand(List.of(
        "-Djdk.virtualThreadScheduler.parallelism=2", "-Djdk.virtualThreadScheduler.maxPoolSize=2"),
        VirtualThreadsMain.class.getName(), dir.toString(), prefix, "28");
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> names = new ArrayList<>();
    List<String> releases = new ArrayList<>();
    String result = null;
    int blocked = 0;
    try (VirtualThreadsMain.Releaser releaser = new VirtualThreadsMain.Releaser();
         BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
         Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("NAME ")) {
          names.add(line.substring(5));
        } else if (line.startsWith("SETUP ")) {
          releaser.run(line.substring(6));
          in.write("OK\n");
          in.flush();
        } else if (line.startsWith("RELEASE ")) {
          releases.add(line.substring(8));
        } else if (line.startsWith("BLOCKED ")) {
          blocked = Integer.parseInt(line.substring(8));
          // This process releases its half while the child's virtual thread releases the other.
          for (String r : releases) {
            releaser.run(r);
          }
        } else if (line.startsWith("DONE ") || line.startsWith("FAIL ")) {
          result = line;
          break;
        }
      }
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM ends");
    } finally {
      p.destroyForcibly();
      cleanUp(names, dir);
    }
    assertNotNull(result, "the child JVM reported");
    System.out.println("virtual threads on two carriers: " + blocked + " parked at once; " + result
        + " (DONE <ms from release to the last one's end> <jdk.VirtualThreadPinned events>)");
    assertTrue(result.startsWith("DONE "), result);
    assertEquals(VirtualThreadsMain.KINDS.size() * 2 * 28, blocked, "all were parked at once");
    assertEquals(VirtualThreadsMain.KINDS.size(), 22);
    String[] done = result.split(" ");
    assertTrue(Long.parseLong(done[1]) < 10_000, "released within 10 s: " + result);
    assertEquals("0", done[2], "jdk.VirtualThreadPinned events");
    assertEquals(0, p.exitValue());
  }

  private static void cleanUp(List<String> names, Path dir) throws IOException {
    for (String n : names) {
      String[] w = n.split(" ", 2);
      try {
        switch (w[0]) {
          case "mq":
            MessageQueue.unlink(w[1]);
            break;
          case "sem":
            NamedSemaphore.unlink(w[1]);
            break;
          case "shm":
            SharedMemory.unlink(w[1]);
            break;
          case "sysv-msg":
            SysVMessageQueue.remove(Integer.parseInt(w[1]));
            break;
          case "sysv-sem":
            SysVSemaphoreSet.remove(Integer.parseInt(w[1]));
            break;
          case "pid":
            ProcessHandle.of(Long.parseLong(w[1])).ifPresent(ProcessHandle::destroyForcibly);
            break;
          default:
            VirtualThreadsMain.removePath(w[1]);
        }
      } catch (IOException ignored) {
        // removed by the child already, or never made
      }
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(q);
      }
    }
  }

  // ------------------------------------------------------------------ interrupt and close

  /** A thread blocked in a call: what it runs, what closing means, and what to clean up. */
  private record Blocked(Callable<?> call, AutoCloseable target, AutoCloseable cleanup) {}

  @FunctionalInterface
  private interface Scenario {
    Blocked start(IpcNames names) throws Exception;
  }

  private static List<Object[]> scenarios() {
    List<Object[]> s = new ArrayList<>();
    s.add(new Object[] {"pipe read", (Scenario) n -> {
      Pipe p = Pipe.open();
      return new Blocked(() -> p.source().read(ByteBuffer.allocate(1)), p.source(), p);
    }});
    s.add(new Object[] {"pipe write to a full pipe", (Scenario) n -> {
      Pipe p = Pipe.open();
      VirtualThreadsMain.Group.fill(p.sink(), p.sink());
      return new Blocked(() -> p.sink().write(ByteBuffer.allocate(4096)), p.sink(), p);
    }});
    s.add(new Object[] {"FIFO read", (Scenario) n -> {
      Path f = TestSupport.uniquePath("vt-fifo");
      Fifo.create(f);
      Fifo end = Fifo.open(f, Access.READ_WRITE);
      return new Blocked(() -> end.read(ByteBuffer.allocate(1)), end, () -> {
        end.close();
        Fifo.unlink(f);
      });
    }});
    s.add(new Object[] {"FIFO write to a full FIFO", (Scenario) n -> {
      Path f = TestSupport.uniquePath("vt-fifo");
      Fifo.create(f);
      Fifo end = Fifo.open(f, Access.READ_WRITE);
      VirtualThreadsMain.Group.fill(end, end);
      return new Blocked(() -> end.write(ByteBuffer.allocate(4096)), end, () -> {
        end.close();
        Fifo.unlink(f);
      });
    }});
    s.add(new Object[] {"FIFO open", (Scenario) n -> {
      Path f = TestSupport.uniquePath("vt-fifo");
      Fifo.create(f);
      Fifo end = Fifo.of(f, Access.READ);
      return new Blocked(() -> end.open(), end, () -> {
        end.close();
        Fifo.unlink(f);
      });
    }});
    s.add(new Object[] {"socket accept", (Scenario) n -> {
      Path f = TestSupport.uniquePath("vt.sock");
      ListeningSocket l = ListeningSocket.bind(UnixDomainSocketAddress.of(f));
      return new Blocked(() -> l.accept(), l, () -> {
        l.close();
        Files.deleteIfExists(f);
      });
    }});
    s.add(new Object[] {"socket read", (Scenario) n -> {
      ConnectedSocket[] pair = ConnectedSocket.pair();
      return new Blocked(() -> pair[0].read(ByteBuffer.allocate(1)), pair[0], () -> {
        pair[0].close();
        pair[1].close();
      });
    }});
    s.add(new Object[] {"socket receive", (Scenario) n -> {
      ConnectedSocket[] pair = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
      return new Blocked(() -> pair[0].receive(ByteBuffer.allocate(1)), pair[0], () -> {
        pair[0].close();
        pair[1].close();
      });
    }});
    s.add(new Object[] {"socket receive with descriptors", (Scenario) n -> {
      ConnectedSocket[] pair = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
      return new Blocked(() -> pair[0].receiveFileDescriptors(ByteBuffer.allocate(1), 1), pair[0], () -> {
        pair[0].close();
        pair[1].close();
      });
    }});
    s.add(new Object[] {"queue receive", (Scenario) n -> {
      String name = n.shm("vt-mq").replace("jtest", "jtest-mq");
      MessageQueue q = MessageQueue.open(name, MessageQueue.options().exclusive().maxMessages(1).messageSize(8));
      MessageQueue.unlink(name);
      return new Blocked(() -> q.receive(ByteBuffer.allocateDirect(8)), q, q);
    }});
    s.add(new Object[] {"queue send to a full queue", (Scenario) n -> {
      String name = n.shm("vt-mq").replace("jtest", "jtest-mq");
      MessageQueue q = MessageQueue.open(name, MessageQueue.options().exclusive().maxMessages(1).messageSize(8));
      MessageQueue.unlink(name);
      q.send(new byte[1], 0);
      return new Blocked(() -> {
        q.send(new byte[1], 0);
        return null;
      }, q, q);
    }});
    s.add(new Object[] {"named semaphore acquire", (Scenario) n -> {
      NamedSemaphore sem = NamedSemaphore.open(n.sem("vt"), NamedSemaphore.options().exclusive());
      return new Blocked(() -> {
        sem.acquire();
        return null;
      }, sem, sem);
    }});
    s.add(new Object[] {"unnamed semaphore acquire", (Scenario) n -> {
      SharedMemory shm = SharedMemory.create(n.shm("vt"), 4096);
      MappedRegion r = shm.map();
      UnnamedSemaphore sem = UnnamedSemaphore.init(r, 0, 0);
      return new Blocked(() -> {
        sem.acquire();
        return null;
      }, sem, () -> {
        sem.close();
        r.close();
        shm.close();
      });
    }});
    s.add(new Object[] {"mutex lock", (Scenario) n -> {
      SharedMemory shm = SharedMemory.create(n.shm("vt"), 4096);
      MappedRegion r = shm.map();
      SharedMutex m = SharedMutex.init(r, 0);
      // Held by a platform thread that ends holding it would make it "owner died": this one stays.
      java.util.concurrent.ExecutorService owner = java.util.concurrent.Executors.newSingleThreadExecutor();
      owner.submit(() -> {
        m.lock();
        return null;
      }).get();
      SharedMutex waiter = SharedMutex.at(r, 0);
      return new Blocked(() -> {
        waiter.lock();
        return null;
      }, waiter, () -> {
        owner.submit(() -> {
          m.unlock();
          return null;
        }).get();
        owner.shutdown();
        r.close();
        shm.close();
      });
    }});
    s.add(new Object[] {"condition await", (Scenario) n -> {
      SharedMemory shm = SharedMemory.create(n.shm("vt"), 4096);
      MappedRegion r = shm.map();
      SharedMutex m = SharedMutex.init(r, 0);
      SharedCondition c = SharedCondition.init(r, VirtualThreadsMain.align(SharedMutex.size(), SharedCondition.alignment()));
      return new Blocked(() -> {
        m.lock();
        try {
          for (;;) {
            c.await(m);
          }
        } finally {
          m.unlock();
        }
      }, c, () -> {
        r.close();
        shm.close();
      });
    }});
    s.add(new Object[] {"signal queue take", (Scenario) n -> {
      int sig = -1;
      for (int k = Signals.rtmin() + 3; k <= Signals.rtmax() && sig < 0; k++) {
        sig = Signals.isReserved(k) ? -1 : k;
      }
      SignalQueue q = Signals.queue(sig);
      return new Blocked(() -> q.take(null), q, q);
    }});
    s.add(new Object[] {"poll", (Scenario) n -> {
      Pipe pipe = Pipe.open();
      Poller p = Poller.open();
      p.register(pipe.source(), Poller.READABLE);
      return new Blocked(() -> p.poll(null), p, () -> {
        p.close();
        pipe.close();
      });
    }});
    s.add(new Object[] {"channel receive", (Scenario) n -> {
      String name = n.shm("vt-chan");
      Channel c = Channel.create(name, 4096, Channel.Role.CONSUMER);
      return new Blocked(() -> c.receive(ByteBuffer.allocateDirect(8)), c, () -> {
        c.close();
        Channel.unlink(name);
      });
    }});
    s.add(new Object[] {"System V queue receive", (Scenario) n -> {
      SysVMessageQueue q = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
      int id = q.id();
      return new Blocked(() -> q.receive(ByteBuffer.allocateDirect(8), 0), q, () -> {
        q.close();
        SysVMessageQueue.remove(id);
      });
    }});
    s.add(new Object[] {"System V semaphore", (Scenario) n -> {
      SysVSemaphoreSet set = SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().initialValues(0));
      int id = set.id();
      return new Blocked(() -> {
        set.apply(SysVSemaphoreSet.Operation.add(0, -1));
        return null;
      }, set, () -> {
        set.close();
        SysVSemaphoreSet.remove(id);
      });
    }});
    s.add(new Object[] {"child wait", (Scenario) n -> {
      ChildProcess c = ChildProcess.builder("sleep", "60").start();
      int pid = c.pid();
      return new Blocked(() -> c.waitFor(), c, () -> {
        c.close();
        Signals.kill(pid, Signals.SIGKILL);
      });
    }});
    return s;
  }

  /** How a blocked call ended: its exception's class (or "returned") and how long it took. */
  private record Outcome(String what, long micros) {}

  private static Outcome end(Scenario scenario, ThreadFactory threads, boolean interrupt) throws Exception {
    try (IpcNames names = new IpcNames()) {
      Blocked b = scenario.start(names);
      try {
        Object[] thrown = new Object[1];
        Thread t = threads.newThread(() -> {
          try {
            b.call().call();
            thrown[0] = "returned";
          } catch (Throwable e) {
            thrown[0] = e;
          }
        });
        t.start();
        Thread.sleep(150);
        assertTrue(t.isAlive(), "blocked: " + thrown[0]);
        long start = System.nanoTime();
        if (interrupt) {
          t.interrupt();
        } else {
          b.target().close();
        }
        t.join(5000);
        long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
        assertFalse(t.isAlive(), "the call ended");
        Object e = thrown[0];
        return new Outcome(e instanceof Throwable x ? x.getClass().getSimpleName() : String.valueOf(e), micros);
      } finally {
        b.cleanup().close();
      }
    }
  }

  /**
   * Interrupt and close of a parked virtual thread, for every kind: the exception a platform
   * thread gets, and within 100 ms.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void interruptAndCloseEndAParkedVirtualThreadAsAPlatformOne() throws Exception {
    assumeVirtualThreads();
    ThreadFactory virtual = VirtualThreadsMain.virtualFactory();
    ThreadFactory platform = Thread::new;
    List<String> report = new ArrayList<>();
    for (Object[] s : scenarios()) {
      String kind = (String) s[0];
      Scenario scenario = (Scenario) s[1];
      for (boolean interrupt : new boolean[] {true, false}) {
        String how = kind + (interrupt ? ", interrupted" : ", closed");
        Outcome onPlatform = end(scenario, platform, interrupt);
        Outcome onVirtual = end(scenario, virtual, interrupt);
        report.add(how + ": " + onPlatform + " / " + onVirtual);
        assertEquals(onPlatform.what(), onVirtual.what(), how);
        String expected = interrupt
            ? kind.matches("(named|unnamed) semaphore.*|mutex.*|condition.*|signal.*|channel.*|child.*")
                ? InterruptedException.class.getSimpleName()
                : ClosedByInterruptException.class.getSimpleName()
            : AsynchronousCloseException.class.getSimpleName();
        assertEquals(expected, onVirtual.what(), how);
        // The platform thread is the reference for the exception; its own promptness is the
        // subject of the mechanisms' tests (and, on a loaded machine, of scheduling delays).
        assertTrue(onVirtual.micros() < 100_000, how + " took " + onVirtual.micros() + " us");
      }
    }
    System.out.println(String.join("\n", report));
  }

  /** On a virtual thread a read that would block parks, and data from another thread ends it. */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void manyVirtualReadersShareOneQueue() throws Exception {
    assumeVirtualThreads();
    ThreadFactory virtual = VirtualThreadsMain.virtualFactory();
    try (IpcNames names = new IpcNames()) {
      String name = names.shm("vt-shared").replace("jtest", "jtest-mq");
      try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().exclusive().maxMessages(2).messageSize(8))) {
        MessageQueue.unlink(name);
        int n = 200;
        List<Thread> readers = new ArrayList<>();
        int[] got = new int[1];
        for (int i = 0; i < n; i++) {
          Thread t = virtual.newThread(() -> {
            try {
              q.receive(ByteBuffer.allocateDirect(8));
              synchronized (got) {
                got[0]++;
              }
            } catch (IOException e) {
              throw new RuntimeException(e);
            }
          });
          readers.add(t);
          t.start();
        }
        Thread writer = virtual.newThread(() -> {
          try {
            for (int i = 0; i < n; i++) {
              q.send(new byte[] {(byte) i}, 0);
            }
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
        writer.start();
        for (Thread t : readers) {
          t.join(20_000);
        }
        writer.join(20_000);
        synchronized (got) {
          assertEquals(n, got[0]);
        }
      }
    }
  }

  /**
   * A report of an earlier watch, for writers, that reaches the descriptor once its only parked
   * thread is a reader (the writer that was parked has been woken and has replaced the watch with
   * one for readers): nobody wakes for it, so the descriptor arms the readers' watch again, and
   * the reader still gets the data that comes next. Without that, the readers' own report was
   * taken for a late one and the reader never woke (seen as 2 to 3 messages left in a queue in
   * 1 round of 150 with 1,000 readers and a writer).
   */
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aLateReportForWritersLeavesTheReadersWatched() throws Exception {
    assumeVirtualThreads();
    try (Pipe p = Pipe.open()) {
      Descriptor d = p.source().descriptor;
      ByteBuffer got = ByteBuffer.allocate(1);
      Thread reader = VirtualThreadsMain.virtualFactory().newThread(() -> {
        try {
          p.source().read(got);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      reader.start();
      // Parked (after its spin), with the poller watching for data.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (reader.getState() != Thread.State.WAITING) {
        assertTrue(System.nanoTime() < deadline, "the reader parks");
        Thread.sleep(1);
      }
      d.ready(d.fd(), io.github.posixipc.internal.Core.PIPC_WRITABLE);
      p.sink().write(ByteBuffer.wrap(new byte[] {42}));
      reader.join(5_000);
      assertFalse(reader.isAlive(), "the reader woke for the data");
      assertEquals(42, got.get(0));
    }
  }

  /** The platform path is untouched where virtual threads do not exist: the check is a constant. */
  @Test
  void theCheckIsAConstantBeforeJdk21() {
    assertEquals(Runtime.version().feature() >= 21, VirtualThreads.SUPPORTED);
    assertFalse(VirtualThreads.isVirtual(), "a test thread is a platform thread");
  }
}
