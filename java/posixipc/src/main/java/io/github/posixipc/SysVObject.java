package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;

/**
 * What the three System V handles share, written once: the key and the identifier, the state
 * call by identifier, removal ({@code IPC_RMID}, by handle and by identifier), and the lifecycle
 * (an identifier is the system's, so closing releases nothing). {@link SysVMessageQueue} and
 * {@link SysVSemaphoreSet} block in the kernel and carry an interruptible handle; {@link
 * SysVSharedMemory} does not block and carries the plain lifecycle.
 */
abstract class SysVObject implements AutoCloseable {

  /** A kind of System V object: its word in messages and its two control calls. */
  enum Kind {
    QUEUE("queue", "msgctl", Core.PIPC_SYSV_MSG_STAT_SLOTS),
    SEGMENT("segment", "shmctl", Core.PIPC_SYSV_SHM_STAT_SLOTS),
    SET("semaphore set", "semctl", Core.PIPC_SYSV_SEM_STAT_SLOTS);

    final String word;
    private final String ctl;
    private final int slots;

    Kind(String word, String ctl, int slots) {
      this.word = word;
      this.ctl = ctl;
      this.slots = slots;
    }

    int stat(int id, long[] st) {
      return switch (this) {
        case QUEUE -> Core.pipc_sysv_msg_stat_get(id, st);
        case SEGMENT -> Core.pipc_sysv_shm_stat_get(id, st);
        case SET -> Core.pipc_sysv_sem_stat_get(id, st);
      };
    }

    int remove(int id) {
      return switch (this) {
        case QUEUE -> Core.pipc_sysv_msg_remove(id);
        case SEGMENT -> Core.pipc_sysv_shm_remove(id);
        case SET -> Core.pipc_sysv_sem_remove(id);
      };
    }

    /** The state of the object with identifier id ({@code IPC_STAT}), as the C core lays it out. */
    long[] statOf(int id) throws IOException {
      long[] st = new long[slots];
      check(stat(id, st), "IPC_STAT", id);
      return st;
    }

    /** Removes the object with identifier id ({@code IPC_RMID}). */
    void removeId(int id) throws IOException {
      check(remove(id), "IPC_RMID", id);
    }

    private void check(int r, String command, int id) throws PosixException {
      if (r < 0) {
        throw PosixException.of(r, ctl + "(" + command + ")", "System V " + word + " id " + id);
      }
    }
  }

  private final Kind kind;
  private final int key;
  private final int id;
  /** The identifier's lifecycle; a blocking kind's is inside {@link #handle}. */
  final Descriptor life;
  /** The interrupt hook of a kind that blocks; null for one that does not. */
  final InterruptibleHandle handle;

  /**
   * @param blocking whether calls block in the kernel (an interruptible handle then wraps the
   *     lifecycle)
   * @param nowait for a blocking kind: whether the kernel ends its own timed waits (else the
   *     library's waker does, at the deadline)
   */
  SysVObject(Kind kind, int key, int id, boolean blocking, boolean nowait) {
    this.kind = kind;
    this.key = key;
    this.id = id;
    // Nothing to release: an identifier is the system's, not this process's.
    String what = SysV.what(kind.word, key, id);
    if (blocking) {
      this.life = Descriptor.ofIdentifier(what, id, nowait, h -> 0);
      this.handle = new InterruptibleHandle(this, life);
    } else {
      this.life = Descriptor.of(what, id, h -> 0);
      this.handle = null;
      life.cleanWith(this);
    }
  }

  /** The key it was got with ({@link SysV#PRIVATE} for a private object). */
  public int key() {
    return key;
  }

  /** The identifier, which every process may use ({@code msqid}, {@code shmid}, {@code semid}). */
  public int id() {
    return id;
  }

  /** The object's state now ({@code IPC_STAT}), as the C core lays it out. */
  final long[] statSlots() throws IOException {
    long[] st = new long[kind.slots];
    life.withFd(s -> kind.stat(s, st), kind.ctl + "(IPC_STAT)");
    return st;
  }

  /**
   * Removes the object ({@code IPC_RMID}): a queue or a set goes at once, waking the threads of
   * every process that wait on it with EIDRM; a segment's key is free at once and its memory goes
   * with its last detach. This handle stays open (only close() ends it).
   */
  public void remove() throws IOException {
    life.withFd(kind::remove, kind.ctl + "(IPC_RMID)");
  }

  /** True until close. */
  public boolean isOpen() {
    return life.isOpen();
  }

  /**
   * Ends this handle, idempotent and thread-safe; threads blocked in it get {@code
   * AsynchronousCloseException}. The object stays: that is {@link #remove()}.
   */
  @Override
  public void close() throws IOException {
    if (handle != null) {
      handle.close();
    } else {
      life.closeOwned();
    }
  }

  final String what() {
    return life.what();
  }

  /** "SysVMessageQueue[System V queue 0x0000162e (id 5)" and what follows, then "]". */
  final String describe(String detail) {
    return getClass().getSimpleName() + "[" + what() + detail + (isOpen() ? "" : ", closed") + "]";
  }
}
