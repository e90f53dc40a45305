package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;

/**
 * A shared-memory channel: a bounded ring of messages between one consumer and one or several
 * producers, in any mix of Java and C processes (the C core's {@code posixipc/channel.h}; the
 * layout is that header's, read through the constants the core exports).
 *
 * <pre>{@code
 * try (Channel out = Channel.create("/jobs", 1 << 20, Channel.Role.PRODUCER)) {
 *   out.send(ByteBuffer.wrap("hello".getBytes(UTF_8)));
 *   ByteBuffer room = out.claim(8);                 // zero-copy: write in place
 *   room.putLong(System.nanoTime());
 *   out.commit();
 * }
 * // in another process
 * try (Channel in = Channel.open("/jobs", Channel.Role.CONSUMER)) {
 *   ByteBuffer msg = in.read(Duration.ofSeconds(5)); // zero-copy: read in place
 *   ...                                              // msg.remaining() bytes, position..limit
 *   in.release();
 * }
 * }</pre>
 *
 * <p><b>Messages</b> keep their boundaries and, per producer, their order; each is 0 to {@link
 * #maxMessage()} bytes (half the capacity less 16). There is one consumer at a time ({@code
 * EBUSY} for a second while the first one's process lives) and up to {@link #MAX_PRODUCERS}
 * producer handles.
 *
 * <p><b>Zero copy, no allocation.</b> {@link #claim(int, Duration)} and {@link #read(Duration)}
 * return this handle's one reused view of the ring (a direct buffer in native byte order) with
 * its position and limit around the message: valid until {@link #commit()} / {@link #abort()} or
 * {@link #release()}, and reused by the next call. Nothing is allocated per message, in these
 * calls or in {@link #send(ByteBuffer)} / {@link #receive(ByteBuffer)}.
 *
 * <p><b>Threads.</b> A claim or a read belongs to the thread that made it until it commits,
 * aborts or releases; another thread that claims (or reads, or sends, or receives) on the same
 * handle meanwhile waits for it (its timeout counts from when it has the turn; a close ends that
 * wait too). Threads that want to produce in parallel open one handle each.
 *
 * <p><b>Waiting</b> follows the library's timeout convention ({@link WouldBlockException}, {@link
 * TimedOutException}). A waiting side spins for {@link Options#spin(Duration)} (20 µs by
 * default), then sleeps on a futex in the ring's header, which the other side wakes only when it
 * sees that this side declared itself asleep: no system call per message while both are busy, no
 * CPU while idle. An interrupt gives {@link InterruptedException}, a {@link #close()} from another
 * thread {@link AsynchronousCloseException}, within 20 ms (a futex wait has no descriptor to
 * close: long waits are 20 ms slices, as for semaphores).
 *
 * <p><b>Faults.</b> A producer process that dies between claim and commit does not block the
 * consumer: its claim is skipped once the process is gone ({@link Stats#skipped()}). A producer
 * waiting on a full ring whose consumer's process died gets {@link PosixException} {@code EPIPE}.
 * A segment shrunk by another process gives {@link SharedMemoryFaultException}. A segment that is
 * not a channel is {@code EBADMSG}, one of another layout version {@code EPROTO}.
 */
