package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.spi.AbstractInterruptibleChannel;
import java.util.Objects;

/**
 * A channel over one file descriptor of this process: the base of every descriptor-based handle
 * of posixipc (pipe ends, FIFOs, and later sockets and message queues).
 *
 * <h2>Lifetime and threads</h2>
 *
 * <ul>
 *   <li>{@link #close()} is idempotent and thread-safe. A thread blocked in a call on the channel
 *       (read, write, a FIFO open) returns promptly with {@link AsynchronousCloseException}; the
 *       descriptor number is released only after every such thread has left, so it is never used
 *       by this library after it could have been reused by someone else.
 *   <li>{@link Thread#interrupt()} of a thread blocked in a call closes the channel, and the
 *       thread gets {@link ClosedByInterruptException}, as with the JDK's channels.
 *   <li>Any call after close throws {@link ClosedChannelException}, naming the object.
 *   <li>A channel that becomes unreachable without being closed has its descriptor closed by a
 *       {@link Cleaner}. Names (a FIFO's path) are never removed behind the caller's back.
 * </ul>
 *
 * <p>Waking a blocked thread uses a private real-time signal, {@code SIGRTMAX-3} by default (see
 * {@code docs/signals} in the project for choosing another with {@code -Dposixipc.wakeupSignal}).
 *
 * <h2>Blocking</h2>
 *
 * A channel starts in blocking mode. {@link #setBlocking(boolean) setBlocking(false)} sets
 * {@code O_NONBLOCK} on the open file description, which every process sharing it sees.
 */
public abstract class DescriptorChannel extends AbstractInterruptibleChannel implements Pollable {

  static {
    Native.ensureLoaded();
  }

  static final long FOREVER = -1;

  final Descriptor descriptor;
  private final Cleaner.Cleanable cleanable;
  private volatile boolean blocking = true;
  private Buffers.Cached readBuffer;
  private Buffers.Cached writeBuffer;

  DescriptorChannel(Descriptor descriptor) {
    this.descriptor = descriptor;
    this.cleanable = Native.CLEANER.register(this, descriptor);
  }

  /**
   * The descriptor number, for use with other native code while this channel is open. Do not
   * close it: close the channel.
   *
   * @throws ClosedChannelException if the channel is closed
   */
  public final int fd() throws IOException {
    long self = descriptor.enter();
    try {
      return descriptor.fd();
    } finally {
      descriptor.exit(self);
    }
  }

  /** True when calls wait for data or room (the default). */
  public final boolean isBlocking() {
    return blocking;
  }

  /**
   * Sets or clears non-blocking mode ({@code O_NONBLOCK}). In non-blocking mode, a read with
   * nothing to read returns 0 and a write with no room returns 0.
   */
  public final void setBlocking(boolean block) throws IOException {
    withFd(fd -> Core.pipc_fd_set_nonblocking(fd, block ? 0 : 1), "fcntl(O_NONBLOCK)");
    blocking = block;
  }

  /** System.nanoTime() + timeoutNs, saturated so that a huge timeout never wraps around. */
  static long deadlineAfter(long timeoutNs) {
    long now = System.nanoTime();
    return timeoutNs > Long.MAX_VALUE / 2 ? now + Long.MAX_VALUE / 2 : now + timeoutNs;
  }

  /** Records the mode a descriptor was opened in, without a system call. */
  final void markBlocking(boolean block) {
    blocking = block;
  }

