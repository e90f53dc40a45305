package io.github.posixipc.cli;

import io.github.posixipc.Channel;
import io.github.posixipc.ChildProcess;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tour row of channels: two channels of 1 MiB, one each way. The peer ({@code chan-relay})
 * consumes the first and produces every message again, unchanged, into the second; an empty
 * message is the end. Messages move zero-copy on both sides.
 */
final class ChannelTour {

  private static final int CAPACITY = 1 << 20;
  private static final int CHUNK = 64 * 1024;

  private ChannelTour() {}

  /** Creates both channels, starts the relay on them and connects. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    String base = "/posixipc-tour-chan-" + ProcessHandle.current().pid() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    Link link = new Link(base + "-to", base + "-from");
    try {
      link.peer = Peers.builder(kind, "chan-relay", link.toName, link.fromName).start();
      return link;
    } catch (IOException | RuntimeException e) {
      link.close();
      throw e;
    }
  }

  private static final class Link implements TourLink {
    final String toName;
    final String fromName;
    Channel to;
    Channel from;
    ChildProcess peer;
    /** The message being received: its view, or null. */
    private ByteBuffer pending;

    Link(String toName, String fromName) throws IOException {
      this.toName = toName;
      this.fromName = fromName;
      try {
        to = Channel.create(toName, CAPACITY, Channel.Role.PRODUCER);
        from = Channel.create(fromName, CAPACITY, Channel.Role.CONSUMER);
      } catch (IOException | RuntimeException e) {
        close();
        throw e;
      }
    }

    @Override
    public int maxChunk() {
      return CHUNK;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      try {
        to.send(b, TourLink.PATIENCE);
      } catch (InterruptedException e) {
        throw interrupted();
      }
    }

    @Override
    public void receive(ByteBuffer b) throws IOException {
      try {
        while (b.hasRemaining()) {
          if (pending == null) {
            pending = from.read(TourLink.PATIENCE);
          }
          int n = Math.min(b.remaining(), pending.remaining());
          int limit = pending.limit();
          pending.limit(pending.position() + n);
          b.put(pending);
          pending.limit(limit);
          if (!pending.hasRemaining()) {
            pending = null;
            from.release();
          }
        }
      } catch (InterruptedException e) {
        throw interrupted();
      }
    }

    private static InterruptedIOException interrupted() {
      Thread.currentThread().interrupt();
      return new InterruptedIOException("interrupted");
    }

    @Override
    public void finish() throws IOException {
      send(ByteBuffer.allocate(0));
    }

    @Override
    public ChildProcess peer() {
      return peer;
    }

    @Override
    public void close() throws IOException {
      try {
        if (peer != null) {
          Peers.stop(peer);
        }
      } finally {
        for (Channel c : new Channel[] {to, from}) {
          if (c != null) {
            c.close();
          }
        }
        for (String n : new String[] {toName, fromName}) {
          try {
            Channel.unlink(n);
          } catch (IOException ignored) {
            // never created
          }
        }
      }
    }
  }
}
