package io.github.posixipc.cli;

import static io.github.posixipc.cli.TourLink.PATIENCE;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.Pipe;
import io.github.posixipc.SignalInfo;
import io.github.posixipc.SignalQueue;
import io.github.posixipc.Signals;
import io.github.posixipc.WouldBlockException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The tour row of signals: a round trip is one {@code sigqueue} of a real-time signal to the
 * peer, carrying a 4-byte value (the first four bytes of the round trip's pattern), and the peer's
 * {@code sigqueue} of the same value back; the value that comes back is compared with the one sent.
 * Signals carry no bulk data, so the row has no throughput.
 *
 * <p>The peer runs {@code signal-echo SIG fd:3 fd:4}: it says "ready" on fd 4 once its handler is
 * installed, and ends at end of file on fd 3.
 */
final class SignalTour {

  /** The signal of the round trips: real-time, so queued, in order, with its value. */
  static final String SIGNAL = "SIGRTMIN+2";

  private SignalTour() {}

  /** Catches the signal here, starts the peer and waits until its handler is installed. */
  static TourLink connect(Peers.Kind kind) throws IOException {
    int signal = Signals.number(SIGNAL);
    SignalQueue answers = Signals.queue(signal); // before the peer can answer
    Pipe control = null;
    Pipe out = null;
    ChildProcess peer = null;
    try {
      control = Pipe.open();
      out = Pipe.open();
      peer = Peers.builder(kind, "signal-echo", SIGNAL, "fd:3", "fd:4")
          .fd(3, control.source()).fd(4, out.sink()).start();
      control.source().close();
      out.sink().close();
      Peers.awaitReady(out.source(), "ready pid=" + peer.pid());
      return new Link(signal, answers, control, out, peer);
    } catch (IOException | RuntimeException e) {
      answers.close();
      if (peer != null) {
        Peers.stop(peer);
      }
      if (control != null) {
        control.close();
      }
      if (out != null) {
        out.close();
      }
      throw e;
    }
  }

  private static final class Link extends PeerLink {
    private final int signal;
    private final SignalQueue answers;
    private final Pipe control;

    Link(int signal, SignalQueue answers, Pipe control, Pipe out, ChildProcess peer) {
      super(peer, () -> {
        answers.close();
        try {
          control.close();
        } finally {
          out.close();
        }
      });
      this.signal = signal;
      this.answers = answers;
      this.control = control;
    }

    /** One signal carries one int. */
    @Override
    public int maxChunk() {
      return Integer.BYTES;
    }

    @Override
    public void send(ByteBuffer b) throws IOException {
      int value = b.getInt(b.position());
      for (;;) {
        try {
          Signals.sigqueue(peer().pid(), signal, value);
          break;
        } catch (WouldBlockException e) {
          Thread.onSpinWait(); // RLIMIT_SIGPENDING reached: the peer is taking them
        }
      }
      b.position(b.position() + Integer.BYTES);
    }

    @Override
    public void receive(ByteBuffer b) throws IOException {
      for (;;) {
        SignalInfo info;
        try {
          info = answers.take(PATIENCE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while waiting for the peer's signal");
        }
        if (info.pid() == peer().pid() && info.queued()) {
          b.putInt(info.value());
          return;
        }
      }
    }

    @Override
    public void finish() throws IOException {
      control.sink().close();
    }
  }
}
