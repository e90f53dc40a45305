package io.github.posixipc;

import io.github.posixipc.Channel.Role;
import io.github.posixipc.Channel.Stats;
import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The mechanics of one {@link Channel} handle: attaching to a segment, the C handle and its
 * lifecycle, the ring and the one view of it that claims and reads hand out, the turn that a
 * claim or a read holds until it ends, and the sliced waits. Channel keeps the public surface and
 * its documentation; every native call on a channel is made here.
 */
final class ChannelRing {

  static final int HEADER = Core.PIPC_CHANNEL_HEADER_SIZE;
  private static final int RECORD = Core.PIPC_CHANNEL_RECORD_SIZE;
  private static final int RECORD_LENGTH = Core.PIPC_CHANNEL_RECORD_OFF_LENGTH;
  private static final int EBADMSG = Errno.number("EBADMSG");
  private static final int EPROTO = Errno.number("EPROTO");
  private static final int EUSERS = Errno.number("EUSERS");

  /** The waiting calls ({@link #attempt}) and the ones that do not wait ({@link #now}). */
  private static final int CLAIM = 0;
  private static final int READ = 1;
  /** Claim, copy and commit in one call (pipc_channel_send); read, copy, release likewise. */
  private static final int SEND = 2;
  private static final int RECEIVE = 3;
  private static final int COMMIT = 0;
  private static final int ABORT = 1;
  private static final int RELEASE = 2;
  private static final int UNREAD = 3;

  /** One slice of a wait for room or for a message: see {@link Timeouts#await}. */
  private static final Timeouts.Slice<ChannelRing> CLAIM_SLICE = (c, slice) -> c.attempt(CLAIM, slice);
  private static final Timeouts.Slice<ChannelRing> READ_SLICE = (c, slice) -> c.attempt(READ, slice);
  private static final Timeouts.Slice<ChannelRing> SEND_SLICE = (c, slice) -> c.attempt(SEND, slice);
  private static final Timeouts.Slice<ChannelRing> RECEIVE_SLICE = (c, slice) -> c.attempt(RECEIVE, slice);

  final String what;
  final Role role;
  private final SharedMemory segment;
  /** The C handle, freed (pipc_channel_detach, then the region closed) by the last call out. */
  final Descriptor life;
  final int capacity;
  final int maxMessage;
  /** The ring, position and limit never moved: read at absolute offsets. */
  private final ByteBuffer ring;
  /** The one view of the ring handed out by claim and read. */
  private final ByteBuffer view;
  /** Held from claim to commit or abort, from read to release, by the thread that made it. */
  private final ReentrantLock turn = new ReentrantLock();
  /** The length of the claim being made (the slice's argument) and the result of the last wait. */
  private long request;
  private long result;
  /** The address of the bytes a one-call send copies from, or a receive copies to (the slice's). */
  private long bytes;

  private ChannelRing(String what, Role role, SharedMemory segment, MappedRegion region, long handle) {
    this.what = what;
    this.role = role;
    this.segment = segment;
    this.capacity = (int) Core.pipc_channel_capacity(handle);
    this.maxMessage = (int) Core.pipc_channel_max_message(handle);
    this.ring = region.asByteBuffer(HEADER, capacity).order(ByteOrder.nativeOrder());
    this.view = ring.duplicate().order(ByteOrder.nativeOrder());
    this.life = Descriptor.of(what, handle, h -> {
      int r = Core.pipc_channel_detach(h);
      letGo(region, segment);
      return r;
    });
  }

  // ------------------------------------------------------------------ attaching

