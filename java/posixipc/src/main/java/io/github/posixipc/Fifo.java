package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A FIFO (named pipe): a pipe that unrelated processes reach through a path. An instance is this
 * process's end of it, opened for reading or for writing.
 *
 * <pre>{@code
 * Path path = Path.of("/tmp/jobs");
 * Fifo.create(path);                                        // mkfifo, mode 0600
 * try (Fifo in = Fifo.open(path, Access.READ, Duration.ofSeconds(5))) { // waits for a writer
 *   ByteBuffer buf = ByteBuffer.allocateDirect(4096);
 *   while (in.read(buf) != -1) { ... }
 * } finally {
 *   Fifo.unlink(path);
 * }
 * }</pre>
 *
 * <h2>Opening</h2>
 *
 * POSIX opening rules apply. An open for reading waits until some process opens the FIFO for
 * writing, and the reverse; the timeout of {@link #open(Duration)} bounds that wait
 * ({@link TimedOutException}). A timeout of {@link Duration#ZERO} is the POSIX non-blocking open:
 * a reader opens at once without waiting for a writer, and a writer fails with ENXIO when no
 * process has the FIFO open for reading. Either way the channel is then in blocking mode.
 *
 * <p>An open in progress is ended by {@link #close()} from another thread ({@code
 * AsynchronousCloseException}) or by interrupting the opening thread ({@code
 * ClosedByInterruptException}). To be able to close it, create the instance first with
 * {@link #of(Path, Access)} and call {@link #open(Duration)} on it.
 *
 * <p>A path that exists but is not a FIFO is refused (EINVAL) before anything is opened.
 *
 * <p>On a virtual thread an open that waits is made by a platform thread of the library while the
 * virtual thread parks (an open has nothing to poll for); reads and writes park on the library's
 * poller as on every channel.
 */
public final class Fifo extends PipeEnd
    implements ByteChannel, TimedReadableByteChannel, TimedWritableByteChannel {

  /** The mode {@link #create(Path)} uses: read and write for the owner only. */
  public static final int DEFAULT_MODE = 0600;

  private final Path path;
  private final Access access;

  private Fifo(Path path, Access access) {
    // FIFOs opened by path do not support RWF_NOWAIT: timed transfers get a deadline signal.
    super(new Descriptor("FIFO " + path + " (" + access.name().toLowerCase(java.util.Locale.ROOT) + ")", false));
    this.path = path;
    this.access = access;
  }

  // ------------------------------------------------------------------ the name

  /** How to create a FIFO: {@code Fifo.options().mode(0640)}. */
  public static final class Options {
    private int mode = DEFAULT_MODE;

    private Options() {}

    /**
     * The permission bits of the new FIFO (default 0600), reduced by the umask as for any file.
     *
     * @throws IllegalArgumentException for bits outside 07777
     */
    public Options mode(int mode) {
      this.mode = OptionChecks.mode(mode, 07777);
      return this;
    }
  }

  /** A fresh set of options: mode 0600. */
  public static Options options() {
    return new Options();
  }

  /** Creates a FIFO at path with mode 0600 (mkfifo). */
  public static void create(Path path) throws IOException {
    create(path, options());
  }

  /**
   * Creates a FIFO at path (mkfifo).
   *
   * @throws AlreadyExistsException when something exists at path
   */
  public static void create(Path path, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    int r = Core.pipc_fifo_create(NativeStrings.path(path), options.mode);
    if (r < 0) {
      throw PosixException.of(r, "mkfifo", "FIFO " + path);
    }
  }

  /**
   * Removes the FIFO's name. Processes that have it open keep using it.
   *
   * @throws NotFoundException when nothing is at path
   * @throws PosixException EINVAL when path is not a FIFO (it is left alone)
   */
  public static void unlink(Path path) throws IOException {
    int r = Core.pipc_fifo_unlink(NativeStrings.path(path));
    if (r < 0) {
      throw PosixException.of(r, "unlink", "FIFO " + path);
    }
  }

  // ------------------------------------------------------------------ opening

  /** This process's end of the FIFO at path, not opened yet: call {@link #open(Duration)}. */
  public static Fifo of(Path path, Access access) {
    return new Fifo(Objects.requireNonNull(path, "path"), Objects.requireNonNull(access, "access"));
  }

  /**
   * Opens the FIFO at path for access, waiting as long as it takes for the other side (a writer
   * for {@link Access#READ}, a reader for {@link Access#WRITE}; {@link Access#READ_WRITE} never
   * waits).
   */
  public static Fifo open(Path path, Access access) throws IOException {
    return open(path, access, null);
  }

  /**
   * Opens the FIFO at path for access, waiting at most timeout for the other side; see {@link
   * #open(Duration)}. The end is closed again when the open fails.
   */
  public static Fifo open(Path path, Access access, Duration timeout) throws IOException {
    return of(path, access).openOrClose(timeout);
  }

  /** Opens this end, waiting for the other side as long as it takes. Returns this. */
  public Fifo open() throws IOException {
    return open(null);
  }

  /**
   * Opens this end. Returns this.
   *
   * @param timeout how long to wait for the other side: null forever, {@link Duration#ZERO} the
   *     POSIX non-blocking open (see the class comment)
   * @throws TimedOutException when nobody opened the other side in time
   * @throws NotFoundException when nothing is at the path
   * @throws PosixException ENXIO (non-blocking writer without reader), EINVAL (not a FIFO), ...
   * @throws IllegalStateException when this end is already open or being opened
   */
  public Fifo open(Duration timeout) throws IOException {
    long t = Timeouts.nanos(timeout);
    if (VirtualThreads.SUPPORTED && t != 0 && access != Access.READ_WRITE && VirtualThreads.current()) {
      // open(2) of a FIFO waits in the kernel with nothing to poll: a virtual thread parks while
      // a platform thread makes the open, which close, interrupt and deadline end as ever. (An
      // open for reading and writing never waits.)
      byte[] checked = NativeStrings.path(path);
      try {
        VirtualThreads.handOff(() -> {
          openHere(t, checked);
          return 0;
        });
      } catch (InterruptedException e) {
        throw new AssertionError("an open does not throw InterruptedException", e);
      }
      return this;
    }
    return openHere(t, NativeStrings.path(path));
  }

  private Fifo openHere(long t, byte[] nativePath) throws IOException {
    int flags = accessFlags() | (t == 0 ? Core.PIPC_FIFO_NONBLOCK : 0);
    // Beyond about 146 years a deadline cannot be represented; it is the same as none.
    long deadline = t > 0 && t < Long.MAX_VALUE / 2 ? System.nanoTime() + t : Descriptor.NO_DEADLINE;
    int[] fd = {-1};
    int r = 0;
    boolean opened = false;
    boolean timedOut = false;
    long self = descriptor.enterOpen(deadline);
    begin();
    try {
      for (;;) {
        r = Core.pipc_fifo_open(nativePath, flags, fd);
        if (r != -Errno.EINTR || descriptor.closing()) {
          break;
        }
        if (deadline != Descriptor.NO_DEADLINE && System.nanoTime() - deadline >= 0) {
          timedOut = true;
          break;
        }
      }
      if (r == 0 && t == 0) {
        // The non-blocking open is only about the open: the channel itself blocks.
        r = Core.pipc_fd_set_nonblocking(fd[0], 0);
        if (r < 0) {
          Core.pipc_fd_close(fd[0]);
        }
      }
    } finally {
      opened = descriptor.exitOpen(self, r == 0 ? fd[0] : -1);
      end(opened);
      Reference.reachabilityFence(this);
    }
    if (opened) {
      return this;
    }
    if (timedOut) {
      throw new TimedOutException(Errno.ETIMEDOUT, "open", descriptor.what());
    }
    throw PosixException.of(r, "open", descriptor.what());
  }

  private Fifo openOrClose(Duration timeout) throws IOException {
    try {
      return open(timeout);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private int accessFlags() {
    switch (access) {
      case READ:
        return Core.PIPC_FIFO_READ;
      case WRITE:
        return Core.PIPC_FIFO_WRITE;
      default:
        return Core.PIPC_FIFO_READ_WRITE;
    }
  }

  /** The path this end was opened from. */
  public Path path() {
    return path;
  }

  /** Which way this end goes. */
  public Access access() {
    return access;
  }

  // ------------------------------------------------------------------ data

  /**
   * Reads up to dst.remaining() bytes, waiting at most timeout; see {@link
   * Pipe.Source#read(ByteBuffer, Duration)}. {@link #read(ByteBuffer)} is this with null.
   *
   * @return the number of bytes read, or -1 at end of file (every writer has closed)
   * @throws NonReadableChannelException when opened for writing only
   */
  @Override
  public int read(ByteBuffer dst, Duration timeout) throws IOException {
    requireReadable();
    return readBuffer(dst, Timeouts.nanos(timeout));
  }

  /**
   * Writes src.remaining() bytes, waiting at most timeout for room; see {@link
   * Pipe.Sink#write(ByteBuffer, Duration)}. {@link #write(ByteBuffer)} is this with null.
   *
   * @throws NonWritableChannelException when opened for reading only
   * @throws PosixException EPIPE when no process has the FIFO open for reading
   */
  @Override
  public int write(ByteBuffer src, Duration timeout) throws IOException {
    requireWritable();
    return writeBuffer(src, Timeouts.nanos(timeout));
  }

  /** The number of bytes that can be read now without waiting. */
  public int available() throws IOException {
    requireReadable();
    return availableBytes();
  }

  /** An input stream on this end (blocking mode only); closing it closes the end. */
  public InputStream inputStream() {
    requireReadable();
    return newInputStream();
  }

  /** An output stream on this end (blocking mode only); closing it closes the end. */
  public OutputStream outputStream() {
    requireWritable();
    return newOutputStream();
  }

  private void requireReadable() {
    if (access == Access.WRITE) {
      throw new NonReadableChannelException();
    }
  }

  private void requireWritable() {
    if (access == Access.READ) {
      throw new NonWritableChannelException();
    }
  }
}
