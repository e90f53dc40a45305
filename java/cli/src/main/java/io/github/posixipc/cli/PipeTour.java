package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

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

/** The tour rows of pipes (inherited as fds 3 and 4) and FIFOs (two paths). */
final class PipeTour {

  private PipeTour() {}

  /** Anonymous pipes: the peer inherits one pipe's read end and the other's write end. */
  static TourLink pipes(Peers.Kind kind) throws IOException {
    Pipe toPeer = Pipe.open();
    Pipe fromPeer = Pipe.open();
    PeerLink.Resources both = () -> {
      toPeer.close();
      fromPeer.close();
    };
    try {
      ChildProcess peer = Peers.builder(kind, "echo", "fd:3", "fd:4")
          .fd(3, toPeer.source()).fd(4, fromPeer.sink()).start();
      toPeer.source().close();
      fromPeer.sink().close();
      return new StreamLink(toPeer.sink(), fromPeer.source(), peer, both);
    } catch (IOException | RuntimeException e) {
      both.release();
      throw e;
    }
  }

  /** FIFOs: two paths, opened by both sides. */
  static TourLink fifos(Peers.Kind kind) throws IOException {
    Path dir = Files.createTempDirectory("posixipc-tour-");
    Path in = dir.resolve("to-peer");
    Path out = dir.resolve("from-peer");
    Fifo writer = null;
    ChildProcess peer = null;
    try {
      Fifo.create(in);
      Fifo.create(out);
      // The peer opens its input first, then its output: the same order here avoids a deadlock.
      peer = Peers.builder(kind, "echo", "fifo:" + in, "fifo:" + out).start();
      Fifo w = Fifo.open(in, Access.WRITE, PATIENCE);
      writer = w;
      Fifo r = Fifo.open(out, Access.READ, PATIENCE);
      return new StreamLink(w, r, peer, () -> {
        w.close();
        r.close();
        removeAll(in, out, dir);
      });
    } catch (IOException | RuntimeException e) {
      if (writer != null) {
        writer.close();
      }
      if (peer != null) {
        Peers.stop(peer);
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

  /**
   * A byte stream each way, read and written with a generous timeout so that a dead peer cannot
   * hang the tour. The stream socket row uses it too.
   */
  static final class StreamLink extends PeerLink {
    private final TimedWritableByteChannel out;
    private final TimedReadableByteChannel in;

    StreamLink(TimedWritableByteChannel out, TimedReadableByteChannel in, ChildProcess peer, Resources resources) {
      super(peer, resources);
      this.out = out;
      this.in = in;
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
  }
}
