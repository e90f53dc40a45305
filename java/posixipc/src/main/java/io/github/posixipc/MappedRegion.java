package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A mapping of (part of) a {@link SharedMemory} object into this process: memory that every
 * process mapping the same object shares. Offsets are {@code long}, relative to the start of the
 * region, and every access is bounds-checked. Multi-byte values are in the platform's native byte
 * order, the order a C program on the same machine uses.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.create("/jobs", 4096);
 *      MappedRegion region = shm.map()) {
 *   region.setLongRelease(0, 42);                 // a C reader sees it with an acquire load
 *   long seen = region.getAndAddLong(8, 1);        // atomic, like C11 atomic_fetch_add
 * }
 * }</pre>
 *
 * <h2>Atomic accesses</h2>
 *
 * The {@code *Acquire}, {@code *Release}, {@code *Volatile}, {@code compareAndSet*} and
 * {@code getAndAdd*} methods on {@code int} and {@code long} are the JDK's {@link VarHandle}
 * operations on direct memory, with the same ordering guarantees as the C11
 * {@code <stdatomic.h>} operations of the same names (on x86-64: plain moves for acquire and
 * release, {@code lock cmpxchg} and {@code lock xadd}), so a C process and a Java process can
 * synchronize through them. They need an
 * offset that is a multiple of the value's size ({@link IllegalArgumentException} otherwise).
 *
 * <h2>What cannot crash the JVM</h2>
 *
 * <ul>
 *   <li>Out of bounds: every offset and length is checked ({@link IndexOutOfBoundsException}).
 *   <li>A read-only mapping refuses stores ({@link ReadOnlyBufferException}), where a store would
 *       otherwise be a fatal {@code SIGSEGV}.
 *   <li>Truncation by another process: touching a page beyond the object's new end raises
 *       {@code SIGBUS}. All data accesses here go through {@code ByteBuffer} and
 *       {@code VarHandle}, never through native code, because HotSpot turns a {@code SIGBUS} in
 *       those accesses into an {@link InternalError} (a {@code SIGBUS} in unguarded native code
 *       would end the process). The JVM survives every such fault. When HotSpot raises the error
 *       within the access, the region turns it into a {@link SharedMemoryFaultException}
 *       naming the object and the offset. HotSpot often records the fault and throws the
 *       {@code InternalError} ("a fault occurred in a (recent) unsafe memory access
 *       operation") only at the thread's next transition into the VM, a little later, outside
 *       this class; no library can move that point, so callers that must survive a truncation
 *       catch both. Compare-and-set and get-and-add are native calls (HotSpot's interpreter does
 *       not protect a compare-and-set on off-heap memory, which would kill the JVM), and like
 *       semaphores, mutexes and conditions they run under the core's fault
 *       guard ({@code pipc_fault_guard_install}, installed when the library loads): a
 *       {@code SIGBUS} inside them, whether the page was gone before the call or vanished while
 *       it waited, ends the call with {@link SharedMemoryFaultException}.
 *       Truncating a segment that others still use is a bug of the application in any case;
 *       seal a memfd ({@link SharedMemory.Seal#SHRINK}) to make it impossible.
 *   <li>Use after close: every method throws {@link IllegalStateException} (or
 *       {@link ClosedChannelException} for the semaphore, mutex and condition calls). {@link
 *       #close()} does not unmap the memory while anything may still touch it. It swaps the
 *       mapping, at the same addresses and in one system call, for private zero-filled pages:
 *       an access racing with {@code close()} either reaches the shared memory or lands in
 *       memory that is thrown away, never on an unmapped page. The addresses are released
 *       (unmapped) only once no {@code ByteBuffer} over them is reachable any more, by the
 *       garbage collector's {@link java.lang.ref.Cleaner}.
 * </ul>
 *
 * <h2>Raw {@code ByteBuffer} views</h2>
 *
 * {@link #asByteBuffer(long, int)} gives a zero-copy view of up to 2 GiB minus one byte, within
 * one 1 GiB-aligned chunk of the region: regions larger than that need several views, or the
 * long-offset methods of this class. A view is an ordinary direct buffer, so the JDK bounds-checks
 * it, and a {@code SIGBUS} in it is an {@link InternalError} as described above. After
 * {@link #close()} a view stays safe to use but no longer reaches the shared memory: it reads
 * zeros and its stores are discarded. The mapping's addresses stay reserved while any view is
 * reachable.
 *
 * <p>A region is independent of the {@link SharedMemory} it came from: closing that handle
 * does not unmap the region (as in POSIX). A region that becomes unreachable without being
 * closed is unmapped by the Cleaner.
 */
public final class MappedRegion implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  private static final int CHUNK_SHIFT = 30;
  private static final long CHUNK = 1L << CHUNK_SHIFT;
  private static final long MASK = CHUNK - 1;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();
  private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ORDER);
  private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ORDER);

  private final String what;
  private final long address;
  private final long size;
  private final boolean writable;
  /** One direct buffer per 1 GiB chunk; null once closed. Holding them keeps the addresses. */
  private volatile ByteBuffer[] chunks;

  MappedRegion(String what, long address, long size, boolean writable) {
    this.what = what;
    this.address = address;
    this.size = size;
    this.writable = writable;
    int n = (int) ((size + CHUNK - 1) >>> CHUNK_SHIFT);
    ByteBuffer[] c = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long start = address + ((long) i << CHUNK_SHIFT);
      long length = Math.min(CHUNK, size - ((long) i << CHUNK_SHIFT));
      ByteBuffer root = new BytePointer(new At(start, length)).asByteBuffer();
      // The chunk's addresses are unmapped once no buffer over them is reachable, whether or not
      // the region was closed: views (slices, duplicates) keep their root buffer reachable.
      Native.CLEANER.register(root, new Unmap(start, length));
      c[i] = (writable ? root : root.asReadOnlyBuffer()).order(ORDER);
    }
    this.chunks = c;
  }

  /** A JavaCPP pointer at an address, to build a direct buffer over it. */
  private static final class At extends Pointer {
    At(long address, long length) {
      this.address = address;
      this.position = 0;
      this.limit = length;
      this.capacity = length;
    }
  }

  /** The Cleaner's action for one chunk. Never refers to a buffer. */
  private static final class Unmap implements Runnable {
    private final long address;
    private final long length;

    Unmap(long address, long length) {
      this.address = address;
      this.length = length;
    }

    @Override
    public void run() {
      Core.pipc_munmap(address, length);
    }
  }

  // ------------------------------------------------------------------ about the region

  /** The size of the region in bytes. */
  public long size() {
    return size;
  }

  /** True when the region was mapped for writing. */
  public boolean isWritable() {
    return writable;
  }

  /** True until {@link #close()}. */
  public boolean isOpen() {
    return chunks != null;
  }

  @Override
  public String toString() {
    return "MappedRegion[" + what + ", " + size + " bytes" + (writable ? "" : ", read-only")
        + (isOpen() ? "" : ", closed") + "]";
  }

  /**
   * Stops using the shared memory; idempotent and thread-safe. See the class description for
   * what happens to accesses racing with it and to views obtained earlier.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (chunks == null) {
        return;
      }
      chunks = null;
    }
    // On failure (ENOMEM) the shared mapping simply stays until the Cleaner unmaps it: never
    // unmapped while reachable buffers may still touch it.
    Core.pipc_mmap_detach(address, size);
  }

  // ------------------------------------------------------------------ plain accesses

  public byte getByte(long offset) {
    ByteBuffer b = chunk(offset, 1);
    try {
      return b.get((int) (offset & MASK));
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public void putByte(long offset, byte value) {
    ByteBuffer b = writableChunk(offset, 1);
    try {
      b.put((int) (offset & MASK), value);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public short getShort(long offset) {
    ByteBuffer b = chunk(offset, 2);
    int i = (int) (offset & MASK);
    try {
      return i <= CHUNK - 2 ? b.getShort(i) : (short) getAcross(offset, 2);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public void putShort(long offset, short value) {
    ByteBuffer b = writableChunk(offset, 2);
    int i = (int) (offset & MASK);
    try {
      if (i <= CHUNK - 2) {
        b.putShort(i, value);
      } else {
        putAcross(offset, 2, value);
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public int getInt(long offset) {
    ByteBuffer b = chunk(offset, 4);
    int i = (int) (offset & MASK);
    try {
      return i <= CHUNK - 4 ? b.getInt(i) : (int) getAcross(offset, 4);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public void putInt(long offset, int value) {
    ByteBuffer b = writableChunk(offset, 4);
    int i = (int) (offset & MASK);
    try {
      if (i <= CHUNK - 4) {
        b.putInt(i, value);
      } else {
        putAcross(offset, 4, value);
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public long getLong(long offset) {
    ByteBuffer b = chunk(offset, 8);
    int i = (int) (offset & MASK);
    try {
      return i <= CHUNK - 8 ? b.getLong(i) : getAcross(offset, 8);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public void putLong(long offset, long value) {
    ByteBuffer b = writableChunk(offset, 8);
    int i = (int) (offset & MASK);
    try {
      if (i <= CHUNK - 8) {
        b.putLong(i, value);
      } else {
        putAcross(offset, 8, value);
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  public float getFloat(long offset) {
    return Float.intBitsToFloat(getInt(offset));
  }

  public void putFloat(long offset, float value) {
    putInt(offset, Float.floatToRawIntBits(value));
  }

  public double getDouble(long offset) {
    return Double.longBitsToDouble(getLong(offset));
  }

  public void putDouble(long offset, double value) {
    putLong(offset, Double.doubleToRawLongBits(value));
  }

  /** A value that straddles two chunks (regions above 1 GiB only), byte by byte. */
  private long getAcross(long offset, int n) {
    long v = 0;
    for (int k = 0; k < n; k++) {
      long b = chunk(offset + k, 1).get((int) ((offset + k) & MASK)) & 0xffL;
      v |= ORDER == ByteOrder.LITTLE_ENDIAN ? b << (8 * k) : b << (8 * (n - 1 - k));
    }
    return v;
  }

  private void putAcross(long offset, int n, long v) {
    for (int k = 0; k < n; k++) {
      int shift = ORDER == ByteOrder.LITTLE_ENDIAN ? 8 * k : 8 * (n - 1 - k);
      writableChunk(offset + k, 1).put((int) ((offset + k) & MASK), (byte) (v >>> shift));
    }
  }

  // ------------------------------------------------------------------ bulk accesses

  /** Copies dst.length bytes from the region at offset into dst. */
  public void get(long offset, byte[] dst) {
    get(offset, dst, 0, dst.length);
  }

  /** Copies length bytes from the region at offset into dst[off ...]. */
  public void get(long offset, byte[] dst, int off, int length) {
    Objects.checkFromIndexSize(off, length, dst.length);
    checkRange(offset, length);
    try {
      while (length > 0) {
        ByteBuffer b = chunk(offset, 1);
        int i = (int) (offset & MASK);
        int n = Math.min(length, b.limit() - i);
        b.get(i, dst, off, n);
        offset += n;
        off += n;
        length -= n;
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** Copies src into the region at offset. */
  public void put(long offset, byte[] src) {
    put(offset, src, 0, src.length);
  }

  /** Copies src[off, off + length) into the region at offset. */
  public void put(long offset, byte[] src, int off, int length) {
    Objects.checkFromIndexSize(off, length, src.length);
    checkWritableRange(offset, length);
    try {
      while (length > 0) {
        ByteBuffer b = writableChunk(offset, 1);
        int i = (int) (offset & MASK);
        int n = Math.min(length, b.limit() - i);
        b.put(i, src, off, n);
        offset += n;
        off += n;
        length -= n;
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /**
   * Copies dst.remaining() bytes from the region at offset into dst, from its position, and
   * advances the position.
   */
  public void get(long offset, ByteBuffer dst) {
    int length = dst.remaining();
    checkRange(offset, length);
    if (dst.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    try {
      while (length > 0) {
        ByteBuffer b = chunk(offset, 1);
        int i = (int) (offset & MASK);
        int n = Math.min(length, b.limit() - i);
        dst.put(dst.position(), b, i, n);
        dst.position(dst.position() + n);
        offset += n;
        length -= n;
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /**
   * Copies src.remaining() bytes from src, from its position, into the region at offset, and
   * advances the position.
   */
  public void put(long offset, ByteBuffer src) {
    int length = src.remaining();
    checkWritableRange(offset, length);
    try {
      while (length > 0) {
        ByteBuffer b = writableChunk(offset, 1);
        int i = (int) (offset & MASK);
        int n = Math.min(length, b.limit() - i);
        b.put(i, src, src.position(), n);
        src.position(src.position() + n);
        offset += n;
        length -= n;
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** Sets length bytes from offset to value. */
  public void fill(long offset, long length, byte value) {
    checkWritableRange(offset, length);
    try {
      for (long k = 0; k < length; k++) {
        writableChunk(offset + k, 1).put((int) ((offset + k) & MASK), value);
      }
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  // ------------------------------------------------------------------ atomic accesses

  /** An int load with acquire ordering; offset must be a multiple of 4. */
  public int getIntAcquire(long offset) {
    ByteBuffer b = aligned(offset, 4, false);
    try {
      return (int) INT.getAcquire(b, (int) (offset & MASK));
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** An int store with release ordering; offset must be a multiple of 4. */
  public void setIntRelease(long offset, int value) {
    ByteBuffer b = aligned(offset, 4, true);
    try {
      INT.setRelease(b, (int) (offset & MASK), value);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** A sequentially consistent int load; offset must be a multiple of 4. */
  public int getIntVolatile(long offset) {
    ByteBuffer b = aligned(offset, 4, false);
    try {
      return (int) INT.getVolatile(b, (int) (offset & MASK));
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** A sequentially consistent int store; offset must be a multiple of 4. */
  public void setIntVolatile(long offset, int value) {
    ByteBuffer b = aligned(offset, 4, true);
    try {
      INT.setVolatile(b, (int) (offset & MASK), value);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** Atomically sets the int at offset to update if it equals expected; true when it did. */
  public boolean compareAndSetInt(long offset, int expected, int update) {
    ByteBuffer b = aligned(offset, 4, true); // keeps the addresses mapped (see close)
    int r = Core.pipc_atomic_cas32(address + offset, expected, update);
    Reference.reachabilityFence(b);
    if (r < 0) {
      throw nativeFault(r, offset);
    }
    return r != 0;
  }

  /** Atomically adds delta to the int at offset; returns the previous value. */
  public int getAndAddInt(long offset, int delta) {
    ByteBuffer b = aligned(offset, 4, true);
    long previous = Core.pipc_atomic_add32(address + offset, delta);
    Reference.reachabilityFence(b);
    if (previous == Long.MIN_VALUE) { // never an int value: an error
      throw nativeFault(Core.pipc_atomic_error(), offset);
    }
    return (int) previous;
  }

  /** A long load with acquire ordering; offset must be a multiple of 8. */
  public long getLongAcquire(long offset) {
    ByteBuffer b = aligned(offset, 8, false);
    try {
      return (long) LONG.getAcquire(b, (int) (offset & MASK));
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** A long store with release ordering; offset must be a multiple of 8. */
  public void setLongRelease(long offset, long value) {
    ByteBuffer b = aligned(offset, 8, true);
    try {
      LONG.setRelease(b, (int) (offset & MASK), value);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** A sequentially consistent long load; offset must be a multiple of 8. */
  public long getLongVolatile(long offset) {
    ByteBuffer b = aligned(offset, 8, false);
    try {
      return (long) LONG.getVolatile(b, (int) (offset & MASK));
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** A sequentially consistent long store; offset must be a multiple of 8. */
  public void setLongVolatile(long offset, long value) {
    ByteBuffer b = aligned(offset, 8, true);
    try {
      LONG.setVolatile(b, (int) (offset & MASK), value);
    } catch (InternalError e) {
      throw fault(e, offset);
    }
  }

  /** Atomically sets the long at offset to update if it equals expected; true when it did. */
  public boolean compareAndSetLong(long offset, long expected, long update) {
    ByteBuffer b = aligned(offset, 8, true);
    int r = Core.pipc_atomic_cas64(address + offset, expected, update);
    Reference.reachabilityFence(b);
    if (r < 0) {
      throw nativeFault(r, offset);
    }
    return r != 0;
  }

  /** Atomically adds delta to the long at offset; returns the previous value. */
  public long getAndAddLong(long offset, long delta) {
    ByteBuffer b = aligned(offset, 8, true);
    long previous = Core.pipc_atomic_add64(address + offset, delta);
    Reference.reachabilityFence(b);
    if (previous == Long.MIN_VALUE) { // the previous value, or an error: the core tells which
      int r = Core.pipc_atomic_error();
      if (r < 0) {
        throw nativeFault(r, offset);
      }
    }
    return previous;
  }

  /*
   * Compare-and-set and get-and-add are native calls under the core's fault guard, not
   * VarHandle operations: HotSpot's interpreter (17 and 25) performs a compare-and-set on
   * off-heap memory without the protection that turns a SIGBUS into an InternalError, so a CAS
   * on a page that another process cut off would kill the JVM.
   */

  // ------------------------------------------------------------------ views and the pages

  /**
   * A zero-copy view of [offset, offset + length), in native byte order, read-only when the
   * region is. The range must lie within one 1 GiB-aligned chunk of the region. See the class
   * description for what a view guarantees after close and after truncation.
   */
  public ByteBuffer asByteBuffer(long offset, int length) {
    checkRange(offset, length);
    if (length == 0) {
      return ByteBuffer.allocateDirect(0).order(ORDER);
    }
    ByteBuffer b = chunk(offset, 1);
    int i = (int) (offset & MASK);
    if (length > b.limit() - i) {
      throw new IllegalArgumentException("[" + offset + ", " + (offset + length) + ") spans two 1 GiB"
          + " chunks of " + what + ": take one view per chunk, or use the long-offset methods");
    }
    return b.slice(i, length).order(ORDER);
  }

  /** Writes the region's pages back to the object (msync MS_SYNC); harmless on tmpfs. */
  public void sync() throws PosixException {
    Object pin = pin0();
    try {
      check(Core.pipc_msync(address, size, Core.PIPC_MSYNC_SYNC), "msync");
    } finally {
      Reference.reachabilityFence(pin);
    }
  }

  /** Locks the region's pages in memory (mlock); needs RLIMIT_MEMLOCK room or privilege. */
  public void lockInMemory() throws PosixException {
    Object pin = pin0();
    try {
      check(Core.pipc_mlock(address, size), "mlock");
    } finally {
      Reference.reachabilityFence(pin);
    }
  }

  /** Undoes {@link #lockInMemory()} (munlock). */
  public void unlockFromMemory() throws PosixException {
    Object pin = pin0();
    try {
      check(Core.pipc_munlock(address, size), "munlock");
    } finally {
      Reference.reachabilityFence(pin);
    }
  }

  /** How the region will be used, for the kernel's read-ahead and paging (madvise). */
  public enum Advice {
    NORMAL(Core.PIPC_ADVICE_NORMAL),
    RANDOM(Core.PIPC_ADVICE_RANDOM),
    SEQUENTIAL(Core.PIPC_ADVICE_SEQUENTIAL),
    WILLNEED(Core.PIPC_ADVICE_WILLNEED);

    final int value;

    Advice(int value) {
      this.value = value;
    }
  }

  /** Advises the kernel about the whole region (madvise). */
  public void advise(Advice advice) throws PosixException {
    Objects.requireNonNull(advice, "advice");
    Object pin = pin0();
    try {
      check(Core.pipc_madvise(address, size, advice.value), "madvise");
    } finally {
      Reference.reachabilityFence(pin);
    }
  }

  // ------------------------------------------------------------------ for the sync objects

  /**
   * What keeps the addresses mapped during a native call: reach it until the call is over
   * ({@link Reference#reachabilityFence}). Throws when the region is closed.
   */
  Object pin() throws ClosedChannelException {
    ByteBuffer[] c = chunks;
    if (c == null) {
      throw new Descriptor.ClosedException(toString());
    }
    return c;
  }

  private Object pin0() {
    ByteBuffer[] c = chunks;
    if (c == null) {
      throw closed();
    }
    return c;
  }

  /**
   * The address of an object of the given size and alignment placed at offset, for the native
   * calls of semaphores, mutexes and conditions, which need a writable region.
   */
  long addressOf(long offset, int objectSize, int alignment, String kind) {
    if (!writable) {
      throw new IllegalArgumentException(kind + " needs a writable region: " + this);
    }
    checkRange(offset, objectSize);
    if ((offset & (alignment - 1)) != 0) {
      throw new IllegalArgumentException(kind + " at offset " + offset + " of " + what
          + " is not aligned to " + alignment + " bytes");
    }
    return address + offset;
  }

  /** What the region maps, for messages. */
  String what() {
    return what;
  }

  // ------------------------------------------------------------------ checks

  private ByteBuffer chunk(long offset, int n) {
    ByteBuffer[] c = chunks;
    if (c == null) {
      throw closed();
    }
    if (offset < 0 || offset > size - n) {
      throw outOfBounds(offset, n);
    }
    return c[(int) (offset >>> CHUNK_SHIFT)];
  }

  private ByteBuffer writableChunk(long offset, int n) {
    if (!writable) {
      throw new ReadOnlyBufferException();
    }
    return chunk(offset, n);
  }

  private ByteBuffer aligned(long offset, int n, boolean write) {
    ByteBuffer b = write ? writableChunk(offset, n) : chunk(offset, n);
    if ((offset & (n - 1)) != 0) {
      throw new IllegalArgumentException("atomic access at offset " + offset + " of " + what
          + " is not aligned to " + n + " bytes");
    }
    return b;
  }

  private void checkRange(long offset, long length) {
    if (chunks == null) {
      throw closed();
    }
    if (length < 0 || offset < 0 || offset > size - length) {
      throw outOfBounds(offset, length);
    }
  }

  private void checkWritableRange(long offset, long length) {
    if (!writable) {
      throw new ReadOnlyBufferException();
    }
    checkRange(offset, length);
  }

  private IndexOutOfBoundsException outOfBounds(long offset, long n) {
    return new IndexOutOfBoundsException("[" + offset + ", " + offset + " + " + n + ") is outside "
        + what + " (size " + size + ")");
  }

  private IllegalStateException closed() {
    return new IllegalStateException(this + " is closed");
  }

  /** A failed native atomic: EFAULT from the fault guard (the checks above rule out EINVAL). */
  private RuntimeException nativeFault(int r, long offset) {
    if (r == -Errno.EFAULT) {
      return new SharedMemoryFaultException("a fault (SIGBUS) at offset " + offset + " of " + what
          + ": the object was shrunk by another process after it was mapped", null);
    }
    return new IllegalStateException("atomic operation at offset " + offset + " of " + what + ": "
        + Errno.name(r) + " (" + Errno.describe(r) + ")");
  }

  private SharedMemoryFaultException fault(InternalError e, long offset) {
    return new SharedMemoryFaultException("a fault (SIGBUS) at offset " + offset + " of " + what
        + ": the object was probably shrunk by another process after it was mapped", e);
  }

  private void check(int r, String syscall) throws PosixException {
    if (r < 0) {
      throw PosixException.of(r, syscall, what);
    }
  }
}
