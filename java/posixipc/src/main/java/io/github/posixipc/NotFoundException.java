package io.github.posixipc;

/** The object does not exist (ENOENT). */
public class NotFoundException extends PosixException {

  private static final long serialVersionUID = 1L;

  public NotFoundException(int errno, String syscall, String object) {
    super(errno, syscall, object);
  }
}
