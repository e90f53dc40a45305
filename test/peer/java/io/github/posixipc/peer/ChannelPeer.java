package io.github.posixipc.peer;

import io.github.posixipc.Channel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * The Java peer's commands for channels, the same as the C peer's (test/peer/peer_channel.c):
 *
 * <pre>
 *   chan-send NAME ID COUNT SIZE   sends COUNT messages of SIZE bytes as producer ID (zero copy);
 *                                  prints "messages=N fnv=H"
 *   chan-receive NAME COUNT        receives COUNT messages, checks each one and the order per
 *                                  producer; prints "messages=N fnv=H"
 *   chan-relay IN OUT              consumes IN and produces every message again into OUT, zero
 *                                  copy, until an empty message (the tour)
 * </pre>
 *
 * Message SEQ of producer ID: the int ID, the int SEQ (native byte order), then SIZE - 8 bytes
 * {@link JavaPeer#pattern}(ID, SEQ * SIZE + k); the checksum is FNV-1a 64 over every byte of
 * every message, in the order sent or received.
 */
public final class ChannelPeer {

  private static final Duration WAIT = Duration.ofSeconds(10);
  /** Producer ids the checks follow. */
  public static final int MAX_IDS = 64;

  private ChannelPeer() {}

  /** Writes message seq of producer id into room (position..limit, size bytes). */
  public static void fill(ByteBuffer room, int id, int seq, int size) {
    int at = room.position();
    room.order(ByteOrder.nativeOrder());
    room.putInt(at, id);
    room.putInt(at + 4, seq);
    for (int k = 8; k < size; k++) {
      room.put(at + k, JavaPeer.pattern(id, (long) seq * size + k));
    }
  }

  /**
   * Checks a received message (position..limit) against the format and next, the next sequence
   * number expected per producer (advanced); returns null when it is right, else what is wrong.
   */
  public static String check(ByteBuffer msg, int[] next) {
    int at = msg.position();
    int len = msg.remaining();
    if (len < 8) {
      return "a message of " + len + " bytes";
    }
    msg.order(ByteOrder.nativeOrder());
    int id = msg.getInt(at);
    int seq = msg.getInt(at + 4);
    if (id < 0 || id >= next.length || seq != next[id]) {
      return "message " + seq + " of producer " + id + " out of order";
    }
    for (int k = 8; k < len; k++) {
      if (msg.get(at + k) != JavaPeer.pattern(id, (long) seq * len + k)) {
        return "message " + seq + " of producer " + id + ": byte " + k + " is wrong";
      }
    }
    next[id]++;
    return null;
  }

  /** Runs one command; returns the exit status, or -1 when it is not a channel command. */
  public static int run(String... args) throws IOException {
    try {
      if (args.length == 5 && args[0].equals("chan-send")) {
        return send(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]));
      }
      if (args.length == 3 && args[0].equals("chan-receive")) {
        return receive(args[1], Long.parseLong(args[2]));
      }
      if (args.length == 3 && args[0].equals("chan-relay")) {
        return relay(args[1], args[2]);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    return -1;
  }

  private static int send(String name, int id, long count, int size) throws IOException, InterruptedException {
    long h = JavaPeer.FNV_START;
    try (Channel out = Channel.open(name, Channel.Role.PRODUCER)) {
      for (long s = 0; s < count; s++) {
        ByteBuffer room = out.claim(size, WAIT);
        fill(room, id, (int) s, size);
        h = JavaPeer.fnv1a(h, room);
        out.commit();
      }
    }
    System.out.println(String.format("messages=%d fnv=%016x", count, h));
    return 0;
  }

  private static int relay(String inName, String outName) throws IOException, InterruptedException {
    try (Channel in = Channel.open(inName, Channel.Role.CONSUMER);
        Channel out = Channel.open(outName, Channel.Role.PRODUCER)) {
      for (;;) {
        ByteBuffer msg = in.read(WAIT);
        int n = msg.remaining();
        if (n == 0) {
          in.release();
          return 0;
        }
        out.claim(n, WAIT).put(msg);
        out.commit();
        in.release();
      }
    }
  }

  private static int receive(String name, long count) throws IOException, InterruptedException {
    long h = JavaPeer.FNV_START;
    int[] next = new int[MAX_IDS];
    try (Channel in = Channel.open(name, Channel.Role.CONSUMER)) {
      for (long n = 0; n < count; n++) {
        ByteBuffer msg = in.read(WAIT);
        String wrong = check(msg, next);
        if (wrong != null) {
          System.err.println("ChannelPeer: " + wrong);
          return 1;
        }
        h = JavaPeer.fnv1a(h, msg);
        in.release();
      }
    }
    System.out.println(String.format("messages=%d fnv=%016x", count, h));
    return 0;
  }
}
