package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

import io.github.posixipc.AbstractSocketAddress;
import io.github.posixipc.ChildProcess;
import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.DatagramSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.Pipe;
import io.github.posixipc.SocketType;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tour rows of AF_UNIX sockets: stream and seqpacket (this JVM listens, the peer connects and
 * echoes) and datagram (the peer binds and echoes every datagram to its sender). Abstract names,
 * so nothing is left in the file system.
 */
final class SocketTour {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private SocketTour() {}

  static SocketAddress uniqueAddress(String tag) {
    return AbstractSocketAddress.of("posixipc-tour-" + ProcessHandle.current().pid() + "-"
        + COUNTER.incrementAndGet() + "-" + System.nanoTime() + "-" + tag);
  }

  /** A connected socket of type stream or seqpacket: the peer connects to this JVM's listener. */
  static TourLink connected(SocketType type, Peers.Kind kind) throws IOException {
    String typeName = type == SocketType.STREAM ? "stream" : "seqpacket";
    SocketAddress where = uniqueAddress(typeName);
    try (ListeningSocket server = ListeningSocket.bind(where, ListeningSocket.options().type(type).backlog(1))) {
      ChildProcess peer = Peers.builder(kind, "sock-connect", typeName, where.toString(), "echo").start();
      ConnectedSocket s;
      try {
        s = server.accept(PATIENCE);
      } catch (IOException | RuntimeException e) {
        Peers.stop(peer);
        throw e;
      }
      if (type == SocketType.STREAM) {
        return new PipeTour.StreamLink(s, s, peer, s::close);
      }
      return new PacketLink(peer, s::close) {
        @Override
        int sendOne(ByteBuffer b) throws IOException {
          return s.send(b, PATIENCE);
        }

        @Override
        int receiveOne(ByteBuffer b) throws IOException {
          return s.receive(b, PATIENCE);
        }

        @Override
        public void finish() throws IOException {
          s.shutdownOutput();
        }
      };
    }
  }

  /** Datagrams between two bound AF_UNIX sockets. */
  static TourLink datagrams(Peers.Kind kind) throws IOException {
    SocketAddress peerAt = uniqueAddress("peer");
    DatagramSocket s = DatagramSocket.bind(uniqueAddress("tour"));
    ChildProcess peer = null;
    try (Pipe stdout = Pipe.open()) {
      peer = Peers.builder(kind, "sock-serve", "dgram", peerAt.toString(), "echo").fd(1, stdout.sink()).start();
      stdout.sink().close();
      Peers.awaitReady(stdout.source(), "ready " + peerAt);
    } catch (IOException | RuntimeException e) {
      if (peer != null) {
        Peers.stop(peer);
      }
      s.close();
      throw e;
    }
    return new PacketLink(peer, s::close) {
      @Override
      int sendOne(ByteBuffer b) throws IOException {
        return s.send(b, peerAt, PATIENCE);
      }

      @Override
      int receiveOne(ByteBuffer b) throws IOException {
        return s.receive(b, PATIENCE);
      }

      @Override
      public void finish() throws IOException {
        s.send(ByteBuffer.allocate(0), peerAt, PATIENCE); // the peer stops on it
      }
    };
  }

  /** A message link: every send is one message, every receive takes one whole. */
  abstract static class PacketLink extends PeerLink {

    PacketLink(ChildProcess peer, Resources resources) {
      super(peer, resources);
    }

    abstract int sendOne(ByteBuffer b) throws IOException;

    abstract int receiveOne(ByteBuffer b) throws IOException;

    @Override
    public int maxChunk() {
      return 32 * 1024;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      int want = b.remaining();
      int n = sendOne(b);
      if (n != want) {
        throw new IOException("sent " + n + " of a " + want + "-byte message");
      }
    }

    @Override
    public void receive(ByteBuffer b) throws IOException {
      int want = b.remaining();
      int n = receiveOne(b);
      if (n == 0 && want > 0) {
        throw new EOFException("the peer closed its side early");
      }
      if (n != want) {
        throw new IOException("received a " + n + "-byte message, expected " + want);
      }
    }
  }
}
