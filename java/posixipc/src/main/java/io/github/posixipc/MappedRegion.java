package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.function.IntSupplier;

/**
 * A mapping of (part of) a {@link SharedMemory} object into this process: memory that every
 * process mapping the same object shares. Offsets are {@code long}, relative to the start of the
 * region, and every access is bounds-checked ({@link IndexOutOfBoundsException}). Multi-byte
 * values are in the platform's native byte order, the order a C program on the same machine uses.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.create("/jobs", 4096);
 *      MappedRegion region = shm.map()) {
 *   region.setLongRelease(0, 42);                 // a C reader sees it with an acquire load
 *   long seen = region.getAndAddLong(8, 1);        // atomic, like C11 atomic_fetch_add
 * }
 * }</pre>
 *
 * <p>The {@code *Acquire}, {@code *Release} and {@code *Volatile} methods are {@link VarHandle}
 * operations on direct memory, {@code compareAndSet*} and {@code getAndAdd*} the core's
 * {@code pipc_atomic_*}: they order as the C11 {@code <stdatomic.h>} operations of the same
 * names, so C and Java processes synchronize through them, and need an offset that is a multiple
 * of the value's size ({@link IllegalArgumentException}).
 *
 * <p>No access can crash the JVM (docs/shm.md has the details). A read-only region refuses stores
 * ({@link ReadOnlyBufferException}). When another process shrinks the object, an access past its
 * new end raises {@code SIGBUS}: the core's fault guard, whose handler runs before HotSpot's,
 * replaces the page with a private zero page, marks the region faulted and lets the access
 * complete; the method that made it then throws {@link SharedMemoryFaultException}, interpreted
 * or compiled, plain, bulk or atomic, and so does every later access. After {@link #close()},
 * accessors throw {@link IllegalStateException}, and the methods that declare
 * {@link IOException} {@link ClosedChannelException}. Closing swaps the mapping for private zero
 * pages at the same addresses, in one system call, so an access racing with it never meets an
 * unmapped page; a {@link java.lang.ref.Cleaner} unmaps the addresses once no buffer over them is
 * reachable, whether the region was closed or not. Closing the {@link SharedMemory} the region
 * came from does not unmap it.
 */
