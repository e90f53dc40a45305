package io.github.posixipc.cli;

import io.github.posixipc.Access;
import io.github.posixipc.ChildProcess;
import io.github.posixipc.Fifo;
import io.github.posixipc.Pipe;
import io.github.posixipc.TimedReadableByteChannel;
import io.github.posixipc.TimedWritableByteChannel;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The tour rows of pipes (inherited as fds 3 and 4) and FIFOs (two paths). */
final class PipeTour {

  static final Duration PATIENCE = Duration.ofSeconds(20);

  private PipeTour() {}

  /** Anonymous pipes: the peer inherits one pipe's read end and the other's write end. */
  static final class Pipes implements TourMechanism {
    @Override
    public String name() {
      return "pipe";
    }

    @Override
    public TourLink connect(Peers.Kind kind) throws IOException {
      Pipe toPeer = Pipe.open();
      Pipe fromPeer = Pipe.open();
      try {
        ChildProcess peer = Peers.builder(kind, "echo", "fd:3", "fd:4")
            .fd(3, toPeer.source()).fd(4, fromPeer.sink()).start();
        toPeer.source().close();
        fromPeer.sink().close();
        return new StreamLink(toPeer.sink(), fromPeer.source(), peer, () -> {
          toPeer.close();
          fromPeer.close();
        });
      } catch (IOException | RuntimeException e) {
        toPeer.close();
        fromPeer.close();
        throw e;
      }
    }
  }

  /** FIFOs: two paths, opened by both sides. */
  static final class Fifos implements TourMechanism {
    @Override
    public String name() {
      return "FIFO";
    }

    @Override
    public TourLink connect(Peers.Kind kind) throws IOException {
      Path dir = Files.createTempDirectory("posixipc-tour-");
      Path in = dir.resolve("to-peer");
      Path out = dir.resolve("from-peer");
      Fifo.create(in);
      Fifo.create(out);
      Fifo writer = null;
      ChildProcess peer = null;
      try {
        // The peer opens its input first, then its output: the same order here avoids a deadlock.
        peer = Peers.builder(kind, "echo", "fifo:" + in, "fifo:" + out).start();
        writer = Fifo.open(in, Access.WRITE, PATIENCE);
        Fifo reader = Fifo.open(out, Access.READ, PATIENCE);
        Fifo w = writer;
        return new StreamLink(w, reader, peer, () -> {
          w.close();
          reader.close();
          removeAll(in, out, dir);
        });
      } catch (IOException | RuntimeException e) {
        if (writer != null) {
          writer.close();
        }
        if (peer != null) {
          peer.kill();
          peer.close();
        }
        removeAll(in, out, dir);
        throw e;
      }
    }

    private static void removeAll(Path in, Path out, Path dir) throws IOException {
      Files.deleteIfExists(in);
      Files.deleteIfExists(out);
      Files.deleteIfExists(dir);
    }
  }

  /** What to close when a link is done. */
  interface Closer {
    void close() throws IOException;
  }

  /**
   * A byte stream each way, read and written with a generous timeout so that a dead peer cannot
   * hang the tour. Later stream mechanisms (sockets) use it too.
   */
  static final class StreamLink implements TourLink {
    private final TimedWritableByteChannel out;
    private final TimedReadableByteChannel in;
    private final ChildProcess peer;
    private final Closer closer;

    StreamLink(TimedWritableByteChannel out, TimedReadableByteChannel in, ChildProcess peer, Closer closer) {
      this.out = out;
      this.in = in;
      this.peer = peer;
      this.closer = closer;
    }

    @Override
    public int maxChunk() {
      return 64 * 1024;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        out.write(b, PATIENCE);
      }
    }

    @Override
    public void receive(ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        if (in.read(b, PATIENCE) < 0) {
          throw new EOFException("the peer closed its side early");
        }
      }
    }

    @Override
    public void finish() throws IOException {
      out.close();
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
