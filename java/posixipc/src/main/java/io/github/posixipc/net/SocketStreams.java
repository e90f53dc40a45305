package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The byte stream of a {@link UnixSocket} in its two directions: the view's streams, unbuffered
 * (each read and write one call of its {@link ConnectedSocket}; a write of a large array as many as
 * it takes, all of it written), each read bounded by the view's {@code SO_TIMEOUT}, and the
 * shutdown of either direction. Each stream takes a lock of its own, for its one-byte buffer and
 * its wrapped array; closing either stream closes the view.
 */
final class SocketStreams {

  private final UnixSocket view;
  /** The view's impl, which holds SO_TIMEOUT. */
  private final ViewSocketImpl<ConnectedSocket> options;
  private final Direction input = new Direction("input", "shutdown(SHUT_RD)", ConnectedSocket::shutdownInput);
  private final Direction output = new Direction("output", "shutdown(SHUT_WR)", ConnectedSocket::shutdownOutput);
  private In in;
  private Out out;

  SocketStreams(UnixSocket view, ViewSocketImpl<ConnectedSocket> options) {
    this.view = view;
    this.options = options;
  }

  /** The one input stream of the view's connected socket s. */
  synchronized InputStream input(ConnectedSocket s) throws SocketException {
    input.requireUp();
    return in != null ? in : (in = new In(s));
  }

  /** The one output stream of the view's connected socket s. */
  synchronized OutputStream output(ConnectedSocket s) throws SocketException {
    output.requireUp();
    return out != null ? out : (out = new Out(s));
  }

  void shutdownInput(ConnectedSocket s) throws IOException {
    input.shutdown(s);
  }

  void shutdownOutput(ConnectedSocket s) throws IOException {
    output.shutdown(s);
  }

  boolean isInputShutdown() {
    return input.down;
  }

  boolean isOutputShutdown() {
    return output.down;
  }

  /** What a stream's call of the view's socket may do now: nothing after close ("Socket closed"). */
  private void requireOpen() throws SocketException {
    if (view.isClosed()) {
      throw new SocketException("Socket closed");
    }
  }

  /** One direction of the byte stream: shut down or not, and its name in the messages. */
  private static final class Direction {
    /** The call on the socket that ends the direction. */
    @FunctionalInterface
    interface Shutdown {
      void run(ConnectedSocket s) throws IOException;
    }

    private final String name;
    private final String call;
    private final Shutdown shutdown;
    volatile boolean down;

    Direction(String name, String call, Shutdown shutdown) {
      this.name = name;
      this.call = call;
      this.shutdown = shutdown;
    }

    /** Refuses what needs the direction once it is shut down. */
    void requireUp() throws SocketException {
      if (down) {
        throw new SocketException("Socket " + name + " is shutdown");
      }
    }

    void shutdown(ConnectedSocket s) throws IOException {
      if (down) {
        throw new SocketException("Socket " + name + " is already shutdown");
      }
      try {
        shutdown.run(s);
      } catch (IOException e) {
        throw NetErrors.of(e, call);
      }
      down = true;
    }
  }

  /** A stream's one call of the socket on a buffer: its read (the count) or its write. */
  @FunctionalInterface
  private interface Call {
    int on(ByteBuffer b) throws IOException;
  }

  /** A stream's lock, its one-byte buffer, and the last array it wrapped, kept so that a loop wraps once. */
  private static final class Buffers {
    final ReentrantLock lock = new ReentrantLock();
    final ByteBuffer one = ByteBuffer.allocate(1);
    private byte[] array;
    private ByteBuffer buffer;

    /** call on b[off, off + len) as a heap buffer, under the lock; 0 without a call when len is 0. */
    int onArray(Call call, byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      lock.lock();
      try {
        if (b != array) {
          buffer = ByteBuffer.wrap(b);
          array = b;
        }
        buffer.limit(off + len);
        buffer.position(off);
        return call.on(buffer);
      } finally {
        lock.unlock();
      }
    }
  }

  private final class In extends InputStream {
    private final ConnectedSocket s;
    private final Buffers buffers = new Buffers();
    private final Call read = this::readInto;
    /** posixipc's own stream, for available() (FIONREAD). */
    private final InputStream counter;

    In(ConnectedSocket s) {
      this.s = s;
      this.counter = s.inputStream();
    }

    @Override
    public int read() throws IOException {
      buffers.lock.lock();
      try {
        buffers.one.clear();
        return readInto(buffers.one) == -1 ? -1 : buffers.one.get(0) & 0xff;
      } finally {
        buffers.lock.unlock();
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return buffers.onArray(read, b, off, len);
    }

    private int readInto(ByteBuffer dst) throws IOException {
      requireOpen();
      if (input.down) {
        return -1;
      }
      int n;
      try {
        n = s.read(dst, options.timeout());
      } catch (IOException e) {
        throw NetErrors.of(e, "Read");
      }
      if (n == 0) {
        // Only a socket someone set non-blocking reads nothing without the end of the stream.
        throw new IllegalBlockingModeException();
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      requireOpen();
      if (input.down) {
        return 0;
      }
      try {
        return counter.available();
      } catch (IOException e) {
        throw NetErrors.of(e, "ioctl(FIONREAD)");
      }
    }

    @Override
    public void close() throws IOException {
      view.close();
    }
  }

  private final class Out extends OutputStream {
    private final ConnectedSocket s;
    private final Buffers buffers = new Buffers();
    private final Call write = src -> {
      writeFrom(src);
      return 0;
    };

    Out(ConnectedSocket s) {
      this.s = s;
    }

    @Override
    public void write(int b) throws IOException {
      buffers.lock.lock();
      try {
        buffers.one.clear();
        buffers.one.put(0, (byte) b);
        writeFrom(buffers.one);
      } finally {
        buffers.lock.unlock();
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      buffers.onArray(write, b, off, len);
    }

    private void writeFrom(ByteBuffer src) throws IOException {
      requireOpen();
      output.requireUp();
      try {
        s.write(src);
      } catch (IOException e) {
        throw NetErrors.of(e, "Write");
      }
      if (src.hasRemaining()) {
        throw new IllegalBlockingModeException();
      }
    }

    @Override
    public void close() throws IOException {
      view.close();
    }
  }
}
