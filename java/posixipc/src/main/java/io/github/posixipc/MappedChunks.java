package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The direct buffers of a {@link MappedRegion}, one per 1 GiB-aligned chunk (a buffer's index is
 * an {@code int}), and what the region does across them: building them over a new mapping with
 * each chunk registered in the core's fault guard, unmapping each one once no buffer over it is
 * reachable, and the loops of the accesses that span chunks.
 */
final class MappedChunks {

  static final int SHIFT = 30;
  static final long SIZE = 1L << SHIFT;
  private static final long MASK = SIZE - 1;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** The bulk operations of {@link #copy}. */
  static final int GET_ARRAY = 0;
  static final int PUT_ARRAY = 1;
  static final int GET_BUFFER = 2;
  static final int PUT_BUFFER = 3;
  static final int FILL = 4;

  private MappedChunks() {}

  /**
   * The buffers over the mapping [address, address + size), read-only unless writable. Each
   * chunk is registered with the fault guard (installed now, at the first mapping), with mark as
   * its faulted word; every chunk has its own registry entry because each is unmapped on its own,
   * and the mark goes back to the pool once every chunk is. When a registration fails, the whole
   * mapping is unmapped and the mark given back before the exception.
   */
  static ByteBuffer[] map(String what, long address, long size, boolean writable, Mark mark)
      throws PosixException {
    int n = (int) ((size + SIZE - 1) >>> SHIFT);
    mark.users.set(n);
    // Without the guard (not glibc) nothing would ever set the mark: no entries then.
    boolean guarded = Native.installFaultGuard();
    for (int i = 0; guarded && i < n; i++) {
      int r = Core.pipc_fault_region_add(start(address, i), length(size, i), writable ? 1 : 0, mark.address);
      if (r < 0) {
        for (int k = 0; k < i; k++) {
          Core.pipc_fault_region_remove(start(address, k));
        }
        Core.pipc_munmap(address, size);
        mark.users.set(1);
        mark.release();
        throw PosixException.of(r, "pipc_fault_region_add", what);
      }
    }
    ByteBuffer[] chunks = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      long start = start(address, i);
      long length = length(size, i);
      ByteBuffer root = new BytePointer(new At(start, length)).asByteBuffer();
      // The chunk's addresses are unmapped once no buffer over them is reachable, whether or not
      // the region was closed: views (slices, duplicates) keep their root buffer reachable.
      Native.CLEANER.register(root, unmap(start, length, guarded, mark));
      chunks[i] = (writable ? root : root.asReadOnlyBuffer()).order(ORDER);
    }
    return chunks;
  }

  private static long start(long address, int i) {
    return address + ((long) i << SHIFT);
  }

