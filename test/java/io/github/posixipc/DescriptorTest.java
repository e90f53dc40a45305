package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lifecycle under the handles, on its own: a pointer handle ({@link Descriptor#of}, the
 * bracket of semaphores, mutexes, conditions, channels and signal queues) is released exactly once,
 * and never while a call is inside, however closes and calls interleave. A release under a call
 * is a use after free in the C core (a sem_post on an unmapped sem_t): here it is an assertion,
 * not a dead JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DescriptorTest {

  /**
   * More callers than this machine's two CPUs: a caller preempted between two steps of its way in
   * or out is what opens the race windows (a round in a hundred did with the two-word count).
   */
  private static final int CALLERS = 4;

  /** One round's handle, and what its callers and its release saw. */
  private static final class Round {
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger releases = new AtomicInteger();
    final AtomicInteger insideAtRelease = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final Descriptor life = Descriptor.of("test handle", 8, h -> {
      insideAtRelease.addAndGet(inside.get());
      releases.incrementAndGet();
      return 0;
    });
  }

  @Test
  void aPointerHandleIsReleasedOnceAndNeverUnderACall() throws Exception {
    int rounds = 1_000;
    AtomicReference<Round> current = new AtomicReference<>();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(CALLERS + 1);
    CyclicBarrier done = new CyclicBarrier(CALLERS + 1);
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < CALLERS; t++) {
      Thread th = new Thread(() -> {
        try {
          for (int i = 0; i < rounds; i++) {
            start.await();
            Round r = current.get();
            try {
              for (;;) {
                long self = r.life.enter();
                r.inside.incrementAndGet();
                assertEquals(8, r.life.handle());
                r.calls.incrementAndGet();
                r.inside.decrementAndGet();
                r.life.exit(self);
              }
            } catch (ClosedChannelException expected) {
              // closed under it: the way out of every round
            }
            done.await();
          }
        } catch (Throwable e) {
          unexpected.compareAndSet(null, e);
          start.reset();
          done.reset();
        }
      }, "caller-" + t);
      th.setDaemon(true);
      th.start();
      callers.add(th);
    }
    int underACall = 0;
    int closedWithCallsInside = 0;
    for (int i = 0; i < rounds && unexpected.get() == null; i++) {
      Round r = new Round();
      current.set(r);
      start.await(10, TimeUnit.SECONDS);
      // Let the callers get going now and then; closing at once races their first enter.
      if ((i & 1) == 0) {
        while (r.calls.get() < (i % 7)) {
          Thread.onSpinWait();
        }
      }
      assertEquals(0, r.life.close());
      if (r.releases.get() == 0) {
        closedWithCallsInside++;
      }
      done.await(10, TimeUnit.SECONDS);
      assertEquals(1, r.releases.get(), "round " + i + ": released once, by close or the last call out");
      underACall += r.insideAtRelease.get();
      assertThrows(ClosedChannelException.class, r.life::enter);
      assertEquals(1, r.releases.get(), "round " + i + ": a call after the release does not release again");
    }
    if (unexpected.get() != null) {
      throw new AssertionError("a caller failed", unexpected.get());
    }
    assertEquals(0, underACall, "releases that ran while a call was inside");
    assertTrue(closedWithCallsInside > 0, "no round closed with a call inside: the race was not tried");
  }
}
