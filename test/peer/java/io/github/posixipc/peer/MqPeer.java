package io.github.posixipc.peer;

import io.github.posixipc.Access;
import io.github.posixipc.MessageQueue;
import io.github.posixipc.ReceivedMessage;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The Java peer's message queue commands, the same as the C peer's ({@code test/peer/peer_mq.c}),
 * through the public API only:
 *
 * <pre>
 *   mq-source NAME COUNT SIZE SEED PRIO   send COUNT messages of SIZE bytes (PRIO -1: k % 8);
 *                                         print "count=N bytes=B sum=H"
 *   mq-sink NAME COUNT                    receive COUNT messages; print the same
 *   mq-echo IN OUT COUNT                  receive COUNT messages from IN, send each to OUT;
 *                                         COUNT -1: until a message of priority PRIORITY_MAX
 *                                         (the end marker, not echoed)
 * </pre>
 *
 * Message contents and the order-independent sum are {@link #fill} and {@link #hash}, the same
 * functions as the C peer's.
 */
public final class MqPeer {

  private MqPeer() {}

  /** Byte j of message k of a source with seed s, as the C peer computes it. */
  public static byte pattern(int seed, int k, int j) {
    return (byte) ((seed * 31 + k * 7 + j * 13 + (j >>> 8)) & 0xff);
  }

  /** Fills b (position 0 to limit) with message k of seed: the header (seed, k) and the pattern. */
  public static void fill(ByteBuffer b, int seed, int k) {
    int size = b.limit();
    for (int j = 0; j < size; j++) {
      b.put(j, pattern(seed, k, j));
    }
    if (size >= 8) {
      for (int i = 0; i < 4; i++) {
        b.put(i, (byte) (seed >>> (8 * i)));
        b.put(4 + i, (byte) (k >>> (8 * i)));
      }
    }
  }

  /** FNV-1a 64 of the priority (4 bytes, little-endian) then b's bytes from 0 to len. */
  public static long hash(int priority, ByteBuffer b, int len) {
    long h = JavaPeer.FNV_START;
    for (int i = 0; i < 4; i++) {
      h ^= (priority >>> (8 * i)) & 0xff;
      h *= 0x100000001b3L;
    }
    for (int i = 0; i < len; i++) {
      h ^= b.get(i) & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The line the peers print after a transfer. */
  public static String summary(long count, long bytes, long sum) {
    return String.format("count=%d bytes=%d sum=%016x", count, bytes, sum);
  }

  /** Runs one mq command; returns the exit status (0 done, 2 bad usage). */
  public static int run(String... args) throws IOException {
    if (args.length == 6 && args[0].equals("mq-source")) {
      int count = Integer.parseInt(args[2]);
      int size = Integer.parseInt(args[3]);
      int seed = Integer.parseInt(args[4]);
      int prio = Integer.parseInt(args[5]);
      try (MessageQueue q = MessageQueue.open(args[1], MessageQueue.options().access(Access.WRITE))) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(size, 1)).limit(size);
        long sum = 0;
        for (int k = 0; k < count; k++) {
          fill(b, seed, k);
          int p = prio < 0 ? k % 8 : prio;
          sum += hash(p, b, size);
          q.send(b.position(0), p);
        }
        System.out.println(summary(count, (long) count * size, sum));
      }
      return 0;
    }
    if (args.length == 3 && args[0].equals("mq-sink")) {
      int count = Integer.parseInt(args[2]);
      try (MessageQueue q = MessageQueue.open(args[1], MessageQueue.options().access(Access.READ))) {
        ByteBuffer b = ByteBuffer.allocateDirect(q.messageSize());
        ReceivedMessage r = new ReceivedMessage();
        long sum = 0;
        long bytes = 0;
        for (int k = 0; k < count; k++) {
          q.receive(b.clear(), null, r);
          sum += hash(r.priority(), b, r.length());
          bytes += r.length();
        }
        System.out.println(summary(count, bytes, sum));
      }
      return 0;
    }
    if (args.length == 4 && args[0].equals("mq-echo")) {
      int count = Integer.parseInt(args[3]);
      try (MessageQueue in = MessageQueue.open(args[1], MessageQueue.options().access(Access.READ));
          MessageQueue out = MessageQueue.open(args[2], MessageQueue.options().access(Access.WRITE))) {
        ByteBuffer b = ByteBuffer.allocateDirect(in.messageSize());
        ReceivedMessage r = new ReceivedMessage();
        for (int k = 0; count < 0 || k < count; k++) {
          in.receive(b.clear(), null, r);
          if (count < 0 && r.priority() == MessageQueue.PRIORITY_MAX) {
            break;
          }
          out.send(b.flip(), r.priority());
        }
      }
      return 0;
    }
    System.err.println("usage: JavaPeer mq-source NAME COUNT SIZE SEED PRIO | mq-sink NAME COUNT"
        + " | mq-echo IN OUT COUNT");
    return 2;
  }
}
