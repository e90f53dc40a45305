package io.github.posixipc.bench;

import io.github.posixipc.Channel;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * An experiment, not a contender and not the library's API: what would bring the 64-byte
 * channel stream from Java to Agrona's rate (docs/benchmarks.md, "What the 64-byte stream from
 * Java needs"). Variants, run in turn for one second each, REPS times, so that each is compared
 * with the others within seconds (this machine's rate drifts over minutes):
 *
 * <ul>
 *   <li>{@code agrona}: Agrona's ManyToOneRingBuffer, as the channel-stream contender;
 *   <li>{@code api}: posixipc's {@link Channel#claim(int, Duration)} and {@link Channel#commit()},
 *       as the channel-stream scenario's Java contender;
 *   <li>{@code ring}: a producer that writes the channel's ring itself through VarHandles (the
 *       claim's compare-and-set on tail, the record's header, its seq with a release store): no
 *       native call, no lock. It leaves out what the library's producer must do and this probe
 *       need not: the claim's intent in the producer's slot (so a producer killed mid-claim
 *       would block the consumer), waking a sleeping consumer (the sink here never sleeps), the
 *       fault mark, a closed handle.
 * </ul>
 *
 * A suffix {@code +untimed} runs the C sink without a timeout, so that it reads no clock per
 * message; {@code +lock} makes the ring producer take and give back a ReentrantLock per message,
 * as a handle's turn. The C sink is the C harness's ({@code pipc-bench serve chan-sink NAME 1},
 * spinning, moved to the other CPU); run this on CPU 0: {@code taskset -c 0 java --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED -Dposixipc.benchExe=target/native/benchmarks/c/pipc-bench
 * -cp benchmarks/jmh/target/posixipc-benchmarks.jar io.github.posixipc.bench.ChannelProbe 8 agrona
 * api ring+untimed}.
 */
public final class ChannelProbe {

  private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
  private static final int CAPACITY = ChannelLinks.CAPACITY;
  private static final int HEADER = Core.PIPC_CHANNEL_HEADER_SIZE;
  private static final int RECORD = Core.PIPC_CHANNEL_RECORD_SIZE;
  private static final long MASK = CAPACITY - 1;
  private static final int MESSAGE = Link.MESSAGE;
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final long RUN_NANOS = 1_000_000_000L;
  private static final int BATCH = 1024;

