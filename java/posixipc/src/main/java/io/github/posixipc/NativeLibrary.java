package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the JNI library that the jar carries, through JavaCPP, and turns a failure into an error
 * that says what went wrong, where the library was looked for, and which property fixes it.
 *
 * <p>JavaCPP extracts the library from the jar into its cache directory and loads it from there.
 * When that fails it falls back to {@code java.library.path} and reports only that last attempt
 * ("no jniCore in java.library.path"), which hides the real cause. The causes a user meets are
 * few, and each has one fix: a platform the jar has no library for, a cache directory on a
 * filesystem mounted {@code noexec}, a cache directory that cannot be created or written, and a C
 * library older than the one the native library was linked against. This class tells them apart
 * after the fact, from the platform, the mount table and the loader's message, so the normal path
 * costs nothing extra.
 */
final class NativeLibrary {

  /** JavaCPP's property that chooses the directory the native libraries are extracted into. */
  static final String CACHE_DIR_PROPERTY = "org.bytedeco.javacpp.cachedir";

  /** The platforms the jar carries a native library for, in JavaCPP's naming. */
  static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-arm64");

  /** The library's file name inside the jar, beside the binding class. */
  private static final String LIBRARY_FILE = "libjniCore.so";

  private NativeLibrary() {}

  /** Loads the library, or throws an {@link UnsatisfiedLinkError} that explains the failure. */
  static void load() {
    try {
      Loader.load(Core.class);
    } catch (UnsatisfiedLinkError e) {
      UnsatisfiedLinkError explained = new UnsatisfiedLinkError(explain(e));
      explained.initCause(e);
      throw explained;
    }
  }

  /** Says why the library could not be loaded, from what can still be observed. */
  static String explain(UnsatisfiedLinkError error) {
    String platform = Loader.getPlatform();
    String messages = messages(error);
    String resource = "/io/github/posixipc/internal/" + platform + "/" + LIBRARY_FILE;
    StringBuilder b = new StringBuilder("posixipc: cannot load its native library: ");
    if (!PLATFORMS.contains(platform) || Core.class.getResource(resource) == null) {
      b.append("this jar carries no native library for this platform, ").append(platform)
          .append(" (os.name=").append(System.getProperty("os.name")).append(", os.arch=")
          .append(System.getProperty("os.arch")).append("); it carries ")
          .append(String.join(" and ", PLATFORMS)).append('.');
      return withDetail(b, messages);
    }
    if (messages.contains("wrong ELF class") || messages.contains("Possible cause: can't load")) {
      b.append("the library for ").append(platform).append(" does not fit this JVM (")
          .append(System.getProperty("java.vm.name")).append(", os.arch=")
          .append(System.getProperty("os.arch")).append("): run a ").append(platform)
          .append(" JVM, or a jar built for this one.");
      return withDetail(b, messages);
    }
    int glibc = messages.indexOf("GLIBC_");
    if (glibc >= 0 && messages.contains("not found")) {
      int end = glibc + 6;
      while (end < messages.length() && ".0123456789".indexOf(messages.charAt(end)) >= 0) {
        end++;
      }
      b.append("it needs the GNU C library ").append(messages, glibc + 6, end)
          .append(" or later, and this system's is older; posixipc needs a glibc-based Linux")
          .append(" (Debian 12, Ubuntu 22.04, RHEL 9 or later).");
      return withDetail(b, messages);
    }
    List<String> places = extractionDirectories();
    for (String place : places) {
      Path dir = Path.of(place);
      String mount = noexecMountPoint(dir);
      if (mount != null) {
        b.append("the directory it is extracted into, ").append(place)
            .append(", is on a filesystem mounted noexec (at ").append(mount)
            .append("), so the system refuses to map it as code. Point the extraction at a")
            .append(" directory on an executable filesystem with -D").append(CACHE_DIR_PROPERTY)
            .append("=/some/dir (tried: ").append(String.join(", ", places)).append(").");
        return withDetail(b, messages);
      }
    }
    // JavaCPP says so itself when no candidate could be created; else a candidate whose nearest
    // existing ancestor is a file or not writable cannot hold the extracted library.
    boolean noCache = messages.contains("Could not create the cache");
    for (String place : places) {
      Path dir = nearestExisting(Path.of(place));
      if (noCache || dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
        b.append("the directory it is extracted into, ").append(place)
            .append(", cannot be created or written. Point the extraction at a writable")
            .append(" directory with -D").append(CACHE_DIR_PROPERTY).append("=/some/dir (tried: ")
            .append(String.join(", ", places)).append(").");
        return withDetail(b, messages);
      }
    }
    b.append("the system's loader refused it (tried: ").append(String.join(", ", places))
        .append("). The extraction directory is chosen with -D").append(CACHE_DIR_PROPERTY)
        .append("=/some/dir.");
    return withDetail(b, messages);
  }