public final class Channel implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  /** The smallest capacity in bytes. */
  public static final int MIN_CAPACITY = (int) Core.PIPC_CHANNEL_MIN_CAPACITY;
  /** The largest capacity in bytes (512 MiB). */
  public static final int MAX_CAPACITY = (int) Core.PIPC_CHANNEL_MAX_CAPACITY;
  /** Producer handles that can be attached to one channel at once. */
  public static final int MAX_PRODUCERS = Core.PIPC_CHANNEL_MAX_PRODUCERS;
  /** The mode {@link #create(String, int, Role)} gives a new channel: owner read and write. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  /** Which side of the channel a handle is. */
  public enum Role {
    /** Claims and commits, or sends. */
    PRODUCER(Core.PIPC_CHANNEL_PRODUCER),
    /** Reads and releases, or receives; one at a time per channel. */
    CONSUMER(Core.PIPC_CHANNEL_CONSUMER);

    final int value;

    Role(int value) {
      this.value = value;
    }
  }

  /**
   * How to create or open a channel: {@code Channel.options().mode(0640).spin(Duration.ZERO)}.
   * {@link Channel#create(String, int, Role, Options)} takes {@link #mode(int)} and {@link
   * #spin(Duration)}; {@link Channel#open(String, Role, Options)} and {@link
   * Channel#createAnonymous(String, int, Role, Options)} only {@link #spin(Duration)}. {@code
   * create()} and {@code exclusive()} are refused everywhere: {@code Channel.create} always
   * creates exclusively (a channel needs its capacity and layout), {@code Channel.open} never
   * creates.
   */
  public static final class Options extends NamedObjectOptions<Options> {
    private long spinNanos = Core.PIPC_CHANNEL_DEFAULT_SPIN_NS;

    private Options() {}

    /**
     * How long a wait spins before it sleeps (default 20 µs): {@link Duration#ZERO} sleeps at once
     * (the least CPU), null never sleeps (the lowest latency, a whole CPU while waiting).
     *
     * @throws IllegalArgumentException for a negative duration
     */
    public Options spin(Duration spin) {
      if (spin != null && spin.isNegative()) {
        throw new IllegalArgumentException("negative spin: " + spin);
      }
      this.spinNanos = spin == null ? -1 : Timeouts.nanos(spin);
      return this;
    }

    private Options allowOnly(boolean modeSetting, String which) {
      if (create || exclusive || (mode != DEFAULT_MODE && !modeSetting)) {
        throw new IllegalArgumentException(which + " takes " + (modeSetting ? "mode and spin" : "only spin")
            + ": " + this);
      }
      return this;
    }

    @Override
    public String toString() {
      return "Options[" + (create ? "create, " : "") + (exclusive ? "exclusive, " : "") + "mode 0"
          + Integer.toOctalString(mode) + ", spin " + (spinNanos < 0 ? "forever" : spinNanos + " ns") + "]";
    }
  }

  /**
   * A snapshot of a channel's header (the sides keep moving).
   *
   * @param capacity the ring's size in bytes
   * @param maxMessage the longest message
   * @param head the consumer's position: bytes released since creation
   * @param tail the producers' position: bytes claimed since creation
   * @param bytesWaiting tail - head: records claimed and not yet released
   * @param messagesWaiting committed messages from head up to the first claim not committed yet
   * @param consumerPid the consumer's process, 0 when none is attached
   * @param consumerAlive whether that process lives
   * @param consumerSleeping whether the consumer sleeps waiting for a message
   * @param producersSleeping whether producers sleep waiting for room
   * @param producers producer handles of live processes
   * @param skipped claims of dead producers that the consumer skipped
   * @param wakeups futex wake-ups sent by either side
   */
  public record Stats(long capacity, long maxMessage, long head, long tail, long bytesWaiting, long messagesWaiting,
      int consumerPid, boolean consumerAlive, boolean consumerSleeping, boolean producersSleeping, int producers,
      long skipped, long wakeups) {}
  private final String name;
  private final ChannelRing ring;
  /** The direct buffers send and receive used last, with their addresses (see Buffers). */
  private final Buffers.AddressCache sendCache = new Buffers.AddressCache();
  private final Buffers.AddressCache receiveCache = new Buffers.AddressCache();

  private Channel(String name, ChannelRing ring) {
    this.name = name;
    this.ring = ring;
    ring.life.cleanWith(this);
  }

  // ------------------------------------------------------------------ factories

  /** A fresh set of options: mode 0600, spin 20 µs. */
  public static Options options() {
    return new Options();
  }

  /** Creates the channel name with a ring of capacity bytes and attaches as role; see the options form. */
  public static Channel create(String name, int capacity, Role role) throws IOException {
    return create(name, capacity, role, options());
  }

  /**
   * Creates the shared memory object name exclusively ({@code shm_open} rules for the name),
   * lays out a channel with a ring of capacity bytes, and attaches as role.
   *
   * @param capacity a power of two from {@link #MIN_CAPACITY} to {@link #MAX_CAPACITY}
   * @param options {@link Options#mode(int)} and {@link Options#spin(Duration)}
   * @throws AlreadyExistsException when name exists
   * @throws IllegalArgumentException for a bad capacity or options
   */
  public static Channel create(String name, int capacity, Role role, Options options) throws IOException {
    checked(role, options, true, "create");
    checkCapacity(capacity);
    SharedMemory shm = SharedMemory.create(name, segmentSize(capacity), SharedMemory.options().mode(options.mode));
    try {
      return new Channel(name, ChannelRing.attach(shm, "channel " + name, capacity, role, options.spinNanos));
    } catch (IOException | RuntimeException e) {
      try {
        SharedMemory.unlink(name);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Opens the existing channel name as role. */
  public static Channel open(String name, Role role) throws IOException {
    return open(name, role, options());
  }

  /**
   * Opens the existing channel name and attaches as role.
   *
   * @param options {@link Options#spin(Duration)} only
   * @throws NotFoundException when name does not exist
   * @throws PosixException EBADMSG when it is not a channel, EPROTO for another layout version,
   *     EBUSY for a second consumer, EUSERS when every producer slot is taken
   */
  public static Channel open(String name, Role role, Options options) throws IOException {
    checked(role, options, false, "open");
    SharedMemory shm = SharedMemory.open(name);
    return new Channel(name, ChannelRing.attach(shm, "channel " + name, 0, role, options.spinNanos));
  }

  /** A channel in a new anonymous memory file; see the options form. */
  public static Channel createAnonymous(String label, int capacity, Role role) throws IOException {
    return createAnonymous(label, capacity, role, options());
  }

  /**
   * A channel in a new anonymous memory file ({@code memfd_create}), attached as role. Hand
   * {@link #fd()} to a child process ({@link ChildProcess.Builder#fd}); a C process attaches to
   * it with {@code pipc_channel_open_fd}.
   *
   * @param options {@link Options#spin(Duration)} only
   */
  public static Channel createAnonymous(String label, int capacity, Role role, Options options) throws IOException {
    checked(role, options, false, "createAnonymous");
    checkCapacity(capacity);
    SharedMemory shm = SharedMemory.createAnonymous(label, segmentSize(capacity));
    return new Channel(null, ChannelRing.attach(shm, "channel memfd " + label, capacity, role, options.spinNanos));
  }

  /** The checks every factory makes first: role and options given, and only settings it honours. */
  private static void checked(Role role, Options options, boolean modeSetting, String which) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(options, "options").allowOnly(modeSetting, which);
  }

  private static void checkCapacity(int capacity) {
    if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("channel capacity must be a power of two from " + MIN_CAPACITY + " to "
          + MAX_CAPACITY + ": " + capacity);
    }
  }

  /**
   * Removes the name ({@code shm_unlink}); attached processes keep the channel.
   *
   * @throws NotFoundException when it does not exist
   */
  public static void unlink(String name) throws IOException {
    SharedMemory.unlink(name);
  }

  /**
   * The header of the channel name, without attaching to it (the tools' {@code stat}).
   *
   * @throws PosixException EBADMSG when name is not a channel, EPROTO for another layout version
   */
  public static Stats stat(String name) throws IOException {
    return ChannelRing.stat(name);
  }

  /** The size of the segment of a channel of capacity bytes: the 4 KiB header and the ring. */
  public static long segmentSize(int capacity) {
    return (long) ChannelRing.HEADER + capacity;
  }

  // ------------------------------------------------------------------ about the handle

  /** The name, or null for an anonymous channel. */
  public String name() {
    return name;
  }

  /** The side this handle is. */
  public Role role() {
    return ring.role;
  }

  /** The ring's capacity in bytes. */
  public int capacity() {
    return ring.capacity;
  }

  /** The longest message: half the capacity less the 16-byte record header. */
  public int maxMessage() {
    return ring.maxMessage;
  }

  /** The descriptor of the segment, to hand to a child process. */
  public int fd() throws IOException {
    return ring.fd();
  }

  /** True until {@link #close()}. */
  public boolean isOpen() {
    return ring.life.isOpen();
  }

  /** A snapshot of the header: positions, who sleeps, skipped claims. */
  public Stats stats() throws IOException {
    return ring.stats();
  }

  /**
   * Detaches: a claim still pending is aborted (the consumer skips it), a consumer gives its
   * place up (a message read and not released is read again by the next consumer), then the
   * mapping and the descriptor are released. Threads waiting in this handle leave with {@link
   * AsynchronousCloseException}; views handed out read zeros from then on. Idempotent and
   * thread-safe. The name stays until {@link #unlink(String)}.
   */
  @Override
  public void close() {
    ring.life.closeOwned();
  }

  @Override
  public String toString() {
    return ring.toString();
  }

  // ------------------------------------------------------------------ the calls

  /** {@link #claim(int, Duration)}, waiting as long as it takes. */
  public ByteBuffer claim(int length) throws IOException, InterruptedException {
    return claim(length, null);
  }

  /**
   * Claims room for a message of length bytes and returns the view of it (position..limit, in
   * native byte order), to write in place before {@link #commit()} or {@link #abort()}. Waits for
   * room as timeout says.
   *
   * @throws IllegalArgumentException for a negative length or one above {@link #maxMessage()}
   * @throws IllegalStateException on a consumer handle
   * @throws WouldBlockException with {@link Duration#ZERO} when the ring is full
   * @throws TimedOutException when it stayed full for the whole timeout
   * @throws PosixException EPIPE when the consumer's process died
   * @throws InterruptedException when the thread is interrupted while waiting
   * @throws AsynchronousCloseException when another thread closes the channel
   */
  public ByteBuffer claim(int length, Duration timeout) throws IOException, InterruptedException {
    return ring.claim(length, timeout);
  }

  /** Commits the whole claimed length. */
  public void commit() throws IOException {
    ring.commit();
  }

  /**
   * Commits the pending claim as a message of length bytes (at most the claimed length), waking
   * the consumer if it sleeps.
   *
   * @throws IllegalStateException when this thread has no pending claim
   * @throws IllegalArgumentException for a length outside 0 to the claimed length
   */
  public void commit(int length) throws IOException {
    ring.commit(length);
  }

  /** Gives the pending claim up: the consumer skips it. */
  public void abort() throws IOException {
    ring.abort();
  }

  /** {@link #send(ByteBuffer, Duration)}, waiting as long as it takes. */
  public void send(ByteBuffer src) throws IOException, InterruptedException {
    send(src, null);
  }

  /**
   * Sends src.remaining() bytes as one message (claim, copy, commit), advancing src's position.
   * Errors as {@link #claim(int, Duration)}; on an error src is left as it was.
   */
  public void send(ByteBuffer src, Duration timeout) throws IOException, InterruptedException {
    ring.ensureOpen();
    int n = Objects.requireNonNull(src, "src").remaining();
    if (src.isDirect()) {
      // One native call: the core claims, copies from the buffer and commits.
      try {
        ring.send(sendCache.address(src) + src.position(), n, timeout);
      } finally {
        Reference.reachabilityFence(src);
      }
      src.position(src.position() + n);
      return;
    }
    ByteBuffer room = claim(n, timeout);
    int pos = src.position();
    try {
      room.put(src);
    } catch (RuntimeException e) {
      src.position(pos);
      abort();
      throw e;
    }
    commit(n);
  }

  /** {@link #read(Duration)}, waiting as long as it takes. */
  public ByteBuffer read() throws IOException, InterruptedException {
    return read(null);
  }

  /**
   * Waits for the next message as timeout says and returns the view of it (position..limit, in
   * native byte order), to read in place before {@link #release()}.
   *
   * @throws IllegalStateException on a producer handle
   * @throws WouldBlockException with {@link Duration#ZERO} when there is no message
   * @throws TimedOutException when none came for the whole timeout
   * @throws PosixException EBADMSG when a record breaks the layout (another process wrote over
   *     the ring)
   * @throws InterruptedException when the thread is interrupted while waiting
   * @throws AsynchronousCloseException when another thread closes the channel
   */
  public ByteBuffer read(Duration timeout) throws IOException, InterruptedException {
    return ring.read(timeout);
  }

  /** Releases the message being read: its room goes back to the producers. */
  public void release() throws IOException {
    ring.release();
  }

  /** {@link #receive(ByteBuffer, Duration)}, waiting as long as it takes. */
  public int receive(ByteBuffer dst) throws IOException, InterruptedException {
    return receive(dst, null);
  }

  /**
   * Receives the next message into dst (read, copy, release), advancing its position; returns the
   * message's length. Errors as {@link #read(Duration)}.
   *
   * @throws PosixException EMSGSIZE when the message is longer than dst.remaining(): it stays, for
   *     a larger buffer
   */
  public int receive(ByteBuffer dst, Duration timeout) throws IOException, InterruptedException {
    ring.ensureOpen();
    if (Objects.requireNonNull(dst, "dst").isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    if (dst.isDirect()) {
      // One native call: the core reads, copies into the buffer and releases.
      int n;
      try {
        n = ring.receive(receiveCache.address(dst) + dst.position(), dst.remaining(), timeout);
      } finally {
        Reference.reachabilityFence(dst);
      }
      if (n >= 0) {
        dst.position(dst.position() + n);
        return n;
      }
      // EMSGSIZE: the message stayed; the path below reads it again to say how long it is.
    }
    ByteBuffer msg = read(timeout);
    int n = msg.remaining();
    if (n > dst.remaining()) {
      ring.unread();
      throw new PosixException(Errno.EMSGSIZE, "pipc_channel_receive", ring.what + " (a message of " + n
          + " bytes, room for " + dst.remaining() + ")");
    }
    dst.put(msg);
    release();
    return n;
  }
}
