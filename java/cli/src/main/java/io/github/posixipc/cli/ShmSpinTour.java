package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import io.github.posixipc.peer.ShmPeer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tour row of shared memory with no system call at all: each direction is a slot with a
 * sequence number and an acknowledgement, published and consumed with release stores and read
 * with acquire loads, both sides spinning ({@code Thread.onSpinWait}, the PAUSE instruction in
 * C). A spinner yields the CPU after a while and gives up after a minute without progress, so a
 * busy or single-CPU machine is slow here, never stuck. The peer is {@code shm-spin-relay}.
 */
final class ShmSpinTour implements TourMechanism {

  static final int CHUNK = 64 * 1024;

  // A direction at offset D: sequence at D, acknowledgement at D + 64 (its own cache line),
  // length at D + 128, bytes from D + 136.
  private static final long SEQ = 0;
  private static final long ACK = 64;
  private static final long LEN = 128;
  private static final long DATA = 136;

  @Override
  public String name() {
    return "shm spin";
  }

  @Override
  public TourLink connect(Peers.Kind kind) throws IOException {
    long to = 0;
    long from = (DATA + CHUNK + 63) / 64 * 64;
    long size = from + DATA + CHUNK;
    String name = "/posixipc-tour-spin-" + ProcessHandle.current().pid() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    SharedMemory shm = SharedMemory.create(name, size);
    MappedRegion region = null;
    try {
      region = shm.map();
      Link link = new Link(name, shm, region, to, from);
      link.peer = Peers.builder(kind, "shm-spin-relay", name, "" + to, "" + from, "" + CHUNK).start();
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

  private static final class Link implements TourLink {
    private final String name;
    private final SharedMemory shm;
    private final MappedRegion region;
    private final long to;
    private final long from;
    ChildProcess peer;
    private long sent;
    private long received;
    private long pendingLength = -1;
    private long pendingTaken;

    Link(String name, SharedMemory shm, MappedRegion region, long to, long from) {
      this.name = name;
      this.shm = shm;
      this.region = region;
      this.to = to;
      this.from = from;
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
      publish(b.remaining(), b);
    }

    private void publish(long length, ByteBuffer b) throws IOException {
      ShmPeer.spinUntil(region, to + ACK, sent);
      if (b != null) {
        region.put(to + DATA, b);
      }
      region.putLong(to + LEN, length);
      region.setLongRelease(to + SEQ, ++sent);
    }

    @Override
    public void receive(ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        if (pendingLength < 0) {
          ShmPeer.spinUntil(region, from + SEQ, received + 1);
          pendingLength = region.getLong(from + LEN);
          pendingTaken = 0;
        }
        int n = (int) Math.min(b.remaining(), pendingLength - pendingTaken);
        int limit = b.limit();
        b.limit(b.position() + n);
        region.get(from + DATA + pendingTaken, b);
        b.limit(limit);
        pendingTaken += n;
        if (pendingTaken == pendingLength) {
          pendingLength = -1;
          region.setLongRelease(from + ACK, ++received);
        }
      }
    }

    @Override
    public void finish() throws IOException {
      publish(-1, null);
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