  private static String withDetail(StringBuilder b, String messages) {
    return b.append(" The loader said: ").append(messages).toString();
  }

  /** The messages of the error and its causes, which hold the loader's first, real reason. */
  private static String messages(Throwable error) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = error; t != null && parts.size() < 8; t = t.getCause()) {
      if (t.getMessage() != null && !parts.contains(t.getMessage())) {
        parts.add(t.getMessage());
      }
    }
    return String.join("; ", parts);
  }

  /**
   * The directories JavaCPP extracts into: its cache directory (the property, else {@code
   * ~/.javacpp/cache}, else a folder under {@code java.io.tmpdir}), and the temporary directory
   * that it uses when the cache is off or unusable.
   */
  private static List<String> extractionDirectories() {
    List<String> dirs = new ArrayList<>();
    String chosen = System.getProperty(CACHE_DIR_PROPERTY);
    if (chosen != null) {
      dirs.add(chosen);
    }
    try {
      File cache = Loader.getCacheDir();
      if (!dirs.contains(cache.getPath())) {
        dirs.add(cache.getPath());
      }
    } catch (IOException e) {
      // JavaCPP found no cache directory it could create; the fixed candidates below say where.
      dirs.add(System.getProperty("user.home") + "/.javacpp/cache");
    }
    String tmp = System.getProperty("java.io.tmpdir");
    if (tmp != null && !dirs.contains(tmp)) {
      dirs.add(tmp);
    }
    return dirs;
  }

  /** The nearest ancestor of a path that exists (the path itself if it does), or null. */
  private static Path nearestExisting(Path path) {
    Path p = path.toAbsolutePath().normalize();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    return p;
  }

  /**
   * The mount point of the filesystem that holds a path, if that filesystem is mounted {@code
   * noexec}, else null (also when the mount table cannot be read: then nothing can be said).
   */
  static String noexecMountPoint(Path path) {
    Path existing = nearestExisting(path);
    if (existing == null) {
      return null;
    }
    try {
      return noexecMountPoint(existing.toRealPath().toString(),
          Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The same, from the lines of a {@code mountinfo} table: the longest mount point that holds the
   * path wins, and of equal ones the last, since a later mount over the same point hides the
   * earlier one, as the kernel resolves it.
   */
  static String noexecMountPoint(String realPath, List<String> mountinfo) {
    String best = null;
    boolean bestNoexec = false;
    for (String line : mountinfo) {
      // Fields: id, parent, major:minor, root, mount point, per-mount options, ...
      String[] f = line.split(" ");
      if (f.length < 6) {
        continue;
      }
      String point = unescape(f[4]);
      boolean holds = realPath.equals(point) || point.equals("/")
          || realPath.startsWith(point + "/");
      if (holds && (best == null || point.length() >= best.length())) {
        best = point;
        bestNoexec = List.of(f[5].split(",")).contains("noexec");
      }
    }
    return bestNoexec ? best : null;
  }

  /** Undoes mountinfo's octal escapes ({@code \040} for a space, and so on). */
  private static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        b.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
