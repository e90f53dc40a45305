package io.github.posixipc.bench;

import io.github.posixipc.Access;
import io.github.posixipc.ChildProcess;
import io.github.posixipc.Fifo;
import io.github.posixipc.Pipe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** The posixipc contender: pipes and FIFOs through the library, direct buffers, no allocation. */
final class PosixipcLinks {

  private PosixipcLinks() {}

  static Link pipe(boolean echo) throws IOException {
    Pipe toServer = Pipe.open();
    Pipe fromServer = Pipe.open();
    ChildProcess server;
    try {
      ChildProcess.Builder b = ChildProcess.builder(Server.command(echo, "fd:3", "fd:4"))
          .fd(3, toServer.source());
      if (echo) {
        b.fd(4, fromServer.sink());
      }
      server = b.start();
    } catch (IOException | RuntimeException e) {
      toServer.close();
      fromServer.close();
      throw e;
    }
    toServer.source().close();
    fromServer.sink().close();
    if (!echo) {
      fromServer.source().close();
    }
    return new ChannelLink(toServer.sink(), echo ? fromServer.source() : null, ChannelLink.endOf(server), null);
  }

  static Link fifo(boolean echo) throws IOException {
    Path dir = Server.fifoDir();
    Path in = dir.resolve("in");
    Path out = dir.resolve("out");
    Fifo.create(in, Fifo.options().mode(0600));
    Fifo.create(out, Fifo.options().mode(0600));
    ChildProcess server = ChildProcess.builder(Server.command(echo, "fifo:" + in, "fifo:" + out)).start();
    // The server opens its input, then its output: the same order here.
    Fifo writer = Fifo.open(in, Access.WRITE, Duration.ofSeconds(10));
    Fifo reader = echo ? Fifo.open(out, Access.READ, Duration.ofSeconds(10)) : null;
    return new ChannelLink(writer, reader, ChannelLink.endOf(server), dir);
  }

  static Link unix(boolean echo) throws IOException {
    Path dir = Server.fifoDir();
    Path path = dir.resolve("sock");
    ChildProcess server = ChildProcess.builder(Server.exe(), "serve", echo ? "unix-echo" : "unix-sink",
        path.toString()).start();
    io.github.posixipc.ConnectedSocket socket = null;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (socket == null) {
      try {
        socket = io.github.posixipc.ConnectedSocket.connect(java.net.UnixDomainSocketAddress.of(path));
      } catch (io.github.posixipc.PosixException e) {
        if (System.nanoTime() > deadline) { // the server never listened
          server.kill();
          server.close();
          Server.removeFifoDir(dir);
          throw e;
        }
        Thread.onSpinWait();
      }
    }
    return new ChannelLink(socket, echo ? socket : null, ChannelLink.endOf(server), dir);
  }
}
