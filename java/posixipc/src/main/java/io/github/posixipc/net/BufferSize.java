package io.github.posixipc.net;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One kernel buffer size of a view, {@code SO_SNDBUF} or {@code SO_RCVBUF} (the kernel doubles what
 * is asked and applies its limits). Asked before the view has its posixipc socket (before the
 * connect or the bind), the size is kept, read back as asked, and applied by {@link #apply} when
 * the socket comes; read before anything was asked, it is the kernel's default. Both views keep
 * theirs here: {@link UnixSocket} both sizes, {@link UnixServerSocket} the receive size.
 */
final class BufferSize {

  /** Sets the size on the posixipc socket. */
  @FunctionalInterface
  interface Setter {
    void set(int bytes) throws IOException;
  }

  /** Reads the size from the posixipc socket. */
  @FunctionalInterface
  interface Getter {
    int get() throws IOException;
  }

  /** What a view makes of a failed call on its posixipc socket; call names it ("setsockopt(SO_RCVBUF)"). */
  @FunctionalInterface
  interface Errors {
    SocketException of(IOException e, String call);
  }

  private final String setCall;
  private final String getCall;
  /** The file under /proc/sys/net/core with the kernel's default. */
  private final String kernelDefault;
  private final Errors errors;
  /** The size asked before there was a socket (0: not asked). */
  private volatile int asked;

  private BufferSize(String option, String kernelDefault, Errors errors) {
    this.setCall = "setsockopt(" + option + ")";
    this.getCall = "getsockopt(" + option + ")";
    this.kernelDefault = kernelDefault;
    this.errors = errors;
  }

  static BufferSize send(Errors errors) {
    return new BufferSize("SO_SNDBUF", "wmem_default", errors);
  }

  static BufferSize receive(Errors errors) {
    return new BufferSize("SO_RCVBUF", "rmem_default", errors);
  }

  /** Sets size on socket, or keeps it for {@link #apply} when there is no socket yet (null). */
  void set(int size, Setter socket) throws SocketException {
    if (socket == null) {
      asked = size;
      return;
    }
    try {
      socket.set(size);
    } catch (IOException e) {
      throw errors.of(e, setCall);
    }
  }

  /** The size of socket, or without one (null) the size asked, or the kernel's default. */
  int get(Getter socket) throws SocketException {
    if (socket == null) {
      int a = asked;
      return a > 0 ? a : kernelDefault(kernelDefault);
    }
    try {
      return socket.get();
    } catch (IOException e) {
      throw errors.of(e, getCall);
    }
  }

  /** Sets the size asked before the socket came, if one was, on the socket now made. */
  void apply(Setter socket) throws IOException {
    int a = asked;
    if (a > 0) {
      socket.set(a);
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
