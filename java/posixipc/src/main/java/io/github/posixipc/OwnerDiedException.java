package io.github.posixipc;

/**
 * A {@link SharedMutex} was acquired, but its previous owner ended while holding it (EOWNERDEAD):
 * a process died, or a thread ended, in the middle of its critical section.
 *
 * <p><b>The caller owns the mutex when this is thrown.</b> The data the mutex protects may be
 * half-updated: repair it, then call {@link SharedMutex#consistent()} and unlock. Unlocking
 * without {@code consistent()} makes the mutex unusable for good: every later lock fails with
 * ENOTRECOVERABLE.
 */
public class OwnerDiedException extends PosixException {

  private static final long serialVersionUID = 1L;

  public OwnerDiedException(int errno, String syscall, String object) {
    super(errno, syscall, object);
  }
}
