package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A POSIX message queue ({@code mq_open}): a named kernel queue of messages with priorities, which
 * any process may open. An instance is this process's descriptor of it.
 *
 * <pre>{@code
 * try (MessageQueue q = MessageQueue.open("/jobs",
 *     MessageQueue.options().create().maxMessages(10).messageSize(1024))) {
 *   q.send("hello".getBytes(UTF_8), 5);
 *   ByteBuffer buf = ByteBuffer.allocateDirect(q.messageSize());
 *   ReceivedMessage r = q.receive(buf, Duration.ofSeconds(1), new ReceivedMessage());
 *   // r.length() bytes at buf's old position, priority r.priority()
 * } finally {
 *   MessageQueue.unlink("/jobs");
 * }
 * }</pre>
 *
 * <p>A message keeps its boundaries; a receive takes the oldest message of the highest priority
 * ({@code 0 .. }{@link #PRIORITY_MAX}). A message longer than {@link #messageSize()} is refused
 * with EMSGSIZE, and so is a receive buffer with less room than that (POSIX requires the room
 * even for shorter messages). Timeouts follow the library's convention; POSIX measures them on
 * the real-time clock, so a step of the system clock lengthens or shortens a wait. A non-blocking
 * queue throws {@link WouldBlockException} at once, whatever the timeout, as {@code mq_timedsend}
 * does. The descriptor ({@link #fd()}) can be polled: readable when the queue holds a message,
 * writable when it has room.
 *
 * <p>Any number of threads may send and receive on one instance at once; the kernel orders them.
 * Close and interrupts wake blocked threads as for every channel. {@link #close()} never removes
 * the name: that is {@link #unlink(String)}, as in POSIX. docs/mq.md has the whole story.
 *
 * <h2>Notification</h2>
 *
 * {@link #registerNotification(Runnable)} and {@link #registerNotification(int, int)} are {@code
 * mq_notify}: see {@link MessageQueueNotification}.
 */
public final class MessageQueue extends DescriptorChannel {

  static {
    Native.ensureLoaded();
  }

  /** The highest priority (MQ_PRIO_MAX - 1). Priorities run from 0 to this value. */
  public static final int PRIORITY_MAX = Core.PIPC_MQ_PRIO_MAX - 1;

  /** The longest name, not counting the leading '/'. */
  public static final int NAME_MAX = Core.PIPC_MQ_NAME_MAX;

  /** The mode a created queue gets unless {@link Options#mode(int)} says otherwise. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  /** The attributes of a queue ({@code struct mq_attr}), as {@link #attributes()} read them. */
  public record Attributes(boolean nonBlocking, long maxMessages, long messageSize, long currentMessages) {}

  /**
   * The system's limits on queues as this process sees them ({@code /proc/sys/fs/mqueue/*} and
   * RLIMIT_MSGQUEUE); a value that could not be read is -1, and an unlimited RLIMIT_MSGQUEUE too.
   * privileged: the process has CAP_SYS_RESOURCE, so the msg_max and msgsize_max limits do not
   * apply to it (the kernel's hard limits, 65536 messages and 16 MiB, do).
   */
  public record Limits(long msgMax, long msgsizeMax, long msgDefault, long msgsizeDefault,
      long queuesMax, long rlimitBytes, boolean privileged) {}

  /** How to open a queue: {@code MessageQueue.options().create().maxMessages(10)}. */
  public static final class Options extends NamedObjectOptions<Options> {
    private Access access = Access.READ_WRITE;
    private boolean nonBlocking;
    private long maxMessages;
    private long messageSize;

    private Options() {}

    /** Opens in non-blocking mode ({@code O_NONBLOCK}). */
    public Options nonBlocking() {
      nonBlocking = true;
      return this;
    }

    /** The access mode (default {@link Access#READ_WRITE}). */
    public Options access(Access access) {
      this.access = Objects.requireNonNull(access, "access");
      return this;
    }

    /**
     * The capacity in messages of a queue this open creates ({@code mq_maxmsg}); give {@link
     * #messageSize(long)} too, or neither for the system defaults. Positive.
     */
    public Options maxMessages(long maxMessages) {
      this.maxMessages = OptionChecks.positive(maxMessages, "maxMessages");
      return this;
    }

    /** The largest message of a queue this open creates ({@code mq_msgsize}). Positive. */
    public Options messageSize(long messageSize) {
      this.messageSize = OptionChecks.positive(messageSize, "messageSize");
      return this;
    }

    int flags() {
      int f = access == Access.READ ? Core.PIPC_MQ_READ
          : access == Access.WRITE ? Core.PIPC_MQ_WRITE : Core.PIPC_MQ_READ_WRITE;
      return f | (create ? Core.PIPC_MQ_CREATE : 0) | (exclusive ? Core.PIPC_MQ_EXCLUSIVE : 0)
          | (nonBlocking ? Core.PIPC_MQ_NONBLOCK : 0);
    }
  }

  private static final Call SEND = (fd, addr, len, prio, t) ->
      Core.pipc_mq_send(fd, addr, len, (int) prio, t);

  private static final Call RECEIVE = (fd, addr, len, prioAddr, t) ->
      Core.pipc_mq_receive(fd, addr, len, prioAddr, t);

  private final String name;
  private final Access access;
  private final int messageSize;
  private final long maxMessages;

  private MessageQueue(Descriptor d, String name, Access access, long maxMessages, long messageSize) {
    super(d);
    this.name = name;
    this.access = access;
    this.maxMessages = maxMessages;
    // The kernel's hard limit is 16 MiB, so a message size always fits in an int.
    this.messageSize = (int) messageSize;
  }

  /** A fresh set of options: read-write, open an existing queue, blocking, mode 0600. */
  public static Options options() {
    return new Options();
  }

  /** Opens an existing queue for sending and receiving. */
  public static MessageQueue open(String name) throws IOException {
    return open(name, options());
  }

  /**
   * Opens (or creates) a queue.
   *
   * @param name "/" followed by 1 to {@link #NAME_MAX} characters, none of them '/'
   * @throws PosixException EINVAL or ENAMETOOLONG for a bad name; EINVAL (attributes above
   *     msg_max or msgsize_max), EMFILE (RLIMIT_MSGQUEUE) or ENOSPC (queues_max), with the limit
   *     and its value in the message
   * @throws NotFoundException when the queue does not exist and the options do not create it
   * @throws AlreadyExistsException for {@link Options#exclusive()} when it exists
   * @throws PermissionDeniedException when the queue's mode refuses the access
   * @throws IllegalArgumentException when only one of maxMessages and messageSize is given
   */
  public static MessageQueue open(String name, Options options) throws IOException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(options, "options");
    if ((options.maxMessages == 0) != (options.messageSize == 0)) {
      throw new IllegalArgumentException("give both maxMessages and messageSize, or neither");
    }
    byte[] nativeName = checkedName(name, "mq_open");
    int[] fd = {-1};
    int r = Core.pipc_mq_open(nativeName, options.flags(), options.mode, options.maxMessages,
        options.messageSize, fd);
    if (r < 0) {
      String object = "queue " + name;
      String why = explain(r, options.maxMessages, options.messageSize);
      throw PosixException.of(r, "mq_open", why.isEmpty() ? object : object + ": " + why);
    }
    long[] attr = new long[Core.PIPC_MQ_ATTR_SLOTS];
    r = Core.pipc_mq_getattr(fd[0], attr);
    if (r < 0) {
      Core.pipc_mq_close(fd[0]);
      throw PosixException.of(r, "mq_getattr", "queue " + name);
    }
    String what = "queue " + name + " (" + options.access.name().toLowerCase(Locale.ROOT).replace('_', '-') + ")";
    // The kernel ends timed calls itself: no deadline signal needed.
    MessageQueue q = new MessageQueue(new Descriptor(what, fd[0], true), name, options.access,
        attr[Core.PIPC_MQ_ATTR_MAX_MESSAGES], attr[Core.PIPC_MQ_ATTR_MESSAGE_SIZE]);
    q.markBlocking(!options.nonBlocking);
    return q;
  }

  /**
   * Removes a queue's name ({@code mq_unlink}). Processes that have it open keep using it; the
   * queue goes away when the last one closes it.
   *
   * @throws NotFoundException when there is no such queue
   * @throws PosixException EINVAL or ENAMETOOLONG for a bad name
   */
  public static void unlink(String name) throws IOException {
    Objects.requireNonNull(name, "name");
    int r = Core.pipc_mq_unlink(checkedName(name, "mq_unlink"));
    if (r < 0) {
      throw PosixException.of(r, "mq_unlink", "queue " + name);
    }
  }

  /** The system's limits on queues (see {@link Limits}). */
  public static Limits limits() {
    long[] l = new long[Core.PIPC_MQ_LIMITS_SLOTS];
    Core.pipc_mq_get_limits(l);
    return new Limits(l[Core.PIPC_MQ_LIMITS_MSG_MAX], l[Core.PIPC_MQ_LIMITS_MSGSIZE_MAX],
        l[Core.PIPC_MQ_LIMITS_MSG_DEFAULT], l[Core.PIPC_MQ_LIMITS_MSGSIZE_DEFAULT],
        l[Core.PIPC_MQ_LIMITS_QUEUES_MAX], l[Core.PIPC_MQ_LIMITS_RLIMIT_BYTES],
        l[Core.PIPC_MQ_LIMITS_PRIVILEGED] == 1);
  }

  /** Checks a name as the C core will, so that a bad one gets a message that says why. */
  private static byte[] checkedName(String name, String syscall) throws PosixException {
    byte[] nativeName = NativeStrings.encode(name, "queue name");
    int r = Core.pipc_ipc_name_check(nativeName, NAME_MAX);
    if (r < 0) {
      throw PosixException.of(r, syscall, "queue " + name + " (a queue name is '/' followed by 1 to "
          + NAME_MAX + " characters, none of them '/')");
    }
    return nativeName;
  }

  /** The C core's sentence about the limit behind an error of mq_open, or "". */
  private static String explain(int err, long maxMessages, long messageSize) {
    byte[] buf = new byte[256];
    int n = Core.pipc_mq_explain(err, maxMessages, messageSize, buf, buf.length);
    return n > 0 ? new String(buf, 0, n, StandardCharsets.UTF_8) : "";
  }

  /** The queue's name, as opened. */
  public String name() {
    return name;
  }

  /** How this process opened it. */
  public Access access() {
    return access;
  }

  /** The largest message, in bytes ({@code mq_msgsize}, fixed at creation). */
  public int messageSize() {
    return messageSize;
  }

  /** The capacity in messages ({@code mq_maxmsg}, fixed at creation). */
  public long maxMessages() {
    return maxMessages;
  }

  /** The queue's attributes now ({@code mq_getattr}), including the messages it holds. */
  public Attributes attributes() throws IOException {
    long[] a = new long[Core.PIPC_MQ_ATTR_SLOTS];
    withFd(fd -> Core.pipc_mq_getattr(fd, a), "mq_getattr");
    return new Attributes(a[Core.PIPC_MQ_ATTR_NONBLOCKING] != 0, a[Core.PIPC_MQ_ATTR_MAX_MESSAGES],
        a[Core.PIPC_MQ_ATTR_MESSAGE_SIZE], a[Core.PIPC_MQ_ATTR_CURRENT_MESSAGES]);
  }

  /** Sends src's remaining bytes as one message, waiting for room as the mode says. */
  public void send(ByteBuffer src, int priority) throws IOException {
    send(src, priority, null);
  }

  /**
   * Sends src's remaining bytes as one message; src's position moves to its limit once sent.
   *
   * @param priority 0 to {@link #PRIORITY_MAX}
   * @param timeout null: wait for room as the mode says; {@link Duration#ZERO}: do not wait;
   *     positive: wait at most that long
   * @throws PosixException EMSGSIZE (naming both sizes) when the message is longer than
   *     {@link #messageSize()}
   * @throws WouldBlockException when the queue is full and the call may not wait
   * @throws TimedOutException when it stayed full for the whole timeout
   * @throws NonWritableChannelException when opened for receiving only
   * @throws IllegalArgumentException for a priority out of range or a negative timeout
   */
  public void send(ByteBuffer src, int priority, Duration timeout) throws IOException {
    Objects.requireNonNull(src, "src");
    long t = checkSend(priority, timeout);
    int pos = src.position();
    int len = src.limit() - pos;
    checkLength(len);
    if (src.isDirect()) {
      sendRaw(directAddress(src, true) + pos, len, priority, t);
    } else if (src.hasArray()) {
      sendArray(src.array(), src.arrayOffset() + pos, len, priority, t);
    } else {
      // A read-only heap buffer: copied without its backing array.
      Buffers.Scratch s = Buffers.copyArea(len);
      s.buffer.put(0, src, pos, len);
      sendRaw(s.address, len, priority, t);
      // A copy area over 64 KiB is a fresh buffer that only this frame holds.
      Reference.reachabilityFence(s.buffer);
    }
    src.position(pos + len);
  }

  /** Sends a whole array as one message, waiting for room as the mode says. */
  public void send(byte[] message, int priority) throws IOException {
    send(message, priority, null);
  }

  /** Sends a whole array as one message; see {@link #send(ByteBuffer, int, Duration)}. */
  public void send(byte[] message, int priority, Duration timeout) throws IOException {
    Objects.requireNonNull(message, "message");
    long t = checkSend(priority, timeout);
    checkLength(message.length);
    sendArray(message, 0, message.length, priority, t);
  }

  private long checkSend(int priority, Duration timeout) {
    if (access == Access.READ) {
      throw new NonWritableChannelException();
    }
    if (priority < 0 || priority > PRIORITY_MAX) {
      throw new IllegalArgumentException("priority " + priority + " is out of range 0.." + PRIORITY_MAX);
    }
    return Timeouts.nanos(timeout);
  }

  /** The size is fixed at creation, so a message too long is refused before any copy. */
  private void checkLength(int len) throws PosixException {
    if (len > messageSize) {
      throw tooLong(len);
    }
  }

  private PosixException tooLong(int len) {
    return PosixException.of(-Errno.EMSGSIZE, "mq_send", descriptor.what() + ": a message of "
        + len + " bytes is longer than the queue's message size (mq_msgsize " + messageSize + ")");
  }

  private void sendArray(byte[] a, int off, int len, int priority, long t) throws IOException {
    Buffers.Scratch s = Buffers.copyArea(len);
    s.buffer.put(0, a, off, len);
    sendRaw(s.address, len, priority, t);
    // A copy area over 64 KiB is a fresh buffer that only this frame holds.
    Reference.reachabilityFence(s.buffer);
  }

  private void sendRaw(long address, int len, int priority, long t) throws IOException {
    long r;
    try {
      r = call(SEND, address, len, priority, t, true, "mq_send");
    } catch (PosixException e) {
      if (e.errno() == Errno.EMSGSIZE) {
        throw tooLong(len);
      }
      throw e;
    }
    if (r < 0) {
      throw PosixException.of(r, "mq_send", descriptor.what());
    }
  }

  /** Receives a message into dst, waiting as the mode says; allocates its result. */
  public ReceivedMessage receive(ByteBuffer dst) throws IOException {
    return receive(dst, null, new ReceivedMessage());
  }

  /** Receives a message into dst, waiting at most timeout; allocates its result. */
  public ReceivedMessage receive(ByteBuffer dst, Duration timeout) throws IOException {
    return receive(dst, timeout, new ReceivedMessage());
  }

  /**
   * Receives the oldest message of the highest priority into dst, at its position, and moves the
   * position past it. With a direct dst and a reused {@code into}, nothing is allocated.
   *
   * @param dst a buffer with at least {@link #messageSize()} bytes remaining
   * @param timeout null: wait as the mode says; {@link Duration#ZERO}: do not wait; positive:
   *     wait at most that long
   * @param into the holder to fill with the length and priority; returned
   * @throws PosixException EMSGSIZE, before the system call, when dst has less room than
   *     {@link #messageSize()}
   * @throws WouldBlockException when the queue is empty and the call may not wait
   * @throws TimedOutException when it stayed empty for the whole timeout
   * @throws NonReadableChannelException when opened for sending only
   */
  public ReceivedMessage receive(ByteBuffer dst, Duration timeout, ReceivedMessage into) throws IOException {
    Objects.requireNonNull(dst, "dst");
    Objects.requireNonNull(into, "into");
    if (access == Access.WRITE) {
      throw new NonReadableChannelException();
    }
    if (dst.isReadOnly()) {
      throw new IllegalArgumentException("receive into a read-only buffer");
    }
    long t = Timeouts.nanos(timeout);
    int pos = dst.position();
    int room = dst.limit() - pos;
    if (room < messageSize) {
      throw PosixException.of(-Errno.EMSGSIZE, "mq_receive", descriptor.what() + ": a buffer of "
          + room + " bytes is smaller than the queue's message size (mq_msgsize " + messageSize + ")");
    }
    // The priority comes back in the thread's control area, which no other call of this thread
    // is using meanwhile.
    Buffers.Control prio = Buffers.control();
    long prioAt = prio.address + Buffers.CONTROL_INFO;
    int n;
    if (dst.isDirect()) {
      n = receiveRaw(directAddress(dst, false) + pos, messageSize, prioAt, t);
    } else {
      Buffers.Scratch s = Buffers.copyArea(messageSize);
      n = receiveRaw(s.address, messageSize, prioAt, t);
      s.buffer.get(0, dst.array(), dst.arrayOffset() + pos, n);
    }
    dst.position(pos + n);
    return into.fromQueue(n, prio.buffer.getInt(Buffers.CONTROL_INFO));
  }

  private int receiveRaw(long address, int len, long prioAddress, long t) throws IOException {
    long r = call(RECEIVE, address, len, prioAddress, t, true, "mq_receive");
    if (r < 0) {
      throw PosixException.of(r, "mq_receive", descriptor.what());
    }
    return (int) r;
  }

  /**
   * Registers this process for notification ({@code mq_notify}): callback runs once, on a daemon
   * thread named {@code posixipc-mq-notify}, when a message arrives in the empty queue. See
   * {@link MessageQueueNotification} for the exact rules.
   *
   * @return the registration; {@link MessageQueueNotification#cancel()} removes it
   * @throws PosixException EBUSY when a process (this one included) is already registered
   */
  public MessageQueueNotification registerNotification(Runnable callback) throws IOException {
    return MessageQueueNotification.callback(this, callback);
  }

  /**
   * Registers this process for notification by signal ({@code mq_notify} with {@code
   * SIGEV_SIGNAL}): when a message arrives in the empty queue, the kernel sends signal to this
   * process once, with {@link SignalInfo#code()} {@code SI_MESGQ} and {@link SignalInfo#value()}
   * value. Catch the signal first ({@link Signals#addListener} or {@link Signals#queue}), since
   * the default action of most signals would end the JVM; the rules are {@link
   * MessageQueueNotification}'s.
   *
   * @return the registration; {@link MessageQueueNotification#cancel()} removes it
   * @throws IllegalStateException when posixipc does not catch signal in this process
   * @throws IllegalArgumentException for a number that is not a signal, or a reserved one
   * @throws PosixException EBUSY when a process (this one included) is already registered
   */
  public MessageQueueNotification registerNotification(int signal, int value) throws IOException {
    return MessageQueueNotification.signal(this, signal, value);
  }

  @Override
  public String toString() {
    return "MessageQueue[" + descriptor.what() + (isOpen() ? "" : ", closed") + "]";
  }
}
