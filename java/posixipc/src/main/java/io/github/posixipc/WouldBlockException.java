package io.github.posixipc;

/**
 * The call could not complete without waiting, and the caller did not allow it to wait (EAGAIN):
 * a {@code Duration.ZERO} timeout, or a non-blocking handle. {@link TimedOutException}, a
 * subclass, is the same outcome after a positive timeout ran out, so catching this class catches
 * both "not now" and "not in time".
 */
public class WouldBlockException extends PosixException {

  private static final long serialVersionUID = 1L;

  public WouldBlockException(int errno, String syscall, String object) {
    super(errno, syscall, object);
  }
}
