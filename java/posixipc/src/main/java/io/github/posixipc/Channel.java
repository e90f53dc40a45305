package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

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
 * <p><b>Waiting</b> follows the library's convention: null waits as long as it takes, {@link
 * Duration#ZERO} tries once ({@link WouldBlockException}), a positive value waits at most that
 * long ({@link TimedOutException}). A waiting side spins for {@link Options#spin(Duration)}
 * (20 µs by default), then sleeps on a futex in the ring's header, which the other side wakes
 * only when it sees that this side declared itself asleep: no system call per message while both
 * are busy, no CPU while idle. An interrupt gives {@link InterruptedException}, a {@link
 * #close()} from another thread {@link AsynchronousCloseException}, within 20 ms (a futex wait
 * has no descriptor to close: long waits are 20 ms slices, as for semaphores).
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

  private static final int HEADER = Core.PIPC_CHANNEL_HEADER_SIZE;
  private static final int RECORD = Core.PIPC_CHANNEL_RECORD_SIZE;
  private static final int RECORD_LENGTH = Core.PIPC_CHANNEL_RECORD_OFF_LENGTH;
  private static final int EBADMSG = Errno.number("EBADMSG");
  private static final int EPROTO = Errno.number("EPROTO");
  private static final int EUSERS = Errno.number("EUSERS");

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
      int consumerPid,
      boolean consumerAlive, boolean consumerSleeping, boolean producersSleeping, int producers, long skipped,
      long wakeups) {}

  private final String what;
  private final String name;
  private final Role role;
  private final SharedMemory segment;
  private final MappedRegion region;
  /** The C handle, freed (pipc_channel_detach, then the region closed) by the last call out. */
  private final Descriptor life;
  private final int capacity;
  private final int maxMessage;
  /** The ring, position and limit never moved: read at absolute offsets. */
  private final ByteBuffer ring;
  /** The one view of the ring handed out by claim and read. */
  private final ByteBuffer view;
  /** Held from claim to commit or abort, from read to release, by the thread that made it. */
  private final ReentrantLock turn = new ReentrantLock();
  /** The length of the claim being made (the slice's argument) and the result of the last wait. */
  private long request;
  private long result;

  private Channel(String what, String name, Role role, SharedMemory segment, MappedRegion region, long handle) {
    this.what = what;
    this.name = name;
    this.role = role;
    this.segment = segment;
    this.region = region;
    this.capacity = (int) Core.pipc_channel_capacity(handle);
    this.maxMessage = (int) Core.pipc_channel_max_message(handle);
    this.ring = region.asByteBuffer(HEADER, capacity).order(ByteOrder.nativeOrder());
    this.view = ring.duplicate().order(ByteOrder.nativeOrder());
    this.life = Descriptor.of(what, handle, release(segment, region));
    life.cleanWith(this);
  }

  /** Detaches, then lets go of the mapping and the descriptor; refers to no Channel. */
  private static Descriptor.Release release(SharedMemory segment, MappedRegion region) {
    return h -> {
      int r = Core.pipc_channel_detach(h);
      region.close();
      try {
        segment.close();
      } catch (IOException ignored) {
        // close(2) released the descriptor anyway
      }
      return r;
    };
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
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(options, "options").allowOnly(true, "create");
    checkCapacity(capacity);
    SharedMemory shm = SharedMemory.create(name, segmentSize(capacity), SharedMemory.options().mode(options.mode));
    try {
      return attach(shm, "channel " + name, name, capacity, role, options);
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
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(options, "options").allowOnly(false, "open");
    SharedMemory shm = SharedMemory.open(name);
    return attach(shm, "channel " + name, name, 0, role, options);
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
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(options, "options").allowOnly(false, "createAnonymous");
    checkCapacity(capacity);
    SharedMemory shm = SharedMemory.createAnonymous(label, segmentSize(capacity));
    return attach(shm, "channel memfd " + label, null, capacity, role, options);
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
    try (SharedMemory shm = SharedMemory.open(name, SharedMemory.options().access(Access.READ))) {
      long size = shm.size();
      if (size < HEADER) {
        throw new PosixException(EBADMSG, "pipc_channel_attach", "channel " + name + " (" + size + " bytes)");
      }
      try (MappedRegion region = shm.map()) {
        long[] h = new long[1];
        int r = Core.pipc_channel_attach(region.address(), size, region.faultMarkAddress(), Core.PIPC_CHANNEL_OBSERVER, h);
        if (r < 0) {
          throw Placement.failure(r, "pipc_channel_attach", "channel " + name);
        }
        try {
          return stats(h[0], "channel " + name);
        } finally {
          Core.pipc_channel_detach(h[0]);
          java.lang.ref.Reference.reachabilityFence(region);
        }
      }
    }
  }

  /** The size of the segment of a channel of capacity bytes: the 4 KiB header and the ring. */
  public static long segmentSize(int capacity) {
    return (long) HEADER + capacity;
  }

  private static void checkCapacity(int capacity) {
    if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("channel capacity must be a power of two from " + MIN_CAPACITY + " to "
          + MAX_CAPACITY + ": " + capacity);
    }
  }

  /** Maps shm (which the channel then owns), lays it out when capacity > 0, and attaches. */
  private static Channel attach(SharedMemory shm, String what, String name, int capacity, Role role,
      Options options) throws IOException {
    MappedRegion region = null;
    long handle = 0;
    try {
      long size = shm.size();
      if (size < HEADER) {
        throw new PosixException(EBADMSG, "pipc_channel_attach", what + " (" + size + " bytes, not a channel)");
      }
      region = shm.map();
      if (capacity > 0) {
        int r = Core.pipc_channel_format(region.address(), size, capacity);
        if (r < 0) {
          throw Placement.failure(r, "pipc_channel_format", what);
        }
      }
      long[] h = new long[1];
      int r = Core.pipc_channel_attach(region.address(), size, region.faultMarkAddress(), role.value, h);
      if (r < 0) {
        throw attachFailure(r, what, role);
      }
      handle = h[0];
      Core.pipc_channel_set_spin(handle, options.spinNanos);
      return new Channel(what + " (" + role.name().toLowerCase(java.util.Locale.ROOT) + ")", name, role, shm, region,
          handle);
    } catch (IOException | RuntimeException e) {
      if (handle != 0) {
        Core.pipc_channel_detach(handle);
      }
      if (region != null) {
        region.close();
      }
      try {
        shm.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static IOException attachFailure(int r, String what, Role role) {
    int e = -r;
    String detail = e == EBADMSG ? " (not a channel)"
        : e == EPROTO ? " (a channel of another layout version than " + Core.PIPC_CHANNEL_VERSION + ")"
        : e == Errno.EBUSY ? " (another live process is its consumer)"
        : e == EUSERS ? " (all " + MAX_PRODUCERS + " producer slots are taken)" : "";
    return Placement.failure(r, "pipc_channel_attach", what + " as " + role + detail);
  }

  // ------------------------------------------------------------------ about the handle

  /** The name, or null for an anonymous channel. */
  public String name() {
    return name;
  }

  /** The side this handle is. */
  public Role role() {
    return role;
  }

  /** The ring's capacity in bytes. */
  public int capacity() {
    return capacity;
  }

  /** The longest message: half the capacity less the 16-byte record header. */
  public int maxMessage() {
    return maxMessage;
  }

  /** The descriptor of the segment, to hand to a child process. */
  public int fd() throws IOException {
    long self = life.enter();
    try {
      return segment.fd();
    } finally {
      life.exit(self);
    }
  }

  /** True until {@link #close()}. */
  public boolean isOpen() {
    return life.isOpen();
  }

  /** A snapshot of the header: positions, who sleeps, skipped claims. */
  public Stats stats() throws IOException {
    long self = life.enter();
    try {
      return stats(life.handle(), what);
    } finally {
      life.exit(self);
    }
  }

  private static Stats stats(long handle, String what) throws IOException {
    long[] s = new long[Core.PIPC_CHANNEL_STAT_SLOTS];
    int r = Core.pipc_channel_stat(handle, s);
    if (r < 0) {
      throw Placement.failure(r, "pipc_channel_stat", what);
    }
    return new Stats(s[Core.PIPC_CHANNEL_STAT_CAPACITY], s[Core.PIPC_CHANNEL_STAT_MAX_MESSAGE],
        s[Core.PIPC_CHANNEL_STAT_HEAD], s[Core.PIPC_CHANNEL_STAT_TAIL], s[Core.PIPC_CHANNEL_STAT_BYTES_WAITING],
        s[Core.PIPC_CHANNEL_STAT_MESSAGES_WAITING],
        (int) s[Core.PIPC_CHANNEL_STAT_CONSUMER_PID], s[Core.PIPC_CHANNEL_STAT_CONSUMER_ALIVE] != 0,
        s[Core.PIPC_CHANNEL_STAT_CONSUMER_SLEEPING] != 0, s[Core.PIPC_CHANNEL_STAT_PRODUCERS_SLEEPING] != 0,
        (int) s[Core.PIPC_CHANNEL_STAT_PRODUCERS], s[Core.PIPC_CHANNEL_STAT_SKIPPED],
        s[Core.PIPC_CHANNEL_STAT_WAKEUPS]);
  }

  @Override
  public String toString() {
    return "Channel[" + what + ", " + capacity + " bytes" + (isOpen() ? "" : ", closed") + "]";
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
    life.closeOwned();
  }

  // ------------------------------------------------------------------ the calls

  private static final int CLAIM = 0;
  private static final int READ = 1;

  /** One slice of a wait for room or for a message: see {@link Timeouts#await}. */
  private static final Timeouts.Slice<Channel> CLAIM_SLICE = (c, slice) -> c.attempt(CLAIM, slice);
  private static final Timeouts.Slice<Channel> READ_SLICE = (c, slice) -> c.attempt(READ, slice);

  private int attempt(int op, long sliceNanos) throws IOException {
    long self = life.enter();
    try {
      long h = life.handle();
      long r = op == CLAIM ? Core.pipc_channel_claim(h, request, sliceNanos) : Core.pipc_channel_read(h, sliceNanos);
      if (r >= 0) {
        result = r;
        return 0;
      }
      return (int) r;
    } finally {
      life.exit(self);
    }
  }

  /** A call on the handle that does not wait (commit, abort, release, unread). */
  private int now(int op, long arg) throws IOException {
    long self = life.enter();
    try {
      long h = life.handle();
      return switch (op) {
        case 0 -> Core.pipc_channel_commit(h, arg);
        case 1 -> Core.pipc_channel_abort(h);
        case 2 -> Core.pipc_channel_release(h);
        default -> Core.pipc_channel_unread(h);
      };
    } finally {
      life.exit(self);
    }
  }

  private static final int COMMIT = 0;
  private static final int ABORT = 1;
  private static final int RELEASE = 2;
  private static final int UNREAD = 3;

  /** The closed-handle check first, so that a closed handle says so whatever else is wrong. */
  private void ensureOpen() throws java.nio.channels.ClosedChannelException {
    if (!life.isOpen()) {
      throw new Descriptor.ClosedException(what);
    }
  }

  private void need(Role wanted, String call) throws java.nio.channels.ClosedChannelException {
    ensureOpen();
    if (role != wanted) {
      throw new IllegalStateException(call + " needs a " + wanted + " handle: " + this);
    }
  }

  /**
   * Takes this handle's turn, waiting for another thread's claim or read to end: in slices, so
   * that a close is noticed even if that thread never ends its claim.
   */
  private void take() throws InterruptedException, AsynchronousCloseException {
    while (!turn.tryLock(Timeouts.SLICE_NANOS, java.util.concurrent.TimeUnit.NANOSECONDS)) {
      if (!life.isOpen()) {
        throw new AsynchronousCloseException();
      }
    }
  }

  /** Gives the turn back; refuses a thread that does not hold it. */
  private void give(String call) {
    if (!turn.isHeldByCurrentThread()) {
      throw new IllegalStateException(call + " without a pending " + (role == Role.PRODUCER ? "claim" : "read")
          + " on this thread: " + this);
    }
    turn.unlock();
  }

  private void ensureHeld(String call) throws java.nio.channels.ClosedChannelException {
    if (!life.isOpen() && turn.isHeldByCurrentThread()) {
      // Closed under a pending claim or read (close aborted it): the turn goes back here.
      turn.unlock();
    }
    ensureOpen();
    if (!turn.isHeldByCurrentThread()) {
      throw new IllegalStateException(call + " without a pending " + (role == Role.PRODUCER ? "claim" : "read")
          + " on this thread: " + this);
    }
  }

  /** Points the view at [offset, offset + length) of the ring and returns it. */
  private ByteBuffer window(int offset, int length) {
    view.clear().position(offset);
    view.limit(offset + length);
    return view;
  }

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
    need(Role.PRODUCER, "claim");
    if (length < 0 || length > maxMessage) {
      throw new IllegalArgumentException("message length " + length + " outside 0.." + maxMessage + " of " + this);
    }
    long t = Timeouts.nanos(timeout);
    take();
    boolean claimed = false;
    try {
      request = length;
      int r = Timeouts.await(CLAIM_SLICE, this, t, "pipc_channel_claim", what);
      if (r < 0) {
        throw failure(r, "pipc_channel_claim");
      }
      claimed = true;
      return window((int) result, length);
    } finally {
      if (!claimed) {
        turn.unlock();
      }
    }
  }

  /** Commits the whole claimed length. */
  public void commit() throws IOException {
    ensureHeld("commit");
    commit((int) request);
  }

  /**
   * Commits the pending claim as a message of length bytes (at most the claimed length), waking
   * the consumer if it sleeps.
   *
   * @throws IllegalStateException when this thread has no pending claim
   * @throws IllegalArgumentException for a length outside 0 to the claimed length
   */
  public void commit(int length) throws IOException {
    ensureHeld("commit");
    if (length < 0 || length > request) {
      throw new IllegalArgumentException("commit of " + length + " bytes, claimed " + request + ": " + this);
    }
    try {
      int r = now(COMMIT, length);
      if (r < 0) {
        throw failure(r, "pipc_channel_commit");
      }
    } finally {
      give("commit");
    }
  }

  /** Gives the pending claim up: the consumer skips it. */
  public void abort() throws IOException {
    ensureHeld("abort");
    try {
      int r = now(ABORT, 0);
      if (r < 0) {
        throw failure(r, "pipc_channel_abort");
      }
    } finally {
      give("abort");
    }
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
    ensureOpen();
    int n = Objects.requireNonNull(src, "src").remaining();
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
    need(Role.CONSUMER, "read");
    long t = Timeouts.nanos(timeout);
    take();
    boolean got = false;
    try {
      int r = Timeouts.await(READ_SLICE, this, t, "pipc_channel_read", what);
      if (r < 0) {
        throw failure(r, "pipc_channel_read");
      }
      // The length from the record header, at the offsets the core exports (no second native
      // call): the core checked the record, and a process writing over it meanwhile can at worst
      // widen the view within the ring, which the check below bounds.
      int at = (int) result;
      int length = ring.getInt(at - RECORD + RECORD_LENGTH);
      if (length < 0 || length > capacity - at) {
        throw new PosixException(EBADMSG, "pipc_channel_read", what + " (a record of " + length + " bytes at "
            + at + ": another process wrote over the ring)");
      }
      got = true;
      return window(at, length);
    } finally {
      if (!got) {
        turn.unlock();
      }
    }
  }

  /** Releases the message being read: its room goes back to the producers. */
  public void release() throws IOException {
    ensureHeld("release");
    try {
      int r = now(RELEASE, 0);
      if (r < 0) {
        throw failure(r, "pipc_channel_release");
      }
    } finally {
      give("release");
    }
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
    ensureOpen();
    if (Objects.requireNonNull(dst, "dst").isReadOnly()) {
      throw new java.nio.ReadOnlyBufferException();
    }
    ByteBuffer msg = read(timeout);
    int n = msg.remaining();
    if (n > dst.remaining()) {
      try {
        now(UNREAD, 0);
      } finally {
        turn.unlock();
      }
      throw new PosixException(Errno.EMSGSIZE, "pipc_channel_receive", what + " (a message of " + n
          + " bytes, room for " + dst.remaining() + ")");
    }
    dst.put(msg);
    release();
    return n;
  }

  private IOException failure(int r, String call) {
    return Placement.failure(r, call, what);
  }
}