  private ChannelProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ChannelProbe REPS VARIANT... (agrona | api | ring, with +untimed, +lock)");
      System.exit(2);
    }
    int reps = Integer.parseInt(args[0]);
    List<String> variants = List.of(args).subList(1, args.length);
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (String v : variants) {
      rates.put(v, new ArrayList<>());
    }
    for (int r = 0; r < reps; r++) {
      for (String v : variants) {
        rates.get(v).add(v.equals("agrona") ? agrona() : channel(v));
      }
    }
    List<Double> first = rates.get(variants.get(0));
    System.out.println("variant, median MB/s, against " + variants.get(0) + " in the same round: median [min-max]");
    for (String v : variants) {
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < reps; i++) {
        ratios.add(rates.get(v).get(i) / first.get(i));
      }
      System.out.printf("%-20s %7.0f  %.2f [%.2f-%.2f]%n", v, median(rates.get(v)), median(ratios),
          Collections.min(ratios), Collections.max(ratios));
    }
  }

  private static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  /** One second of 64-byte messages into the C sink; returns MB/s. */
  private static double channel(String variant) throws IOException, InterruptedException {
    boolean ring = variant.startsWith("ring");
    if (!ring && !variant.startsWith("api")) {
      throw new IllegalArgumentException("unknown variant " + variant);
    }
    String name = ShmLinks.uniqueName() + "-probe";
    Channel ch = Channel.create(name, CAPACITY, Channel.Role.PRODUCER, Channel.options().spin(null));
    try {
      List<String> cmd = new ArrayList<>(List.of(Server.exe(), "serve", "chan-sink", name, "1"));
      if (variant.contains("+untimed")) {
        cmd.add("untimed");
      }
      Process server = new ProcessBuilder(cmd).inheritIO().start();
      try (SharedMemory shm = SharedMemory.open(name);
          MappedRegion region = shm.map()) {
        ByteBuffer b = region.asByteBuffer(0, HEADER + CAPACITY).order(ByteOrder.nativeOrder());
        ReentrantLock turn = variant.contains("+lock") ? new ReentrantLock() : null;
        double rate = ring ? ring(b, turn) : api(ch);
        ch.send(ByteBuffer.allocateDirect(0), PATIENCE); // the sink stops at an empty message
        JdkLinks.end(server);
        return rate;
      } catch (IOException | InterruptedException | RuntimeException e) {
        server.destroyForcibly(); // an untimed sink would spin for ever
        throw e;
      }
    } finally {
      ch.close();
      Channel.unlink(name);
    }
  }

  /**
   * The time of one run, read once per BATCH messages. Each variant keeps its own loop over a
   * batch, not one loop over an interface: one call site for every variant would turn megamorphic
   * in this one JVM and cost each message a virtual call, which weighs most on the cheapest
   * producer (Agrona's; so measured, it fell behind the locked ring producer); a JMH fork runs one
   * contender alone.
   */
  private static final class Clock {
    private final long start = System.nanoTime();
    private long batches;
    private long last = start;

    /** Counts the batch just sent; false once RUN_NANOS have passed. */
    boolean running() {
      batches++;
      last = System.nanoTime();
      return last - start < RUN_NANOS;
    }

    /** MB/s over the run. */
    double rate() {
      return batches * BATCH * MESSAGE * 1e3 / (last - start);
    }
  }

  private static double api(Channel ch) throws IOException, InterruptedException {
    Clock clock = new Clock();
    do {
      for (int k = 0; k < BATCH; k++) {
        ch.claim(MESSAGE, PATIENCE);
        ch.commit();
      }
    } while (clock.running());
    return clock.rate();
  }

  private static double ring(ByteBuffer b, ReentrantLock turn) throws InterruptedException {
    long key = b.getLong(Core.PIPC_CHANNEL_OFF_KEY);
    int size = (RECORD + MESSAGE + Core.PIPC_CHANNEL_ALIGN - 1) & -Core.PIPC_CHANNEL_ALIGN;
    long headSeen = (long) LONG.getVolatile(b, Core.PIPC_CHANNEL_OFF_HEAD);
    Clock clock = new Clock();
    do {
      for (int k = 0; k < BATCH; k++) {
        if (turn != null && !turn.tryLock(1, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the turn");
        }
        long tail = (long) LONG.getVolatile(b, Core.PIPC_CHANNEL_OFF_TAIL);
        for (;;) {
          int at = (int) (tail & MASK);
          int pad = size > CAPACITY - at ? CAPACITY - at : 0;
          if (tail + pad + size - headSeen > CAPACITY) {
            headSeen = (long) LONG.getVolatile(b, Core.PIPC_CHANNEL_OFF_HEAD);
            if (tail + pad + size - headSeen > CAPACITY) {
              Thread.onSpinWait();
              tail = (long) LONG.getVolatile(b, Core.PIPC_CHANNEL_OFF_TAIL);
              continue;
            }
          }
          long seen = (long) LONG.compareAndExchange(b, Core.PIPC_CHANNEL_OFF_TAIL, tail, tail + pad + size);
          if (seen != tail) {
            tail = seen;
            continue;
          }
          if (pad != 0) {
            b.putInt(HEADER + at + Core.PIPC_CHANNEL_RECORD_OFF_LENGTH, 0);
            b.putInt(HEADER + at + Core.PIPC_CHANNEL_RECORD_OFF_SIZE, pad);
            LONG.setRelease(b, HEADER + at + Core.PIPC_CHANNEL_RECORD_OFF_SEQ, (tail ^ key) | Core.PIPC_CHANNEL_RECORD_PADDING);
          }
          long pos = tail + pad;
          int rec = (int) (HEADER + (pos & MASK));
          b.putInt(rec + Core.PIPC_CHANNEL_RECORD_OFF_LENGTH, MESSAGE);
          b.putInt(rec + Core.PIPC_CHANNEL_RECORD_OFF_SIZE, size);
          LONG.setRelease(b, rec + Core.PIPC_CHANNEL_RECORD_OFF_SEQ, (pos ^ key) | Core.PIPC_CHANNEL_RECORD_MESSAGE);
          if ((int) INT.getVolatile(b, Core.PIPC_CHANNEL_OFF_CONSUMER_SLEEPING) != 0) {
            throw new IllegalStateException("the sink sleeps: this probe wakes nobody");
          }
          break;
        }
        if (turn != null) {
          turn.unlock();
        }
      }
    } while (clock.running());
    return clock.rate();
  }

  /** One second of Agrona's ManyToOneRingBuffer into AgronaLinks' sink on CPU 1; returns MB/s. */
  private static double agrona() throws IOException, InterruptedException {
    Path file = AgronaLinks.file("probe");
    try {
      RingBuffer ring = AgronaLinks.map(file, true, true);
      List<String> cmd = new ArrayList<>(List.of("taskset", "-c", "1",
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC"));
      cmd.addAll(AgronaLinks.JVM_OPTIONS);
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AgronaLinks.class.getName(), "sink",
          file.toString()));
      Process server = new ProcessBuilder(cmd).inheritIO().start();
      try {
        return agronaRate(ring, server);
      } catch (IOException | InterruptedException | RuntimeException e) {
        server.destroyForcibly();
        throw e;
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static double agronaRate(RingBuffer ring, Process server) throws IOException, InterruptedException {
    Clock clock = new Clock();
    do {
      for (int k = 0; k < BATCH; k++) {
        int at;
        while ((at = ring.tryClaim(1, MESSAGE)) < 0) {
          Thread.onSpinWait();
        }
        ring.commit(at);
      }
    } while (clock.running());
    while (!ring.write(1, new UnsafeBuffer(new byte[0]), 0, 0)) {
      Thread.onSpinWait();
    }
    JdkLinks.end(server);
    return clock.rate();
  }
}
