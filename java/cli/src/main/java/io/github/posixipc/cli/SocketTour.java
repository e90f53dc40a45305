package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

import io.github.posixipc.AbstractSocketAddress;
import io.github.posixipc.ChildProcess;
import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.DatagramSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.Pipe;
import io.github.posixipc.SocketType;
import io.github.posixipc.net.UnixServerSocket;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tour rows of AF_UNIX sockets: stream and seqpacket (this JVM listens, the peer connects and
 * echoes), datagram (the peer binds and echoes every datagram to its sender), and the stream
 * socket through its java.net view. Abstract names,
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

  /**
   * The java.net view of a stream socket ({@code io.github.posixipc.net}): this JVM's {@link
   * UnixServerSocket} accepts the peer's connection, and the round trips and the bulk transfer go
   * through the {@link Socket}'s streams and {@code setSoTimeout}, as a client library written
   * against {@code java.net} uses them.
   */
  static TourLink javaNet(Peers.Kind kind) throws IOException {
    SocketAddress where = uniqueAddress("java-net");
    int patience = (int) PATIENCE.toMillis();
    try (UnixServerSocket server = new UnixServerSocket(where)) {
      server.setSoTimeout(patience);
      ChildProcess peer = Peers.builder(kind, "sock-connect", "stream", where.toString(), "echo").start();
      Socket s;
      try {
        s = server.accept();
        s.setSoTimeout(patience);
      } catch (IOException | RuntimeException e) {
        Peers.stop(peer);
        throw e;
      }
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      // One array per direction: the bulk transfer sends and receives from two threads.
      byte[] sending = new byte[64 * 1024];
      byte[] receiving = new byte[64 * 1024];
      return new PeerLink(peer, s::close) {
        @Override
        public int maxChunk() {
          return sending.length;
        }

        @Override
        public void send(ByteBuffer b) throws IOException {
          while (b.hasRemaining()) {
            int n = Math.min(b.remaining(), sending.length);
            b.get(sending, 0, n);
            out.write(sending, 0, n);
          }
        }

        @Override
        public void receive(ByteBuffer b) throws IOException {
          while (b.hasRemaining()) {
            int n = in.read(receiving, 0, Math.min(b.remaining(), receiving.length));
            if (n < 0) {
              throw new EOFException("the peer closed its side early");
            }
            b.put(receiving, 0, n);
          }
        }

        @Override
        public void finish() throws IOException {
          s.shutdownOutput();
        }
      };
    }
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
