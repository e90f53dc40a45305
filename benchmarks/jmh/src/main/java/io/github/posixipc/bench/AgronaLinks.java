package io.github.posixipc.bench;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Agrona's ring buffers over a {@link MappedByteBuffer} of a /dev/shm file, the contender the
 * channel scenarios compare with (a benchmark dependency only). Agrona has no C side and no
 * sleeping wait, so its server is this class's {@link #main} in a child JVM, spinning (moved to
 * another CPU with taskset, as the C server does in spin mode); round trips use two
 * OneToOneRingBuffers, streams a ManyToOneRingBuffer (a channel takes several producers too).
 */
public final class AgronaLinks {

  /** What Agrona 2 needs of the JDK: its unsafe buffers use jdk.internal.misc.Unsafe. */
  static final List<String> JVM_OPTIONS = List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED");

  private static final int MSG_TYPE = 1;
  private static final long PATIENCE_NANOS = 10_000_000_000L;

  private AgronaLinks() {}

  static Path file(String tag) {
    return Path.of("/dev/shm", "pipc-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + "-" + tag);
  }

  static RingBuffer map(Path p, boolean many, boolean create) throws IOException {
    long size = ChannelLinks.CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    try (FileChannel fc = create
        ? FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
        : FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MappedByteBuffer b = fc.map(FileChannel.MapMode.READ_WRITE, 0, size);
      UnsafeBuffer u = new UnsafeBuffer(b);
      return many ? new ManyToOneRingBuffer(u) : new OneToOneRingBuffer(u);
    }
  }

  /** The server: {@code echo TO FROM} or {@code sink TO}; an empty message ends it. */
  public static void main(String[] args) throws IOException {
    boolean echo = args[0].equals("echo");
    RingBuffer in = map(Path.of(args[1]), !echo, false);
    RingBuffer out = echo ? map(Path.of(args[2]), false, false) : null;
    boolean[] done = new boolean[1];
    long idleSince = System.nanoTime();
    while (!done[0]) {
      int n = in.read((type, buffer, index, length) -> {
        if (length == 0) {
          done[0] = true;
        } else if (out != null) {
          while (!out.write(MSG_TYPE, buffer, index, length)) {
            Thread.onSpinWait();
          }
        }
      });
      if (n == 0) {
        Thread.onSpinWait();
        if (System.nanoTime() - idleSince > 6 * PATIENCE_NANOS) {
          System.exit(1); // the contender is gone
        }
      } else {
        idleSince = System.nanoTime();
      }
    }
    System.exit(0);
  }

  static Link open(boolean echo, int chunk) throws IOException {
    Path to = file("agrona-to");
    Path from = echo ? file("agrona-from") : null;
    RingBuffer toRing = map(to, !echo, true);
    RingBuffer fromRing = echo ? map(from, false, true) : null;
    List<String> cmd = new ArrayList<>();
    String other = otherCpu();
    if (other != null) {
      cmd.addAll(List.of("taskset", "-c", other));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(JVM_OPTIONS);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AgronaLinks.class.getName()));
    cmd.add(echo ? "echo" : "sink");
    cmd.add(to.toString());
    if (echo) {
      cmd.add(from.toString());
    }
    Process server = new ProcessBuilder(cmd).inheritIO().start();
    return new AgronaLink(toRing, fromRing, server, to, from, chunk);
  }

  /** CPU 1 for taskset (the driver runs this process on CPU 0), or null with one CPU or no taskset. */
  private static String otherCpu() {
    return Files.isExecutable(Path.of("/usr/bin/taskset")) && cpusOnline() > 1 ? "1" : null;
  }

  private static int cpusOnline() {
    try {
      String s = Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
      int dash = s.lastIndexOf('-');
      return dash < 0 ? 1 : Integer.parseInt(s.substring(dash + 1).split(",")[0]) + 1;
    } catch (IOException | RuntimeException e) {
      return 1;
    }
  }

  private static final class AgronaLink implements Link {
    private final RingBuffer to;
    private final RingBuffer from;
    private final Process server;
    private final Path toFile;
    private final Path fromFile;
    private final int chunk;
    private final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
    private int seq;
    private int got;

    AgronaLink(RingBuffer to, RingBuffer from, Process server, Path toFile, Path fromFile, int chunk) {
      this.to = to;
      this.from = from;
      this.server = server;
      this.toFile = toFile;
      this.fromFile = fromFile;
      this.chunk = chunk;
    }

    private final org.agrona.concurrent.MessageHandler onPong =
        (int type, MutableDirectBuffer buffer, int index, int length) -> got = buffer.getByte(index);

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      int at = claim(MESSAGE);
      to.buffer().putByte(at, (byte) sent);
      to.commit(at);
      long start = 0;
      for (int n = 0; from.read(onPong, 1) == 0; n++) {
        Thread.onSpinWait();
        if ((n & 0xffff) == 0) {
          long t = System.nanoTime();
          if (start == 0) {
            start = t;
          } else if (t - start > PATIENCE_NANOS) {
            throw new IOException("no echo from the Agrona server");
          }
        }
      }
      Server.checkEcho(sent, got);
      return got;
    }

    /** Zero copy, as the channel contender: claim, write in place, commit. */
    private int claim(int length) throws IOException {
      long start = 0;
      for (int n = 0;; n++) {
        int at = to.tryClaim(MSG_TYPE, length);
        if (at >= 0) {
          return at;
        }
        Thread.onSpinWait();
        if ((n & 0xffff) == 0) {
          long t = System.nanoTime();
          if (start == 0) {
            start = t;
          } else if (t - start > PATIENCE_NANOS) {
            throw new IOException("the Agrona ring stayed full");
          }
        }
      }
    }

    @Override
    public int writeChunk() throws IOException {
      to.commit(claim(chunk));
      return chunk;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        while (!to.write(MSG_TYPE, empty, 0, 0)) {
          Thread.onSpinWait();
        }
        JdkLinks.end(server);
      } finally {
        Files.deleteIfExists(toFile);
        if (fromFile != null) {
          Files.deleteIfExists(fromFile);
        }
      }
    }
  }
}
