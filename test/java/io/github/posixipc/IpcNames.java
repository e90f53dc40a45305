package io.github.posixipc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Unique names for shared memory objects and named semaphores, and their removal even when a
 * test fails: {@code try (IpcNames names = new IpcNames()) { String n = names.shm("tag"); ... }}.
 */
final class IpcNames implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();

  private final List<String> shm = new ArrayList<>();
  private final List<String> sem = new ArrayList<>();

  private static String unique(String tag) {
    return "/pipc-jtest-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-"
        + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + "-" + tag;
  }

  /** A shared memory name, unlinked at close. */
  String shm(String tag) {
    String n = unique(tag);
    shm.add(n);
    return n;
  }

  /** A named semaphore name, unlinked at close. */
  String sem(String tag) {
    String n = unique(tag);
    sem.add(n);
    return n;
  }

  @Override
  public void close() {
    for (String n : shm) {
      try {
        SharedMemory.unlink(n);
      } catch (java.io.IOException ignored) {
        // already removed by the test, or never created
      }
    }
    for (String n : sem) {
      try {
        NamedSemaphore.unlink(n);
      } catch (java.io.IOException ignored) {
        // already removed by the test, or never created
      }
    }
  }
}
