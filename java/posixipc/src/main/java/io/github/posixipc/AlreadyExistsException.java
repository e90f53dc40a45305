package io.github.posixipc;

/** The object already exists (EEXIST), typically on an exclusive create. */
public class AlreadyExistsException extends PosixException {

  private static final long serialVersionUID = 1L;

  public AlreadyExistsException(int errno, String syscall, String object) {
    super(errno, syscall, object);
  }
}
