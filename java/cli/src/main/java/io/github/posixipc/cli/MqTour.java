package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MessageQueue;
import io.github.posixipc.NotFoundException;
import io.github.posixipc.ReceivedMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tour row of POSIX message queues: two queues, one each way, created here and opened by name
 * by the peer, which echoes every message with its priority until the end marker (a message of
 * priority {@link MessageQueue#PRIORITY_MAX}). The bulk transfer goes in messages of the queue's
 * message size.
 */
final class MqTour {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private MqTour() {}

  /** Creates the two queues, starts the peer on them and connects. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    MessageQueue.Limits limits = MessageQueue.limits();
    // Within what an unprivileged user may create, and small: RLIMIT_MSGQUEUE is per user.
    long maxMessages = Math.min(10, limits.msgMax() > 0 ? limits.msgMax() : 10);
    long messageSize = Math.min(8192, limits.msgsizeMax() > 0 ? limits.msgsizeMax() : 8192);
    String base = "/posixipc-tour-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    MessageQueue.Options options = MessageQueue.options().exclusive().maxMessages(maxMessages).messageSize(messageSize);
    MessageQueue toPeer = null;
    MessageQueue fromPeer = null;
    try {
      toPeer = MessageQueue.open(base + "-to", options);
      fromPeer = MessageQueue.open(base + "-from", options);
      ChildProcess peer = Peers.builder(kind, "mq-echo", toPeer.name(), fromPeer.name(), "-1").start();
      return new MqLink(toPeer, fromPeer, peer);
    } catch (IOException | RuntimeException e) {
      closeAndUnlink(toPeer);
      closeAndUnlink(fromPeer);
      throw e;
    }
  }

  private static void closeAndUnlink(MessageQueue q) throws IOException {
    if (q == null) {
      return;
    }
    q.close();
    try {
      MessageQueue.unlink(q.name());
    } catch (NotFoundException ignored) {
      // already gone
    }
  }

  /** One message each way per send and receive, with a generous timeout against a dead peer. */
  static final class MqLink extends PeerLink {
    private final MessageQueue out;
    private final MessageQueue in;
    private final ByteBuffer buffer;
    private final ReceivedMessage received = new ReceivedMessage();

    MqLink(MessageQueue out, MessageQueue in, ChildProcess peer) {
      super(peer, () -> {
        closeAndUnlink(out);
        closeAndUnlink(in);
      });
      this.out = out;
      this.in = in;
      this.buffer = ByteBuffer.allocateDirect(in.messageSize());
    }

    @Override
    public int maxChunk() {
      return out.messageSize();
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      out.send(b, 0, PATIENCE);
    }

    /** Receives one message into b, which must have exactly the message's length remaining. */
    @Override
    public void receive(ByteBuffer b) throws IOException {
      in.receive(buffer.clear(), PATIENCE, received);
      if (received.length() != b.remaining()) {
        throw new IOException("a message of " + received.length() + " bytes came back where "
            + b.remaining() + " were sent");
      }
      b.put(buffer.flip());
    }

    @Override
    public void finish() throws IOException {
      out.send(new byte[0], MessageQueue.PRIORITY_MAX, PATIENCE);
    }
  }
}
