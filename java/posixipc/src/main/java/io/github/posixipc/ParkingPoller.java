package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The one poller that parked virtual threads wait on: an epoll instance (the C core's poller)
 * watched by one platform daemon thread, {@code posixipc-poller}. A virtual thread whose call on a
 * descriptor would block asks its {@link Descriptor} to park it; the descriptor has this poller
 * watch its number for the events its parked threads wait for, and this thread hands each event
 * back to the descriptor, which unparks the threads concerned. A watch is one-shot
 * ({@code EPOLLONESHOT}): its report disarms it at no cost, the descriptor stays in the set, and
 * the woken thread arms it again (one {@code epoll_ctl}) for the threads still parked once it has
 * tried again (so a level-triggered descriptor that is still ready then wakes the next one).
 * Nothing runs per descriptor on a timer.
 *
 * <p>Only virtual threads use it, and only once a call would block: the class, its epoll instance
 * and its thread are created by the first such call.
 */
final class ParkingPoller implements Runnable {

  private static final int MAX_EVENTS = 64;
  private static final int EVENT_SIZE = Core.PIPC_POLL_EVENT_SIZE;

  static final ParkingPoller INSTANCE = new ParkingPoller();

  private final int epfd;
  private final int wakefd;
  /**
   * Who is watching each descriptor number (the token of its watch), by number: no boxing and no
   * map entry per watch. Grown (copied) under growLock when a number does not fit.
   */
  private volatile AtomicReferenceArray<Descriptor> watchers = new AtomicReferenceArray<>(256);
  private final Object growLock = new Object();
  private final ByteBuffer events;
  private final long eventsAddress;

  private ParkingPoller() {
    Native.ensureLoaded();
    int[] fds = new int[2];
    int r = Core.pipc_poller_create(fds);
    if (r < 0) {
      // Without descriptors left there is no poller; nothing can park, so nothing can work.
      throw new IllegalStateException(PosixException.of(r, "epoll_create1", "posixipc's poller of virtual threads"));
    }
    epfd = fds[0];
    wakefd = fds[1];
    events = ByteBuffer.allocateDirect(EVENT_SIZE * MAX_EVENTS).order(ByteOrder.nativeOrder());
    eventsAddress = Buffers.address(events);
    Thread t = new Thread(this, "posixipc-poller");
    t.setDaemon(true);
    t.start();
  }

  /**
   * The readiness a call waits for, from the POSIX name of the call (the name every call of the
   * bracket already carries for its exceptions): room to write for the calls that send, data
   * for the others (reads, receives, accept, epoll_wait, a notification's wait). 0 for connect:
   * an AF_UNIX connect refused for a full backlog (EAGAIN) has nothing to poll for (the socket
   * reports a hang-up until it is connected), so it is retried after parks instead.
   */
  static int events(String syscall) {
    switch (syscall) {
      case "connect":
        return 0;
      case "write":
      case "send":
      case "sendto":
      case "sendmsg":
      case "mq_send":
        return Core.PIPC_WRITABLE;
      default:
        return Core.PIPC_READABLE;
    }
  }

  /**
   * Arms the one-shot watch of fd, owned by d, for events: the first report disarms it, and
   * leaves fd in the set for the next arm. registered: whether fd is in the set already. Called
   * under d's lock, while fd is d's. Returns false when the kernel refused the watch.
   */
  boolean arm(Descriptor d, int fd, boolean registered, int events) {
    put(fd, d);
    int e = events | Core.PIPC_ONESHOT;
    int r = registered ? Core.pipc_poller_modify(epfd, fd, e, fd) : Core.pipc_poller_add(epfd, fd, e, fd);
    if (r == -Errno.ENOENT) {
      r = Core.pipc_poller_add(epfd, fd, e, fd);
    } else if (r == -Errno.EEXIST) {
      r = Core.pipc_poller_modify(epfd, fd, e, fd);
    }
    if (r < 0) {
      forget(fd, d);
      return false;
    }
    return true;
  }

  /** Takes fd, owned by d, out of the set. Under d's lock, while fd is d's. */
  void remove(Descriptor d, int fd) {
    forget(fd, d);
    Core.pipc_poller_remove(epfd, fd); // ENOENT: it was not in after all
  }

  /**
   * Records d as the watcher of fd, growing the table when needed. Writers take the lock (for a
   * few instructions; a growth copies the table), the poller thread reads without it.
   */
  private void put(int fd, Descriptor d) {
    synchronized (growLock) {
      AtomicReferenceArray<Descriptor> table = watchers;
      if (fd >= table.length()) {
        AtomicReferenceArray<Descriptor> bigger = new AtomicReferenceArray<>(Math.max(fd + 1, table.length() * 2));
        for (int i = 0; i < table.length(); i++) {
          bigger.set(i, table.get(i));
        }
        watchers = bigger;
        table = bigger;
      }
      table.set(fd, d);
    }
  }

  /** Forgets d as the watcher of fd, if it still is. */
  private void forget(int fd, Descriptor d) {
    synchronized (growLock) {
      AtomicReferenceArray<Descriptor> table = watchers;
      if (fd < table.length()) {
        table.compareAndSet(fd, d, null);
      }
    }
  }

  @Override
  public void run() {
    for (;;) {
      int n = Core.pipc_poller_wait(epfd, wakefd, eventsAddress, MAX_EVENTS, -1);
      for (int i = 0; i < n; i++) {
        int fd = (int) events.getLong(EVENT_SIZE * i + Core.PIPC_POLL_EVENT_TOKEN);
        int ready = events.getInt(EVENT_SIZE * i + Core.PIPC_POLL_EVENT_EVENTS);
        AtomicReferenceArray<Descriptor> table = watchers;
        Descriptor d = fd >= 0 && fd < table.length() ? table.get(fd) : null;
        // None: the watch is being removed (under the descriptor's lock) right now.
        if (d != null) {
          d.ready(fd, ready);
        }
      }
      // n < 0: EINTR from a signal, or a failure that the next wait reports again; no event is
      // lost, since the core fetches no more events than it can store and an armed watch stays
      // armed until it is reported. A failure other than EINTR
      // is not retried in a tight loop.
      if (n < 0 && n != -Errno.EINTR) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
      }
    }
  }
}
