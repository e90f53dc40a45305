package io.github.posixipc.bench;

import io.github.posixipc.Channel;
import io.github.posixipc.ChildProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * Channels from Java, against the C harness's channel server ({@code serve chan-echo TO FROM SPIN}
 * or {@code serve chan-sink TO SPIN}, the C API on its side): 64-byte round trips, in spin mode
 * (neither side ever sleeps; the server moves to another CPU) and in sleeping mode (both sleep at
 * once), and streams of 64-byte and 4 KiB messages (the default spin). Zero copy on this side:
 * claim, write in place, commit; read in place, release.
 */
final class ChannelLinks {

  static final int CAPACITY = 1 << 20;
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private ChannelLinks() {}

  /** spin: 1 spin, 0 sleep at once, -1 the default; chunk: the stream's message size. */
  static Link open(boolean echo, int spin, int chunk) throws IOException {
    String base = ShmLinks.uniqueName() + "-chan";
    Channel.Options o = Channel.options().spin(spin == 1 ? null : spin == 0 ? Duration.ZERO : Duration.ofNanos(20_000));
    Channel to = Channel.create(base + "-to", CAPACITY, Channel.Role.PRODUCER, o);
    Channel from = null;
    try {
      if (echo) {
        from = Channel.create(base + "-from", CAPACITY, Channel.Role.CONSUMER, o);
      }
      List<String> cmd = echo ? List.of(Server.exe(), "serve", "chan-echo", to.name(), from.name(), "" + spin)
          : List.of(Server.exe(), "serve", "chan-sink", to.name(), "" + spin);
      // Sleeping, both sides wait without a timeout, as shm-sem-rt's do: a timed sleep arms a
      // kernel timer, a cost of the timeout and not of the channel.
      return new ChannelLink(to, from, ChildProcess.builder(cmd).start(), chunk, spin == 0 ? null : PATIENCE);
    } catch (IOException | RuntimeException e) {
      to.close();
      Channel.unlink(to.name());
      if (from != null) {
        from.close();
        Channel.unlink(from.name());
      }
      throw e;
    }
  }

  private static final class ChannelLink implements Link {
    private final Channel to;
    private final Channel from;
    private final ChildProcess server;
    private final int chunk;
    private final Duration patience;
    private int seq;

    ChannelLink(Channel to, Channel from, ChildProcess server, int chunk, Duration patience) {
      this.to = to;
      this.from = from;
      this.server = server;
      this.chunk = chunk;
      this.patience = patience;
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      try {
        ByteBuffer room = to.claim(MESSAGE, patience);
        room.put(room.position(), (byte) sent);
        to.commit();
        ByteBuffer pong = from.read(patience);
        int got = pong.get(pong.position());
        from.release();
        Server.checkEcho(sent, got);
        return got;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }

    @Override
    public int writeChunk() throws IOException {
      try {
        to.claim(chunk, patience);
        to.commit();
        return chunk;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        to.send(ByteBuffer.allocate(0), PATIENCE); // the server stops at an empty message
        io.github.posixipc.bench.ChannelLink.endOf(server).end();
      } finally {
        to.close();
        Channel.unlink(to.name());
        if (from != null) {
          from.close();
          Channel.unlink(from.name());
        }
      }
    }
  }
}
