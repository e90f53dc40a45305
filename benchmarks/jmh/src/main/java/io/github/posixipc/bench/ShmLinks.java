package io.github.posixipc.bench;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.UnnamedSemaphore;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Shared memory round trips, with the C harness's segment layout (pipc_bench.c): semaphores at 0
 * and 64 (or, spinning, the request and answer numbers), the ping at 128, the pong at 192, the
 * stop flag at 256. The contender creates the segment; the server ({@code serve shm-echo|shm-spin})
 * maps it by name.
 */
final class ShmLinks {

  static final int SIZE = 4096;
  static final int A = 0;
  static final int B = 64;
  static final int PING = 128;
  static final int PONG = 192;
  static final int STOP = 256;
  /** A spinner that sees no answer for this long gives up: never a hang. */
  static final long PATIENCE_NANOS = 10_000_000_000L;

  private ShmLinks() {}

  static String uniqueName() {
    return "/pipc-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
  }

  /** posixipc: two unnamed semaphores in the segment signal the ping and the pong. */
  static Link semaphores() throws IOException {
    String name = uniqueName();
    SharedMemory shm = SharedMemory.create(name, SIZE);
    MappedRegion region = shm.map();
    UnnamedSemaphore a = UnnamedSemaphore.init(region, A, 0);
    UnnamedSemaphore b = UnnamedSemaphore.init(region, B, 0);
    ChildProcess server = ChildProcess.builder(Server.exe(), "serve", "shm-echo", name).start();
    return new Link() {
      private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
      private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
      private int seq;

      @Override
      public int roundTrip() throws IOException {
        int sent = (byte) ++seq;
        ping.clear();
        ping.put(0, (byte) sent);
        region.put(PING, ping);
        a.post();
        try {
          b.acquire();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
        pong.clear();
        region.get(PONG, pong);
        int got = pong.get(0);
        Server.checkEcho(sent, got);
        return got;
      }

      @Override
      public int writeChunk() {
        throw new UnsupportedOperationException("round trips only");
      }

      @Override
      public void close() throws IOException, InterruptedException {
        try {
          region.setIntRelease(STOP, 1);
          a.post();
          ChannelLink.endOf(server).end(); // waits for exit code 0, then closes the handle
        } finally {
          a.close();
          b.close();
          region.close();
          shm.close();
          SharedMemory.unlink(name);
        }
      }
    };
  }

  /**
   * posixipc: both sides spin on the request and answer numbers (acquire/release); with cas,
   * the request number is published by compare-and-set instead of a release store.
   */
  static Link spinPosixipc(boolean cas) throws IOException {
    String name = uniqueName();
    SharedMemory shm = SharedMemory.create(name, SIZE);
    MappedRegion region = shm.map();
    ChildProcess server = ChildProcess.builder(Server.exe(), "serve", "shm-spin", name).start();
    return new SpinLink() {
      @Override
      void send(ByteBuffer ping, long seq) throws IOException {
        region.put(PING, ping);
        if (!cas) {
          region.setLongRelease(A, seq);
        } else if (!region.compareAndSetLong(A, seq - 1, seq)) {
          throw new IOException("the request number moved under the client");
        }
      }

      @Override
      long answered() {
        return region.getLongAcquire(B);
      }

      @Override
      void receive(ByteBuffer pong) {
        region.get(PONG, pong);
      }

      @Override
      public void close() throws IOException, InterruptedException {
        try {
          region.setLongRelease(A, -1L);
          ChannelLink.endOf(server).end(); // waits for exit code 0, then closes the handle
        } finally {
          region.close();
          shm.close();
          SharedMemory.unlink(name);
        }
      }
    };
  }

  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  /** The JDK: a MappedByteBuffer of the segment's file under /dev/shm, and VarHandle atomics. */
  static Link spinJdk(boolean cas) throws IOException {
    String name = uniqueName();
    Path file = Path.of("/dev/shm", name.substring(1));
    MappedByteBuffer map;
    try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      map = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
    }
    Process server = new ProcessBuilder(Server.exe(), "serve", "shm-spin", name)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    return new SpinLink() {
      private final byte[] pingBytes = new byte[MESSAGE];
      private final byte[] pongBytes = new byte[MESSAGE];

      @Override
      void send(ByteBuffer ping, long seq) throws IOException {
        ping.get(0, pingBytes);
        map.put(PING, pingBytes);
        if (!cas) {
          LONGS.setRelease(map, A, seq);
        } else if (!LONGS.compareAndSet(map, A, seq - 1, seq)) {
          throw new IOException("the request number moved under the client");
        }
      }

      @Override
      long answered() {
        return (long) LONGS.getAcquire(map, B);
      }

      @Override
      void receive(ByteBuffer pong) {
        map.get(PONG, pongBytes);
        pong.put(0, pongBytes);
      }

      @Override
      public void close() throws IOException, InterruptedException {
        try {
          LONGS.setRelease(map, A, -1L);
          JdkLinks.end(server);
        } finally {
          Files.deleteIfExists(file);
        }
      }
    };
  }

  /** A spin round trip: publish the ping and its number, spin (bounded) until it is answered. */
  abstract static class SpinLink implements Link {
    private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
    private long seq;

    abstract void send(ByteBuffer ping, long seq) throws IOException;

    abstract long answered();

    abstract void receive(ByteBuffer pong);

    @Override
    public final int roundTrip() throws IOException {
      int sent = (byte) (seq + 1);
      ping.clear();
      ping.put(0, (byte) sent);
      send(ping, ++seq);
      long start = 0;
      for (int n = 0; answered() != seq; n++) {
        Thread.onSpinWait();
        if ((n & 0xffff) == 0) {
          long t = System.nanoTime();
          if (start == 0) {
            start = t;
          } else if (t - start > PATIENCE_NANOS) {
            throw new IOException("the spinning server did not answer in 10 s");
          }
        }
      }
      pong.clear();
      receive(pong);
      int got = pong.get(0);
      Server.checkEcho(sent, got);
      return got;
    }

    @Override
    public final int writeChunk() {
      throw new UnsupportedOperationException("round trips only");
    }
  }
}
