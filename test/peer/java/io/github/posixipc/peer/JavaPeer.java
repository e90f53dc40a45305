package io.github.posixipc.peer;

import io.github.posixipc.Access;
import io.github.posixipc.Fifo;
import io.github.posixipc.Pipe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * The Java peer: a process that does what the C peer ({@code test/peer/pipc_peer.c}) does, through
 * the public API only. The library's tests start it in a child JVM, and so does the tour of the
 * {@code posixipc} command. It speaks the same protocol as the C peer:
 *
 * <pre>
 *   sink IN                  read IN to its end; print "count=N fnv=H"
 *   source OUT COUNT SEED    write COUNT pattern bytes to OUT; print "count=N fnv=H"
 *   echo IN OUT              copy IN to OUT until end of file on IN
 * </pre>
 *
 * An endpoint is {@code fd:N} (an inherited pipe end) or {@code fifo:PATH}. The pattern byte and
 * the FNV-1a checksum are {@link #pattern} and {@link #fnv1a}, the same functions as the C peer's.
 */
public final class JavaPeer {

  /** The FNV-1a 64-bit offset basis: the checksum of nothing. */
  public static final long FNV_START = 0xcbf29ce484222325L;

  private JavaPeer() {}

  /** The pattern byte at offset i for seed, as the C peer computes it. */
  public static byte pattern(int seed, long i) {
    return (byte) (((i ^ (i >>> 8) ^ (i >>> 16) ^ (i >>> 24)) * 0x9d + seed) & 0xff);
  }

  /** Fills b (position to limit) with the pattern from offset on. */
  public static void fillPattern(ByteBuffer b, int seed, long offset) {
    for (int i = b.position(), k = 0; i < b.limit(); i++, k++) {
      b.put(i, pattern(seed, offset + k));
    }
  }

  /** Continues an FNV-1a 64 checksum h over b's remaining bytes. */
  public static long fnv1a(long h, ByteBuffer b) {
    for (int i = b.position(); i < b.limit(); i++) {
      h ^= b.get(i) & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** The line the peers print after a transfer. */
  public static String summary(long count, long fnv) {
    return String.format("count=%d fnv=%016x", count, fnv);
  }

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  /** Runs one command; returns the exit status (0 done, 2 bad usage). */
  public static int run(String... args) throws IOException {
    if (args.length > 0 && args[0].startsWith("signal-")) {
      int status = SignalPeer.run(args); // the signal commands: SignalPeer
      return status >= 0 ? status : 2;
    }
    if (args.length > 0 && args[0].startsWith("mq-")) {
      return MqPeer.run(args); // message queues: see MqPeer
    }
    if (args.length > 0 && args[0].startsWith("sock-")) return SocketPeer.run(args);
    int sysv = SysVPeer.run(args); // System V: see SysVPeer
    if (sysv >= 0) {
      return sysv;
    }
    if (args.length > 0 && args[0].startsWith("chan-")) {
      int status = ChannelPeer.run(args); // channels: see ChannelPeer
      return status >= 0 ? status : 2;
    }
    int shm = ShmPeer.run(args);
    if (shm >= 0) {
      return shm;
    }
    if (args.length == 2 && args[0].equals("sink")) {
      try (ReadableByteChannel in = input(args[1])) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        long count = 0;
        long h = FNV_START;
        while (in.read(buf) != -1) {
          buf.flip();
          h = fnv1a(h, buf);
          count += buf.remaining();
          buf.clear();
        }
        System.out.println(summary(count, h));
      }
      return 0;
    }
    if (args.length == 4 && args[0].equals("source")) {
      long count = Long.parseLong(args[2]);
      int seed = Integer.parseInt(args[3]);
      long h = FNV_START;
      ByteBuffer block = ByteBuffer.allocateDirect(65536);
      try (WritableByteChannel out = output(args[1])) {
        for (long sent = 0; sent < count; ) {
          block.clear().limit((int) Math.min(block.capacity(), count - sent));
          fillPattern(block, seed, sent);
          h = fnv1a(h, block);
          sent += block.remaining();
          while (block.hasRemaining()) {
            out.write(block);
          }
        }
      }
      System.out.println(summary(count, h));
      return 0;
    }
    if (args.length == 3 && args[0].equals("echo")) {
      try (ReadableByteChannel in = input(args[1]); WritableByteChannel out = output(args[2])) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        while (in.read(buf) != -1) {
          buf.flip();
          while (buf.hasRemaining()) {
            out.write(buf);
          }
          buf.clear();
        }
      }
      return 0;
    }
    System.err.println("usage: JavaPeer sink IN | source OUT COUNT SEED | echo IN OUT"
        + " (endpoints: fd:N, fifo:PATH)");
    return 2;
  }

  /** Opens an endpoint for reading. */
  public static ReadableByteChannel input(String spec) throws IOException {
    if (spec.startsWith("fd:")) {
      return Pipe.Source.adopt(Integer.parseInt(spec.substring(3)));
    }
    if (spec.startsWith("fifo:")) {
      return Fifo.open(Path.of(spec.substring(5)), Access.READ);
    }
    throw new IllegalArgumentException("not an input endpoint: " + spec);
  }

  /** Opens an endpoint for writing. */
  public static WritableByteChannel output(String spec) throws IOException {
    if (spec.startsWith("fd:")) {
      return Pipe.Sink.adopt(Integer.parseInt(spec.substring(3)));
    }
    if (spec.startsWith("fifo:")) {
      return Fifo.open(Path.of(spec.substring(5)), Access.WRITE);
    }
    throw new IllegalArgumentException("not an output endpoint: " + spec);
  }
}
