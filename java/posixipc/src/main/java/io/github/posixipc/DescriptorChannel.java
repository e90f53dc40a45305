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
import java.util.Objects;

/**
 * A byte channel over one file descriptor of this process: the base of pipe ends, FIFOs, sockets
 * and message queues. Other handles with a descriptor ({@link SharedMemory}, {@link Poller}, a
 * queue's notification) share its lifecycle and bracket without being channels.
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
 *
 * <h2>Virtual threads</h2>
 *
 * On a virtual thread (JDK 21+) a call that would wait parks the virtual thread instead of its
 * carrier: it tries without waiting (a per-call flag; the descriptor's mode is left as it is) and
 * parks until the library's poller reports the descriptor ready, with the same timeouts,
 * interrupt and close behaviour as above. Platform threads take the direct path.
 */
public abstract non-sealed class DescriptorChannel extends InterruptibleBase
    implements Pollable, DescriptorHandle {

  static {
    Native.ensureLoaded();
  }

  /** See {@link Timeouts#FOREVER}. */
  static final long FOREVER = Timeouts.FOREVER;

  final Descriptor descriptor;
  private volatile boolean blocking = true;
  /** This channel's blocking mode and interrupt hook, for the bracket; not public API. */
  private final Buffers.AddressCache readCache = new Buffers.AddressCache();
  private final Buffers.AddressCache writeCache = new Buffers.AddressCache();

  DescriptorChannel(Descriptor descriptor) {
    this.descriptor = descriptor;
    descriptor.cleanWith(this);
  }

  /**
   * The descriptor number, for use with other native code while this channel is open. Do not
   * close it: close the channel.
   *
   * @throws ClosedChannelException if the channel is closed
   */
  @Override
  public final int fd() throws IOException {
    return descriptor.number();
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
    descriptor.closeOwnedOrThrow();
  }

  // ------------------------------------------------------------------ for subclasses

  /** Runs a non-blocking call on the descriptor; returns its result or throws. */
  final long withFd(Descriptor.FdCall call, String syscall) throws IOException {
    try {
      return descriptor.withFd(call, syscall);
    } finally {
      Reference.reachabilityFence(this);
    }
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
        ? transfer(false, directAddress(dst, false) + pos, len, timeoutNs)
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
    long deadline = Timeouts.deadline(timeoutNs);
    int total = 0;
    while (src.hasRemaining()) {
      long t = Timeouts.left(timeoutNs, deadline);
      if (timeoutNs > 0) {
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
      n = transfer(true, directAddress(src, true) + pos, len, timeoutNs);
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

  /**
   * The address of a direct buffer's first byte, remembered per direction (write: data going
   * out), so that a loop reusing one buffer looks it up once. The one cache of every channel:
   * the sockets' messages and the queues' use it too.
   */
  final long directAddress(ByteBuffer direct, boolean write) {
    return (write ? writeCache : readCache).address(direct);
  }

  private void requireBlocking() {
    if (!blocking) {
      throw new IllegalBlockingModeException();
    }
  }

  /** A call into the C core on this descriptor that may wait; see {@link Descriptor.Call}. */
  @FunctionalInterface
  interface Call extends Descriptor.Call {}

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
   * The bracket every call that may block goes through: {@link Descriptor#call} with this
   * channel's blocking mode and interrupt hook. Pass ops as static final non-capturing lambdas,
   * so that nothing is allocated per call.
   */
  final long call(Descriptor.Call op, long a, long b, long c, long timeoutNs, boolean zeroIsData, String syscall)
      throws IOException {
    try {
      return descriptor.call(hooks, op, a, b, c, timeoutNs, zeroIsData, syscall);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  @Override
  final boolean waitsByDefault() {
    return blocking;
  }
}
