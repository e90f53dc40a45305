package io.github.posixipc.bench;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.Pipe;
import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * What one call into the C core costs, apart from what the call does: the {@code call-cost}
 * scenario. A "round trip" is {@link #CALLS} calls of {@code ioctl(FIONREAD)} on an empty pipe
 * (a system call that neither waits nor moves data), made three ways: through posixipc's public
 * API ({@code Pipe.Source.available()}: the close-safe call bracket, then the JNI call), through
 * the same JNI binding bare ({@code Core.pipc_fd_available}, no bracket), and through a
 * hand-written FFM downcall (the FFM contender, JDK 22+). Their differences split posixipc's cost
 * over FFM into the bracket's part and the transition's part. No server: the pipe is this
 * process's own.
 *
 * <p>The {@code transfer-cost} scenario does the same for the calls a round trip makes: {@link
 * #CALLS} pairs of a 1-byte {@code write} and a 1-byte {@code read} on a pipe of the process's own
 * (neither waits: the byte is there), through posixipc's {@code Pipe} (the bracket of a call that
 * may block: close-safe, interruptible, with a deadline), through the bare JNI binding, through the
 * JDK's {@code java.nio.channels.Pipe} (the JDK's bracket for the same guarantees) and through FFM
 * downcalls. One measured operation is {@code 2 * CALLS} system calls. {@code
 * transfer-cost-unix} makes the same calls on a connected AF_UNIX stream pair (the JDK's: two
 * {@code SocketChannel}s).
 */
final class CallLinks {

  /** Calls per measured operation, so that one operation is well above the timer's resolution. */
  static final int CALLS = 100;

  private CallLinks() {}

  /** Through posixipc's API: Pipe.Source.available(). */
  static Link posixipc() throws IOException {
    Pipe pipe = Pipe.open();
    return new CallLink() {
      @Override
      public int roundTrip() throws IOException {
        int sum = 0;
        for (int i = 0; i < CALLS; i++) {
          sum += pipe.source().available();
        }
        return check(sum);
      }

      @Override
      public void close() throws IOException {
        pipe.close();
      }
    };
  }

  /** The same JNI binding without the bracket. */
  static Link jni() throws IOException {
    int[] fds = new int[2];
    int r = Core.pipc_pipe_create(fds, 0);
    if (r < 0) {
      throw new IOException("pipc_pipe_create: " + r);
    }
    return new CallLink() {
      @Override
      public int roundTrip() throws IOException {
        int sum = 0;
        for (int i = 0; i < CALLS; i++) {
          int n = Core.pipc_fd_available(fds[0]);
          if (n < 0) {
            throw new IOException("pipc_fd_available: " + n);
          }
          sum += n;
        }
        return check(sum);
      }

      @Override
      public void close() {
        Core.pipc_fd_close(fds[0]);
        Core.pipc_fd_close(fds[1]);
      }
    };
  }

  /**
   * transfer-cost through posixipc's API: a pipe's Sink.write then Source.read, or a socket
   * pair's write then read (socket), of one direct byte.
   */
  static Link transferPosixipc(boolean socket) throws IOException {
    if (socket) {
      ConnectedSocket[] pair = ConnectedSocket.pair();
      return transfers(pair[0], pair[1]);
    }
    Pipe pipe = Pipe.open();
    return transfers(pipe.sink(), pipe.source());
  }

  /** transfer-cost through the JDK: java.nio.channels.Pipe, or a connected pair of AF_UNIX SocketChannels. */
  static Link transferJdk(boolean socket) throws IOException {
    if (socket) {
      Path dir = Files.createTempDirectory("pipc-bench-");
      Path path = dir.resolve("s");
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(path));
        SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(path));
        try {
          return transfers(out, server.accept());
        } catch (IOException | RuntimeException e) {
          out.close();
          throw e;
        }
      } finally {
        Files.deleteIfExists(path);
        Files.deleteIfExists(dir);
      }
    }
    java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
    return transfers(pipe.sink(), pipe.source());
  }

  /** CALLS writes of one direct byte to out, each read back from in; closes both at the end. */
  private static Link transfers(WritableByteChannel out, ReadableByteChannel in) {
    ByteBuffer one = ByteBuffer.allocateDirect(1);
    return new CallLink() {
      @Override
      public int roundTrip() throws IOException {
        int sum = 0;
        for (int i = 0; i < CALLS; i++) {
          one.clear();
          out.write(one);
          one.clear();
          sum += in.read(one);
        }
        return checkTransfers(sum);
      }

      @Override
      public void close() throws IOException {
        out.close();
        in.close();
      }
    };
  }

  /**
   * transfer-cost through the same JNI bindings bare, as posixipc's calls make them: pipc_fd_write
   * and pipc_fd_read on a pipe, pipc_socket_send and pipc_socket_recv on a socket pair.
   */
  static Link transferJni(boolean socket) throws IOException {
    int[] fds = new int[2];
    int r = socket ? Core.pipc_socket_pair(Core.PIPC_SOCK_STREAM, 0, fds) : Core.pipc_pipe_create(fds, 0);
    if (r < 0) {
      throw new IOException((socket ? "pipc_socket_pair: " : "pipc_pipe_create: ") + r);
    }
    ByteBuffer one = ByteBuffer.allocateDirect(1);
    long address = new Pointer(one).address();
    return new CallLink() {
      @Override
      public int roundTrip() throws IOException {
        int sum = 0;
        for (int i = 0; i < CALLS; i++) {
          long w = socket ? Core.pipc_socket_send(fds[0], address, 1, 0, -1) : Core.pipc_fd_write(fds[1], address, 1);
          long n = socket ? Core.pipc_socket_recv(fds[1], address, 1, 0, -1) : Core.pipc_fd_read(fds[0], address, 1);
          if (w != 1 || n != 1) {
            throw new IOException("write/read of one byte: " + w + ", " + n);
          }
          sum += (int) n;
        }
        return checkTransfers(sum);
      }

      @Override
      public void close() {
        Core.pipc_fd_close(fds[0]);
        Core.pipc_fd_close(fds[1]);
        Reference.reachabilityFence(one);
      }
    };
  }

  /** Every read of transfer-cost gets the byte just written. */
  static int checkTransfers(int sum) throws IOException {
    if (sum != CALLS) {
      throw new IOException(CALLS + " reads of a byte just written got " + sum + " bytes");
    }
    return sum;
  }

  /** The pipe stays empty: every call answers 0. */
  static int check(int sum) throws IOException {
    if (sum != 0) {
      throw new IOException("an empty pipe reported " + sum + " bytes");
    }
    return sum;
  }

  private abstract static class CallLink implements Link {
    @Override
    public int writeChunk() {
      throw new UnsupportedOperationException("call-cost and transfer-cost have no stream");
    }
  }
}
