package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A System V semaphore set ({@code semget}): n counters that {@link #apply} changes with several
 * operations at once, atomically, shared with C programs that use {@code semop} on the same set.
 *
 * <pre>{@code
 * try (SysVSemaphoreSet set = SysVSemaphoreSet.open(key,
 *     SysVSemaphoreSet.options().create().initialValues(1, 0))) {
 *   set.apply(null, SysVSemaphoreSet.Operation.add(0, -1).undo());   // take 0; undone if we die
 *   ...
 *   set.apply(null, SysVSemaphoreSet.Operation.add(0, 1).undo(), SysVSemaphoreSet.Operation.add(1, 1));
 * }
 * }</pre>
 *
 * <p>An {@link Operation} adds a positive delta, waits until the value allows taking a negative
 * one, or (delta 0) waits until the value is 0; {@link Operation#undo()} ({@code SEM_UNDO}) has
 * the kernel reverse it when the process ends, however it ends; {@link Operation#noWait()}
 * ({@code IPC_NOWAIT}) makes the whole call fail with {@link WouldBlockException} when that
 * operation cannot proceed. The operations of one call are applied all together or not at all.
 *
 * <p>Timeouts follow the library's convention and are the kernel's own ({@code semtimedop},
 * monotonic). Close and interrupts wake blocked threads as on channels: {@link #close()} from
 * another thread gives them {@code AsynchronousCloseException}, {@link Thread#interrupt()}
 * closes this handle and gives {@code ClosedByInterruptException}. Removal ({@link #remove()}) by
 * any process wakes waiters with EIDRM.
 *
 * <p><b>The initialization race.</b> Creating a set and giving it values are two calls: a process
 * that gets the set in between sees zeros. {@link Options#initialValues(int...)} uses the safe
 * protocol ({@code pipc_sysv_sem_get_initialized}): the creator sets the values and then makes
 * one {@code semop}, which sets {@code sem_otime}; every other process waits (up to
 * {@link Options#initTimeout(Duration)}) until {@code sem_otime} is set. C processes that follow
 * the same protocol (docs/sysv.md) interoperate.
 */
public final class SysVSemaphoreSet extends SysVObject {

  static {
    Native.ensureLoaded();
  }

  /** The mode a created set gets unless {@link Options#mode(int)} says otherwise. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  private static final VarHandle SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());
  private static final int SEMBUF = Core.PIPC_SYSV_SEMBUF_SIZE;

  /**
   * One operation of {@link #apply}: on semaphore {@link #number()}, a delta above 0 adds it, a
   * delta below 0 waits until the value is at least -delta and takes it, 0 waits for the value
   * to be 0; {@link #semUndo()} and {@link #ipcNoWait()} are its {@code SEM_UNDO} and {@code
   * IPC_NOWAIT} flags. Immutable; keep an array of them to apply the same operations without
   * allocating.
   */
  public record Operation(int number, int delta, boolean semUndo, boolean ipcNoWait) {
    /**
     * @throws IllegalArgumentException for a negative number, or a delta outside a C short
     */
    public Operation {
      if (number < 0 || number > 0xffff) {
        throw new IllegalArgumentException("semaphore number outside 0..65535: " + number);
      }
      if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
        throw new IllegalArgumentException("semop delta outside " + Short.MIN_VALUE + ".."
            + Short.MAX_VALUE + ": " + delta);
      }
    }

    /** Adds delta to semaphore number (waiting first when it is negative). */
    public static Operation add(int number, int delta) {
      return new Operation(number, delta, false, false);
    }

    /** Waits until semaphore number is 0. */
    public static Operation waitForZero(int number) {
      return new Operation(number, 0, false, false);
    }

    /** The same with {@code SEM_UNDO}: reversed by the kernel when this process ends. */
    public Operation undo() {
      return new Operation(number, delta, true, ipcNoWait);
    }

    /** The same with {@code IPC_NOWAIT}: the call fails at once when this one cannot proceed. */
    public Operation noWait() {
      return new Operation(number, delta, semUndo, true);
    }
  }

  /**
   * How to get a set: {@code SysVSemaphoreSet.options().create().count(2)} or {@code
   * .initialValues(1, 0)} for the safe create-and-initialize.
   */
  public static final class Options extends NamedObjectOptions<Options> {
    private int count;
    private int[] values;
    private Duration initTimeout = Duration.ofSeconds(10);

    private Options() {}

    /** The number of semaphores of a set this get creates, and the least an existing one needs. */
    public Options count(int count) {
      this.count = (int) OptionChecks.positive(count, "count");
      return this;
    }

    /**
     * Creates the set, if the key has none, with these values (and so {@code values.length}
     * semaphores), safely against the initialization race (see the class description); implies
     * {@link #create()}.
     *
     * @throws IllegalArgumentException for no values, or one outside 0..32767 (SEMVMX)
     */
    public Options initialValues(int... values) {
      Objects.requireNonNull(values, "values");
      if (values.length == 0) {
        throw new IllegalArgumentException("initialValues needs at least one value");
      }
      for (int v : values) {
        checkedValue(v);
      }
      this.values = values.clone();
      this.count = values.length;
      return create();
    }

    /** How long a process that finds the set waits for its creator to initialize it (10 s). */
    public Options initTimeout(Duration timeout) {
      Timeouts.nanos(Objects.requireNonNull(timeout, "timeout"));
      this.initTimeout = timeout;
      return this;
    }
  }

  /** A set's state ({@code semctl IPC_STAT}); a time of {@link Instant#EPOCH} means never. */
  public record Stat(SysV.Permissions permissions, int count, Instant opTime, Instant changeTime) {}

  private static final Descriptor.Call OP = (id, addr, nops, unused, t) ->
      Core.pipc_sysv_sem_op(id, addr, nops, t);

  private final int count;
  private final boolean created;

  private SysVSemaphoreSet(int key, int id, int count, boolean created) {
    // semtimedop ends its own timed waits (nowait true); close signals the threads inside.
    super(Kind.SET, key, id, true, true);
    this.count = count;
    this.created = created;
  }

  /** A fresh set of options: get an existing set of any size, mode 0600 for a created one. */
  public static Options options() {
    return new Options();
  }

  /** Gets the existing set of key; {@link NotFoundException} when there is none. */
  public static SysVSemaphoreSet open(int key) throws IOException {
    return open(key, options());
  }

  /**
   * Gets (or, as the options say, creates) the set of key ({@code semget}).
   *
   * @throws NotFoundException when the key has none and the options do not create one
   * @throws AlreadyExistsException for {@link Options#exclusive()} when it has one
   * @throws PosixException EINVAL naming semmsl when count is above it, ENOSPC naming semmni and
   *     semmns; ETIMEDOUT when the creator did not initialize the set within the init timeout
   * @throws IllegalArgumentException for a create without a count
   */
  public static SysVSemaphoreSet open(int key, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    if (options.create && options.count == 0) {
      throw new IllegalArgumentException("creating a semaphore set needs count(n) or initialValues(...)");
    }
    String what = SysV.named("semaphore set", key);
    int[] id = new int[1];
    int[] created = new int[1];
    int r;
    if (options.values != null && key != SysV.PRIVATE && !options.exclusive) {
      r = Core.pipc_sysv_sem_get_initialized(key, options.count, options.mode, options.values,
          Timeouts.nanos(options.initTimeout), id, created);
    } else {
      r = Core.pipc_sysv_sem_get(key, options.count, SysV.flags(options), options.mode, id);
      if (r == 0 && options.values != null) {
        // A private or exclusive set is new: this process is its creator. It still sets
        // sem_otime once the values are in, for processes that wait for that (the protocol of
        // the class description, in Java or in C) to find the set ready.
        created[0] = 1;
        r = Core.pipc_sysv_sem_set_all(id[0], options.values, options.values.length);
        if (r == 0) {
          r = markInitialized(id[0], options.values[0]);
        }
        if (r < 0) {
          Core.pipc_sysv_sem_remove(id[0]);
        }
      }
    }
    if (r < 0) {
      throw SysV.failure(r, "semget", what, Core.PIPC_SYSV_CALL_SEM_GET, 0, options.count);
    }
    return of(id[0], created[0] == 1 || (options.exclusive && r == 0));
  }

  /** One semop that changes nothing (-1 and +1, or +1 and -1, on semaphore 0): sets sem_otime. */
  private static int markInitialized(int id, int first) {
    Buffers.Scratch s = Buffers.scratch(2 * SEMBUF);
    short a = (short) (first > 0 ? -1 : 1);
    for (int i = 0; i < 2; i++) {
      SHORT.set(s.buffer, i * SEMBUF + Core.PIPC_SYSV_SEMBUF_NUM, (short) 0);
      SHORT.set(s.buffer, i * SEMBUF + Core.PIPC_SYSV_SEMBUF_OP, i == 0 ? a : (short) -a);
      SHORT.set(s.buffer, i * SEMBUF + Core.PIPC_SYSV_SEMBUF_FLAGS, (short) 0);
    }
    return Core.pipc_sysv_sem_op(id, s.address, 2, 0);
  }

  /**
   * A handle for the set with identifier id, as another process passed it on.
   *
   * @throws PosixException EINVAL when no set has that identifier, EACCES when its mode refuses
   *     reading it
   */
  public static SysVSemaphoreSet ofId(int id) throws IOException {
    return of(id, false);
  }

  private static SysVSemaphoreSet of(int id, boolean created) throws IOException {
    long[] st = Kind.SET.statOf(id);
    return new SysVSemaphoreSet((int) st[Core.PIPC_SYSV_STAT_KEY], id,
        (int) st[Core.PIPC_SYSV_SEM_STAT_COUNT], created);
  }

  /** The number of semaphores, fixed at creation. */
  public int count() {
    return count;
  }

  /** True when this open created the set. */
  public boolean created() {
    return created;
  }

  // -------------------------------------------------------------- operations

  /** {@link #apply(Duration, Operation...)} waiting as long as it takes. */
  public void apply(Operation... ops) throws IOException {
    apply(null, ops);
  }

  /**
   * Applies the operations atomically ({@code semtimedop}): all of them, once all can proceed.
   * Passing a kept array allocates nothing.
   *
   * @param timeout null: wait as long as it takes; {@link Duration#ZERO}: do not wait; positive:
   *     wait at most that long
   * @throws IllegalArgumentException for no operations, or a semaphore number not below
   *     {@link #count()}
   * @throws WouldBlockException when they cannot all proceed and the call may not wait, or an
   *     operation with {@link Operation#noWait()} cannot
   * @throws TimedOutException when they could not for the whole timeout
   * @throws PosixException E2BIG naming semopm for more operations than it; ERANGE naming semvmx
   *     when a value would pass it; EIDRM when the set is removed during the wait
   */
  public void apply(Duration timeout, Operation... ops) throws IOException {
    life.ensureOpen();
    Objects.requireNonNull(ops, "ops");
    if (ops.length == 0) {
      throw new IllegalArgumentException("semop needs at least one operation");
    }
    long t = Timeouts.nanos(timeout);
    Buffers.Scratch s = Buffers.copyArea(ops.length * SEMBUF);
    for (int i = 0; i < ops.length; i++) {
      Operation op = Objects.requireNonNull(ops[i], "operation");
      checkNumber(op.number);
      int at = i * SEMBUF;
      int flags = (op.semUndo ? Core.PIPC_SYSV_SEM_UNDO : 0) | (op.ipcNoWait ? Core.PIPC_SYSV_SEM_NOWAIT : 0);
      SHORT.set(s.buffer, at + Core.PIPC_SYSV_SEMBUF_NUM, (short) op.number);
      SHORT.set(s.buffer, at + Core.PIPC_SYSV_SEMBUF_OP, (short) op.delta);
      SHORT.set(s.buffer, at + Core.PIPC_SYSV_SEMBUF_FLAGS, (short) flags);
    }
    try {
      long r = handle.call(OP, s.address, ops.length, 0, t, true, "semop");
      if (r < 0) {
        // The handle is in blocking mode: -EAGAIN comes back only from a noWait operation.
        throw new WouldBlockException(Errno.EAGAIN, "semop", what());
      }
    } catch (PosixException e) {
      if (e.errno() == Errno.E2BIG || e.errno() == Errno.ERANGE) {
        throw SysV.failure(-e.errno(), "semop", what(), Core.PIPC_SYSV_CALL_SEM_OP, 0, ops.length);
      }
      throw e;
    } finally {
      Reference.reachabilityFence(s.buffer);
    }
  }

  // ----------------------------------------------------------------- control

  /** The value of semaphore number ({@code GETVAL}). */
  public int value(int number) throws IOException {
    checkNumber(number);
    return (int) life.withFd(s -> Core.pipc_sysv_sem_value(s, number), "semctl(GETVAL)");
  }

  /**
   * Sets semaphore number ({@code SETVAL}); every process's undo for it is cleared.
   *
   * @throws IllegalArgumentException for a value outside 0..32767 (SEMVMX)
   */
  public void setValue(int number, int value) throws IOException {
    checkNumber(number);
    checkedValue(value);
    life.withFd(s -> Core.pipc_sysv_sem_set_value(s, number, value), "semctl(SETVAL)");
  }

  /** Every value ({@code GETALL}), in one atomic read. */
  public int[] values() throws IOException {
    int[] v = new int[count];
    life.withFd(s -> Core.pipc_sysv_sem_get_all(s, v, v.length), "semctl(GETALL)");
    return v;
  }

  /**
   * Sets every value ({@code SETALL}), in one atomic step.
   *
   * @throws IllegalArgumentException unless there are {@link #count()} values, each in 0..32767
   */
  public void setValues(int... values) throws IOException {
    life.ensureOpen();
    Objects.requireNonNull(values, "values");
    if (values.length != count) {
      throw new IllegalArgumentException("SETALL needs " + count + " values for " + what() + ", not "
          + values.length);
    }
    for (int v : values) {
      checkedValue(v);
    }
    int[] copy = values.clone();
    life.withFd(s -> Core.pipc_sysv_sem_set_all(s, copy, copy.length), "semctl(SETALL)");
  }

  /** The pid of the process that operated last on semaphore number ({@code GETPID}; 0: none). */
  public int lastPid(int number) throws IOException {
    checkNumber(number);
    return (int) life.withFd(s -> Core.pipc_sysv_sem_pid(s, number), "semctl(GETPID)");
  }

  /** The threads waiting for semaphore number to grow ({@code GETNCNT}). */
  public int waitingForIncrease(int number) throws IOException {
    checkNumber(number);
    return (int) life.withFd(s -> Core.pipc_sysv_sem_waiting(s, number, 0), "semctl(GETNCNT)");
  }

  /** The threads waiting for semaphore number to be 0 ({@code GETZCNT}). */
  public int waitingForZero(int number) throws IOException {
    checkNumber(number);
    return (int) life.withFd(s -> Core.pipc_sysv_sem_waiting(s, number, 1), "semctl(GETZCNT)");
  }

  /** The set's state now ({@code semctl IPC_STAT}). */
  public Stat stat() throws IOException {
    long[] st = statSlots();
    return new Stat(SysV.Permissions.of(st), (int) st[Core.PIPC_SYSV_SEM_STAT_COUNT],
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_SEM_STAT_OP_TIME]),
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_SEM_STAT_CHANGE_TIME]));
  }

  /** Removes the set with identifier id, as {@code ipcrm -s} does. */
  public static void remove(int id) throws IOException {
    Kind.SET.removeId(id);
  }

  /** Closed first, then the number: a closed handle says so whatever the arguments. */
  private void checkNumber(int number) throws ClosedChannelException {
    life.ensureOpen();
    if (number < 0 || number >= count) {
      throw new IllegalArgumentException("semaphore number " + number + " is outside 0.."
          + (count - 1) + " of " + what());
    }
  }

  private static int checkedValue(int value) {
    if (value < 0 || value > Core.PIPC_SYSV_SEMVMX) {
      throw new IllegalArgumentException("semaphore value outside 0.." + Core.PIPC_SYSV_SEMVMX + ": " + value);
    }
    return value;
  }

  @Override
  public String toString() {
    return describe(", " + count + " semaphores");
  }
}
