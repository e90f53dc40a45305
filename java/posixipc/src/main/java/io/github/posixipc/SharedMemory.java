package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.channels.NonWritableChannelException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A POSIX shared memory object ({@code shm_open}), reached by a name such as {@code "/jobs"}, or
 * an anonymous memory file ({@code memfd_create}) with optional seals. An instance holds a
 * descriptor of the object; {@link #map()} maps it into this process as a {@link MappedRegion}.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.create("/jobs", 1 << 20);   // 1 MiB, every page allocated
 *      MappedRegion region = shm.map()) {
 *   region.putLong(0, 42);
 * } finally {
 *   SharedMemory.unlink("/jobs");
 * }
 * }</pre>
 *
 * <p>Names are {@code "/"} followed by 1 to 255 characters other than {@code "/"} (not
 * {@code "."} or {@code ".."}); anything else is refused with EINVAL or ENAMETOOLONG before the
 * system call. {@link #create(String, long)} allocates every page at once
 * ({@code posix_fallocate}), so that a full {@code /dev/shm} is an error there (ENOSPC), not a
 * {@code SIGBUS} at the first store.
 *
 * <p>{@link #close()} releases the descriptor; mapped regions stay valid (as in POSIX) and the
 * name stays until {@link #unlink(String)}: nothing is unlinked behind the caller's back. A
 * handle that becomes unreachable unclosed has its descriptor closed by a {@code Cleaner}.
 */
public final class SharedMemory implements DescriptorHandle {

  static {
    Native.ensureLoaded();
  }

  /** The mode {@link #create(String, long)} uses: read and write for the owner only. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  /**
   * How to open, create or make an anonymous segment: {@code
   * SharedMemory.options().create().mode(0640)}. {@link #open(String, Options)} takes every
   * setting but {@link #sealable()}; {@link #create(String, long, Options)} only {@link
   * #mode(int)}, since it always makes a new read-write object; {@link #createAnonymous(String,
   * long, Options)} only {@link #sealable()}. A setting the factory cannot honour is refused with
   * {@link IllegalArgumentException}, never ignored.
   */
  public static final class Options extends NamedObjectOptions<Options> {
    private Access access = Access.READ_WRITE;
    private boolean truncate;
    private boolean sealable;

    private Options() {}

    /**
     * {@link Access#READ} (read-only mappings only) or {@link Access#READ_WRITE}, the default.
     *
     * @throws IllegalArgumentException for {@link Access#WRITE}: shared memory has no write-only
     *     open
     */
    public Options access(Access access) {
      if (Objects.requireNonNull(access, "access") == Access.WRITE) {
        throw new IllegalArgumentException("shared memory opens READ or READ_WRITE, not WRITE");
      }
      this.access = access;
      return this;
    }

    /** Sets the size of an existing object to 0 ({@code O_TRUNC}); needs write access. */
    public Options truncate() {
      truncate = true;
      return this;
    }

    /** An anonymous segment on which {@link SharedMemory#addSeals(Seal...)} may be used. */
    public Options sealable() {
      sealable = true;
      return this;
    }

    /** Refuses the settings that factory which cannot honour. */
    private Options allowOnly(boolean openSettings, boolean modeSetting, boolean sealSetting, String which) {
      boolean opens = access != Access.READ_WRITE || create || truncate;
      if ((opens && !openSettings) || (mode != DEFAULT_MODE && !modeSetting) || (sealable && !sealSetting)) {
        throw new IllegalArgumentException(which + " takes " + (openSettings ? "access, create, exclusive, truncate and mode"
            : modeSetting ? "only mode" : "only sealable") + ": " + this);
      }
      if (truncate && access == Access.READ) {
        throw new IllegalArgumentException("truncate needs write access, not Access.READ");
      }
      return this;
    }

    int flags() {
      return (access == Access.READ ? Core.PIPC_SHM_READ_ONLY : 0) | (create ? Core.PIPC_SHM_CREATE : 0)
          | (exclusive ? Core.PIPC_SHM_EXCLUSIVE : 0) | (truncate ? Core.PIPC_SHM_TRUNCATE : 0);
    }

    @Override
    public String toString() {
      return "Options[" + access + (create ? ", create" : "") + (exclusive ? ", exclusive" : "")
          + (truncate ? ", truncate" : "") + (sealable ? ", sealable" : "") + ", mode 0"
          + Integer.toOctalString(mode) + "]";
    }
  }

  /** The seals of a memfd ({@code F_SEAL_*}): each forbids something for good. */
  public enum Seal {
    /** No more seals can be added. */
    SEAL(Core.PIPC_SEAL_SEAL),
    /** The size cannot shrink: no process can cause a SIGBUS by truncating. */
    SHRINK(Core.PIPC_SEAL_SHRINK),
    /** The size cannot grow. */
    GROW(Core.PIPC_SEAL_GROW),
    /** The contents cannot change (refused while a writable mapping exists). */
    WRITE(Core.PIPC_SEAL_WRITE),
    /** No new writable mapping or write; existing writable mappings keep working. */
    FUTURE_WRITE(Core.PIPC_SEAL_FUTURE_WRITE);

    final int flag;

    Seal(int flag) {
      this.flag = flag;
    }
  }

  /** The descriptor and its lifecycle: a shared memory object has no byte I/O to add. */
  final Descriptor descriptor;
  private final String name;
  private final boolean readOnly;

  private SharedMemory(String what, String name, int fd, boolean readOnly) {
    this.descriptor = new Descriptor(what, fd, true);
    descriptor.cleanWith(this);
    this.name = name;
    this.readOnly = readOnly;
  }

  @Override
  public int fd() throws IOException {
    return descriptor.number();
  }

  @Override
  public boolean isOpen() {
    return descriptor.isOpen();
  }

  /**
   * Closes the descriptor; mapped regions stay valid. Idempotent and thread-safe.
   *
   * @throws PosixException when close(2) reports an error (the descriptor is released anyway)
   */
  @Override
  public void close() throws IOException {
    descriptor.closeOwnedOrThrow();
  }

  @Override
  public String toString() {
    return "SharedMemory[" + descriptor.what() + (isOpen() ? "" : ", closed") + "]";
  }

  /** Runs a call that cannot block on the descriptor; returns its result or throws. */
  private long withFd(Descriptor.FdCall call, String syscall) throws IOException {
    try {
      return descriptor.withFd(call, syscall);
    } finally {
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }

  // ------------------------------------------------------------------ named objects

  /** A fresh set of options: read-write, open an existing object, mode 0600. */
  public static Options options() {
    return new Options();
  }

  /** Creates the object name with size bytes, mode 0600; fails if it exists. */
  public static SharedMemory create(String name, long size) throws IOException {
    return create(name, size, options());
  }

  /**
   * Creates the object name exclusively with size bytes, every page allocated, and opens it for
   * reading and writing. If the pages cannot be had, the object is removed again.
   *
   * @param options {@link Options#mode(int)} only
   * @throws AlreadyExistsException when name exists
   * @throws PosixException ENOSPC when /dev/shm has no room; EINVAL or ENAMETOOLONG for a bad name
   * @throws IllegalArgumentException for a negative size, or options other than mode
   */
  public static SharedMemory create(String name, long size, Options options) throws IOException {
    byte[] n = encode(name);
    Objects.requireNonNull(options, "options").allowOnly(false, true, false, "create");
    OptionChecks.notNegative(size, "size");
    int[] fd = new int[1];
    int r = Core.pipc_shm_create(n, size, options.mode, fd);
    if (r < 0) {
      throw PosixException.of(r, "shm_open", "shared memory " + name);
    }
    return new SharedMemory("shared memory " + name, name, fd[0], false);
  }

  /** Opens the existing object name for reading and writing. */
  public static SharedMemory open(String name) throws IOException {
    return open(name, options());
  }

  /**
   * Opens the object name ({@code shm_open}). An object that {@link Options#create()} creates
   * has size 0 (see {@link #truncate(long)} and {@link #allocate(long, long)}).
   *
   * @throws NotFoundException when name does not exist and the options do not create it
   * @throws AlreadyExistsException for {@link Options#exclusive()} when it exists
   * @throws IllegalArgumentException for truncate with {@link Access#READ}, or sealable
   */
  public static SharedMemory open(String name, Options options) throws IOException {
    byte[] n = encode(name);
    Objects.requireNonNull(options, "options").allowOnly(true, true, false, "open");
    int[] fd = new int[1];
    int r = Core.pipc_shm_open(n, options.flags(), options.mode, fd);
    if (r < 0) {
      throw PosixException.of(r, "shm_open", "shared memory " + name);
    }
    boolean ro = options.access == Access.READ;
    return new SharedMemory("shared memory " + name + (ro ? " (read-only)" : ""), name, fd[0], ro);
  }

  /**
   * Removes the name ({@code shm_unlink}). Processes that have the object open or mapped keep
   * it; it is freed when the last of them lets go.
   *
   * @throws NotFoundException when name does not exist
   */
  public static void unlink(String name) throws IOException {
    int r = Core.pipc_shm_unlink(encode(name));
    if (r < 0) {
      throw PosixException.of(r, "shm_unlink", "shared memory " + name);
    }
  }

  // ------------------------------------------------------------------ memfd

  /** An anonymous memory file of size bytes that cannot be sealed; see the options form. */
  public static SharedMemory createAnonymous(String label, long size) throws IOException {
    return createAnonymous(label, size, options());
  }

  /**
   * Creates an anonymous memory file ({@code memfd_create}) of size bytes, every page allocated.
   * It has no name in any directory: other processes get it as a descriptor (see {@link
   * ChildProcess.Builder#fd}). label (at most 249 bytes) only shows in {@code /proc/PID/fd}.
   *
   * @param options {@link Options#sealable()} only: whether {@link #addSeals(Seal...)} may be used
   * @throws IllegalArgumentException for a negative size, or options other than sealable
   */
  public static SharedMemory createAnonymous(String label, long size, Options options) throws IOException {
    byte[] l = NativeStrings.encode(Objects.requireNonNull(label, "label"), "label");
    Objects.requireNonNull(options, "options").allowOnly(false, false, true, "createAnonymous");
    OptionChecks.notNegative(size, "size");
    int[] fd = new int[1];
    int r = Core.pipc_memfd_create(l, options.sealable ? Core.PIPC_MEMFD_ALLOW_SEALING : 0, fd);
    if (r < 0) {
      throw PosixException.of(r, "memfd_create", "memfd " + label);
    }
    SharedMemory m = new SharedMemory("memfd " + label + " (fd " + fd[0] + ")", null, fd[0], false);
    if (size > 0) {
      try {
        m.allocate(0, size);
      } catch (IOException | RuntimeException e) {
        m.close();
        throw e;
      }
    }
    return m;
  }

  /**
   * Adds seals to a memfd ({@code F_ADD_SEALS}).
   *
   * @throws PosixException EPERM when sealing was not allowed at creation or SEAL is set; EBUSY
   *     for WRITE while a writable mapping exists; EINVAL on a named object
   */
  public void addSeals(Seal... seals) throws IOException {
    int flags = 0;
    for (Seal s : seals) {
      flags |= Objects.requireNonNull(s, "seal").flag;
    }
    if (flags == 0) {
      throw new IllegalArgumentException("no seal given");
    }
    int f = flags;
    withFd(fd -> Core.pipc_memfd_add_seals(fd, f), "fcntl(F_ADD_SEALS)");
  }

  /** The seals in place ({@code F_GET_SEALS}); empty for a memfd without any. */
  public Set<Seal> seals() throws IOException {
    int bits = (int) withFd(Core::pipc_memfd_seals, "fcntl(F_GET_SEALS)");
    Set<Seal> set = EnumSet.noneOf(Seal.class);
    for (Seal s : Seal.values()) {
      if ((bits & s.flag) != 0) {
        set.add(s);
      }
    }
    return set;
  }

  // ------------------------------------------------------------------ size

  /** The name, or null for a memfd. */
  public String name() {
    return name;
  }

  /** True when opened with {@link Access#READ}. */
  public boolean isReadOnly() {
    return readOnly;
  }

  /** The current size in bytes ({@code fstat}): another process may have changed it. */
  public long size() throws IOException {
    return withFd(Core::pipc_shm_size, "fstat");
  }

  /**
   * Sets the size ({@code ftruncate}). Growing adds zero bytes whose pages are not allocated
   * yet (see {@link #allocate(long, long)}). Shrinking makes every process's mapped pages beyond
   * the new end fault when touched: {@link MappedRegion} reports that as
   * {@link SharedMemoryFaultException} from the access that met it, C programs die of SIGBUS
   * unless they install the core's fault guard ({@code guard.h}).
   */
  public void truncate(long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("negative size: " + size);
    }
    withFd(fd -> Core.pipc_shm_truncate(fd, size), "ftruncate");
  }

  /**
   * Allocates the pages of [offset, offset + length) ({@code posix_fallocate}), growing the
   * object when the range ends past it: ENOSPC here rather than SIGBUS later.
   */
  public void allocate(long offset, long length) throws IOException {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
    }
    withFd(fd -> Core.pipc_shm_allocate(fd, offset, length), "posix_fallocate");
  }

  /** The page size; mapping offsets are multiples of it. */
  public static long pageSize() {
    return Core.pipc_page_size();
  }

  // ------------------------------------------------------------------ mapping

  /** Maps the whole object, writable unless opened read-only. */
  public MappedRegion map() throws IOException {
    return map(0, size(), !readOnly);
  }

  /** Maps [offset, offset + length), writable unless opened read-only. */
  public MappedRegion map(long offset, long length) throws IOException {
    return map(offset, length, !readOnly);
  }

  /**
   * Maps [offset, offset + length) of the object ({@code mmap MAP_SHARED}).
   *
   * @param offset a multiple of {@link #pageSize()}
   * @param writable whether the region may be written
   * @throws IllegalArgumentException for a length {@code <= 0}, an offset that is negative or not a
   *     multiple of the page size, or a range that ends past the object's current end (touching
   *     it would fault)
   * @throws NonWritableChannelException for a writable mapping of a read-only handle
   */
  public MappedRegion map(long offset, long length, boolean writable) throws IOException {
    long page = pageSize();
    if (length <= 0 || offset < 0 || offset % page != 0) {
      throw new IllegalArgumentException("cannot map offset " + offset + ", length " + length
          + " of " + descriptor.what() + ": the length must be positive and the offset a multiple"
          + " of the page size (" + page + ")");
    }
    if (writable && readOnly) {
      throw new NonWritableChannelException();
    }
    long size = size();
    if (offset > size - length) {
      throw new IllegalArgumentException("cannot map [" + offset + ", " + (offset + length) + ") of "
          + descriptor.what() + ": it ends past the object's size (" + size + ")");
    }
    long[] addr = new long[1];
    int prot = Core.PIPC_PROT_READ | (writable ? Core.PIPC_PROT_WRITE : 0);
    withFd(fd -> Core.pipc_mmap(fd, offset, length, prot, addr), "mmap");
    String what = descriptor.what() + (offset != 0 ? " from offset " + offset : "");
    return new MappedRegion(what, addr[0], length, writable);
  }

  // ------------------------------------------------------------------ helpers

  static byte[] encode(String name) {
    return NativeStrings.encode(Objects.requireNonNull(name, "name"), "name");
  }
}
