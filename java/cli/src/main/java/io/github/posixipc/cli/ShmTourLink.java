package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the two shared-memory tour rows share: a segment of their own, created and mapped here and
 * unlinked at the end; messages of at most {@link #CHUNK} bytes, each one a length and the bytes in
 * a slot; a receive that hands a message out across several calls when the caller's buffer is
 * smaller. Subclasses say how a slot is claimed, published, awaited and released.
 */
abstract class ShmTourLink implements TourLink {

  /** The largest message: one slot's capacity. */
  static final int CHUNK = 64 * 1024;

  final String name;
  final SharedMemory shm;
  final MappedRegion region;
  ChildProcess peer;
  /** The message being received: its length (-1: none), and how much of it was taken. */
  private long pendingLength = -1;
  private long pendingTaken;

  /** Creates and maps a segment of size bytes with a unique name; removes it if mapping fails. */
  ShmTourLink(String tag, long size) throws IOException {
    name = "/posixipc-tour-" + tag + "-" + ProcessHandle.current().pid() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    shm = SharedMemory.create(name, size);
    try {
      region = shm.map();
    } catch (IOException | RuntimeException e) {
      shm.close();
      SharedMemory.unlink(name);
      throw e;
    }
  }

  /** Starts the peer with args; on failure, releases the segment. Returns this link. */
  final ShmTourLink start(Peers.Kind kind, String... args) throws IOException {
    try {
      peer = Peers.builder(kind, args).start();
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Writes one message (length -1 and no bytes: the end) into the outbound slot. */
  abstract void publish(long length, ByteBuffer b) throws IOException;

  /** Waits for the next inbound message in {@link #inboundSlot()}. */
  abstract void awaitInbound() throws IOException;

  /** Gives the inbound slot back to the peer once its message is taken. */
  abstract void releaseInbound() throws IOException;

  @Override
  public final int maxChunk() {
    return CHUNK;
  }

  @Override
  public final void send(ByteBuffer b) throws IOException {
    if (b.remaining() > CHUNK) {
      throw new IllegalArgumentException("message of " + b.remaining() + " bytes, more than " + CHUNK);
    }
    publish(b.remaining(), b);
  }

  @Override
  public final void receive(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (pendingLength < 0) {
        awaitInbound();
        pendingLength = region.getLong(inboundSlot());
        pendingTaken = 0;
      }
      int n = (int) Math.min(b.remaining(), pendingLength - pendingTaken);
      int limit = b.limit();
      b.limit(b.position() + n);
      region.get(inboundSlot() + 8 + pendingTaken, b);
      b.limit(limit);
      pendingTaken += n;
      if (pendingTaken == pendingLength) {
        pendingLength = -1;
        releaseInbound();
      }
    }
  }

  /** The offset of the inbound slot (its length, then its bytes). */
  abstract long inboundSlot();

  @Override
  public final void finish() throws IOException {
    publish(-1, null);
  }

  @Override
  public final ChildProcess peer() {
    return peer;
  }

  @Override
  public void close() throws IOException {
    try {
      if (peer != null) {
        Peers.stop(peer);
      }
    } finally {
      region.close();
      shm.close();
      SharedMemory.unlink(name);
    }
  }
}
