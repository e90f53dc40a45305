package io.github.posixipc.bench;

import java.io.IOException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * 64-byte round trips made on a virtual thread ({@code posixipc}, {@code jdk}) or, for the
 * reference, on a platform thread ({@code platform}: posixipc again). The round trips run on a
 * worker thread of that kind, {@link #BATCH} per benchmark call, so that the hand-over between
 * JMH's thread and the worker (the same for both kinds) is spread over the batch; a sample is the
 * mean of one batch. Needs JDK 21+ for the virtual contenders.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(VirtualRoundTrip.BATCH)
public class VirtualRoundTrip {

  static final int BATCH = 100;

  @Param({"pipe", "unix", "mq", "shm-sem"})
  public String mechanism;

  @Param({"posixipc", "platform", "jdk"})
  public String contender;

  private Link link;
  private Worker worker;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    boolean platform = contender.equals("platform");
    link = Link.open(mechanism, platform ? "posixipc" : contender, true);
    worker = new Worker(link, platform ? Thread::new : virtualThreads());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    worker.stop();
    link.close();
  }

  @Benchmark
  public int roundTrips() throws IOException {
    return worker.batch();
  }

  /** Thread.ofVirtual().factory(), by reflection: the harness is compiled for JDK 17. */
  private static ThreadFactory virtualThreads() throws ReflectiveOperationException {
    Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
    return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
  }

  /** A thread that makes a batch of round trips each time it is asked. */
  private static final class Worker implements Runnable {
    private final Link link;
    private final Thread thread;
    private volatile Thread caller;
    private volatile boolean go;
    private volatile boolean stop;
    private volatile int result;
    private volatile IOException failure;

    Worker(Link link, ThreadFactory threads) {
      this.link = link;
      this.thread = threads.newThread(this);
      thread.setDaemon(true);
      thread.start();
    }

    int batch() throws IOException {
      caller = Thread.currentThread();
      go = true;
      LockSupport.unpark(thread);
      while (go) {
        LockSupport.park(this);
      }
      if (failure != null) {
        throw failure;
      }
      return result;
    }

    void stop() throws InterruptedException {
      stop = true;
      LockSupport.unpark(thread);
      thread.join(10_000);
    }

    @Override
    public void run() {
      while (!stop) {
        if (!go) {
          LockSupport.park(this);
          continue;
        }
        int r = 0;
        try {
          for (int i = 0; i < BATCH; i++) {
            r += link.roundTrip();
          }
        } catch (IOException e) {
          failure = e;
        }
        result = r;
        go = false;
        LockSupport.unpark(caller);
      }
    }
  }
}
