package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The socket addresses posixipc's sockets take and return, all {@link SocketAddress}es: {@link
 * UnixDomainSocketAddress} for an AF_UNIX path (an empty path for an unnamed socket, as the JDK
 * reports one), {@link AbstractSocketAddress} for a Linux abstract name, and {@link
 * InetSocketAddress} for IPv4 and IPv6 (resolved; port 0 lets a bind choose). This class turns
 * them to and from their text form and removes a path's socket file.
 *
 * <p>Sizes are checked before any system call: a path longer than {@value #MAX_PATH_BYTES} bytes
 * does not fit in {@code sun_path} and is refused with {@link IllegalArgumentException}, never
 * cut.
 */
public final class SocketAddresses {

  static {
    Native.ensureLoaded();
  }

  /** The longest path, in bytes of the file-name encoding (sun_path without its NUL). */
  public static final int MAX_PATH_BYTES = 107;

  private static final UnixDomainSocketAddress UNNAMED = UnixDomainSocketAddress.of("");

  private SocketAddresses() {}

  /**
   * Parses the textual forms that {@link #format(SocketAddress)} gives: {@code unix:PATH}, {@code
   * abstract:NAME} (UTF-8; {@code \xNN} escapes a byte), {@code inet:HOST:PORT} and {@code
   * inet6:[HOST]:PORT} (numeric hosts, or "localhost").
   *
   * @throws IllegalArgumentException for anything else
   */
  public static SocketAddress parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.startsWith("unix:")) {
      return path(Path.of(spec.substring(5)));
    }
    if (spec.startsWith("abstract:")) {
      return AbstractSocketAddress.of(unescape(spec.substring(9)));
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

  /**
   * The text form {@link #parse} reads: {@code unix:/run/app.sock}, {@code abstract:name}, {@code
   * inet:127.0.0.1:8080}, {@code inet6:[::1]:8080}; {@code unix:(unnamed)} for an unnamed socket.
   */
  public static String format(SocketAddress address) {
    Objects.requireNonNull(address, "address");
    if (address instanceof UnixDomainSocketAddress u) {
      return u.getPath().toString().isEmpty() ? "unix:(unnamed)" : "unix:" + u.getPath();
    }
    if (address instanceof InetSocketAddress i && !i.isUnresolved()) {
      String host = i.getAddress().getHostAddress();
      return (i.getAddress().getAddress().length == 4 ? "inet:" + host : "inet6:[" + host + "]") + ":" + i.getPort();
    }
    return address.toString();
  }

  /**
   * Removes the socket file at a path address (after checking that it is a socket: a regular
   * file at the path is refused). A bound socket keeps working; new connections to the path fail.
   *
   * @throws NotFoundException if nothing is at the path
   * @throws PosixException EINVAL if the file is not a socket
   */
  public static void unlink(UnixDomainSocketAddress address) throws IOException {
    byte[] raw = sockaddr(address);
    int r = Core.pipc_sockaddr_unlink(raw, raw.length);
    if (r < 0) {
      throw PosixException.of(r, "unlink", "socket " + format(address));
    }
  }

  /** A path address, checked now so that a bad one fails where it was made. */
  private static UnixDomainSocketAddress path(Path path) {
    UnixDomainSocketAddress a = UnixDomainSocketAddress.of(path);
    sockaddr(a);
    return a;
  }

  private static InetSocketAddress inet(InetAddress address, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
    return new InetSocketAddress(address, port);
  }

  /** The address family number (AF_UNIX, AF_INET, AF_INET6) of a supported address. */
  static int family(SocketAddress address) {
    if (address instanceof InetSocketAddress i) {
      return requireResolved(i).getAddress().getAddress().length == 4 ? Core.PIPC_AF_INET : Core.PIPC_AF_INET6;
    }
    if (!(address instanceof AbstractSocketAddress)) {
      requireSupported(address);
    }
    return Core.PIPC_AF_UNIX;
  }

  /** Whether the kernel keeps a file for address: an AF_UNIX path. */
  static boolean isPath(SocketAddress address) {
    return address instanceof UnixDomainSocketAddress u && !u.getPath().toString().isEmpty();
  }

  /**
   * The raw socket address, exactly as long as the kernel takes it.
   *
   * @throws IllegalArgumentException for a path that is empty, has a NUL or is too long, an
   *     unresolved IP address, or a kind of address posixipc does not know
   */
  static byte[] sockaddr(SocketAddress address) {
    Objects.requireNonNull(address, "address");
    if (address instanceof InetSocketAddress i) {
      byte[] ip = requireResolved(i).getAddress().getAddress();
      byte[] out = new byte[Core.PIPC_SOCKADDR_MAX];
      int len = Core.pipc_sockaddr_inet(out, out.length, ip, ip.length, i.getPort());
      if (len < 0) {
        throw new IllegalArgumentException("not an IP socket address: " + i);
      }
      return Arrays.copyOf(out, len);
    }
    if (address instanceof AbstractSocketAddress a) {
      byte[] name = a.bytes();
      byte[] full = new byte[name.length + 1];
      System.arraycopy(name, 0, full, 1, name.length);
      return unix(full, address.toString());
    }
    requireSupported(address);
    Path path = ((UnixDomainSocketAddress) address).getPath();
    byte[] z = NativeStrings.path(path);
    byte[] name = Arrays.copyOf(z, z.length - 1);
    if (name.length == 0) {
      throw new IllegalArgumentException("empty path for a socket address");
    }
    return unix(name, "path " + path);
  }

  /** An address the kernel reported: a raw socket address of len bytes. */
  static SocketAddress fromSockaddr(byte[] raw, int len) {
    int family = ByteBuffer.wrap(raw, 0, 2).order(ByteOrder.nativeOrder()).getShort() & 0xffff;
    try {
      if (family == Core.PIPC_AF_INET) {
        return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(raw, 4, 8)), port(raw));
      }
      if (family == Core.PIPC_AF_INET6) {
        return new InetSocketAddress(InetAddress.getByAddress(Arrays.copyOfRange(raw, 8, 24)), port(raw));
      }
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // the lengths are right by construction
    }
    if (family != Core.PIPC_AF_UNIX) {
      throw new IllegalStateException("address family " + family + " is not supported");
    }
    if (len <= 2) {
      return UNNAMED;
    }
    if (raw[2] == 0) {
      return AbstractSocketAddress.of(Arrays.copyOfRange(raw, 3, len));
    }
    // A path: the kernel may or may not count the terminating NUL.
    int end = 2;
    while (end < len && raw[end] != 0) {
      end++;
    }
    return UnixDomainSocketAddress.of(Path.of(new String(raw, 2, end - 2, NativeStrings.fileNames())));
  }

  private static int port(byte[] raw) {
    return ((raw[2] & 0xff) << 8) | (raw[3] & 0xff);
  }

  private static InetSocketAddress requireResolved(InetSocketAddress i) {
    if (i.isUnresolved()) {
      throw new IllegalArgumentException("unresolved address " + i + ": resolve the host first");
    }
    return i;
  }

  private static void requireSupported(SocketAddress address) {
    if (!(address instanceof UnixDomainSocketAddress)) {
      throw new IllegalArgumentException("not a socket address posixipc knows: " + address.getClass().getName()
          + " (use UnixDomainSocketAddress, AbstractSocketAddress or InetSocketAddress)");
    }
  }

  private static byte[] unix(byte[] name, String what) {
    byte[] out = new byte[Core.PIPC_SOCKADDR_MAX];
    int len = Core.pipc_sockaddr_unix(out, out.length, name, name.length);
    if (len == -Errno.ENAMETOOLONG) {
      throw new IllegalArgumentException(what + " is too long for an AF_UNIX address: "
          + (name[0] == 0 ? name.length - 1 : name.length) + " bytes, at most "
          + (name[0] == 0 ? AbstractSocketAddress.MAX_BYTES : MAX_PATH_BYTES));
    }
    if (len < 0) {
      throw new IllegalArgumentException(what + " is not a valid AF_UNIX address ("
          + Errno.name(len) + ")");
    }
    return Arrays.copyOf(out, len);
  }

  /** UTF-8 text with control bytes, backslashes and invalid sequences as \xNN escapes. */
  static String escape(byte[] name) {
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
