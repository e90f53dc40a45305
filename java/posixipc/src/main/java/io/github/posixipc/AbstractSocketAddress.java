package io.github.posixipc;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Linux abstract AF_UNIX socket address: a name in the kernel's abstract namespace, with no
 * file behind it, gone when the last socket bound to it closes. The one address kind the JDK has
 * no type for; paths are {@link java.net.UnixDomainSocketAddress} and IP addresses {@link
 * java.net.InetSocketAddress}.
 *
 * <p>The name is a sequence of bytes, not a C string: it may contain NUL bytes, and its length is
 * part of the name ({@code "x"} and {@code "x\0"} are two names). The bytes given are the bytes
 * the kernel sees; strings are encoded as UTF-8, never as JNI's modified UTF-8. An immutable
 * value: two addresses are equal when their bytes are.
 */
public final class AbstractSocketAddress extends SocketAddress {

  private static final long serialVersionUID = 1L;

  /** The longest name, in bytes (sun_path without the leading NUL). */
  public static final int MAX_BYTES = 107;

  private final byte[] name;

  private AbstractSocketAddress(byte[] name) {
    this.name = name;
  }

  /**
   * The abstract address named by exactly these bytes, which may include NULs.
   *
   * @throws IllegalArgumentException if longer than {@value #MAX_BYTES} bytes
   */
  public static AbstractSocketAddress of(byte[] name) {
    Objects.requireNonNull(name, "name");
    if (name.length > MAX_BYTES) {
      throw new IllegalArgumentException("abstract name " + SocketAddresses.escape(name)
          + " is too long for an AF_UNIX address: " + name.length + " bytes, at most " + MAX_BYTES);
    }
    return new AbstractSocketAddress(name.clone());
  }

  /** The abstract address named by the UTF-8 bytes of name (a NUL char is a 0 byte). */
  public static AbstractSocketAddress of(String name) {
    return of(Objects.requireNonNull(name, "name").getBytes(StandardCharsets.UTF_8));
  }

  /** The name's bytes, without the leading NUL of {@code sun_path}. A copy. */
  public byte[] name() {
    return name.clone();
  }

  /** The name without a copy, for the encoder. */
  byte[] bytes() {
    return name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AbstractSocketAddress && Arrays.equals(name, ((AbstractSocketAddress) o).name);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(name);
  }

  /** {@code abstract:NAME}, with control bytes, backslashes and invalid UTF-8 as {@code \xNN}. */
  @Override
  public String toString() {
    return "abstract:" + SocketAddresses.escape(name);
  }
}
