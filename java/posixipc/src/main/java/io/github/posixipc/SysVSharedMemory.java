package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;

/**
 * A System V shared memory segment ({@code shmget}), reached through a key ({@link SysV}) or an
 * identifier, and attached ({@code shmat}) as a {@link MappedRegion}: the same bounds checks,
 * atomics and fault rules as a POSIX segment's mapping, shared with C programs that attach the
 * same segment.
 *
 * <pre>{@code
 * try (SysVSharedMemory shm = SysVSharedMemory.create(SysV.PRIVATE, 4096);
 *      MappedRegion region = shm.attach()) {
 *   region.setLongRelease(0, 42);
 *   // another process: SysVSharedMemory.ofId(shm.id()).attach()
 * }
 * }</pre>
 *
 * <p>A new segment is zero-filled. {@link MappedRegion#close()} detaches (the mapping is
 * replaced with private zero pages in one step, as for POSIX segments, which the kernel counts as
 * a detach); closing this handle does not detach its regions, and neither removes the segment:
 * that is {@link #remove()}, after which the key is free at once and the segment goes when its
 * last attachment does. On Linux a removed segment can still be attached by its identifier while
 * any process has it attached. docs/sysv.md has the whole story.
 */
public final class SysVSharedMemory extends SysVObject {

  static {
    Native.ensureLoaded();
  }

  /** The mode a created segment gets unless {@link Options#mode(int)} says otherwise. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  /**
   * How to get a segment: {@code SysVSharedMemory.options().create().size(4096)}. {@link
   * #open(int, Options)} honours all of them; {@link #ofId(int)} none of create, exclusive and
   * size.
   */
  public static final class Options extends NamedObjectOptions<Options> {
    private long size;

    private Options() {}

    /**
     * The size in bytes of a segment this get creates, and the least size an existing one must
     * have (EINVAL otherwise). Default 0: any existing segment; a create needs a size.
     */
    public Options size(long size) {
      this.size = OptionChecks.positive(size, "size");
      return this;
    }
  }

  /** A segment's state ({@code shmctl IPC_STAT}); a time of {@link Instant#EPOCH} means never. */
  public record Stat(SysV.Permissions permissions, long size, long attaches, int creatorPid,
      int lastPid, Instant attachTime, Instant detachTime, Instant changeTime, boolean removed,
      boolean locked) {}

  private final long size;

  private SysVSharedMemory(int key, int id, long size) {
    // Attachments are their regions': closing this handle leaves them.
    super(Kind.SEGMENT, key, id, false, true);
    this.size = size;
  }

  /** A fresh set of options: get an existing segment of any size, mode 0600 for a created one. */
  public static Options options() {
    return new Options();
  }

  /** Gets the existing segment of key; {@link NotFoundException} when there is none. */
  public static SysVSharedMemory open(int key) throws IOException {
    return open(key, options());
  }

  /**
   * Creates a segment of size bytes for key, exclusively ({@code IPC_CREAT|IPC_EXCL}); with
   * {@link SysV#PRIVATE}, a segment other processes reach by {@link #id()}.
   *
   * @throws AlreadyExistsException when the key has a segment
   * @throws PosixException EINVAL naming shmmax when size is above it, ENOSPC naming shmmni and
   *     shmall
   */
  public static SysVSharedMemory create(int key, long size) throws IOException {
    return open(key, options().exclusive().size(size));
  }

  /**
   * Gets (or, as the options say, creates) the segment of key ({@code shmget}).
   *
   * @throws NotFoundException when the key has none and the options do not create one
   * @throws AlreadyExistsException for {@link Options#exclusive()} when it has one
   * @throws PermissionDeniedException when its mode refuses this process
   * @throws PosixException EINVAL when a created segment has no size or one above shmmax, or an
   *     existing one is smaller than the size asked for
   */
  public static SysVSharedMemory open(int key, Options options) throws IOException {
    Objects.requireNonNull(options, "options");
    int[] id = new int[1];
    int r = Core.pipc_sysv_shm_get(key, options.size, SysV.flags(options), options.mode, id);
    if (r < 0) {
      throw SysV.failure(r, "shmget", SysV.named("segment", key),
          Core.PIPC_SYSV_CALL_SHM_GET, options.size, 0);
    }
    return of(id[0]);
  }

