package io.github.posixipc.cli;

import io.github.posixipc.peer.ShmPeer;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The tour row of shared memory with no system call at all: each direction is a slot with a
 * sequence number and an acknowledgement, published and consumed with release stores and read
 * with acquire loads, both sides spinning ({@code Thread.onSpinWait}, the PAUSE instruction in
 * C). A spinner yields the CPU after a while and gives up after a minute without progress, so a
 * busy or single-CPU machine is slow here, never stuck. The peer is {@code shm-spin-relay}.
 */
final class ShmSpinTour {

  // A direction at offset D: sequence at D, acknowledgement at D + 64 (its own cache line),
  // then the slot: length at D + 128, bytes from D + 136.
  private static final long SEQ = 0;
  private static final long ACK = 64;
  private static final long SLOT = 128;
  private static final long TO = 0;
  private static final long FROM = (SLOT + 8 + ShmTourLink.CHUNK + 63) / 64 * 64;
  private static final long SIZE = FROM + SLOT + 8 + ShmTourLink.CHUNK;

  private ShmSpinTour() {}

  /** Maps the segment, starts the spinning relay on it and connects. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    Link link = new Link();
    return link.start(kind, "shm-spin-relay", link.name, "" + TO, "" + FROM, "" + ShmTourLink.CHUNK);
  }

  private static final class Link extends ShmTourLink {
    private long sent;
    private long received;

    Link() throws IOException {
      super("spin", SIZE);
    }

    @Override
    void publish(long length, ByteBuffer b) throws IOException {
      ShmPeer.spinUntil(region, TO + ACK, sent);
      if (b != null) {
        region.put(TO + SLOT + 8, b);
      }
      region.putLong(TO + SLOT, length);
      region.setLongRelease(TO + SEQ, ++sent);
    }

    @Override
    long inboundSlot() {
      return FROM + SLOT;
    }

    @Override
    void awaitInbound() throws IOException {
      ShmPeer.spinUntil(region, FROM + SEQ, received + 1);
    }

    @Override
    void releaseInbound() {
      region.setLongRelease(FROM + ACK, ++received);
    }
  }
}
