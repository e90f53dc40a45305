package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ErrorsTest {

  @Test
  void errnoNumbersAndNamesComeFromTheNativeSide() {
    assertEquals(11, Errno.EAGAIN); // Linux on every architecture posixipc builds for
    assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
    assertEquals("ENOENT", Errno.name(-Errno.ENOENT));
    assertEquals("E?", Errno.name(100_000));
    assertEquals(-1, Errno.number("ENOSUCHERROR"));
    assertEquals(Errno.ETIMEDOUT, Errno.number("ETIMEDOUT"));
    assertEquals("No such file or directory", Errno.describe(Errno.ENOENT));
  }

  @Test
  void oneConversionPicksTheSubclassCallersBranchOn() {
    assertInstanceOf(AlreadyExistsException.class, PosixException.of(-Errno.EEXIST, "open", "x"));
    assertInstanceOf(NotFoundException.class, PosixException.of(-Errno.ENOENT, "open", "x"));
    assertInstanceOf(PermissionDeniedException.class, PosixException.of(-Errno.EACCES, "open", "x"));
    assertInstanceOf(PermissionDeniedException.class, PosixException.of(-Errno.EPERM, "kill", "x"));
    assertInstanceOf(WouldBlockException.class, PosixException.of(-Errno.EAGAIN, "read", "x"));
    PosixException t = PosixException.of(-Errno.ETIMEDOUT, "read", "x");
    assertInstanceOf(TimedOutException.class, t);
    assertInstanceOf(WouldBlockException.class, t, "catching WouldBlockException covers time-outs");
    PosixException plain = PosixException.of(-Errno.EPIPE, "write", "pipe write end (fd 7)");
    assertEquals(PosixException.class, plain.getClass());
    assertEquals(Errno.EPIPE, plain.errno());
    assertEquals("write pipe write end (fd 7): EPIPE (Broken pipe)", plain.getMessage());
    PosixException noObject = new PosixException(Errno.EINVAL, "sigaction", null);
    assertNull(noObject.object());
    assertEquals("sigaction: EINVAL (Invalid argument)", noObject.getMessage());
  }

  @Test
  void timeoutsFollowTheConvention() {
    assertEquals(-1, Timeouts.nanos(null));
    assertEquals(0, Timeouts.nanos(Duration.ZERO));
    assertEquals(1_500_000, Timeouts.nanos(Duration.ofNanos(1_500_000)));
    assertEquals(Long.MAX_VALUE, Timeouts.nanos(Duration.ofSeconds(Long.MAX_VALUE)));
    assertThrows(IllegalArgumentException.class, () -> Timeouts.nanos(Duration.ofMillis(-1)));
  }

  @Test
  void theWakeupSignalIsAValidatedRealTimeSignal() {
    int min = io.github.posixipc.internal.Core.pipc_sigrtmin();
    int max = io.github.posixipc.internal.Core.pipc_sigrtmax();
    assertEquals(max - 3, Native.WAKEUP_SIGNAL, "the default");
    assertEquals(max - 5, Native.parseWakeupSignal("SIGRTMAX-5"));
    assertEquals(min + 1, Native.parseWakeupSignal("sigrtmin+1"));
    assertEquals(min, Native.parseWakeupSignal(String.valueOf(min)));
    for (String bad : new String[] {"SIGRTMAX-2", "SIGUSR1", "10", "SIGRTMAX+1", "SIGRTMIN-1", "x"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Native.parseWakeupSignal(bad), bad);
      assertTrue(e.getMessage().contains("posixipc.wakeupSignal"), e.getMessage());
    }
  }
}
