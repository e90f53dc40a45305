package io.github.posixipc.net;

import io.github.posixipc.ConnectedSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.IllegalBlockingModeException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The byte stream of a {@link UnixSocket} in its two directions: the view's streams, unbuffered
 * (each read and write one call of its {@link ConnectedSocket}; a write of a large array as many as
 * it takes, all of it written), the timeout that bounds every read, and the shutdown of either
 * direction. Each stream takes a lock of its own, for its one-byte buffer and its wrapped array;
 * closing either stream closes the view.
 */
final class SocketStreams {

  private final UnixSocket view;
  private volatile int soTimeout;
  /** soTimeout as the Duration the reads take (null: no timeout), made once per setSoTimeout. */
  private volatile Duration readTimeout;
  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;
  private In in;
  private Out out;

  SocketStreams(UnixSocket view) {
    this.view = view;
  }

  /** The one input stream of the view's connected socket s. */
  synchronized InputStream input(ConnectedSocket s) throws SocketException {
    if (inputShutdown) {
      throw new SocketException("Socket input is shutdown");
    }
    if (in == null) {
      in = new In(s);
    }
    return in;
  }

  /** The one output stream of the view's connected socket s. */
  synchronized OutputStream output(ConnectedSocket s) throws SocketException {
    if (outputShutdown) {
      throw new SocketException("Socket output is shutdown");
    }
    if (out == null) {
      out = new Out(s);
    }
    return out;
  }

  void shutdownInput(ConnectedSocket s) throws IOException {
    if (inputShutdown) {
      throw new SocketException("Socket input is already shutdown");
    }
    try {
      s.shutdownInput();
    } catch (IOException e) {
      throw NetErrors.of(e, "shutdown(SHUT_RD)");
    }
    inputShutdown = true;
  }

  void shutdownOutput(ConnectedSocket s) throws IOException {
    if (outputShutdown) {
      throw new SocketException("Socket output is already shutdown");
    }
    try {
      s.shutdownOutput();
    } catch (IOException e) {
      throw NetErrors.of(e, "shutdown(SHUT_WR)");
    }
    outputShutdown = true;
  }

  boolean isInputShutdown() {
    return inputShutdown;
  }

  boolean isOutputShutdown() {
    return outputShutdown;
  }

  /** Bounds every read to timeout milliseconds (0: no bound). */
  void setSoTimeout(int timeout) {
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout can't be negative");
    }
    readTimeout = timeout == 0 ? null : Duration.ofMillis(timeout);
    soTimeout = timeout;
  }

  int soTimeout() {
    return soTimeout;
  }

  /** What a stream's call of the view's socket may do now: nothing after close ("Socket closed"). */
  private void requireOpen() throws SocketException {
    if (view.isClosed()) {
      throw new SocketException("Socket closed");
    }
  }

  /** A heap array as a buffer for the channel calls, the last one kept so that a loop wraps once. */
  private static final class Wrapper {
    private byte[] array;
    private ByteBuffer buffer;

    ByteBuffer wrap(byte[] b, int off, int len) {
      if (b != array) {
        buffer = ByteBuffer.wrap(b);
        array = b;
      }
      buffer.limit(off + len);
      buffer.position(off);
      return buffer;
    }
  }

  private final class In extends InputStream {
    private final ConnectedSocket s;
    private final ReentrantLock lock = new ReentrantLock();
    private final Wrapper wrapper = new Wrapper();
    private final ByteBuffer one = ByteBuffer.allocate(1);
    /** posixipc's own stream, for available() (FIONREAD). */
    private final InputStream counter;

    In(ConnectedSocket s) {
      this.s = s;
      this.counter = s.inputStream();
    }

    @Override
    public int read() throws IOException {
      lock.lock();
      try {
        one.clear();
        return readInto(one) == -1 ? -1 : one.get(0) & 0xff;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      lock.lock();
      try {
        return readInto(wrapper.wrap(b, off, len));
      } finally {
        lock.unlock();
      }
    }

    private int readInto(ByteBuffer dst) throws IOException {
      requireOpen();
      if (inputShutdown) {
        return -1;
      }
      int n;
      try {
        n = s.read(dst, readTimeout);
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
      if (inputShutdown) {
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
    private final ReentrantLock lock = new ReentrantLock();
    private final Wrapper wrapper = new Wrapper();
    private final ByteBuffer one = ByteBuffer.allocate(1);

    Out(ConnectedSocket s) {
      this.s = s;
    }

    @Override
    public void write(int b) throws IOException {
      lock.lock();
      try {
        one.clear();
        one.put(0, (byte) b);
        writeFrom(one);
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return;
      }
      lock.lock();
      try {
        writeFrom(wrapper.wrap(b, off, len));
      } finally {
        lock.unlock();
      }
    }

    private void writeFrom(ByteBuffer src) throws IOException {
      requireOpen();
      if (outputShutdown) {
        throw new SocketException("Socket output is shutdown");
      }
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
