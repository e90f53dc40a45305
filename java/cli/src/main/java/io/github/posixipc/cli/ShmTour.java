package io.github.posixipc.cli;

import io.github.posixipc.UnnamedSemaphore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;

/**
 * The tour row of shared memory with semaphores: one segment holding, for each direction, a
 * message slot (an int64 length, then the bytes) and two unnamed semaphores (full and empty). The
 * peer ({@code shm-relay}) copies each message from the inbound slot to the outbound one.
 * Offsets come from the sizes and alignments the C library reports.
 */
final class ShmTour {

  private ShmTour() {}

  /** Lays out and maps the segment, starts the relay on it and connects. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    Link link = new Link();
    return link.start(kind, "shm-relay", link.name, "" + TO_FULL, "" + TO_EMPTY, "" + TO_DATA,
        "" + FROM_FULL, "" + FROM_EMPTY, "" + FROM_DATA, "" + ShmTourLink.CHUNK);
  }

  private static long align(long n, long to) {
    return (n + to - 1) / to * to;
  }

  // The layout: four semaphores, one cache line each at least, then the two slots.
  private static final long STRIDE = align(UnnamedSemaphore.size(), Math.max(UnnamedSemaphore.alignment(), 64));
  private static final long TO_FULL = 0;
  private static final long TO_EMPTY = STRIDE;
  private static final long FROM_FULL = 2 * STRIDE;
  private static final long FROM_EMPTY = 3 * STRIDE;
  private static final long TO_DATA = align(4 * STRIDE, 64);
  private static final long FROM_DATA = align(TO_DATA + 8 + ShmTourLink.CHUNK, 64);
  private static final long SIZE = FROM_DATA + 8 + ShmTourLink.CHUNK;

  private static final class Link extends ShmTourLink {
    private final UnnamedSemaphore toFullSem;
    private final UnnamedSemaphore toEmptySem;
    private final UnnamedSemaphore fromFullSem;
    private final UnnamedSemaphore fromEmptySem;

    Link() throws IOException {
      super("sem", SIZE);
      try {
        toFullSem = UnnamedSemaphore.init(region, TO_FULL, 0);
        toEmptySem = UnnamedSemaphore.init(region, TO_EMPTY, 1);
        fromFullSem = UnnamedSemaphore.init(region, FROM_FULL, 0);
        fromEmptySem = UnnamedSemaphore.init(region, FROM_EMPTY, 1);
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    void publish(long length, ByteBuffer b) throws IOException {
      acquire(toEmptySem);
      region.putLong(TO_DATA, length);
      if (b != null) {
        region.put(TO_DATA + 8, b);
      }
      toFullSem.post();
    }

    @Override
    long inboundSlot() {
      return FROM_DATA;
    }

    @Override
    void awaitInbound() throws IOException {
      acquire(fromFullSem);
    }

    @Override
    void releaseInbound() throws IOException {
      fromEmptySem.post();
    }

    private static void acquire(UnnamedSemaphore s) throws IOException {
      try {
        s.acquire(TourLink.PATIENCE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      }
    }
  }
}
