package io.github.posixipc.cli;

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
import java.nio.charset.StandardCharsets;
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

  /** A connected socket of type: stream or seqpacket. */
  static final class Connected implements TourMechanism {
    private final SocketType type;

    Connected(SocketType type) {
      this.type = type;
    }

    @Override
    public String name() {
      return type == SocketType.STREAM ? "unix-stream" : "unix-seqpacket";
    }

    @Override
    public TourLink connect(Peers.Kind kind) throws IOException {
      SocketAddress where = uniqueAddress(name());
      String typeName = type == SocketType.STREAM ? "stream" : "seqpacket";
      try (ListeningSocket server = ListeningSocket.bind(where, ListeningSocket.options().type(type).backlog(1))) {
        ChildProcess peer = Peers.builder(kind, "sock-connect", typeName, where.toString(), "echo").start();
        ConnectedSocket s;
        try {
          s = server.accept(PipeTour.PATIENCE);
        } catch (IOException | RuntimeException e) {
          peer.kill();
          peer.close();
          throw e;
        }
        if (type == SocketType.STREAM) {
          return new PipeTour.StreamLink(s, s, peer, s::close);
        }
        return new PacketLink(peer, s::close) {
          @Override
          int sendOne(ByteBuffer b) throws IOException {
            return s.send(b, PipeTour.PATIENCE);
          }

          @Override
          int receiveOne(ByteBuffer b) throws IOException {
            return s.receive(b, PipeTour.PATIENCE);
          }

          @Override
          public void finish() throws IOException {
            s.shutdownOutput();
          }
        };
      }
    }
  }

  /** Datagrams between two bound AF_UNIX sockets. */
  static final class Datagrams implements TourMechanism {
    @Override
    public String name() {
      return "unix-dgram";
    }

    @Override
    public TourLink connect(Peers.Kind kind) throws IOException {
      SocketAddress peerAt = uniqueAddress("peer");
      DatagramSocket s = DatagramSocket.bind(uniqueAddress("tour"));
      ChildProcess peer = null;
      try (Pipe stdout = Pipe.open()) {
        peer = Peers.builder(kind, "sock-serve", "dgram", peerAt.toString(), "echo").fd(1, stdout.sink()).start();
        stdout.sink().close();
        String line = readLine(stdout.source());
        if (!line.equals("ready " + peerAt)) {
          throw new IOException("the peer did not get ready: '" + line + "'");
        }
      } catch (IOException | RuntimeException e) {
        if (peer != null) {
          peer.kill();
          peer.close();
        }
        s.close();
        throw e;
      }
      return new PacketLink(peer, s::close) {
        @Override
        int sendOne(ByteBuffer b) throws IOException {
          return s.send(b, peerAt, PipeTour.PATIENCE);
        }

        @Override
        int receiveOne(ByteBuffer b) throws IOException {
          return s.receive(b, PipeTour.PATIENCE);
        }

        @Override
        public void finish() throws IOException {
          s.send(ByteBuffer.allocate(0), peerAt, PipeTour.PATIENCE); // the peer stops on it
        }
      };
    }

    private static String readLine(Pipe.Source in) throws IOException {
      StringBuilder sb = new StringBuilder();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (true) {
        one.clear();
        if (in.read(one, PipeTour.PATIENCE) < 0) {
          return sb.toString();
        }
        if (one.get(0) == '\n') {
          return sb.toString();
        }
        sb.append(new String(new byte[] {one.get(0)}, StandardCharsets.UTF_8));
      }
    }
  }

  /** A message link: every send is one message, every receive takes one whole. */
  abstract static class PacketLink implements TourLink {
    private final ChildProcess peer;
    private final PipeTour.Closer closer;

    PacketLink(ChildProcess peer, PipeTour.Closer closer) {
      this.peer = peer;
      this.closer = closer;
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

    @Override
    public ChildProcess peer() {
      return peer;
    }

    @Override
    public void close() throws IOException {
      closer.close();
    }
  }
}
