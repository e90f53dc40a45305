package io.github.posixipc.net;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.Channel;

/**
 * The life both java.net views share: the posixipc handle H under the view is made at most once
 * (by {@link UnixSocket}'s connect or {@link UnixServerSocket}'s bind) or given at the start, and
 * the view is closed once. A close during the making closes the handle made meanwhile; the view is
 * closed too when its handle was closed directly.
 */
final class ViewLife<H extends Channel> {

  private final Object lock = new Object();
  /** The message of the SocketException for a second connect or bind. */
  private final String already;
  private volatile H handle;
  private volatile boolean closed;
  private boolean making;

  ViewLife(String already, H handle) {
    this.already = already;
    this.handle = handle;
  }

  /** The handle, null before it is made. */
  H handle() {
    return handle;
  }

  boolean isClosed() {
    if (closed) {
      return true;
    }
    H h = handle;
    return h != null && !h.isOpen();
  }

  /** Before the making: refuses a closed view, and one whose handle is made or being made. */
  void begin() throws SocketException {
    synchronized (lock) {
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      if (handle != null || making) {
        throw new SocketException(already);
      }
      making = true;
    }
  }

  /** After a making that failed: the view may try again. */
  void failed() {
    synchronized (lock) {
      making = false;
    }
  }

  /**
   * The handle made: the view's from now on, after publish (null: nothing) has recorded what goes
   * with it; or, when the view was closed meanwhile, closed, with a SocketException.
   */
  void made(H h, Runnable publish) throws IOException {
    synchronized (lock) {
      making = false;
      if (closed) {
        // Closed by another thread during the making: the handle made meanwhile goes too.
        h.close();
        throw new SocketException("Socket closed");
      }
      if (publish != null) {
        publish.run();
      }
      handle = h;
    }
  }

  /** Idempotent; closes the handle, which wakes a thread blocked on it. */
  void close() throws IOException {
    H h;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      h = handle;
    }
    if (h != null) {
      h.close();
    }
  }
}
