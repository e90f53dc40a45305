package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVMessageQueue;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The tour row of System V message queues: two private queues, one each way, made here and used
 * by identifier by the peer, which echoes every message (type 1) back as type 3 until the end
 * marker (type 2). The bulk transfer goes in messages of at most msgmax bytes, and at most half
 * a queue's capacity, so that two are always in flight.
 */
final class SysvTour {

  private SysvTour() {}

  /** Creates the two queues, starts the peer on them and connects. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    SysV.Limits limits = SysV.limits();
    int chunk = (int) Math.max(64, Math.min(limits.msgmax(), limits.msgmnb() / 2));
    SysVMessageQueue toPeer = null;
    SysVMessageQueue fromPeer = null;
    try {
      toPeer = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
      fromPeer = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
      ChildProcess peer = Peers.builder(kind, "sysv-msg-echo", Integer.toString(toPeer.id()),
          Integer.toString(fromPeer.id()), "-1").start();
      return new SysvLink(toPeer, fromPeer, peer, chunk);
    } catch (IOException | RuntimeException e) {
      closeAndRemove(toPeer);
      closeAndRemove(fromPeer);
      throw e;
    }
  }

  private static void closeAndRemove(SysVMessageQueue q) throws IOException {
    if (q == null) {
      return;
    }
    try {
      q.remove();
    } finally {
      q.close();
    }
  }

  /** One message each way per send and receive, with a generous timeout against a dead peer. */
  static final class SysvLink extends PeerLink {
    private final SysVMessageQueue out;
    private final SysVMessageQueue in;
    private final int chunk;
    private final ByteBuffer buffer;
    private final ReceivedMessage received = new ReceivedMessage();

    SysvLink(SysVMessageQueue out, SysVMessageQueue in, ChildProcess peer, int chunk) {
      super(peer, () -> {
        closeAndRemove(out);
        closeAndRemove(in);
      });
      this.out = out;
      this.in = in;
      this.chunk = chunk;
      this.buffer = ByteBuffer.allocateDirect(chunk);
    }

    @Override
    public int maxChunk() {
      return chunk;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      out.send(1, b, PATIENCE);
    }

    /** Receives one message into b, which must have exactly the message's length remaining. */
    @Override
    public void receive(ByteBuffer b) throws IOException {
      in.receive(buffer.clear(), 3, PATIENCE, received);
      if (received.length() != b.remaining()) {
        throw new IOException("a message of " + received.length() + " bytes came back where "
            + b.remaining() + " were sent");
      }
      b.put(buffer.flip());
    }

    @Override
    public void finish() throws IOException {
      out.send(2, new byte[0], PATIENCE);
    }
  }
}
