package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A System V message queue ({@code msgget}): a kernel queue of typed messages, reached through a
 * key ({@link SysV}) or an identifier, which C programs using {@code msgsnd}/{@code msgrcv} share.
 *
 * <pre>{@code
 * int key = SysV.ftok(Path.of("/var/run/myserver"), 'Q');
 * try (SysVMessageQueue q = SysVMessageQueue.open(key, SysVMessageQueue.options().create())) {
 *   q.send(1, "hello".getBytes(UTF_8));                    // mtype 1
 *   ByteBuffer buf = ByteBuffer.allocateDirect(8192);
 *   ReceivedMessage m = q.receive(buf, 2, Duration.ofSeconds(5), new ReceivedMessage());
 *   // m.length() bytes at buf's old position, of type m.type() == 2
 * }
 * }</pre>
 *
 * <p>Every message has a type ({@code mtype}) above 0. A receive selects by type as {@code
 * msgrcv} does: 0 takes the first message in the queue, a positive type the first message of
 * that type ({@link #receiveExcept}: of any other type), a negative type the first message of
 * the lowest type at most its absolute value. A message is at most {@link SysV.Limits#msgmax()}
 * bytes (EINVAL naming the limit beyond), a queue holds at most {@link Stat#maxBytes()} bytes
 * (a send waits for room). A message longer than the receive buffer is refused with E2BIG and
 * stays queued, unless the queue was opened with {@link Options#truncate()} ({@code
 * MSG_NOERROR}).
 *
 * <p>Timeouts follow the library's convention. System V has no timed receive: a positive timeout
 * here is a blocking {@code msgrcv} (or {@code msgsnd}) that the library's waker thread ends with
 * a signal at the deadline, so a message is taken the moment it arrives and the wait ends on
 * time; {@link Duration#ZERO} is {@code IPC_NOWAIT}. Close and interrupts wake blocked threads as
 * on channels: {@link #close()} from another thread gives them {@code AsynchronousCloseException},
 * {@link Thread#interrupt()} closes this handle and gives {@code ClosedByInterruptException}.
 * The queue itself stays until {@link #remove()}; its removal by any process wakes waiting
 * threads with EIDRM. docs/sysv.md has the whole story.
 */
public final class SysVMessageQueue extends SysVObject {

  static {
    Native.ensureLoaded();
  }

  /** The mode a created queue gets unless {@link Options#mode(int)} says otherwise. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  private static final int HEADER = Core.PIPC_SYSV_MSG_TEXT_OFFSET;
  /** The mtype in front of the text, a native-order long. */
  private static final VarHandle TYPE = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  /** How to get a queue: {@code SysVMessageQueue.options().exclusive().mode(0660)}. */
  public static final class Options extends NamedObjectOptions<Options> {
    private boolean truncate;

    private Options() {}

    /**
     * Receives through this handle cut a message longer than the buffer to its size instead of
     * refusing it ({@code MSG_NOERROR}); the rest of the message is lost.
     */
    public Options truncate() {
      truncate = true;
      return this;
    }
  }

  /** A queue's state ({@code msgctl IPC_STAT}); a time of {@link Instant#EPOCH} means never. */
  public record Stat(SysV.Permissions permissions, long bytes, long messages, long maxBytes,
      int lastSendPid, int lastReceivePid, Instant sendTime,
      Instant receiveTime, Instant changeTime) {}

  private static final Descriptor.Call SEND = (id, addr, len, unused, t) ->
      Core.pipc_sysv_msg_send(id, addr, len, t > 0 ? Timeouts.FOREVER : t);

  /** b carries the room in its low 32 bits and the flags above; c the selecting type. */
  private static final Descriptor.Call RECEIVE = (id, addr, b, type, t) ->
      Core.pipc_sysv_msg_receive(id, addr, b & 0xffffffffL, type, (int) (b >>> 32),
          t > 0 ? Timeouts.FOREVER : t);

  private final int receiveFlags;

  private SysVMessageQueue(int key, int id, boolean truncate) {
    // The kernel has no timed msgrcv, so the waker ends timed calls at their deadline (nowait
    // false).
    super(Kind.QUEUE, key, id, true, false);
    this.receiveFlags = truncate ? Core.PIPC_SYSV_MSG_NOERROR : 0;
  }

  /** A fresh set of options: get an existing queue, mode 0600 for a created one. */
  public static Options options() {
    return new Options();
  }

  /** Gets the existing queue of key; {@link NotFoundException} when there is none. */
  public static SysVMessageQueue open(int key) throws IOException {
    return open(key, options());
  }

  /**
   * Gets (or, as the options say, creates) the queue of key ({@code msgget}). {@link
   * SysV#PRIVATE} always creates a new queue, which other processes reach by {@link #id()}.
   *
   * @throws NotFoundException when the key has no queue and the options do not create one
   * @throws AlreadyExistsException for {@link Options#exclusive()} when it has one
   * @throws PermissionDeniedException when the queue's mode refuses this process
   * @throws PosixException ENOSPC naming msgmni when the system has all the queues it may
   */
  public static SysVMessageQueue open(int key, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    int[] id = new int[1];
    int r = Core.pipc_sysv_msg_get(key, SysV.flags(options), options.mode, id);
    if (r < 0) {
      throw SysV.failure(r, "msgget", SysV.named("queue", key),
          Core.PIPC_SYSV_CALL_MSG_GET, 0, 0);
    }
    return new SysVMessageQueue(key, id[0], options.truncate);
  }

  /**
   * A handle for the queue with identifier id, as another process passed it on (a queue made
   * with {@link SysV#PRIVATE} has no other name). Checked with {@code IPC_STAT}.
   *
   * @throws PosixException EINVAL when no queue has that identifier, EACCES when its mode refuses
   *     reading it
   */
  public static SysVMessageQueue ofId(int id) throws IOException {
    return ofId(id, options());
  }

  /** {@link #ofId(int)} with options; only {@link Options#truncate()} applies (no create). */
  public static SysVMessageQueue ofId(int id, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    if (options.create) {
      throw new IllegalArgumentException("an identifier names an existing queue: create() does not apply");
    }
    long[] st = Kind.QUEUE.statOf(id);
    return new SysVMessageQueue((int) st[Core.PIPC_SYSV_STAT_KEY], id, options.truncate);
  }

  // ------------------------------------------------------------------ send

  /** Sends a whole array as one message of the given type, waiting for room as long as it takes. */
  public void send(long type, byte[] text) throws IOException {
    send(type, text, null);
  }

  /**
   * Sends a whole array as one message ({@code msgsnd}).
   *
   * @param type the message's type, above 0
   * @param timeout null: wait for room as long as it takes; {@link Duration#ZERO}: do not wait
   *     ({@code IPC_NOWAIT}); positive: wait at most that long
   * @throws IllegalArgumentException for a type of 0 or below, or a negative timeout
   * @throws PosixException EINVAL naming msgmax when the text is longer than that limit; EIDRM
   *     when the queue is removed during the wait
   * @throws WouldBlockException when the queue is full and the call may not wait
   * @throws TimedOutException when it stayed full for the whole timeout
   */
  public void send(long type, byte[] text, Duration timeout) throws IOException {
    Objects.requireNonNull(text, "text");
    send(type, ByteBuffer.wrap(text), timeout);
  }

  /**
   * Sends src's remaining bytes as one message; src's position moves to its limit once sent. See
   * {@link #send(long, byte[], Duration)}.
   */
  public void send(long type, ByteBuffer src, Duration timeout) throws IOException {
    Objects.requireNonNull(src, "src");
    if (type <= 0) {
      throw new IllegalArgumentException("a System V message type must be above 0 (msgsnd refuses "
          + type + " with EINVAL)");
    }
    long t = Timeouts.nanos(timeout);
    int pos = src.position();
    int len = src.limit() - pos;
    Buffers.Scratch s = Buffers.copyArea(HEADER + len);
    TYPE.set(s.buffer, 0, type);
    s.buffer.put(HEADER, src, pos, len);
    long r;
    try {
      r = handle.call(SEND, s.address, len, 0, t, true, "msgsnd");
    } catch (PosixException e) {
      throw e.errno() == Errno.EINVAL
          ? SysV.failure(-e.errno(), "msgsnd", what(), Core.PIPC_SYSV_CALL_MSG_SEND, len, 0) : e;
    } finally {
      // A copy area over 64 KiB is a fresh buffer that only this frame holds.
      Reference.reachabilityFence(s.buffer);
    }
    if (r < 0) {
      throw PosixException.of(r, "msgsnd", what());
    }
    src.position(pos + len);
  }

  // --------------------------------------------------------------- receive

  /** Receives a message selected by type into dst, waiting as long as it takes; allocates its result. */
  public ReceivedMessage receive(ByteBuffer dst, long type) throws IOException {
    return receive(dst, type, null, new ReceivedMessage());
  }

  /** Receives a message selected by type into dst, waiting at most timeout; allocates its result. */
  public ReceivedMessage receive(ByteBuffer dst, long type, Duration timeout) throws IOException {
    return receive(dst, type, timeout, new ReceivedMessage());
  }

  /**
   * Receives the message that type selects ({@code msgrcv}; see the class description) into dst,
   * at its position, and moves the position past it. With a reused {@code into}, nothing is
   * allocated.
   *
   * @param dst where the text goes: its remaining bytes are the room ({@code msgsz})
   * @param type 0: the first message; positive: the first of that type; negative: the first of
   *     the lowest type at most -type
   * @param timeout null: wait as long as it takes; {@link Duration#ZERO}: do not wait ({@code
   *     IPC_NOWAIT}); positive: wait at most that long
   * @param into the holder to fill with the length and {@link ReceivedMessage#type()}; returned
   * @throws PosixException E2BIG when the message is longer than the room (it stays queued)
   *     unless the handle truncates; EIDRM when the queue is removed during the wait
   * @throws WouldBlockException when nothing matches and the call may not wait
   * @throws TimedOutException when nothing matched for the whole timeout
   */
  public ReceivedMessage receive(ByteBuffer dst, long type, Duration timeout, ReceivedMessage into)
      throws IOException {
    return receive(dst, type, 0, timeout, into);
  }

  /**
   * Receives the first message whose type is NOT type ({@code MSG_EXCEPT}, Linux); otherwise as
   * {@link #receive(ByteBuffer, long, Duration, ReceivedMessage)}.
   *
   * @param type above 0
   * @throws IllegalArgumentException for a type of 0 or below
   */
  public ReceivedMessage receiveExcept(ByteBuffer dst, long type, Duration timeout, ReceivedMessage into)
      throws IOException {
    if (type <= 0) {
      throw new IllegalArgumentException("MSG_EXCEPT selects by a type above 0: " + type);
    }
    return receive(dst, type, Core.PIPC_SYSV_MSG_EXCEPT, timeout, into);
  }

  private ReceivedMessage receive(ByteBuffer dst, long type, int flags, Duration timeout, ReceivedMessage into)
      throws IOException {
    Objects.requireNonNull(dst, "dst");
    Objects.requireNonNull(into, "into");
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("receive into a read-only buffer");
    }
    long t = Timeouts.nanos(timeout);
    int pos = dst.position();
    int room = dst.limit() - pos;
    Buffers.Scratch s = Buffers.copyArea(HEADER + room);
    long r;
    try {
      long b = ((long) (flags | receiveFlags) << 32) | room;
      r = handle.call(RECEIVE, s.address, b, type, t, true, "msgrcv");
      if (r >= 0) {
        long got = (long) TYPE.get(s.buffer, 0);
        int n = (int) r;
        dst.put(pos, s.buffer, HEADER, n);
        dst.position(pos + n);
        into.fromSysV(n, got);
      }
    } catch (PosixException e) {
      if (e.errno() == Errno.E2BIG) {
        throw PosixException.of(-e.errno(), "msgrcv", what() + ": the message is longer than the "
            + room + " bytes of room; it stays queued (open with truncate() to cut it)");
      }
      throw e;
    } finally {
      Reference.reachabilityFence(s.buffer);
    }
    if (r < 0) {
      throw PosixException.of(r, "msgrcv", what());
    }
    return into;
  }

  // ------------------------------------------------------------------ control

  /** The queue's state now ({@code msgctl IPC_STAT}). */
  public Stat stat() throws IOException {
    long[] st = statSlots();
    return new Stat(SysV.Permissions.of(st), st[Core.PIPC_SYSV_MSG_STAT_BYTES],
        st[Core.PIPC_SYSV_MSG_STAT_MESSAGES],
        st[Core.PIPC_SYSV_MSG_STAT_MAX_BYTES], (int) st[Core.PIPC_SYSV_MSG_STAT_LAST_SEND_PID],
        (int) st[Core.PIPC_SYSV_MSG_STAT_LAST_RECEIVE_PID],
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_MSG_STAT_SEND_TIME]),
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_MSG_STAT_RECEIVE_TIME]),
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_MSG_STAT_CHANGE_TIME]));
  }

  /**
   * Sets the permission bits ({@code msgctl IPC_SET}); the owner, the creator or a privileged
   * process may.
   *
   * @throws IllegalArgumentException for bits outside 0777
   */
  public void setMode(int mode) throws IOException {
    int m = OptionChecks.mode(mode, 0777);
    life.withFd(q -> Core.pipc_sysv_msg_set(q, -1, -1, m, -1), "msgctl(IPC_SET)");
  }

  /**
   * Sets the capacity in bytes ({@code msg_qbytes}, {@code msgctl IPC_SET}); above msgmnb only
   * with CAP_SYS_RESOURCE (EPERM otherwise).
   *
   * @throws IllegalArgumentException unless positive
   */
  public void setMaxBytes(long maxBytes) throws IOException {
    long b = OptionChecks.positive(maxBytes, "maxBytes");
    life.withFd(q -> Core.pipc_sysv_msg_set(q, -1, -1, -1, b), "msgctl(IPC_SET)");
  }

  /**
   * Removes the queue with identifier id ({@code msgctl IPC_RMID}), as {@code ipcrm -q} does.
   *
   * @throws PosixException EINVAL when there is none, EPERM when this process may not
   */
  public static void remove(int id) throws IOException {
    Kind.QUEUE.removeId(id);
  }

  @Override
  public String toString() {
    return describe("");
  }
}
