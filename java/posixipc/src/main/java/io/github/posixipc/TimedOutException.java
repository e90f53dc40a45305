package io.github.posixipc;

/** The timeout the caller gave ran out before the call could complete (ETIMEDOUT). */
public class TimedOutException extends WouldBlockException {

  private static final long serialVersionUID = 1L;

  public TimedOutException(int errno, String syscall, String object) {
    super(errno, syscall, object);
  }
}
