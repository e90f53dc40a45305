package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Waits for readiness on many handles at once ({@code epoll}): pipes, FIFOs, sockets, and any other
 * {@link Pollable} (message queues, which are descriptors on Linux).
 *
 * <pre>{@code
 * try (Poller poller = Poller.open()) {
 *   poller.register(socket, Poller.READABLE);
 *   poller.register(pipe.source(), Poller.READABLE);
 *   int n = poller.poll(Duration.ofSeconds(1)); // 0: timed out or woken up
 *   for (int i = 0; i < n; i++) {
 *     Pollable ready = poller.source(i);
 *     int events = poller.events(i); // READABLE, WRITABLE, ERROR, HANGUP
 *   }
 * }
 * }</pre>
 *
 * <p>Level-triggered: a handle stays ready until its data is read (or room appears). A watch
 * belongs to the open file: the kernel drops it once no process has the file open any more, but a
 * file still open elsewhere (a child that inherited it) keeps it. {@link #unregister} a handle
 * before closing it.
 *
 * <p>Threads: one thread polls at a time (others wait their turn); {@link #register}, {@link
 * #unregister} and {@link #wakeup()} work from any thread, also while another polls. {@link
 * #wakeup()} ends the current or next {@link #poll} at once. {@link #close()} from another thread
 * ends a poll with {@link java.nio.channels.AsynchronousCloseException}; interrupting the polling
 * thread closes the poller ({@link java.nio.channels.ClosedByInterruptException}), as for every
 * channel of this library. Polling allocates nothing.
 */
public final class Poller implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  /** Data to read, or end of stream, or a connection to accept. */
  public static final int READABLE = Core.PIPC_READABLE;
  /** Room to write. */
  public static final int WRITABLE = Core.PIPC_WRITABLE;
  /** An error condition (reported whether asked for or not). */
  public static final int ERROR = Core.PIPC_ERROR;
  /** The other end hung up (reported whether asked for or not). */
  public static final int HANGUP = Core.PIPC_HANGUP;

  /** The default room for events per poll. */
  public static final int DEFAULT_MAX_EVENTS = 64;

  private static final int EVENT_SIZE = Core.PIPC_POLL_EVENT_SIZE;

  /** A wait that found nothing is 0 here, not an exception: an idle poll allocates nothing. */
  private static final Descriptor.Call WAIT_NOW = (epfd, wakefd, events, max, t) -> {
    int r = Core.pipc_poller_wait(epfd, (int) wakefd, events, (int) max, t);
    return r == -Errno.EAGAIN || r == -Errno.ETIMEDOUT ? 0 : r;
  };

  /**
   * A wait that may wait: EAGAIN (nothing now) stays, for the bracket to wait on when it makes
   * the tries of a virtual thread (timeout 0 each).
   */
  private static final Descriptor.Call WAIT = (epfd, wakefd, events, max, t) -> {
    int r = Core.pipc_poller_wait(epfd, (int) wakefd, events, (int) max, t);
    return r == -Errno.ETIMEDOUT ? 0 : r;
  };

  /** The epoll descriptor, with the interrupt hook: an interrupted poll closes the poller. */
  private final InterruptibleHandle epoll;
  /** The eventfd that {@link #wakeup()} writes to. */
  private final Descriptor wake;
  /** The registered handles by descriptor number (the token of each watch): no boxing in poll. */
  private volatile AtomicReferenceArray<Pollable> watched = new AtomicReferenceArray<>(64);
  private final Object registry = new Object();
  /**
   * Held by the polling thread and by readers of its results. A lock rather than this object's
   * monitor: a virtual thread waiting on a monitor holds its carrier on JDK 21..23.
   */
  private final ReentrantLock pollLock = new ReentrantLock();
  private int registered;
  private final ByteBuffer events;
  private final long eventsAddress;
  private final int maxEvents;
  private final Pollable[] readySources;
  private final int[] readyEvents;
  private int readyCount;

  private Poller(int epfd, int wakefd, int maxEvents) {
    this.epoll = new InterruptibleHandle(this, new Descriptor("poller (epoll fd " + epfd + ")", epfd, true));
    this.wake = new Descriptor("poller wake-up (eventfd " + wakefd + ")", wakefd, true);
    wake.cleanWith(this);
    this.maxEvents = maxEvents;
    this.events = ByteBuffer.allocateDirect(EVENT_SIZE * maxEvents).order(ByteOrder.nativeOrder());
    this.eventsAddress = Buffers.address(events);
    this.readySources = new Pollable[maxEvents];
    this.readyEvents = new int[maxEvents];
  }

  /** A poller with room for {@value #DEFAULT_MAX_EVENTS} events per poll. */
  public static Poller open() throws IOException {
    return open(DEFAULT_MAX_EVENTS);
  }

  /** A poller reporting at most maxEvents per poll (the rest come with the next poll). */
  public static Poller open(int maxEvents) throws IOException {
    if (maxEvents < 1 || maxEvents > 65536) {
      throw new IllegalArgumentException("maxEvents must be within 1..65536: " + maxEvents);
    }
    int[] fds = new int[2];
    int r = Core.pipc_poller_create(fds);
    if (r < 0) {
      throw PosixException.of(r, "epoll_create1", "poller");
    }
    return new Poller(fds[0], fds[1], maxEvents);
  }

  /**
   * Watches handle for events (READABLE and/or WRITABLE; ERROR and HANGUP come anyway).
   *
   * @throws PosixException EEXIST when it is already registered, EPERM for a regular file
   * @throws java.nio.channels.ClosedChannelException when the handle or the poller is closed
   */
  public void register(Pollable handle, int events) throws IOException {
    checkEvents(events);
    control(handle, (ep, fd) -> Core.pipc_poller_add(ep, fd, events, fd), "epoll_ctl(ADD)", true);
  }

  /** Changes the events a registered handle is watched for. */
  public void modify(Pollable handle, int events) throws IOException {
    checkEvents(events);
    control(handle, (ep, fd) -> Core.pipc_poller_modify(ep, fd, events, fd), "epoll_ctl(MOD)", true);
  }

  /**
   * Stops watching handle.
   *
   * @throws NotFoundException when it is not registered
   */
  public void unregister(Pollable handle) throws IOException {
    control(handle, (ep, fd) -> Core.pipc_poller_remove(ep, fd), "epoll_ctl(DEL)", false);
  }

  private interface Control {
    long apply(int epfd, int fd);
  }

  /**
   * An epoll_ctl on handle's descriptor. A handle of this library is held open for the duration,
   * so that its number cannot be closed and given to another file in between.
   */
  private void control(Pollable handle, Control op, String syscall, boolean add) throws IOException {
    Objects.requireNonNull(handle, "handle");
    Descriptor d = handle instanceof DescriptorHandle h ? Descriptor.of(h) : null;
    long self = d != null ? d.enter() : 0;
    try {
      int fd = d != null ? d.fd() : handle.fd();
      synchronized (registry) {
        epoll.descriptor.withFd(ep -> op.apply(ep, fd), syscall);
        if (add) {
          put(fd, handle);
        } else if (fd < watched.length() && watched.get(fd) != null) {
          watched.set(fd, null);
          registered--;
        }
      }
    } finally {
      if (d != null) {
        d.exit(self);
      }
    }
  }

  private static void checkEvents(int events) {
    if (events == 0 || (events & ~(READABLE | WRITABLE)) != 0) {
      throw new IllegalArgumentException("events must be READABLE and/or WRITABLE: " + events);
    }
  }

  /** Records handle under fd, growing the table when needed. Under the registry lock. */
  private void put(int fd, Pollable handle) {
    AtomicReferenceArray<Pollable> table = watched;
    if (fd >= table.length()) {
      AtomicReferenceArray<Pollable> bigger = new AtomicReferenceArray<>(Math.max(fd + 1, table.length() * 2));
      for (int i = 0; i < table.length(); i++) {
        bigger.set(i, table.get(i));
      }
      bigger.set(fd, handle); // in place before the table is published
      registered++;
      watched = bigger;
      return;
    }
    if (table.getAndSet(fd, handle) == null) {
      registered++;
    }
  }

  /**
   * Waits until a registered handle is ready, {@link #wakeup()} is called, or the timeout passes.
   * The ready handles are then {@link #source(int) source(0)} .. {@code source(n - 1)}.
   *
   * @param timeout null waits forever; {@link Duration#ZERO} only looks
   * @return the number of ready handles; 0 when woken up or timed out
   */
  public int poll(Duration timeout) throws IOException {
    long t = Timeouts.nanos(timeout);
    pollLock.lock();
    try {
      return pollLocked(t);
    } finally {
      pollLock.unlock();
    }
  }

  private int pollLocked(long t) throws IOException {
    readyCount = 0;
    long r;
    // The eventfd is only an argument of the wait: no thread blocks on it, none is signalled.
    long wakeSelf = wake.enterUnsignalled();
    try {
      r = epoll.call(t == 0 ? WAIT_NOW : WAIT, wake.fd(), eventsAddress, maxEvents, t, true, "epoll_wait");
    } catch (WouldBlockException e) { // the deadline passed between two tries
      return 0;
    } finally {
      wake.exit(wakeSelf);
      java.lang.ref.Reference.reachabilityFence(this);
    }
    int n = 0;
    for (int i = 0; i < r; i++) {
      int fd = (int) events.getLong(EVENT_SIZE * i + Core.PIPC_POLL_EVENT_TOKEN);
      AtomicReferenceArray<Pollable> table = watched;
      Pollable p = fd >= 0 && fd < table.length() ? table.get(fd) : null;
      if (p != null) {
        readySources[n] = p;
        readyEvents[n] = events.getInt(EVENT_SIZE * i + Core.PIPC_POLL_EVENT_EVENTS);
        n++;
      }
    }
    readyCount = n;
    return n;
  }

  /** The i-th ready handle of the last poll. */
  public Pollable source(int i) {
    pollLock.lock();
    try {
      Objects.checkIndex(i, readyCount);
      return readySources[i];
    } finally {
      pollLock.unlock();
    }
  }

  /** The events of the i-th ready handle of the last poll (READABLE | WRITABLE | ERROR | HANGUP). */
  public int events(int i) {
    pollLock.lock();
    try {
      Objects.checkIndex(i, readyCount);
      return readyEvents[i];
    } finally {
      pollLock.unlock();
    }
  }

  /** Ends the current poll, or the next one if none is running, at once. From any thread. */
  public void wakeup() throws IOException {
    try {
      wake.withFd(Core::pipc_poller_wake, "write(eventfd)");
    } finally {
      java.lang.ref.Reference.reachabilityFence(this);
    }
  }

  /** True until closed. */
  public boolean isOpen() {
    return epoll.isOpen();
  }

  /** Closes the poller (not the handles it watches). Idempotent. */
  @Override
  public void close() throws IOException {
    try {
      epoll.close();
    } finally {
      wake.closeOwnedOrThrow();
    }
  }

  @Override
  public String toString() {
    return "Poller[" + registered + " handles" + (isOpen() ? "" : ", closed") + "]";
  }
}
