package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;

/**
 * An anonymous pipe ({@code pipe2}): a one-way byte channel from a {@link Sink} to a {@link
 * Source}. Typically one end is handed to a child process and the other is kept.
 *
 * <pre>{@code
 * try (Pipe pipe = Pipe.open()) {
 *   pipe.sink().write(ByteBuffer.wrap("hello".getBytes()));
 *   ByteBuffer buf = ByteBuffer.allocateDirect(64);
 *   pipe.source().read(buf, Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <p>Semantics: a read returns -1 (end of file) once every write end, in every process, is closed
 * and the pipe is empty; a write to a pipe whose read ends are all closed throws a
 * {@link PosixException} with EPIPE (never a signal: the JVM ignores SIGPIPE). Both ends are
 * close-on-exec.
 */
public final class Pipe implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  /** How to make a pipe: {@code Pipe.options().nonBlocking().packet()}. */
  public static final class Options {
    private boolean nonBlocking;
    private boolean packet;

    private Options() {}

    /** Both ends start in non-blocking mode ({@code O_NONBLOCK}). */
    public Options nonBlocking() {
      nonBlocking = true;
      return this;
    }

    /**
     * Packet mode ({@code O_DIRECT}): each write of at most {@link PipeEnd#ATOMIC_WRITE} bytes is
     * one packet; a read returns one packet and drops what does not fit in the buffer.
     */
    public Options packet() {
      packet = true;
      return this;
    }
  }

  private final Source source;
  private final Sink sink;

  private Pipe(Source source, Sink sink) {
    this.source = source;
    this.sink = sink;
  }

  /** A fresh set of options: blocking, byte stream. */
  public static Options options() {
    return new Options();
  }

  /** Creates a blocking byte-stream pipe. */
  public static Pipe open() throws IOException {
    return open(options());
  }

  /** Creates a pipe with options. */
  public static Pipe open(Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    int flags = (options.nonBlocking ? Core.PIPC_PIPE_NONBLOCK : 0) | (options.packet ? Core.PIPC_PIPE_PACKET : 0);
    int[] fds = new int[2];
    int r = Core.pipc_pipe_create(fds, flags);
    if (r < 0) {
      throw PosixException.of(r, "pipe2", "pipe");
    }
    // pipe2 pipes take RWF_NOWAIT, so their timed transfers need no deadline signal.
    Pipe pipe = new Pipe(new Source(new Descriptor("pipe read end (fd " + fds[0] + ")", fds[0], true)),
        new Sink(new Descriptor("pipe write end (fd " + fds[1] + ")", fds[1], true)));
    if (options.nonBlocking) {
      pipe.source.markBlocking(false);
      pipe.sink.markBlocking(false);
    }
    return pipe;
  }

  /** The read end. */
  public Source source() {
    return source;
  }

  /** The write end. */
  public Sink sink() {
    return sink;
  }

  /** Closes both ends that are still open in this process. */
  @Override
  public void close() throws IOException {
    try {
      sink.close();
    } finally {
      source.close();
    }
  }

  @Override
  public String toString() {
    return "Pipe[" + source + ", " + sink + "]";
  }

  /** Checks an inherited descriptor and wraps it; see {@link Source#adopt(int)}. */
  private static Descriptor adopted(int fd, boolean writing) throws IOException {
    int r = Core.pipc_pipe_adopt(fd, writing ? 1 : 0);
    String what = "inherited pipe " + (writing ? "write" : "read") + " end (fd " + fd + ")";
    if (r < 0) {
      throw PosixException.of(r, "adopt", what);
    }
    // It may be a FIFO, whose timed transfers need the deadline signal.
    return new Descriptor(what, fd, false);
  }

  /** The read end of a pipe. */
  public static final class Source extends PipeEnd implements TimedReadableByteChannel {

    private Source(Descriptor d) {
      super(d);
    }

    /**
     * Takes over a pipe or FIFO read end this process inherited as descriptor fd (as a child
     * started with {@link ChildProcess.Builder#fd(int, DescriptorHandle)} does). The channel
     * owns the descriptor from then on, and makes it close-on-exec.
     *
     * @throws PosixException EBADF when fd is not open, EINVAL when it is not a pipe or FIFO open
     *     for reading
     */
    public static Source adopt(int fd) throws IOException {
      return new Source(adopted(fd, false));
    }

    /**
     * Reads up to dst.remaining() bytes, waiting at most {@code timeout} for data whatever the
     * blocking mode; {@link #read(ByteBuffer)} is this with null: in blocking mode it waits for at
     * least one byte, in non-blocking mode it returns 0 when there is nothing to read. Direct
     * buffers are read into without a copy.
     *
     * @return the number of bytes read, or -1 at end of file
     */
    @Override
    public int read(ByteBuffer dst, Duration timeout) throws IOException {
      return readBuffer(dst, Timeouts.nanos(timeout));
    }

    /** The number of bytes that can be read now without waiting. */
    public int available() throws IOException {
      return availableBytes();
    }

    /** An input stream on this end (blocking mode only); closing it closes the end. */
    public InputStream inputStream() {
      return newInputStream();
    }
  }

  /** The write end of a pipe. */
  public static final class Sink extends PipeEnd implements TimedWritableByteChannel {

    private Sink(Descriptor d) {
      super(d);
    }

    /**
     * Takes over a pipe or FIFO write end this process inherited as descriptor fd; see {@link
     * Source#adopt(int)}.
     */
    public static Sink adopt(int fd) throws IOException {
      return new Sink(adopted(fd, true));
    }

    /**
     * Writes src.remaining() bytes, waiting at most {@code timeout} for room whatever the
     * blocking mode; {@link #write(ByteBuffer)} is this with null: in blocking mode it returns
     * once all are written, in non-blocking mode it writes what fits now and returns that count,
     * possibly 0.
     *
     * @throws PosixException EPIPE when no process has the read end open
     */
    @Override
    public int write(ByteBuffer src, Duration timeout) throws IOException {
      return writeBuffer(src, Timeouts.nanos(timeout));
    }

    /** An output stream on this end (blocking mode only); closing it closes the end. */
    public OutputStream outputStream() {
      return newOutputStream();
    }
  }
}
