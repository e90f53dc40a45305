package io.github.posixipc.net;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One kernel buffer size of a view, {@code SO_SNDBUF} or {@code SO_RCVBUF} (the kernel doubles what
 * is asked and applies its limits), on its posixipc socket of type S. Asked before the view has
 * that socket (before the connect or the bind), the size is kept, read back as asked, and applied
 * by {@link #apply} when the socket comes; read before anything was asked, it is the kernel's
 * default. A {@link UnixSocket}'s impl keeps both sizes here, a {@link UnixServerSocket}'s the
 * receive size.
 */
final class BufferSize<S> {

  /** Sets the size on the posixipc socket. */
  @FunctionalInterface
  interface Setter<S> {
    void set(S socket, int bytes) throws IOException;
  }

  /** Reads the size from the posixipc socket. */
  @FunctionalInterface
  interface Getter<S> {
    int get(S socket) throws IOException;
  }

  /** "SO_SNDBUF" or "SO_RCVBUF". */
  private final String name;
  /** The file under /proc/sys/net/core with the kernel's default. */
  private final String kernelDefault;
  private final Setter<S> setter;
  private final Getter<S> getter;
  /** The size asked before there was a socket (0: not asked). */
  private volatile int asked;

  /**
   * @param name "SO_SNDBUF" or "SO_RCVBUF"
   * @param kernelDefault "wmem_default" or "rmem_default"
   */
  BufferSize(String name, String kernelDefault, Setter<S> setter, Getter<S> getter) {
    this.name = name;
    this.kernelDefault = kernelDefault;
    this.setter = setter;
    this.getter = getter;
  }

  /** The option's name. */
  String name() {
    return name;
  }

  /** Sets size (more than 0) on socket, or keeps it for {@link #apply} when there is no socket yet (null). */
  void set(int size, S socket) throws SocketException {
    if (socket == null) {
      asked = size;
      return;
    }
    try {
      setter.set(socket, size);
    } catch (IOException e) {
      throw NetErrors.socketException(e, "setsockopt(" + name + ")");
    }
  }

  /** The size of socket, or without one (null) the size asked, or the kernel's default. */
  int get(S socket) throws SocketException {
    if (socket == null) {
      int a = asked;
      return a > 0 ? a : kernelDefault(kernelDefault);
    }
    try {
      return getter.get(socket);
    } catch (IOException e) {
      throw NetErrors.socketException(e, "getsockopt(" + name + ")");
    }
  }

  /** Sets the size asked before the socket came, if one was, on the socket now made. */
  void apply(S socket) throws SocketException {
    int a = asked;
    if (a > 0) {
      set(a, socket);
    }
  }

  /** The kernel's default buffer size (net.core.wmem_default / rmem_default), or 212992 when unreadable. */
  static int kernelDefault(String name) {
    try {
      return Integer.parseInt(Files.readString(Path.of("/proc/sys/net/core", name)).trim());
    } catch (IOException | RuntimeException e) {
      return 212992;
    }
  }
}
