package io.github.posixipc;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Strings on their way to C: encoded the way the JDK encodes file names ({@code sun.jnu.encoding})
 * and NUL-terminated here, so that JNI's modified UTF-8 never touches them.
 */
final class NativeStrings {

  private static final Charset FILE_NAMES = fileNameCharset();

  private NativeStrings() {}

  /** A path for the C core. Rejects an embedded NUL, which C would silently cut at. */
  static byte[] path(Path path) {
    Objects.requireNonNull(path, "path");
    return encode(path.toString(), "path");
  }

  /** Any string for the C core, encoded like a file name. */
  static byte[] encode(String s, String what) {
    if (s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " contains a NUL character: " + s.replace("\0", "\\0"));
    }
    byte[] bytes = s.getBytes(FILE_NAMES);
    byte[] z = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, z, 0, bytes.length);
    return z;
  }

  /** The charset of file names, to decode a path the kernel reported. */
  static Charset fileNames() {
    return FILE_NAMES;
  }

  private static Charset fileNameCharset() {
    String name = System.getProperty("sun.jnu.encoding");
    try {
      return name != null ? Charset.forName(name) : Charset.defaultCharset();
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }
}
