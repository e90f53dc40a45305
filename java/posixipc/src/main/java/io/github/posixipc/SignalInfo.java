package io.github.posixipc;

import io.github.posixipc.internal.Core;

/**
 * One signal this process caught, as its handler saw it ({@code siginfo_t}).
 *
 * @param signal the signal number
 * @param code how it was sent ({@code si_code}): {@link #SI_USER} (kill), {@link #SI_QUEUE}
 *     (sigqueue), {@link #SI_TKILL} (raise, tgkill), {@link #SI_KERNEL}, or another kernel code
 * @param pid the sender's process id (0 when the kernel sent it)
 * @param uid the sender's real user id (the kernel's 32 unsigned bits: read a uid above
 *     Integer.MAX_VALUE with {@link Integer#toUnsignedLong})
 * @param value the integer value given to sigqueue; 0 for a signal sent with kill
 */
public record SignalInfo(int signal, int code, int pid, int uid, int value) {

  /** {@code si_code} of a signal sent with kill(2). */
  public static final int SI_USER = Core.PIPC_SI_USER;

  /** {@code si_code} of a signal sent with sigqueue(3): {@link #value()} is the sender's value. */
  public static final int SI_QUEUE = Core.PIPC_SI_QUEUE;

  /** {@code si_code} of a signal sent to one thread: raise(3), tgkill(2). */
  public static final int SI_TKILL = Core.PIPC_SI_TKILL;

  /** {@code si_code} of a signal the kernel sent. */
  public static final int SI_KERNEL = Core.PIPC_SI_KERNEL;

  /** The signal's name, such as {@code "SIGUSR1"} or {@code "SIGRTMIN+3"}. */
  public String signalName() {
    return Signals.name(signal);
  }

  /** True when the signal was sent with sigqueue, so that {@link #value()} is meaningful. */
  public boolean queued() {
    return code == SI_QUEUE;
  }

  @Override
  public String toString() {
    String how = code == SI_USER ? "kill" : code == SI_QUEUE ? "sigqueue value " + value
        : code == SI_TKILL ? "raise" : code == SI_KERNEL ? "kernel" : "code " + code;
    return signalName() + " from pid " + pid + " (uid " + Integer.toUnsignedString(uid) + "), " + how;
  }
}
