package io.github.posixipc.bench;

import io.github.posixipc.Pipe;
import io.github.posixipc.internal.Core;
import java.io.IOException;

/**
 * What one call into the C core costs, apart from what the call does: the {@code call-cost}
 * scenario. A "round trip" is {@link #CALLS} calls of {@code ioctl(FIONREAD)} on an empty pipe
 * (a system call that neither waits nor moves data), made three ways: through posixipc's public
 * API ({@code Pipe.Source.available()}: the close-safe call bracket, then the JNI call), through
 * the same JNI binding bare ({@code Core.pipc_fd_available}, no bracket), and through a
 * hand-written FFM downcall (the FFM contender, JDK 22+). Their differences split posixipc's cost
 * over FFM into the bracket's part and the transition's part. No server: the pipe is this
 * process's own.
 */
final class CallLinks {

  /** Calls per measured operation, so that one operation is well above the timer's resolution. */
  static final int CALLS = 100;

  private CallLinks() {}

  /** Through posixipc's API: Pipe.Source.available(). */
  static Link posixipc() throws IOException {
    Pipe pipe = Pipe.open();
    return new CallLink() {
      @Override
      public int roundTrip() throws IOException {
        int sum = 0;
        for (int i = 0; i < CALLS; i++) {
          sum += pipe.source().available();
        }
        return check(sum);
      }

      @Override
      public void close() throws IOException {
        pipe.close();
      }
    };
  }

  /** The same JNI binding without the bracket. */
  static Link jni() throws IOException {
    int[] fds = new int[2];
    int r = Core.pipc_pipe_create(fds, 0);
    if (r < 0) {
      throw new IOException("pipc_pipe_create: " + r);
    }
    return new CallLink() {
      @Override
      public int roundTrip() throws IOException {
        int sum = 0;
        for (int i = 0; i < CALLS; i++) {
          int n = Core.pipc_fd_available(fds[0]);
          if (n < 0) {
            throw new IOException("pipc_fd_available: " + n);
          }
          sum += n;
        }
        return check(sum);
      }

      @Override
      public void close() {
        Core.pipc_fd_close(fds[0]);
        Core.pipc_fd_close(fds[1]);
      }
    };
  }

  /** The pipe stays empty: every call answers 0. */
  static int check(int sum) throws IOException {
    if (sum != 0) {
      throw new IOException("an empty pipe reported " + sum + " bytes");
    }
    return sum;
  }

  private abstract static class CallLink implements Link {
    @Override
    public int writeChunk() {
      throw new UnsupportedOperationException("call-cost has no stream");
    }
  }
}
