package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.util.HashMap;
import java.util.Map;

/**
 * Error numbers, as the C library of this system defines them.
 *
 * <p>Nothing here is a hand-written table: the numbers and names are read from the native side
 * when the class loads, so they cannot drift from the kernel's. Compare with
 * {@link PosixException#errno()}: {@code e.errno() == Errno.EAGAIN}.
 */
public final class Errno {

  private static final int LIMIT = 512;
  private static final String[] NAMES = new String[LIMIT];
  private static final Map<String, Integer> NUMBERS = new HashMap<>();

  static {
    Native.ensureLoaded();
    for (int i = 1; i < LIMIT; i++) {
      String name = Core.pipc_errno_name(i);
      if (!"E?".equals(name)) {
        NAMES[i] = name;
        NUMBERS.putIfAbsent(name, i);
      }
    }
  }

  public static final int EPERM = number("EPERM");
  public static final int ENOENT = number("ENOENT");
  public static final int ESRCH = number("ESRCH");
  public static final int EINTR = number("EINTR");
  public static final int EIO = number("EIO");
  public static final int ENXIO = number("ENXIO");
  public static final int EBADF = number("EBADF");
  public static final int ECHILD = number("ECHILD");
  public static final int EAGAIN = number("EAGAIN");
  public static final int ENOMEM = number("ENOMEM");
  public static final int EACCES = number("EACCES");
  public static final int EFAULT = number("EFAULT");
  public static final int EBUSY = number("EBUSY");
  public static final int EEXIST = number("EEXIST");
  public static final int ENOTDIR = number("ENOTDIR");
  public static final int EISDIR = number("EISDIR");
  public static final int EINVAL = number("EINVAL");
  public static final int ENFILE = number("ENFILE");
  public static final int EMFILE = number("EMFILE");
  public static final int ENOSPC = number("ENOSPC");
  public static final int EPIPE = number("EPIPE");
  public static final int ENAMETOOLONG = number("ENAMETOOLONG");
  public static final int ENOSYS = number("ENOSYS");
  public static final int EMSGSIZE = number("EMSGSIZE");
  public static final int EOPNOTSUPP = number("EOPNOTSUPP");
  public static final int ECONNRESET = number("ECONNRESET");
  public static final int ETIMEDOUT = number("ETIMEDOUT");
  public static final int ECONNREFUSED = number("ECONNREFUSED");
  public static final int ECANCELED = number("ECANCELED");
  public static final int EOWNERDEAD = number("EOWNERDEAD");
  public static final int ENOTRECOVERABLE = number("ENOTRECOVERABLE");
  public static final int E2BIG = number("E2BIG");
  public static final int EFBIG = number("EFBIG");
  public static final int ERANGE = number("ERANGE");
  public static final int EIDRM = number("EIDRM");

  private Errno() {}

  /** The number of a symbolic name ("EAGAIN"), or -1 when this system has no such error. */
  public static int number(String name) {
    Integer n = NUMBERS.get(name);
    return n != null ? n : -1;
  }

  /** The symbolic name of an error number ("EAGAIN"); accepts n or -n; "E?" when unknown. */
  public static String name(int errno) {
    int e = Math.abs(errno);
    String name = e < LIMIT ? NAMES[e] : null;
    return name != null ? name : "E?";
  }

  /** The system's description of an error number ("Resource temporarily unavailable"). */
  public static String describe(int errno) {
    return Core.pipc_errno_describe(errno);
  }
}
