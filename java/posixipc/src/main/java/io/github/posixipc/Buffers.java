package io.github.posixipc;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Pointer;

/**
 * Native addresses of direct buffers, and per-thread direct scratch memory for the heap arrays
 * and heap buffers that must be copied on their way to the kernel.
 */
final class Buffers {

  /** The largest scratch area, and so the largest single transfer from a heap array. */
  static final int SCRATCH_MAX = 64 * 1024;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  static {
    Native.ensureLoaded();
  }

  private Buffers() {}

  /** The address of a direct buffer's first byte (index 0, whatever its position). */
  static long address(ByteBuffer direct) {
    return new Pointer(direct).address();
  }

  /** The calling thread's scratch area, with room for at least min(size, SCRATCH_MAX) bytes. */
  static Scratch scratch(int size) {
    Scratch s = SCRATCH.get();
    int wanted = Math.min(size, SCRATCH_MAX);
    if (s.buffer == null || s.buffer.capacity() < wanted) {
      int capacity = Math.max(4096, Integer.highestOneBit(Math.max(wanted - 1, 1)) << 1);
      s.buffer = ByteBuffer.allocateDirect(Math.min(capacity, SCRATCH_MAX));
      s.address = address(s.buffer);
    }
    return s;
  }

  /** A direct buffer and its address, owned by one thread. */
  static final class Scratch {
    ByteBuffer buffer;
    long address;
  }

  /**
   * The last direct buffer a channel used in one direction, with its address: a loop that reuses
   * one buffer pays for the address lookup once. Immutable, so a racy read is still consistent.
   */
  static final class Cached {
    final ByteBuffer buffer;
    final long address;

    Cached(ByteBuffer buffer) {
      this.buffer = buffer;
      this.address = address(buffer);
    }
  }
}
