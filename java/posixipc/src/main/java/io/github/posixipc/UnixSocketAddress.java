package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A socket address: an AF_UNIX file-system path, an AF_UNIX abstract name (Linux), or an IPv4 /
 * IPv6 address and port. An immutable value: two addresses are equal when the kernel would see
 * the same bytes.
 *
 * <p>An abstract name is a sequence of bytes, not a C string: it may contain NUL bytes, and its
 * length is part of the name ({@code "x"} and {@code "x\0"} are two names). The bytes given are
 * the bytes the kernel sees; strings are encoded as UTF-8, never as JNI's modified UTF-8.
 *
 * <p>Sizes are checked when the address is made: a path longer than {@value #MAX_PATH_BYTES}
 * bytes or an abstract name longer than {@value #MAX_ABSTRACT_BYTES} bytes does not fit in
 * {@code sun_path} and is refused with {@link IllegalArgumentException}, never cut.
 */
public final class UnixSocketAddress {

  static {
    Native.ensureLoaded();
  }

  /** The longest path, in bytes of the file-name encoding (sun_path without its NUL). */
  public static final int MAX_PATH_BYTES = 107;

  /** The longest abstract name, in bytes (sun_path without the leading NUL). */
  public static final int MAX_ABSTRACT_BYTES = 107;

  /** What an address is. */
  public enum Kind {
    /** An AF_UNIX socket reached through a file-system path. */
    PATH,
    /** An AF_UNIX abstract name (Linux): no file, gone when the last socket bound to it closes. */
    ABSTRACT,
    /** An AF_UNIX socket with no address (a socketpair end, an unbound client). */
    UNNAMED,
    /** AF_INET: an IPv4 address and port. */
    INET,
    /** AF_INET6: an IPv6 address and port. */
    INET6
  }

  private static final byte[] UNNAMED_SOCKADDR = {(byte) Core.PIPC_AF_UNIX, 0};

  private final Kind kind;
  /** The raw socket address, exactly as long as the kernel takes it. */
  private final byte[] sockaddr;

  private UnixSocketAddress(Kind kind, byte[] sockaddr) {
    this.kind = kind;
    this.sockaddr = sockaddr;
  }

  /**
   * The address of an AF_UNIX socket at path.
   *
   * @throws IllegalArgumentException if the path is empty, contains a NUL, or is longer than
   *     {@value #MAX_PATH_BYTES} bytes
   */
  public static UnixSocketAddress of(Path path) {
    byte[] z = NativeStrings.path(path);
    byte[] name = Arrays.copyOf(z, z.length - 1);
    if (name.length == 0) {
      throw new IllegalArgumentException("empty path for a socket address");
    }
    return new UnixSocketAddress(Kind.PATH, unix(name, "path " + path));
  }

  /**
   * An abstract AF_UNIX address (Linux) named by exactly these bytes, which may include NULs.
   *
   * @throws IllegalArgumentException if longer than {@value #MAX_ABSTRACT_BYTES} bytes
   */
  public static UnixSocketAddress abstractName(byte[] name) {
    Objects.requireNonNull(name, "name");
    byte[] full = new byte[name.length + 1];
    System.arraycopy(name, 0, full, 1, name.length);
    return new UnixSocketAddress(Kind.ABSTRACT, unix(full, "abstract name " + escape(name)));
  }

  /** An abstract AF_UNIX address named by the UTF-8 bytes of name (a NUL char is a 0 byte). */
  public static UnixSocketAddress abstractName(String name) {
    return abstractName(Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * An IPv4 or IPv6 address and port.
   *
   * @param port 0..65535; 0 lets {@link UnixServerSocket#bind} choose a free port
   */
  public static UnixSocketAddress inet(InetAddress address, int port) {
    Objects.requireNonNull(address, "address");
    byte[] ip = address.getAddress();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
    byte[] out = new byte[Core.PIPC_SOCKADDR_MAX];
    int len = Core.pipc_sockaddr_inet(out, out.length, ip, ip.length, port);
    if (len < 0) {
      throw new IllegalArgumentException("not an IP socket address: " + address + " port " + port);
    }
    return new UnixSocketAddress(ip.length == 4 ? Kind.INET : Kind.INET6, Arrays.copyOf(out, len));
  }

  /** 127.0.0.1 and port. */
  public static UnixSocketAddress loopback(int port) {
    return inet(InetAddress.getLoopbackAddress(), port);
  }

  /**
   * Parses the textual forms that {@link #toString()} gives: {@code unix:PATH},
   * {@code abstract:NAME} (UTF-8; {@code \xNN} escapes a byte), {@code inet:HOST:PORT} and
   * {@code inet6:[HOST]:PORT} (numeric hosts, or "localhost").
   *
   * @throws IllegalArgumentException for anything else
   */
  public static UnixSocketAddress parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.startsWith("unix:")) {
      return of(Path.of(spec.substring(5)));
    }
    if (spec.startsWith("abstract:")) {
      return abstractName(unescape(spec.substring(9)));
    }
    try {
      if (spec.startsWith("inet6:[")) {
        int end = spec.indexOf("]:");
        if (end > 0) {
          return inet(InetAddress.getByName(spec.substring(7, end)), Integer.parseInt(spec.substring(end + 2)));
        }
      } else if (spec.startsWith("inet:")) {
        int colon = spec.lastIndexOf(':');
        if (colon > 5) {
          return inet(InetAddress.getByName(spec.substring(5, colon)), Integer.parseInt(spec.substring(colon + 1)));
        }
      }
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("not a socket address: " + spec + " (" + e.getMessage() + ")", e);
    }
    throw new IllegalArgumentException("not a socket address: " + spec
        + " (use unix:PATH, abstract:NAME, inet:HOST:PORT or inet6:[HOST]:PORT)");
  }

  /** What kind of address this is. */
  public Kind kind() {
    return kind;
  }

  /** The file-system path of a {@link Kind#PATH} address, or null. */
  public Path path() {
    if (kind != Kind.PATH) {
      return null;
    }
    int end = 2;
    while (end < sockaddr.length && sockaddr[end] != 0) {
      end++;
    }
    return Path.of(new String(sockaddr, 2, end - 2, NativeStrings.fileNames()));
  }

  /** The name of an {@link Kind#ABSTRACT} address (without the leading NUL), or null. */
  public byte[] abstractNameBytes() {
    return kind == Kind.ABSTRACT ? Arrays.copyOfRange(sockaddr, 3, sockaddr.length) : null;
  }

  /** The IP address of an INET or INET6 address, or null. */
  public InetAddress inetAddress() {
    try {
      if (kind == Kind.INET) {
        return InetAddress.getByAddress(Arrays.copyOfRange(sockaddr, 4, 8));
      }
      if (kind == Kind.INET6) {
        return InetAddress.getByAddress(Arrays.copyOfRange(sockaddr, 8, 24));
      }
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // the lengths are right by construction
    }
    return null;
  }

  /** The port of an INET or INET6 address, or -1. */
  public int port() {
    return kind == Kind.INET || kind == Kind.INET6
        ? ((sockaddr[2] & 0xff) << 8) | (sockaddr[3] & 0xff)
        : -1;
  }

  /** The address family number (AF_UNIX, AF_INET, AF_INET6). */
  int family() {
    return kind == Kind.INET ? Core.PIPC_AF_INET : kind == Kind.INET6 ? Core.PIPC_AF_INET6 : Core.PIPC_AF_UNIX;
  }

  /** The raw socket address. Do not modify. */
  byte[] sockaddr() {
    return sockaddr;
  }

  /**
   * Removes the socket file of a {@link Kind#PATH} address (after checking that it is a socket:
   * a regular file at the path is refused). A bound socket keeps working; new connections to the
   * path fail.
   *
   * @throws NotFoundException if nothing is at the path
   * @throws PosixException EINVAL if the file is not a socket, or this is not a path address
   */
  public void unlink() throws java.io.IOException {
    int r = Core.pipc_sockaddr_unlink(sockaddr, sockaddr.length);
    if (r < 0) {
      throw PosixException.of(r, "unlink", "socket " + this);
    }
  }

  /** An address the kernel reported: a raw socket address of len bytes. */
  static UnixSocketAddress fromSockaddr(byte[] raw, int len) {
    int family = ByteBuffer.wrap(raw, 0, 2).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
    byte[] exact = Arrays.copyOf(raw, len);
    if (family == Core.PIPC_AF_INET) {
      return new UnixSocketAddress(Kind.INET, exact);
    }
    if (family == Core.PIPC_AF_INET6) {
      return new UnixSocketAddress(Kind.INET6, exact);
    }
    if (family != Core.PIPC_AF_UNIX) {
      throw new IllegalStateException("address family " + family + " is not supported");
    }
    if (len <= 2) {
      return new UnixSocketAddress(Kind.UNNAMED, UNNAMED_SOCKADDR.clone());
    }
    if (raw[2] == 0) {
      return new UnixSocketAddress(Kind.ABSTRACT, exact);
    }
    // A path: the kernel may or may not count the terminating NUL; keep the form we build.
    int end = 2;
    while (end < len && raw[end] != 0) {
      end++;
    }
    byte[] path = Arrays.copyOf(raw, end + 1);
    return new UnixSocketAddress(Kind.PATH, path);
  }

  private static byte[] unix(byte[] name, String what) {
    byte[] out = new byte[Core.PIPC_SOCKADDR_MAX];
    int len = Core.pipc_sockaddr_unix(out, out.length, name, name.length);
    if (len == -Errno.ENAMETOOLONG) {
      throw new IllegalArgumentException(what + " is too long for an AF_UNIX address: "
          + (name[0] == 0 ? name.length - 1 : name.length) + " bytes, at most "
          + (name[0] == 0 ? MAX_ABSTRACT_BYTES : MAX_PATH_BYTES));
    }
    if (len < 0) {
      throw new IllegalArgumentException(what + " is not a valid AF_UNIX address ("
          + Errno.name(len) + ")");
    }
    return Arrays.copyOf(out, len);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnixSocketAddress && Arrays.equals(sockaddr, ((UnixSocketAddress) o).sockaddr);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sockaddr);
  }

  /** {@code unix:/run/app.sock}, {@code abstract:name}, {@code inet:127.0.0.1:8080}, ... */
  @Override
  public String toString() {
    switch (kind) {
      case PATH:
        return "unix:" + path();
      case ABSTRACT:
        return "abstract:" + escape(abstractNameBytes());
      case UNNAMED:
        return "unix:(unnamed)";
      case INET:
        return "inet:" + inetAddress().getHostAddress() + ":" + port();
      default:
        return "inet6:[" + inetAddress().getHostAddress() + "]:" + port();
    }
  }

  /** UTF-8 text with control bytes, backslashes and invalid sequences as \xNN escapes. */
  private static String escape(byte[] name) {
    StringBuilder sb = new StringBuilder();
    String decoded = new String(name, StandardCharsets.UTF_8);
    if (Arrays.equals(decoded.getBytes(StandardCharsets.UTF_8), name)) {
      for (int i = 0; i < decoded.length(); i++) {
        char c = decoded.charAt(i);
        if (c < 0x20 || c == 0x7f || c == '\\') {
          sb.append(String.format("\\x%02x", (int) c));
        } else {
          sb.append(c);
        }
      }
      return sb.toString();
    }
    for (byte b : name) {
      int v = b & 0xff;
      if (v < 0x20 || v >= 0x7f || v == '\\') {
        sb.append(String.format("\\x%02x", v));
      } else {
        sb.append((char) v);
      }
    }
    return sb.toString();
  }

  private static byte[] unescape(String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); ) {
      if (s.startsWith("\\x", i) && i + 4 <= s.length()) {
        out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
        i += 4;
      } else {
        int cp = s.codePointAt(i);
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
        i += Character.charCount(cp);
      }
    }
    return out.toByteArray();
  }
}
