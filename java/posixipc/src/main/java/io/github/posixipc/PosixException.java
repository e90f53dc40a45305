package io.github.posixipc;

import java.io.IOException;

/**
 * A system call failed: carries the error number, its symbolic name, the call, and the object it
 * was made on.
 *
 * <p>The message reads {@code "open FIFO /tmp/jobs: ENOENT (No such file or directory)"}. Callers
 * branch on {@link #errno()} (compare with {@link Errno}) or on the subclasses kept for the cases
 * that are usually handled apart: {@link AlreadyExistsException}, {@link NotFoundException},
 * {@link PermissionDeniedException}, {@link WouldBlockException} and its subclass
 * {@link TimedOutException}, and {@link OwnerDiedException}.
 */
public class PosixException extends IOException {

  private static final long serialVersionUID = 1L;

  private final int errno;
  private final String errnoName;
  private final String syscall;
  private final String object;

  /**
   * @param errno the error number (positive)
   * @param syscall the call that failed, as POSIX names it ("open", "mq_send")
   * @param object what it was called on ("FIFO /tmp/jobs"), or null
   */
  public PosixException(int errno, String syscall, String object) {
    super(message(errno, syscall, object));
    this.errno = Math.abs(errno);
    this.errnoName = Errno.name(errno);
    this.syscall = syscall;
    this.object = object;
  }

  /** The error number, as in {@code errno} (always positive). */
  public int errno() {
    return errno;
  }

  /** The symbolic name of the error number, such as {@code "EAGAIN"}. */
  public String errnoName() {
    return errnoName;
  }

  /** The system call that failed, such as {@code "open"}. */
  public String syscall() {
    return syscall;
  }

  /** What the call was made on, such as {@code "FIFO /tmp/jobs"}; null when nothing in particular. */
  public String object() {
    return object;
  }

  private static String message(int errno, String syscall, String object) {
    StringBuilder sb = new StringBuilder(syscall);
    if (object != null) {
      sb.append(' ').append(object);
    }
    return sb.append(": ").append(Errno.name(errno)).append(" (").append(Errno.describe(errno))
        .append(')').toString();
  }

  /**
   * The one conversion from a C core result to an exception. {@code result} is the negative errno
   * a core function returned.
   */
  static PosixException of(long result, String syscall, String object) {
    int e = (int) -result;
    if (e == Errno.EEXIST) {
      return new AlreadyExistsException(e, syscall, object);
    }
    if (e == Errno.ENOENT) {
      return new NotFoundException(e, syscall, object);
    }
    if (e == Errno.EACCES || e == Errno.EPERM) {
      return new PermissionDeniedException(e, syscall, object);
    }
    if (e == Errno.ETIMEDOUT) {
      return new TimedOutException(e, syscall, object);
    }
    if (e == Errno.EAGAIN) {
      return new WouldBlockException(e, syscall, object);
    }
    if (e == Errno.EOWNERDEAD) {
      return new OwnerDiedException(e, syscall, object);
    }
    return new PosixException(e, syscall, object);
  }
}
