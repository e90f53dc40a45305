package io.github.posixipc.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/** The junixsocket contender on AF_UNIX stream sockets: its SocketChannel, direct buffers. */
final class JunixLinks {

  private JunixLinks() {}

  static Link unix(boolean echo) throws IOException {
    Path dir = Server.fifoDir();
    Path path = dir.resolve("sock");
    Process server = new ProcessBuilder(Server.exe(), "serve", echo ? "unix-echo" : "unix-sink", path.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    AFUNIXSocketAddress address = AFUNIXSocketAddress.of(path.toFile());
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (;;) {
      AFUNIXSocketChannel ch = AFUNIXSocketChannel.open();
      try {
        ch.connect(address);
        return new ChannelLink(ch, echo ? ch : null, ChannelLink.endOf(server), dir);
      } catch (IOException e) {
        ch.close();
        if (System.nanoTime() > deadline) {
          server.destroyForcibly();
          Server.removeFifoDir(dir);
          throw e;
        }
        Thread.onSpinWait();
      }
    }
  }
}