  /** Returns what the channel is open on, and whether it is closed. */
  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + descriptor.what() + (isOpen() ? "" : ", closed") + "]";
  }

  @Override
  protected final void implCloseChannel() throws IOException {
    int r = descriptor.close();
    cleanable.clean();
    if (r < 0) {
      throw PosixException.of(r, "close", descriptor.what());
    }
  }

  // ------------------------------------------------------------------ for subclasses

  /** A call that needs the descriptor number and cannot block. */
  interface FdCall {
    long apply(int fd);
  }

  /** Runs a non-blocking call on the descriptor; returns its result or throws. */
  final long withFd(FdCall call, String syscall) throws IOException {
    long r;
    long self = descriptor.enter();
    try {
      r = call.apply(descriptor.fd());
    } finally {
      descriptor.exit(self);
      Reference.reachabilityFence(this);
    }
    if (r < 0) {
      throw PosixException.of(r, syscall, descriptor.what());
    }
    return r;
  }

  /**
   * Reads into dst. Returns the bytes read (> 0), -1 at end of file, or 0 when nothing could be
   * read without waiting (non-blocking mode only). timeoutNs: FOREVER follows the blocking mode;
   * 0 or positive waits at most that long whatever the mode, and then throws.
   */
  final int readBuffer(ByteBuffer dst, long timeoutNs) throws IOException {
    Objects.requireNonNull(dst, "dst");
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("read into a read-only buffer");
    }
    int pos = dst.position();
    int len = dst.limit() - pos;
    if (len == 0) {
      return 0;
    }
    long n = dst.isDirect()
        ? transfer(false, bufferAddress(dst, false) + pos, len, timeoutNs)
        : readIntoArray(dst.array(), dst.arrayOffset() + pos, len, timeoutNs);
    if (n > 0) {
      dst.position(pos + (int) n);
    }
    return readResult(n);
  }

  /** Reads into a heap array; the same results as {@link #readBuffer}. */
  final int readArray(byte[] a, int off, int len, long timeoutNs) throws IOException {
    Objects.checkFromIndexSize(off, len, a.length);
    return len == 0 ? 0 : readResult(readIntoArray(a, off, len, timeoutNs));
  }

  /** From a raw transfer result (count, 0 at end of file, -EAGAIN) to a channel's read result. */
  private static int readResult(long n) {
    return n > 0 ? (int) n : n == 0 ? -1 : 0;
  }

  /** A raw read into a heap array, through the calling thread's scratch memory. */
  private long readIntoArray(byte[] a, int off, int len, long timeoutNs) throws IOException {
    int chunk = Math.min(len, Buffers.SCRATCH_MAX);
    Buffers.Scratch s = Buffers.scratch(chunk);
    long n = transfer(false, s.address, chunk, timeoutNs);
    if (n > 0) {
      s.buffer.get(0, a, off, (int) n);
    }
    return n;
  }

  /**
   * Writes from src. In blocking mode (timeout FOREVER) it returns once every byte is written. With
   * a timeout it returns once every byte is written or the time is up, and throws only when no
   * byte could be written. In non-blocking mode it writes what fits now, possibly nothing. When a
   * close from another thread ends the write part way, it throws AsynchronousCloseException and
   * src's position tells how much was written.
   */
  final int writeBuffer(ByteBuffer src, long timeoutNs) throws IOException {
    Objects.requireNonNull(src, "src");
    long deadline = timeoutNs > 0 ? deadlineAfter(timeoutNs) : 0;
    int total = 0;
    while (src.hasRemaining()) {
      long t = timeoutNs;
      if (timeoutNs > 0) {
        t = deadline - System.nanoTime();
        if (t <= 0 && total > 0) {
          break;
        }
        t = Math.max(t, 0);
      }
      int n;
      try {
        n = writeOnce(src, t);
      } catch (WouldBlockException e) {
        if (total > 0) {
          break;
        }
        throw e;
      } catch (ClosedChannelException e) {
        if (total > 0 && !(e instanceof AsynchronousCloseException)) {
          // Closed between two parts of this write: by another thread, during the call.
          AsynchronousCloseException async = new AsynchronousCloseException();
          async.addSuppressed(e);
          throw async;
        }
        throw e;
      }
      total += n;
      if (n == 0 || (timeoutNs == FOREVER && !blocking) || timeoutNs == 0) {
        break;
      }
    }
    return total;
  }

  /** Writes a heap array in full (blocking mode), through the scratch memory. */
  final void writeArray(byte[] a, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, a.length);
    while (len > 0) {
      int n = writeArrayOnce(a, off, len, FOREVER);
      off += n;
      len -= n;
    }
  }

  /** An input stream over this channel, for a channel in blocking mode. */
  final InputStream newInputStream() {
    return new InputStream() {
      private final byte[] one = new byte[1];

      @Override
      public int read() throws IOException {
        return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        requireBlocking();
        return readArray(b, off, len, FOREVER);
      }

      @Override
      public int available() throws IOException {
        return (int) withFd(Core::pipc_fd_available, "ioctl(FIONREAD)");
      }

      @Override
      public void close() throws IOException {
        DescriptorChannel.this.close();
      }
    };
  }

  /** An output stream over this channel, for a channel in blocking mode. */
  final OutputStream newOutputStream() {
    return new OutputStream() {
      private final byte[] one = new byte[1];

      @Override
      public void write(int b) throws IOException {
        one[0] = (byte) b;
        write(one, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        requireBlocking();
        writeArray(b, off, len);
      }

      @Override
      public void close() throws IOException {
        DescriptorChannel.this.close();
      }
    };
  }

  // ------------------------------------------------------------------ the bracket

  private int writeOnce(ByteBuffer src, long timeoutNs) throws IOException {
    int pos = src.position();
    int len = src.limit() - pos;
    long n;
    if (src.isDirect()) {
      n = transfer(true, bufferAddress(src, true) + pos, len, timeoutNs);
    } else if (src.hasArray()) {
      n = writeArrayOnce(src.array(), src.arrayOffset() + pos, len, timeoutNs);
    } else {
      // A read-only heap buffer: copied without its backing array.
      int chunk = Math.min(len, Buffers.SCRATCH_MAX);
      Buffers.Scratch s = Buffers.scratch(chunk);
      s.buffer.put(0, src, pos, chunk);
      n = transfer(true, s.address, chunk, timeoutNs);
    }
    if (n > 0) {
      src.position(pos + (int) n);
      return (int) n;
    }
    return 0;
  }

  private int writeArrayOnce(byte[] a, int off, int len, long timeoutNs) throws IOException {
    int chunk = Math.min(len, Buffers.SCRATCH_MAX);
    Buffers.Scratch s = Buffers.scratch(chunk);
    s.buffer.put(0, a, off, chunk);
    long n = transfer(true, s.address, chunk, timeoutNs);
    return n > 0 ? (int) n : 0;
  }

  private long bufferAddress(ByteBuffer b, boolean write) {
    Buffers.Cached c = write ? writeBuffer : readBuffer;
    if (c == null || c.buffer != b) {
      c = new Buffers.Cached(b);
      if (write) {
        writeBuffer = c;
      } else {
        readBuffer = c;
      }
    }
    return c.address;
  }

  private void requireBlocking() {
    if (!blocking) {
      throw new IllegalBlockingModeException();
    }
  }

  /** A call into the C core on this descriptor that may wait; see {@link #call}. */
  @FunctionalInterface
  interface Call {
    /**
     * Makes the call. a, b and c are its arguments; timeoutNs is the time left (-1: wait as the
     * blocking mode says; 0: do not wait; positive: wait at most that long). Returns the result
     * (>= 0) or a negative errno.
     */
    long invoke(int fd, long a, long b, long c, long timeoutNs);
  }

  static final Call READ = (fd, addr, len, unused, t) ->
      t < 0 ? Core.pipc_fd_read(fd, addr, len) : Core.pipc_fd_read_timed(fd, addr, len, t);

  static final Call WRITE = (fd, addr, len, unused, t) ->
      t < 0 ? Core.pipc_fd_write(fd, addr, len) : Core.pipc_fd_write_timed(fd, addr, len, t);

  /** The call that reads bytes: read(2) here; sockets use recv(2). Same contract as READ. */
  Call readCall() {
    return READ;
  }

  /** The call that writes bytes: write(2) here; sockets use send(2). Same contract as WRITE. */
  Call writeCall() {
    return WRITE;
  }

  private long transfer(boolean write, long addr, long len, long timeoutNs) throws IOException {
    return write
        ? call(writeCall(), addr, len, 0, timeoutNs, false, "write")
        : call(readCall(), addr, len, 0, timeoutNs, false, "read");
  }

  /**
   * The bracket every call that may block goes through: it keeps the descriptor open during the
   * call, lets close() and Thread.interrupt() wake it, retries an EINTR that was neither, and keeps
   * one deadline across retries. Pass ops as static final non-capturing lambdas, so that nothing
   * is allocated per call.
   *
   * @param op the call
   * @param timeoutNs FOREVER (follow the blocking mode), 0 (do not wait) or a positive bound
   * @param zeroIsData whether a result of 0 is data (a zero-length message) rather than an end
   *     of stream, which a close turns into AsynchronousCloseException
   * @param syscall the POSIX name of the call, for the exception
   * @return the result (>= 0), or -EAGAIN when the channel is non-blocking, timeoutNs is FOREVER
   *     and the call could not proceed; every other failure is thrown
   */
  final long call(Call op, long a, long b, long c, long timeoutNs, boolean zeroIsData, String syscall)
      throws IOException {
    boolean mayBlock = timeoutNs > 0 || (timeoutNs == FOREVER && blocking);
    long deadline = timeoutNs > 0 ? deadlineAfter(timeoutNs) : 0;
    // Where the kernel cannot do the timed call without blocking, the Waker signals the thread
    // if it is still inside the call at the deadline.
    boolean guard = timeoutNs >= 0 && descriptor.needsDeadlineSignal();
    // Entered before begin(): a use after close gets the descriptor's own clear exception, not
    // the AsynchronousCloseException that end() would make of it.
    long self = descriptor.enter(guard ? (timeoutNs == 0 ? System.nanoTime() : deadline) : Descriptor.NO_DEADLINE);
    long r = 0;
    if (mayBlock) {
      begin();
    }
    try {
      int fd = descriptor.fd();
      for (;;) {
        long t = timeoutNs;
        if (timeoutNs > 0) {
          t = deadline - System.nanoTime();
          if (t <= 0) {
            r = -Errno.ETIMEDOUT;
            break;
          }
        }
        r = op.invoke(fd, a, b, c, t);
        // EINTR without a close is some other signal, or the deadline signal: carry on with
        // the time left, which is none after the deadline.
        if (r != -Errno.EINTR || descriptor.closing()) {
          break;
        }
        if (guard && timeoutNs == 0) {
          r = -Errno.EAGAIN;
          break;
        }
      }
    } finally {
      descriptor.exit(self);
      if (mayBlock) {
        // Throws AsynchronousCloseException or ClosedByInterruptException when a close or an
        // interrupt ended the call; what did complete (r > 0) is reported, never lost.
        end(r > 0 || (r == 0 && (zeroIsData || isOpen())));
      }
      Reference.reachabilityFence(this);
    }
    if (r >= 0) {
      return r;
    }
    if (!isOpen()) {
      throw new AsynchronousCloseException();
    }
    if (r == -Errno.EAGAIN && timeoutNs == FOREVER) {
      return r;
    }
    throw PosixException.of(r, syscall, descriptor.what());
  }
}
