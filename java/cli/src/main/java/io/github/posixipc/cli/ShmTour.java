package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.UnnamedSemaphore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tour row of shared memory with semaphores: one segment holding, for each direction, a
 * message slot (an int64 length, then the bytes) and two unnamed semaphores (full and empty). The
 * peer ({@code shm-relay}) copies each message from the inbound slot to the outbound one.
 * Offsets come from the sizes and alignments the C library reports.
 */
final class ShmTour implements TourMechanism {

  /** The largest message: one slot's capacity. */
  static final int CHUNK = 64 * 1024;

  @Override
  public String name() {
    return "shm+sem";
  }

  @Override
  public TourLink connect(Peers.Kind kind) throws IOException {
    long stride = align(UnnamedSemaphore.size(), Math.max(UnnamedSemaphore.alignment(), 64));
    long toFull = 0;
    long toEmpty = stride;
    long fromFull = 2 * stride;
    long fromEmpty = 3 * stride;
    long toData = align(4 * stride, 64);
    long fromData = align(toData + 8 + CHUNK, 64);
    long size = fromData + 8 + CHUNK;
    String name = "/posixipc-tour-" + ProcessHandle.current().pid() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    SharedMemory shm = SharedMemory.create(name, size);
    MappedRegion region = null;
    try {
      region = shm.map();
      Link link = new Link(name, shm, region,
          UnnamedSemaphore.init(region, toFull, 0), UnnamedSemaphore.init(region, toEmpty, 1),
          UnnamedSemaphore.init(region, fromFull, 0), UnnamedSemaphore.init(region, fromEmpty, 1),
          toData, fromData);
      link.peer = Peers.builder(kind, "shm-relay", name, "" + toFull, "" + toEmpty, "" + toData,
          "" + fromFull, "" + fromEmpty, "" + fromData, "" + CHUNK).start();
      return link;
    } catch (IOException | RuntimeException e) {
      if (region != null) {
        region.close();
      }
      shm.close();
      SharedMemory.unlink(name);
      throw e;
    }
  }

  private static long align(long n, long to) {
    return (n + to - 1) / to * to;
  }

  private static final class Link implements TourLink {
    private final String name;
    private final SharedMemory shm;
    private final MappedRegion region;
    private final UnnamedSemaphore toFull;
    private final UnnamedSemaphore toEmpty;
    private final UnnamedSemaphore fromFull;
    private final UnnamedSemaphore fromEmpty;
    private final long toData;
    private final long fromData;
    ChildProcess peer;
    /** The message being received: its length, and how much of it was taken. */
    private long pendingLength = -1;
    private long pendingTaken;

    Link(String name, SharedMemory shm, MappedRegion region, UnnamedSemaphore toFull,
        UnnamedSemaphore toEmpty, UnnamedSemaphore fromFull, UnnamedSemaphore fromEmpty, long toData,
        long fromData) {
      this.name = name;
      this.shm = shm;
      this.region = region;
      this.toFull = toFull;
      this.toEmpty = toEmpty;
      this.fromFull = fromFull;
      this.fromEmpty = fromEmpty;
      this.toData = toData;
      this.fromData = fromData;
    }

    @Override
    public int maxChunk() {
      return CHUNK;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      if (b.remaining() > CHUNK) {
        throw new IllegalArgumentException("message of " + b.remaining() + " bytes, more than " + CHUNK);
      }
      acquire(toEmpty);
      region.putLong(toData, b.remaining());
      region.put(toData + 8, b);
      toFull.post();
    }

    @Override
    public void receive(ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        if (pendingLength < 0) {
          acquire(fromFull);
          pendingLength = region.getLong(fromData);
          pendingTaken = 0;
        }
        int n = (int) Math.min(b.remaining(), pendingLength - pendingTaken);
        int limit = b.limit();
        b.limit(b.position() + n);
        region.get(fromData + 8 + pendingTaken, b);
        b.limit(limit);
        pendingTaken += n;
        if (pendingTaken == pendingLength) {
          pendingLength = -1;
          fromEmpty.post();
        }
      }
    }

    @Override
    public void finish() throws IOException {
      acquire(toEmpty);
      region.putLong(toData, -1);
      toFull.post();
    }

    private static void acquire(UnnamedSemaphore s) throws IOException {
      try {
        s.acquire(PipeTour.PATIENCE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted");
      }
    }

    @Override
    public ChildProcess peer() {
      return peer;
    }

    @Override
    public void close() throws IOException {
      try {
        if (peer != null) {
          if (peer.isAlive()) {
            peer.kill();
          }
          peer.close();
        }
      } finally {
        region.close();
        shm.close();
        SharedMemory.unlink(name);
      }
    }
  }
}
