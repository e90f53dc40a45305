package io.github.posixipc;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reaps children whose {@link ChildProcess} handle was closed (or collected) while they still ran,
 * so that none is left a zombie. One daemon thread, alive only while it has children to watch; it
 * looks every 100 ms.
 */
final class Reaper {

  private static final List<ChildProcess.Handle> CHILDREN = new ArrayList<>();
  private static Thread thread;

  private Reaper() {}

  static synchronized void adopt(ChildProcess.Handle child) {
    CHILDREN.add(child);
    if (thread == null) {
      thread = new Thread(Reaper::run, "posixipc-reaper");
      thread.setDaemon(true);
      thread.start();
    }
  }

  private static void run() {
    for (;;) {
      List<ChildProcess.Handle> batch;
      synchronized (Reaper.class) {
        if (CHILDREN.isEmpty()) {
          thread = null;
          return;
        }
        batch = new ArrayList<>(CHILDREN);
      }
      for (ChildProcess.Handle child : batch) {
        boolean done;
        try {
          done = child.reap("child process") != null;
        } catch (IOException e) {
          done = true; // reaped by someone else (ECHILD): nothing left to wait for
        }
        if (done) {
          child.pidfd.close();
          synchronized (Reaper.class) {
            CHILDREN.remove(child);
          }
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        // Nobody but the JVM's shutdown should interrupt a daemon thread: keep reaping.
      }
    }
  }
}