  /**
   * Maps shm (which the ring then owns), lays a channel out in it when capacity > 0, and
   * attaches as role; on a failure, lets go of all of it.
   */
  static ChannelRing attach(SharedMemory shm, String what, int capacity, Role role, long spinNanos)
      throws IOException {
    MappedRegion region = null;
    long handle = 0;
    try {
      region = mapped(shm, what);
      if (capacity > 0) {
        int r = Core.pipc_channel_format(region.address(), region.size(), capacity);
        if (r < 0) {
          throw Placement.failure(r, "pipc_channel_format", what);
        }
      }
      handle = attachTo(region, role.value, what, role.name());
      Core.pipc_channel_set_spin(handle, spinNanos);
      return new ChannelRing(what + " (" + role.name().toLowerCase(Locale.ROOT) + ")", role, shm, region, handle);
    } catch (IOException | RuntimeException e) {
      if (handle != 0) {
        Core.pipc_channel_detach(handle);
      }
      IOException suppressed = letGo(region, shm);
      if (suppressed != null) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The header of the channel name, read by attaching as an observer. */
  static Stats stat(String name) throws IOException {
    String what = "channel " + name;
    try (SharedMemory shm = SharedMemory.open(name, SharedMemory.options().access(Access.READ));
        MappedRegion region = mapped(shm, what)) {
      long h = attachTo(region, Core.PIPC_CHANNEL_OBSERVER, what, "OBSERVER");
      try {
        return stats(h, what);
      } finally {
        Core.pipc_channel_detach(h);
        Reference.reachabilityFence(region);
      }
    }
  }

  /** Maps the whole of shm, refusing one too small for a channel's header. */
  private static MappedRegion mapped(SharedMemory shm, String what) throws IOException {
    long size = shm.size();
    if (size < HEADER) {
      throw new PosixException(EBADMSG, "pipc_channel_attach", what + " (" + size + " bytes, not a channel)");
    }
    return shm.map();
  }

  /** Attaches to the channel in region as side (a role or an observer); returns the C handle. */
  private static long attachTo(MappedRegion region, int side, String what, String sideName) throws IOException {
    long[] h = new long[1];
    int r = Core.pipc_channel_attach(region.address(), region.size(), region.faultMarkAddress(), side, h);
    if (r < 0) {
      int e = -r;
      String detail = e == EBADMSG ? " (not a channel)"
          : e == EPROTO ? " (a channel of another layout version than " + Core.PIPC_CHANNEL_VERSION + ")"
          : e == Errno.EBUSY ? " (another live process is its consumer)"
          : e == EUSERS ? " (all " + Channel.MAX_PRODUCERS + " producer slots are taken)" : "";
      throw Placement.failure(r, "pipc_channel_attach", what + " as " + sideName + detail);
    }
    return h[0];
  }

  /** Unmaps region (when mapped) and closes segment; returns close's failure, if any. */
  private static IOException letGo(MappedRegion region, SharedMemory segment) {
    if (region != null) {
      region.close();
    }
    try {
      segment.close();
      return null;
    } catch (IOException e) {
      return e; // close(2) released the descriptor anyway
    }
  }

  // ------------------------------------------------------------------ about the handle

  int fd() throws IOException {
    long self = life.enter();
    try {
      return segment.fd();
    } finally {
      life.exit(self);
    }
  }

  Stats stats() throws IOException {
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

  /** The owning Channel's description, for messages. */
  @Override
  public String toString() {
    return "Channel[" + what + ", " + capacity + " bytes" + (life.isOpen() ? "" : ", closed") + "]";
  }

  // ------------------------------------------------------------------ the calls

  ByteBuffer claim(int length, Duration timeout) throws IOException, InterruptedException {
    need(Role.PRODUCER, "claim");
    if (length < 0 || length > maxMessage) {
      throw new IllegalArgumentException("message length " + length + " outside 0.." + maxMessage + " of " + this);
    }
    long t = Timeouts.nanos(timeout);
    take();
    request = length;
    return await(CLAIM_SLICE, t, "pipc_channel_claim", length);
  }

  void commit() throws IOException {
    ensureHeld("commit");
    commit((int) request);
  }

  void commit(int length) throws IOException {
    ensureHeld("commit");
    if (length < 0 || length > request) {
      throw new IllegalArgumentException("commit of " + length + " bytes, claimed " + request + ": " + this);
    }
    end(COMMIT, length, "commit");
  }

  void abort() throws IOException {
    ensureHeld("abort");
    end(ABORT, 0, "abort");
  }

  ByteBuffer read(Duration timeout) throws IOException, InterruptedException {
    need(Role.CONSUMER, "read");
    long t = Timeouts.nanos(timeout);
    take();
    return await(READ_SLICE, t, "pipc_channel_read", -1);
  }

  void release() throws IOException {
    ensureHeld("release");
    end(RELEASE, 0, "release");
  }

  /** Puts the message being read back, for the next read, and gives the turn back. */
  void unread() throws IOException {
    try {
      now(UNREAD, 0);
    } finally {
      turn.unlock();
    }
  }

  /**
   * Sends length bytes at address (a direct buffer's, kept reachable by the caller) as one message:
   * the core claims, copies and commits in one call. Errors as {@link #claim}.
   */
  void send(long address, int length, Duration timeout) throws IOException, InterruptedException {
    need(Role.PRODUCER, "send");
    if (length > maxMessage) {
      throw new IllegalArgumentException("message length " + length + " outside 0.." + maxMessage + " of " + this);
    }
    int r = oneCall(SEND_SLICE, Timeouts.nanos(timeout), length, address, "pipc_channel_send");
    if (r < 0) {
      throw Placement.failure(r, "pipc_channel_send", what);
    }
  }

  /**
   * Receives the next message into room bytes at address (a direct buffer's, kept reachable by the
   * caller) in one call: read, copy, release. Returns its length, or -EMSGSIZE when it is longer
   * than room (it stays, for a larger buffer). Other errors as {@link #read}.
   */
  int receive(long address, int room, Duration timeout) throws IOException, InterruptedException {
    need(Role.CONSUMER, "receive");
    int r = oneCall(RECEIVE_SLICE, Timeouts.nanos(timeout), room, address, "pipc_channel_receive");
    if (r < 0 && r != -Errno.EMSGSIZE) {
      throw Placement.failure(r, "pipc_channel_receive", what);
    }
    return r;
  }

  /**
   * A one-call send or receive of length bytes at address, with the turn taken for it: the
   * call's result (the length received; 0 for a send) or its negative errno.
   */
  private int oneCall(Timeouts.Slice<ChannelRing> slice, long t, long length, long address, String call)
      throws IOException, InterruptedException {
    take();
    try {
      request = length;
      bytes = address;
      int r = Timeouts.await(slice, this, t, call, what);
      return r < 0 ? r : (int) result; // read under the turn: the next holder overwrites it
    } finally {
      turn.unlock();
    }
  }

  /**
   * Waits with the turn taken, as t says, and returns the view of the claim (length bytes) or
   * of the message read (length -1); gives the turn back when it fails.
   */
  private ByteBuffer await(Timeouts.Slice<ChannelRing> slice, long t, String call, int length)
      throws IOException, InterruptedException {
    ByteBuffer got = null;
    try {
      // A busy channel claims and reads in the wait's first slice, with no deadline computed.
      int r = Timeouts.await(slice, this, t, call, what);
      if (r < 0) {
        throw Placement.failure(r, call, what);
      }
      int at = (int) result;
      got = window(at, length >= 0 ? length : recordLength(at));
      return got;
    } finally {
      if (got == null) {
        turn.unlock();
      }
    }
  }

  /**
   * The length from the header of the record at at, at the offsets the core exports (no second
   * native call): the core checked the record, and a process writing over it meanwhile can at
   * worst widen the view within the ring, which the check here bounds.
   */
  private int recordLength(int at) throws PosixException {
    int length = ring.getInt(at - RECORD + RECORD_LENGTH);
    if (length < 0 || length > capacity - at) {
      throw new PosixException(EBADMSG, "pipc_channel_read", what + " (a record of " + length + " bytes at "
          + at + ": another process wrote over the ring)");
    }
    return length;
  }

  private int attempt(int op, long sliceNanos) throws IOException {
    long self = life.enter();
    try {
      long h = life.handle();
      long r = switch (op) {
        case CLAIM -> Core.pipc_channel_claim(h, request, sliceNanos);
        case READ -> Core.pipc_channel_read(h, sliceNanos);
        case SEND -> Core.pipc_channel_send(h, bytes, request, sliceNanos);
        default -> Core.pipc_channel_receive(h, bytes, request, sliceNanos);
      };
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
        case COMMIT -> Core.pipc_channel_commit(h, arg);
        case ABORT -> Core.pipc_channel_abort(h);
        case RELEASE -> Core.pipc_channel_release(h);
        default -> Core.pipc_channel_unread(h);
      };
    } finally {
      life.exit(self);
    }
  }

  /** Ends the pending claim or read with a call that does not wait, giving the turn back. */
  private void end(int op, long arg, String call) throws IOException {
    try {
      int r = now(op, arg);
      if (r < 0) {
        throw Placement.failure(r, "pipc_channel_" + call, what);
      }
    } finally {
      give(call);
    }
  }

  /** The closed-handle check first, so that a closed handle says so whatever else is wrong. */
  void ensureOpen() throws ClosedChannelException {
    if (!life.isOpen()) {
      throw new Descriptor.ClosedException(what);
    }
  }

  private void need(Role wanted, String call) throws ClosedChannelException {
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
    while (!turn.tryLock(Timeouts.SLICE_NANOS, TimeUnit.NANOSECONDS)) {
      if (!life.isOpen()) {
        throw new AsynchronousCloseException();
      }
    }
  }

  /** Gives the turn back; refuses a thread that does not hold it. */
  private void give(String call) {
    ensureTurn(call);
    turn.unlock();
  }

  private void ensureHeld(String call) throws ClosedChannelException {
    if (!life.isOpen() && turn.isHeldByCurrentThread()) {
      // Closed under a pending claim or read (close aborted it): the turn goes back here.
      turn.unlock();
    }
    ensureOpen();
    ensureTurn(call);
  }

  private void ensureTurn(String call) {
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
}
