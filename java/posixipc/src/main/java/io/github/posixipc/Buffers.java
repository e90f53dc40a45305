package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

  /**
   * Direct memory of at least size bytes for a copy on its way to or from the kernel: the calling
   * thread's scratch area up to {@link #SCRATCH_MAX}, a fresh buffer above (only heap messages
   * over 64 KiB come there; direct buffers never need a copy).
   */
  static Scratch copyArea(int size) {
    if (size <= SCRATCH_MAX) {
      return scratch(Math.max(size, 1));
    }
    Scratch s = new Scratch();
    s.buffer = ByteBuffer.allocateDirect(size);
    s.address = address(s.buffer);
    return s;
  }

  /**
   * The calling thread's control area, apart from its scratch area so that both can be used in
   * one call: {@link #CONTROL_SIZE} bytes of native-order direct memory for what travels beside
   * the data of a sendmsg or recvmsg (a header of up to 64 bytes, a socket address, and up to
   * PIPC_SOCKET_MAX_FDS descriptors). Passing descriptors through it allocates nothing per call.
   */
  static Scratch control() {
    return CONTROL.get();
  }

  /** The size of {@link #control()}. */
  static final int CONTROL_SIZE = 64 + Core.PIPC_SOCKADDR_MAX + 4 * Core.PIPC_SOCKET_MAX_FDS;

  private static final ThreadLocal<Scratch> CONTROL = ThreadLocal.withInitial(() -> {
    Scratch s = new Scratch();
    s.buffer = ByteBuffer.allocateDirect(CONTROL_SIZE).order(ByteOrder.nativeOrder());
    s.address = address(s.buffer);
    return s;
  });

  /**
   * The last direct buffer one direction of a channel used, with its address: a loop that reuses
   * one buffer pays for the address lookup once. Each channel holds one per direction:
   * {@code private final Buffers.AddressCache sendCache = new Buffers.AddressCache();} and
   * {@code long at = sendCache.address(src) + src.position();}. A racy read from another thread
   * still sees a consistent pair, since the pair is immutable.
   */
  static final class AddressCache {
    private Cached last;

    /** The address of direct's first byte (index 0, whatever its position). */
    long address(ByteBuffer direct) {
      Cached c = last;
      if (c == null || c.buffer != direct) {
        c = new Cached(direct);
        last = c;
      }
      return c.address;
    }
  }

  /** A direct buffer and its address, owned by one thread. */
  static final class Scratch {
    ByteBuffer buffer;
    long address;
  }

  /** A direct buffer and its address, immutable: what {@link AddressCache} keeps. */
  static final class Cached {
    final ByteBuffer buffer;
    final long address;

    Cached(ByteBuffer buffer) {
      this.buffer = buffer;
      this.address = address(buffer);
    }
  }
}