  private static long length(long size, int i) {
    return Math.min(SIZE, size - ((long) i << SHIFT));
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

  /**
   * The Cleaner's action for one chunk, which never refers to a buffer over it. Unless close
   * did, it leaves the guard's registry before munmap, so that the handler can never replace
   * pages at addresses that were reused, and only then gives the mark (which the registry entry
   * points into) back.
   */
  private static Runnable unmap(long start, long length, boolean guarded, Mark mark) {
    return () -> {
      if (guarded) {
        Core.pipc_fault_region_remove(start);
      }
      Core.pipc_munmap(start, length);
      mark.release();
    };
  }

  /**
   * A region's faulted word: an int in a direct buffer of 1,024 of them. Marks are pooled, never
   * freed: a direct buffer of four bytes per mapping (with a Cleaner of its own) would make the C
   * heap grow with the mappings that wait for the garbage collector. A mark goes back to the pool
   * only once every chunk of its region is unmapped: then no registry entry points to it, and no
   * access reads it (MappedRegion reads it while it reaches the chunk it used), so a reused mark
   * is never seen by two regions.
   */
  static final class Mark {
    private static final int PER_PAGE = 1024;
    private static final ArrayDeque<Mark> FREE = new ArrayDeque<>();

    private final ByteBuffer page;
    private final int index;
    final long address;
    /** The chunks whose registry entry may still point here. */
    final AtomicInteger users = new AtomicInteger();

    private Mark(ByteBuffer page, int index, long address) {
      this.page = page;
      this.index = index;
      this.address = address;
    }

    /** A cleared mark from the pool, which grows by a page of marks when it is empty. */
    static Mark take() {
      synchronized (FREE) {
        if (FREE.isEmpty()) {
          ByteBuffer page = ByteBuffer.allocateDirect(PER_PAGE * Integer.BYTES).order(ORDER);
          long base = new BytePointer(page).address();
          for (int i = 0; i < PER_PAGE; i++) {
            FREE.push(new Mark(page, i * Integer.BYTES, base + (long) i * Integer.BYTES));
          }
        }
        Mark m = FREE.pop();
        m.page.putInt(m.index, 0);
        return m;
      }
    }

    /** True once the guard's handler set the mark (a plain load: see {@link #check}). */
    boolean isSet() {
      return page.getInt(index) != 0;
    }

    /**
     * The check after every access of the region what: throws when the guard found the pages
     * gone, in this access or an earlier one; returns value. The handler sets the mark in this
     * thread before the faulting instruction is retried, and the fault is precise, so this load
     * sees it as long as the compiler keeps the load after the access. Both are raw memory: a JIT
     * may move one load above another or hoist it out of a loop. {@link VarHandle#acquireFence()}
     * forbids that (C1 and C2 treat it as a barrier over all memory, stores included) and emits
     * no instruction on x86-64. Reaching the chunk (or chunks) used keeps its addresses mapped
     * and the mark out of the pool.
     */
    long check(Object chunk, long offset, long value, String what) {
      VarHandle.acquireFence();
      if (isSet()) {
        throw fault(offset, what);
      }
      Reference.reachabilityFence(chunk);
      return value;
    }

    /** The exception for an access at offset of the region what that met a page cut off. */
    static SharedMemoryFaultException fault(long offset, String what) {
      return new SharedMemoryFaultException("a fault (SIGBUS) at offset " + offset + " of " + what
          + ": the object was shrunk by another process after it was mapped, and the region now"
          + " holds private zero pages", null);
    }

    /** One chunk no longer needs the mark; the last one gives it back to the pool. */
    void release() {
      if (users.decrementAndGet() == 0) {
        synchronized (FREE) {
          FREE.push(this);
        }
      }
    }
  }

  /**
   * What close does: swaps the mapping for private zero pages at the same addresses (an access
   * racing with it never meets an unmapped page), then leaves the guard's registry, since no
   * fault can happen there any more, so that closed regions awaiting the Cleaner take no slots.
   * The chunks, reached until the end, keep the Cleaner from unmapping the addresses meanwhile.
   */
  static void detach(ByteBuffer[] chunks, long address, long size) {
    // On failure (ENOMEM) the shared mapping stays, and its entries, until the Cleaner.
    if (Core.pipc_mmap_detach(address, size) == 0) {
      for (int i = 0; i < chunks.length; i++) {
        Core.pipc_fault_region_remove(start(address, i));
      }
    }
    Reference.reachabilityFence(chunks);
  }

  /**
   * Reads (write false) or writes the n-byte value v at offset byte by byte, for a value that
   * straddles two chunks (regions above 1 GiB only). The caller checked the range.
   */
  static long across(ByteBuffer[] chunks, long offset, int n, boolean write, long v) {
    for (int k = 0; k < n; k++) {
      int shift = ORDER == ByteOrder.LITTLE_ENDIAN ? 8 * k : 8 * (n - 1 - k);
      long at = offset + k;
      ByteBuffer b = chunks[(int) (at >>> SHIFT)];
      if (write) {
        b.put((int) (at & MASK), (byte) (v >>> shift));
      } else {
        v |= (b.get((int) (at & MASK)) & 0xffL) << shift;
      }
    }
    return v;
  }

  /**
   * The one loop of the bulk accesses, one step per chunk that [offset, offset + length)
   * touches: op between the region and array[off ...], buffer (from its position, which
   * advances) or, for FILL, value. The caller checked the range.
   */
  static void copy(ByteBuffer[] chunks, int op, long offset, long length, byte[] array, int off,
      ByteBuffer buffer, byte value) {
    for (long at = offset, end = offset + length; at < end; ) {
      ByteBuffer b = chunks[(int) (at >>> SHIFT)];
      int i = (int) (at & MASK);
      int n = (int) Math.min(end - at, b.limit() - i);
      switch (op) {
        case GET_ARRAY -> b.get(i, array, off, n);
        case PUT_ARRAY -> b.put(i, array, off, n);
        case GET_BUFFER -> buffer.put(buffer.position(), b, i, n).position(buffer.position() + n);
        case PUT_BUFFER -> {
          b.put(i, buffer, buffer.position(), n);
          buffer.position(buffer.position() + n);
        }
        default -> fill(b, i, n, value);
      }
      at += n;
      off += n;
    }
  }

  /** Fills n bytes of one chunk from index i, eight at a time where it can. */
  private static void fill(ByteBuffer b, int i, int n, byte value) {
    long eight = (value & 0xffL) * 0x0101_0101_0101_0101L;
    int k = 0;
    for (; k <= n - Long.BYTES; k += Long.BYTES) {
      b.putLong(i + k, eight);
    }
    for (; k < n; k++) {
      b.put(i + k, value);
    }
  }
}
