package io.github.posixipc;

/** The caller may not do this to the object (EACCES or EPERM). */
public class PermissionDeniedException extends PosixException {

  private static final long serialVersionUID = 1L;

  public PermissionDeniedException(int errno, String syscall, String object) {
    super(errno, syscall, object);
  }
}
