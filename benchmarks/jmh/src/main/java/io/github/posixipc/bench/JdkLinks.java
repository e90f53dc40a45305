package io.github.posixipc.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The JDK contender, with no posixipc code loaded: for pipes, a child's standard input and output
 * through {@link ProcessBuilder} (the JDK's only way to a pipe with another process); for FIFOs,
 * {@link FileChannel} on the FIFO with direct buffers.
 */
final class JdkLinks {

  private JdkLinks() {}

  static Link pipe(boolean echo) throws IOException {
    Process server = new ProcessBuilder(Server.command(echo, "fd:0", "fd:1"))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    return new StreamLink(server);
  }

  static Link fifo(boolean echo) throws IOException {
    Path dir = Server.fifoDir();
    Path in = dir.resolve("in");
    Path out = dir.resolve("out");
    // The JDK cannot make a FIFO: the mkfifo program does, as a Java user would.
    mkfifo(in);
    mkfifo(out);
    Process server = new ProcessBuilder(Server.command(echo, "fifo:" + in, "fifo:" + out))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    FileChannel writer = FileChannel.open(in, StandardOpenOption.WRITE);
    FileChannel reader = echo ? FileChannel.open(out, StandardOpenOption.READ) : null;
    return new ChannelLink(writer, reader, ChannelLink.endOf(server), dir);
  }

  /** SocketChannel with UnixDomainSocketAddress (JDK 16+), blocking, direct buffers. */
  static Link unix(boolean echo) throws IOException {
    Path dir = Server.fifoDir();
    Path path = dir.resolve("sock");
    Process server = new ProcessBuilder(Server.exe(), "serve", echo ? "unix-echo" : "unix-sink", path.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (;;) {
      java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
      try {
        ch.connect(java.net.UnixDomainSocketAddress.of(path));
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

  private static void mkfifo(Path p) throws IOException {
    try {
      Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).inheritIO().start();
      if (!mk.waitFor(10, TimeUnit.SECONDS) || mk.exitValue() != 0) {
        throw new IOException("mkfifo " + p + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static void end(Process server) throws IOException, InterruptedException {
    if (!server.waitFor(10, TimeUnit.SECONDS) || server.exitValue() != 0) {
      server.destroyForcibly();
      throw new IOException("the server did not end cleanly");
    }
  }

  /** Process streams: a flush per message, as a request/response protocol needs. */
  private static final class StreamLink implements Link {
    private final Process server;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] ping = new byte[MESSAGE];
    private final byte[] pong = new byte[MESSAGE];
    private final byte[] chunk = new byte[CHUNK];
    private int seq;

    StreamLink(Process server) {
      this.server = server;
      this.out = server.getOutputStream();
      this.in = server.getInputStream();
      for (int i = 0; i < CHUNK; i++) {
        chunk[i] = (byte) i;
      }
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping[0] = (byte) sent;
      out.write(ping);
      out.flush();
      if (in.readNBytes(pong, 0, MESSAGE) != MESSAGE) {
        throw new EOFException("the server closed the link");
      }
      int received = pong[0];
      Server.checkEcho(sent, received);
      return received;
    }

    @Override
    public int writeChunk() throws IOException {
      out.write(chunk);
      out.flush();
      return CHUNK;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      out.close();
      in.close();
      end(server);
    }
  }
}
