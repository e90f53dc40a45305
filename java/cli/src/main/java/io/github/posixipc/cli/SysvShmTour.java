package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVSemaphoreSet;
import io.github.posixipc.SysVSemaphoreSet.Operation;
import io.github.posixipc.SysVSharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The tour row of System V shared memory with a semaphore set: a private segment with a slot
 * each way (an int64 length, then the bytes; outbound at 0, inbound at {@link #SLOT}) and a
 * private set of four semaphores, full and empty for each slot. The peer ({@code
 * sysv-shm-relay}) copies each message from one slot to the other; a length of -1 ends it.
 */
final class SysvShmTour {

  /** The distance of the two slots, each of which carries up to SLOT - 8 bytes. */
  static final int SLOT = 8192;
  static final int CHUNK = 4096;

  private static final Operation[] OUT_FULL = {Operation.add(0, 1)};
  private static final Operation[] OUT_EMPTY = {Operation.add(1, -1)};
  private static final Operation[] IN_FULL = {Operation.add(2, -1)};
  private static final Operation[] IN_EMPTY = {Operation.add(3, 1)};

  private SysvShmTour() {}

  /** Makes the segment and the set, starts the relay on them and connects. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    SysVSemaphoreSet set = SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().initialValues(0, 1, 0, 1));
    SysVSharedMemory shm = null;
    MappedRegion region = null;
    try {
      shm = SysVSharedMemory.create(SysV.PRIVATE, 2L * SLOT);
      region = shm.attach();
      ChildProcess peer = Peers.builder(kind, "sysv-shm-relay", Integer.toString(set.id()),
          Integer.toString(shm.id()), Integer.toString(SLOT)).start();
      return new Link(set, shm, region, peer);
    } catch (IOException | RuntimeException e) {
      release(set, shm, region);
      throw e;
    }
  }

  private static void release(SysVSemaphoreSet set, SysVSharedMemory shm, MappedRegion region) throws IOException {
    try {
      if (region != null) {
        region.close();
      }
      if (shm != null) {
        shm.remove();
        shm.close();
      }
    } finally {
      set.remove();
      set.close();
    }
  }

  private static final class Link extends PeerLink {
    private final SysVSemaphoreSet set;
    private final MappedRegion region;

    Link(SysVSemaphoreSet set, SysVSharedMemory shm, MappedRegion region, ChildProcess peer) {
      super(peer, () -> release(set, shm, region));
      this.set = set;
      this.region = region;
    }

    @Override
    public int maxChunk() {
      return CHUNK;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      set.apply(PATIENCE, OUT_EMPTY);
      region.putLong(0, b.remaining());
      region.put(8, b);
      set.apply(PATIENCE, OUT_FULL);
    }

    /** Receives one message into b, which must have exactly the message's length remaining. */
    @Override
    public void receive(ByteBuffer b) throws IOException {
      set.apply(PATIENCE, IN_FULL);
      long length = region.getLong(SLOT);
      if (length != b.remaining()) {
        throw new IOException("a message of " + length + " bytes came back where " + b.remaining() + " were sent");
      }
      region.get(SLOT + 8, b);
      set.apply(PATIENCE, IN_EMPTY);
    }

    @Override
    public void finish() throws IOException {
      set.apply(PATIENCE, OUT_EMPTY);
      region.putLong(0, -1);
      set.apply(PATIENCE, OUT_FULL);
    }
  }
}
