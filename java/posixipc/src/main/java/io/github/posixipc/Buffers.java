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
   * the data of a sendmsg or recvmsg, laid out at the offsets below, whose sizes are the C core's
   * (the {@code pipc_msg_info} block, two socket addresses of {@code PIPC_SOCKADDR_MAX} bytes
   * and {@code PIPC_SOCKET_MAX_FDS} descriptors). Passing descriptors or addresses through it
   * allocates nothing per call.
   */
  static Control control() {
    return CONTROL.get();
  }

  /**
   * Where the C core writes a recvmsg's {@code pipc_msg_info} (and a queue receive its
   * priority, in the first 4 bytes).
   */
  static final int CONTROL_INFO = 0;
  /** Where recvmsg writes the sender's address, rounded up so that the address is aligned. */
  static final int CONTROL_FROM = (Core.PIPC_MSG_INFO_SIZE + 7) & ~7;
  /**
   * Where connect, sendto and sendmsg read the address they go to: a slot of its own, so that a
   * receive in between does not overwrite the address that {@link Control#to} remembers.
   */
  static final int CONTROL_TO = CONTROL_FROM + Core.PIPC_SOCKADDR_MAX;
  /** Where sendmsg reads, and recvmsg writes, the descriptors (4 bytes each). */
  static final int CONTROL_FDS = CONTROL_TO + Core.PIPC_SOCKADDR_MAX;
  /** The size of {@link #control()}. */
  static final int CONTROL_SIZE = CONTROL_FDS + 4 * Core.PIPC_SOCKET_MAX_FDS;

  private static final ThreadLocal<Control> CONTROL = ThreadLocal.withInitial(Control::new);

  /**
   * The last direct buffer one direction of a channel used, with its address: a loop that reuses
   * one buffer pays for the address lookup once. {@link DescriptorChannel} holds one per
   * direction, and every channel reaches them through {@link DescriptorChannel#directAddress}
   * (reads and receives share one, writes and sends the other). A racy read from another thread
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
  static class Scratch {
    ByteBuffer buffer;
    long address;
  }

  /**
   * A thread's control area, with the address last encoded at {@link #CONTROL_TO}: a loop that
   * sends to (or connects to) the same address object encodes it once.
   */
  static final class Control extends Scratch {
    /** The address whose encoding is at CONTROL_TO, compared by identity; null for none. */
    Object to;
    /** The length of that encoding. */
    int toLength;

    private Control() {
      buffer = ByteBuffer.allocateDirect(CONTROL_SIZE).order(ByteOrder.nativeOrder());
      address = address(buffer);
    }
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
