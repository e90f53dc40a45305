package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.Pipe;
import io.github.posixipc.SignalInfo;
import io.github.posixipc.SignalQueue;
import io.github.posixipc.Signals;
import io.github.posixipc.WouldBlockException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The tour row of signals: a round trip is one {@code sigqueue} of a real-time signal to the
 * peer, carrying a 4-byte value (the first four bytes of the round trip's pattern), and the peer's
 * {@code sigqueue} of the same value back; the value that comes back is compared with the one sent.
 * Signals carry no bulk data, so the row has no throughput.
 *
 * <p>The peer runs {@code signal-echo SIG fd:3 fd:4}: it says "ready" on fd 4 once its handler is
 * installed, and ends at end of file on fd 3.
 */
final class SignalTour implements TourMechanism {

  /** The signal of the round trips: real-time, so queued, in order, with its value. */
  static final String SIGNAL = "SIGRTMIN+2";

  @Override
  public String name() {
    return "signal";
  }

  @Override
  public boolean hasBulkTransfer() {
    return false;
  }

  @Override
  public TourLink connect(Peers.Kind kind) throws IOException {
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
      String ready = readLine(out.source());
      if (!ready.equals("ready pid=" + peer.pid())) {
        throw new IOException("the peer said '" + ready + "' instead of ready");
      }
      return new Link(signal, answers, control, out, peer);
    } catch (IOException | RuntimeException e) {
      answers.close();
      if (peer != null) {
        peer.kill();
        peer.close();
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

  /** One line from the peer, without its newline. */
  static String readLine(Pipe.Source in) throws IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    for (;;) {
      one.clear();
      if (in.read(one, PipeTour.PATIENCE) == -1) {
        throw new EOFException("the peer ended before it said ready (" + sb + ")");
      }
      byte b = one.get(0);
      if (b == '\n') {
        return sb.toString();
      }
      sb.append(new String(new byte[] {b}, StandardCharsets.US_ASCII));
    }
  }

  private static final class Link implements TourLink {
    private final int signal;
    private final SignalQueue answers;
    private final Pipe control;
    private final Pipe out;
    private final ChildProcess peer;

    Link(int signal, SignalQueue answers, Pipe control, Pipe out, ChildProcess peer) {
      this.signal = signal;
      this.answers = answers;
      this.control = control;
      this.out = out;
      this.peer = peer;
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
          Signals.sigqueue(peer.pid(), signal, value);
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
          info = answers.take(PipeTour.PATIENCE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while waiting for the peer's signal");
        }
        if (info.pid() == peer.pid() && info.queued()) {
          b.putInt(info.value());
          return;
        }
      }
    }

    @Override
    public void finish() throws IOException {
      control.sink().close();
    }

    @Override
    public ChildProcess peer() {
      return peer;
    }

    @Override
    public void close() throws IOException {
      answers.close();
      try {
        control.close();
      } finally {
        out.close();
      }
    }
  }
}
