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
 * The streams of a {@link UnixSocket}, unbuffered: each read and write is one call of its {@link
 * ConnectedSocket} (a write of a large array: as many as it takes, all of it written). Each stream
 * takes one lock, so that its one-byte buffer and its wrapped array serve one caller at a time;
 * closing either closes the view.
 */
final class SocketStreams {

  private SocketStreams() {}

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

  /** The input stream: each read one call of the socket, bounded by the view's read timeout. */
  static final class In extends InputStream {
    private final UnixSocket view;
    private final ConnectedSocket s;
    private final ReentrantLock lock = new ReentrantLock();
    private final Wrapper wrapper = new Wrapper();
    private final ByteBuffer one = ByteBuffer.allocate(1);
    /** posixipc's own stream, for available() (FIONREAD). */
    private final InputStream counter;

    In(UnixSocket view, ConnectedSocket s) {
      this.view = view;
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
      if (view.isClosed()) {
        throw new SocketException("Socket closed");
      }
      if (view.isInputShutdown()) {
        return -1;
      }
      int n;
      try {
        n = s.read(dst, view.readTimeout());
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
      if (view.isClosed()) {
        throw new SocketException("Socket closed");
      }
      if (view.isInputShutdown()) {
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

  /** The output stream: each write complete before it returns. */
  static final class Out extends OutputStream {
    private final UnixSocket view;
    private final ConnectedSocket s;
    private final ReentrantLock lock = new ReentrantLock();
    private final Wrapper wrapper = new Wrapper();
    private final ByteBuffer one = ByteBuffer.allocate(1);

    Out(UnixSocket view, ConnectedSocket s) {
      this.view = view;
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
      if (view.isClosed()) {
        throw new SocketException("Socket closed");
      }
      if (view.isOutputShutdown()) {
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