  /**
   * A handle for the segment with identifier id, as another process passed it on.
   *
   * @throws PosixException EINVAL when no segment has that identifier, EACCES when its mode
   *     refuses reading it
   */
  public static SysVSharedMemory ofId(int id) throws IOException {
    return of(id);
  }

  private static SysVSharedMemory of(int id) throws IOException {
    long[] st = Kind.SEGMENT.statOf(id);
    return new SysVSharedMemory((int) st[Core.PIPC_SYSV_STAT_KEY], id, st[Core.PIPC_SYSV_SHM_STAT_SIZE]);
  }

  /** The size in bytes, fixed at creation. */
  public long size() {
    return size;
  }

  /** Attaches the segment for reading and writing ({@code shmat}): the whole segment as a region. */
  public MappedRegion attach() throws IOException {
    return attach(0);
  }

  /** Attaches the segment for reading only ({@code SHM_RDONLY}); stores are refused. */
  public MappedRegion attachReadOnly() throws IOException {
    return attach(Core.PIPC_SYSV_SHM_READ_ONLY);
  }

  private MappedRegion attach(int flags) throws IOException {
    long[] addr = new long[1];
    life.withFd(s -> Core.pipc_sysv_shm_attach(s, flags, addr), "shmat");
    // The region detaches by unmapping, which the kernel counts as shmdt.
    return new MappedRegion(what(), addr[0], size, flags == 0);
  }

  /** The segment's state now ({@code shmctl IPC_STAT}), with the attachments of all processes. */
  public Stat stat() throws IOException {
    long[] st = statSlots();
    return new Stat(SysV.Permissions.of(st), st[Core.PIPC_SYSV_SHM_STAT_SIZE],
        st[Core.PIPC_SYSV_SHM_STAT_ATTACHES],
        (int) st[Core.PIPC_SYSV_SHM_STAT_CREATOR_PID], (int) st[Core.PIPC_SYSV_SHM_STAT_LAST_PID],
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_SHM_STAT_ATTACH_TIME]),
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_SHM_STAT_DETACH_TIME]),
        Instant.ofEpochSecond(st[Core.PIPC_SYSV_SHM_STAT_CHANGE_TIME]),
        st[Core.PIPC_SYSV_SHM_STAT_REMOVED] != 0, st[Core.PIPC_SYSV_SHM_STAT_LOCKED] != 0);
  }

  /**
   * Keeps the segment's pages in memory ({@code SHM_LOCK}).
   *
   * @throws PermissionDeniedException without CAP_IPC_LOCK when the segment is not this user's
   * @throws PosixException ENOMEM above RLIMIT_MEMLOCK
   */
  public void lock() throws IOException {
    life.withFd(s -> Core.pipc_sysv_shm_lock(s, 1), "shmctl(SHM_LOCK)");
  }

  /** Lets the pages be swapped again ({@code SHM_UNLOCK}). */
  public void unlock() throws IOException {
    life.withFd(s -> Core.pipc_sysv_shm_lock(s, 0), "shmctl(SHM_UNLOCK)");
  }

  /** Removes the segment with identifier id, as {@code ipcrm -m} does. */
  public static void remove(int id) throws IOException {
    Kind.SEGMENT.removeId(id);
  }

  /** Ends this handle; idempotent. Neither detaches its regions nor removes the segment. */
  @Override
  public void close() {
    life.closeOwned();
  }

  @Override
  public String toString() {
    return describe(", " + size + " bytes");
  }
}
