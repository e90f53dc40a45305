package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The diagnosis behind a failed load, on the causes that this machine cannot produce for real
 * (an old C library, a library for another architecture) and on mount tables written out here.
 * The real noexec case runs in the consumer test (test/consumer), against the installed jar.
 */
class NativeLibraryTest {

  private static final List<String> MOUNTS = List.of(
      "22 1 0:21 / / rw,relatime shared:1 - overlay overlay rw",
      "23 22 0:22 / /tmp rw,nosuid,nodev shared:2 - tmpfs tmpfs rw",
      "24 23 0:23 / /tmp/no\\040exec rw,noexec,relatime shared:3 - tmpfs tmpfs rw",
      "25 22 0:24 / /srv/cache rw,noexec shared:4 - tmpfs tmpfs rw",
      "26 22 0:25 / /srv/cache rw,relatime shared:5 - tmpfs tmpfs rw");

  @Test
  void theLongestMountPointThatHoldsThePathDecides() {
    assertEquals("/tmp/no exec", NativeLibrary.noexecMountPoint("/tmp/no exec/a/b", MOUNTS));
    assertEquals("/tmp/no exec", NativeLibrary.noexecMountPoint("/tmp/no exec", MOUNTS));
    assertNull(NativeLibrary.noexecMountPoint("/tmp/no exec2", MOUNTS), "a prefix, not a parent");
    assertNull(NativeLibrary.noexecMountPoint("/tmp/x", MOUNTS));
    assertNull(NativeLibrary.noexecMountPoint("/home/u/.javacpp/cache", MOUNTS));
  }

  @Test
  void aLaterMountOverTheSamePointHidesTheEarlierOne() {
    assertNull(NativeLibrary.noexecMountPoint("/srv/cache/lib", MOUNTS));
    assertEquals("/srv/cache", NativeLibrary.noexecMountPoint("/srv/cache/lib",
        List.of(MOUNTS.get(0), MOUNTS.get(4), MOUNTS.get(3))));
  }

  @Test
  void anOldCLibraryIsNamedWithTheVersionNeeded() {
    String m = NativeLibrary.explain(new UnsatisfiedLinkError("/x/libjniCore.so: /lib/libc.so.6:"
        + " version `GLIBC_2.35' not found (required by /x/libjniCore.so)"));
    assertTrue(m.contains("GNU C library 2.35 or later"), m);
    assertTrue(m.contains("GLIBC_2.35' not found"), "the loader's own words follow: " + m);
  }

  @Test
  void aLibraryForAnotherArchitectureIsNamedAsSuch() {
    String m = NativeLibrary.explain(new UnsatisfiedLinkError("/x/libjniCore.so: wrong ELF class:"
        + " ELFCLASS32 (Possible cause: can't load IA 32-bit .so on a AMD 64-bit platform)"));
    assertTrue(m.contains("does not fit this JVM"), m);
    assertTrue(m.contains("os.arch=" + System.getProperty("os.arch")), m);
  }

  @Test
  void anythingElseNamesWhereItLookedAndTheProperty() {
    UnsatisfiedLinkError cause = new UnsatisfiedLinkError("something the loader says");
    UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jniCore in java.library.path");
    outer.initCause(cause);
    String m = NativeLibrary.explain(outer);
    assertTrue(m.contains("-D" + NativeLibrary.CACHE_DIR_PROPERTY + "="), m);
    assertTrue(m.contains("tried: "), m);
    assertTrue(m.contains("something the loader says"), "the cause's message is kept: " + m);
  }
}