public final class MappedRegion implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  private static final int CHUNK_SHIFT = MappedChunks.SHIFT;
  private static final long CHUNK = MappedChunks.SIZE;
  private static final long MASK = CHUNK - 1;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();
  private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ORDER);
  private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ORDER);

  private final String what;
  private final long address;
  private final long size;
  private final boolean writable;
  /** The int that the guard's handler sets to 1 when it replaced the region's pages. */
  private final MappedChunks.Mark faulted;
  /** One direct buffer per 1 GiB chunk; null once closed. Holding them keeps the addresses. */
  private volatile ByteBuffer[] chunks;

  /** Takes over the mapping [address, address + size): unmaps it itself when this fails. */
  MappedRegion(String what, long address, long size, boolean writable) throws PosixException {
    this.what = what;
    this.address = address;
    this.size = size;
    this.writable = writable;
    this.faulted = MappedChunks.Mark.take();
    this.chunks = MappedChunks.map(what, address, size, writable, faulted);
  }

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

  /**
   * True once an access met a page that another process cut off: that page is a private zero
   * page from then on, and every accessor throws {@link SharedMemoryFaultException}.
   */
  public boolean isFaulted() {
    return faulted.isSet();
  }

  @Override
  public String toString() {
    return "MappedRegion[" + what + ", " + size + " bytes" + (writable ? "" : ", read-only")
        + (isOpen() ? "" : ", closed") + (isFaulted() ? ", faulted" : "") + "]";
  }

  /** Stops using the shared memory (see the class description); idempotent, thread-safe. */
  @Override
  public void close() {
    ByteBuffer[] c;
    synchronized (this) {
      c = chunks;
      if (c == null) {
        return;
      }
      chunks = null;
    }
    MappedChunks.detach(c, address, size);
  }

  // ------------------------------------------------------------------ plain accesses

  public byte getByte(long offset) {
    return (byte) load(offset, 1);
  }

  public void putByte(long offset, byte value) {
    store(offset, 1, value);
  }

  public short getShort(long offset) {
    return (short) load(offset, 2);
  }

  public void putShort(long offset, short value) {
    store(offset, 2, value);
  }

  public int getInt(long offset) {
    return (int) load(offset, 4);
  }

  public void putInt(long offset, int value) {
    store(offset, 4, value);
  }

  public long getLong(long offset) {
    return load(offset, 8);
  }

  public void putLong(long offset, long value) {
    store(offset, 8, value);
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

  /** A value of n bytes; n is a constant at every call site, so the switch folds away. */
  private long load(long offset, int n) {
    ByteBuffer[] c = chunks; // read once: close() sets it to null
    ByteBuffer b = at(c, offset, n, false);
    int i = (int) (offset & MASK);
    long v;
    if (i > CHUNK - n) {
      v = MappedChunks.across(c, offset, n, false, 0);
    } else {
      v = switch (n) {
        case 1 -> b.get(i);
        case 2 -> b.getShort(i);
        case 4 -> b.getInt(i);
        default -> b.getLong(i);
      };
    }
    return faulted.check(c, offset, v, what);
  }

  private void store(long offset, int n, long v) {
    ByteBuffer[] c = chunks;
    ByteBuffer b = at(c, offset, n, true);
    int i = (int) (offset & MASK);
    if (i > CHUNK - n) {
      MappedChunks.across(c, offset, n, true, v);
    } else {
      switch (n) {
        case 1 -> b.put(i, (byte) v);
        case 2 -> b.putShort(i, (short) v);
        case 4 -> b.putInt(i, (int) v);
        default -> b.putLong(i, v);
      }
    }
    faulted.check(c, offset, 0, what);
  }

  // ------------------------------------------------------------------ bulk accesses

  /** Copies dst.length bytes from the region at offset into dst. */
  public void get(long offset, byte[] dst) {
    get(offset, dst, 0, dst.length);
  }

  /** Copies length bytes from the region at offset into dst[off ...]. */
  public void get(long offset, byte[] dst, int off, int length) {
    Objects.checkFromIndexSize(off, length, dst.length);
    bulk(MappedChunks.GET_ARRAY, offset, length, dst, off, null, (byte) 0);
  }

  /** Copies src into the region at offset. */
  public void put(long offset, byte[] src) {
    put(offset, src, 0, src.length);
  }

  /** Copies src[off, off + length) into the region at offset. */
  public void put(long offset, byte[] src, int off, int length) {
    Objects.checkFromIndexSize(off, length, src.length);
    bulk(MappedChunks.PUT_ARRAY, offset, length, src, off, null, (byte) 0);
  }

  /** Copies dst.remaining() bytes from the region at offset into dst, advancing its position. */
  public void get(long offset, ByteBuffer dst) {
    if (dst.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    bulk(MappedChunks.GET_BUFFER, offset, dst.remaining(), null, 0, dst, (byte) 0);
  }

  /** Copies src.remaining() bytes of src into the region at offset, advancing its position. */
  public void put(long offset, ByteBuffer src) {
    bulk(MappedChunks.PUT_BUFFER, offset, src.remaining(), null, 0, src, (byte) 0);
  }

  /** Sets length bytes from offset to value. */
  public void fill(long offset, long length, byte value) {
    bulk(MappedChunks.FILL, offset, length, null, 0, null, value);
  }

  private void bulk(int op, long offset, long length, byte[] array, int off, ByteBuffer buffer, byte value) {
    ByteBuffer[] c = chunks;
    at(c, offset, length, op != MappedChunks.GET_ARRAY && op != MappedChunks.GET_BUFFER);
    MappedChunks.copy(c, op, offset, length, array, off, buffer, value);
    faulted.check(c, offset, 0, what);
  }

  // ------------------------------------------------------------------ atomic accesses

  /** An int load with acquire ordering; offset must be a multiple of 4. */
  public int getIntAcquire(long offset) {
    ByteBuffer b = aligned(offset, 4, false);
    return (int) faulted.check(b, offset, (int) INT.getAcquire(b, (int) (offset & MASK)), what);
  }

  /** An int store with release ordering; offset must be a multiple of 4. */
  public void setIntRelease(long offset, int value) {
    ByteBuffer b = aligned(offset, 4, true);
    INT.setRelease(b, (int) (offset & MASK), value);
    faulted.check(b, offset, 0, what);
  }

  /** A sequentially consistent int load; offset must be a multiple of 4. */
  public int getIntVolatile(long offset) {
    ByteBuffer b = aligned(offset, 4, false);
    return (int) faulted.check(b, offset, (int) INT.getVolatile(b, (int) (offset & MASK)), what);
  }

  /** A sequentially consistent int store; offset must be a multiple of 4. */
  public void setIntVolatile(long offset, int value) {
    ByteBuffer b = aligned(offset, 4, true);
    INT.setVolatile(b, (int) (offset & MASK), value);
    faulted.check(b, offset, 0, what);
  }

  /** Atomically sets the int at offset to update if it equals expected; true when it did. */
  public boolean compareAndSetInt(long offset, int expected, int update) {
    return swapped(aligned(offset, 4, true), Core.pipc_atomic_cas32(address + offset, expected, update), offset);
  }

  /** Atomically adds delta to the int at offset; returns the previous value. */
  public int getAndAddInt(long offset, int delta) {
    return (int) added(aligned(offset, 4, true), Core.pipc_atomic_add32(address + offset, delta), offset);
  }

  /** A long load with acquire ordering; offset must be a multiple of 8. */
  public long getLongAcquire(long offset) {
    ByteBuffer b = aligned(offset, 8, false);
    return faulted.check(b, offset, (long) LONG.getAcquire(b, (int) (offset & MASK)), what);
  }

  /** A long store with release ordering; offset must be a multiple of 8. */
  public void setLongRelease(long offset, long value) {
    ByteBuffer b = aligned(offset, 8, true);
    LONG.setRelease(b, (int) (offset & MASK), value);
    faulted.check(b, offset, 0, what);
  }

  /** A sequentially consistent long load; offset must be a multiple of 8. */
  public long getLongVolatile(long offset) {
    ByteBuffer b = aligned(offset, 8, false);
    return faulted.check(b, offset, (long) LONG.getVolatile(b, (int) (offset & MASK)), what);
  }

  /** A sequentially consistent long store; offset must be a multiple of 8. */
  public void setLongVolatile(long offset, long value) {
    ByteBuffer b = aligned(offset, 8, true);
    LONG.setVolatile(b, (int) (offset & MASK), value);
    faulted.check(b, offset, 0, what);
  }

  /** Atomically sets the long at offset to update if it equals expected; true when it did. */
  public boolean compareAndSetLong(long offset, long expected, long update) {
    return swapped(aligned(offset, 8, true), Core.pipc_atomic_cas64(address + offset, expected, update), offset);
  }

  /** Atomically adds delta to the long at offset; returns the previous value. */
  public long getAndAddLong(long offset, long delta) {
    return added(aligned(offset, 8, true), Core.pipc_atomic_add64(address + offset, delta), offset);
  }

  /**
   * A native compare-and-set's result: 1, 0, or -EFAULT from the guard (which leaves the region
   * alone). Reaching the chunk here keeps the addresses mapped during the call (see close).
   */
  private boolean swapped(ByteBuffer chunk, int r, long offset) {
    if (r < 0) {
      throw MappedChunks.Mark.fault(offset, what);
    }
    return faulted.check(chunk, offset, r, what) != 0;
  }

  /** A native add's previous value; for Long.MIN_VALUE, pipc_atomic_error tells if it is one. */
  private long added(ByteBuffer chunk, long previous, long offset) {
    if (previous == Long.MIN_VALUE && Core.pipc_atomic_error() < 0) {
      throw MappedChunks.Mark.fault(offset, what);
    }
    return faulted.check(chunk, offset, previous, what);
  }

  // ------------------------------------------------------------------ views and the pages

  /**
   * A zero-copy view of [offset, offset + length), in native byte order, read-only when the
   * region is, within one 1 GiB-aligned chunk of the region (larger regions need several views or
   * the long-offset methods). A view is an ordinary direct buffer that nothing checks the fault
   * mark for: on a page cut off by a shrink (and everywhere after a close) it reads zeros and its
   * stores are lost, without an exception; check {@link #isFaulted()}. The addresses stay mapped
   * while a view is reachable.
   */
  public ByteBuffer asByteBuffer(long offset, int length) {
    ByteBuffer b = at(chunks, offset, length, false);
    if (length == 0) {
      return ByteBuffer.allocateDirect(0).order(ORDER);
    }
    int i = (int) (offset & MASK);
    if (length > b.limit() - i) {
      throw new IllegalArgumentException("[" + offset + ", " + (offset + length) + ") spans two 1 GiB"
          + " chunks of " + what + ": take one view per chunk, or use the long-offset methods");
    }
    return b.slice(i, length).order(ORDER);
  }

  /** Writes the region's pages back to the object (msync MS_SYNC); harmless on tmpfs. */
  public void sync() throws IOException {
    pages(() -> Core.pipc_msync(address, size, Core.PIPC_MSYNC_SYNC), "msync");
  }

  /** Locks the region's pages in memory (mlock); needs RLIMIT_MEMLOCK room or privilege. */
  public void lockInMemory() throws IOException {
    pages(() -> Core.pipc_mlock(address, size), "mlock");
  }

  /** Undoes {@link #lockInMemory()} (munlock). */
  public void unlockFromMemory() throws IOException {
    pages(() -> Core.pipc_munlock(address, size), "munlock");
  }

  /** How the region will be used, for the kernel's read-ahead and paging (madvise). */
  public enum Advice {
    NORMAL(Core.PIPC_ADVICE_NORMAL), RANDOM(Core.PIPC_ADVICE_RANDOM),
    SEQUENTIAL(Core.PIPC_ADVICE_SEQUENTIAL), WILLNEED(Core.PIPC_ADVICE_WILLNEED);

    final int value;

    Advice(int value) {
      this.value = value;
    }
  }

  /** Advises the kernel about the whole region (madvise). */
  public void advise(Advice advice) throws IOException {
    Objects.requireNonNull(advice, "advice");
    pages(() -> Core.pipc_madvise(address, size, advice.value), "madvise");
  }

  /** A system call on the region's pages, with the addresses pinned. */
  private void pages(IntSupplier call, String syscall) throws IOException {
    Object pin = pin();
    try {
      int r = call.getAsInt();
      if (r < 0) {
        throw PosixException.of(r, syscall, what);
      }
    } finally {
      Reference.reachabilityFence(pin);
    }
  }

  /**
   * What keeps the addresses mapped during a native call: reach it until the call is over. A
   * faulted region passes: a sync object's page that is still there still works, one that is
   * gone gives the guard's EFAULT.
   */
  Object pin() throws ClosedChannelException {
    ByteBuffer[] c = chunks;
    if (c == null) {
      throw new Descriptor.ClosedException(toString());
    }
    return c;
  }

  /** The address of a semaphore, mutex or condition at offset, which needs a writable region. */
  long addressOf(long offset, int objectSize, int alignment, String kind) {
    if (!writable) {
      throw new IllegalArgumentException(kind + " needs a writable region: " + this);
    }
    aligned(offset, objectSize, alignment, false, kind);
    return address + offset;
  }

  /**
   * The address of the int that the fault guard sets when an access met a page cut off by a
   * shrink, for native code that works on the region's memory itself (a channel) and checks it
   * after its accesses. Valid while the region is reachable.
   */
  long faultMarkAddress() {
    return faulted.address;
  }

  /** The address of the first byte, for native code; valid while the region is reachable. */
  long address() {
    return address;
  }

  /** What the region maps, for messages. */
  String what() {
    return what;
  }

  /** The check before every access (open, inside, writable); returns the chunk at offset. */
  private ByteBuffer at(ByteBuffer[] c, long offset, long length, boolean write) {
    if (c == null) {
      throw new IllegalStateException(this + " is closed");
    }
    if (write && !writable) {
      throw new ReadOnlyBufferException();
    }
    if (length < 0 || offset < 0 || offset > size - length) {
      throw new IndexOutOfBoundsException("[" + offset + ", " + offset + " + " + length
          + ") is outside " + what + " (size " + size + ")");
    }
    return c[(int) (Math.min(offset, size - 1) >>> CHUNK_SHIFT)];
  }

  private ByteBuffer aligned(long offset, int n, boolean write) {
    return aligned(offset, n, n, write, "atomic access");
  }

  /** {@link #at} for an object of length bytes that must be aligned to alignment bytes. */
  private ByteBuffer aligned(long offset, long length, int alignment, boolean write, String kind) {
    ByteBuffer b = at(chunks, offset, length, write);
    if ((offset & (alignment - 1)) != 0) {
      throw new IllegalArgumentException(kind + " at offset " + offset + " of " + what
          + " is not aligned to " + alignment + " bytes");
    }
    return b;
  }
}
