package io.github.posixipc.bench;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MessageQueue;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SignalInfo;
import io.github.posixipc.SignalQueue;
import io.github.posixipc.Signals;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The posixipc contender on the mechanisms the JDK has no equivalent of: message queues and
 * signals. Servers as in the C harness: {@code serve mq-echo|mq-sink} and {@code serve
 * signal-echo}.
 */
final class MessageLinks {

  /** The message size of a stream through a queue: the default msgsize_max. */
  static final int MQ_CHUNK = 8192;

  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private MessageLinks() {}

  static Link mq(boolean echo) throws IOException {
    String base = "/pipc-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    MessageQueue in = MessageQueue.open(base + "-in", MessageQueue.options().create().exclusive().mode(0600)
        .maxMessages(10).messageSize(echo ? Link.MESSAGE : MQ_CHUNK));
    MessageQueue out = null;
    try {
      if (echo) {
        out = MessageQueue.open(base + "-out", MessageQueue.options().create().exclusive().mode(0600)
            .maxMessages(10).messageSize(Link.MESSAGE));
      }
      List<String> cmd = echo ? List.of(Server.exe(), "serve", "mq-echo", in.name(), out.name())
          : List.of(Server.exe(), "serve", "mq-sink", in.name());
      return new MqLink(in, out, ChildProcess.builder(cmd).start());
    } catch (IOException | RuntimeException e) {
      in.close();
      MessageQueue.unlink(in.name());
      if (out != null) {
        out.close();
        MessageQueue.unlink(out.name());
      }
      throw e;
    }
  }

  static Link signal() throws IOException {
    int sig = Signals.rtmin() + 2;
    SignalQueue queue = Signals.queue(sig);
    try {
      ChildProcess server = ChildProcess.builder(Server.exe(), "serve", "signal-echo", Integer.toString(sig)).start();
      SignalInfo hello = queue.take(PATIENCE);
      if (hello == null || hello.value() != 1001) {
        throw new IOException("no hello from the signal server: " + hello);
      }
      return new SignalLink(sig, queue, server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      queue.close();
      throw new IOException("interrupted", e);
    } catch (IOException | RuntimeException e) {
      queue.close();
      throw e;
    }
  }

  private static final class MqLink implements Link {
    private final MessageQueue in;
    private final MessageQueue out;
    private final ChildProcess server;
    private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(MQ_CHUNK);
    private final ReceivedMessage received = new ReceivedMessage();
    private int seq;
    private long sent; // messages written by writeChunk
    private long countedMessages;
    private long countedSwitches;
    private long sentAtStart;
    private long switchesAtStart;

    MqLink(MessageQueue in, MessageQueue out, ChildProcess server) {
      this.in = in;
      this.out = out;
      this.server = server;
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping.clear();
      ping.put(0, (byte) sent);
      in.send(ping, 0);
      pong.clear();
      out.receive(pong, null, received);
      int got = pong.get(0);
      Server.checkEcho(sent, got);
      return got;
    }

    @Override
    public int writeChunk() throws IOException {
      chunk.clear();
      in.send(chunk, 0);
      sent++;
      return MQ_CHUNK;
    }

    @Override
    public void countSwitches(boolean start) {
      long switches = Server.voluntarySwitches(server.pid());
      if (start) {
        sentAtStart = sent;
        switchesAtStart = switches;
      } else if (switches >= 0 && switchesAtStart >= 0) {
        countedMessages += sent - sentAtStart;
        countedSwitches += switches - switchesAtStart;
      }
    }

    @Override
    public void close() throws IOException, InterruptedException {
      String switchesFile = System.getProperty(Server.SWITCHES_PROPERTY);
      if (switchesFile != null && countedMessages > 0) {
        Files.writeString(Path.of(switchesFile), Double.toString((double) countedSwitches / countedMessages));
      }
      try {
        in.send(ByteBuffer.allocateDirect(0), 1); // the server stops at priority 1
        ChannelLink.endOf(server).end();
      } finally {
        in.close();
        MessageQueue.unlink(in.name());
        if (out != null) {
          out.close();
          MessageQueue.unlink(out.name());
        }
      }
    }
  }

  /** A round trip carries the sigqueue value, not 64 bytes: a signal has no payload beyond it. */
  private static final class SignalLink implements Link {
    private final int sig;
    private final SignalQueue queue;
    private final ChildProcess server;
    private final SignalQueue.Caught caught = new SignalQueue.Caught();
    private int seq;

    SignalLink(int sig, SignalQueue queue, ChildProcess server) {
      this.sig = sig;
      this.queue = queue;
      this.server = server;
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      Signals.sigqueue(server.pid(), sig, sent);
      SignalQueue.Caught back;
      try {
        back = queue.take(PATIENCE, caught);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      Server.checkEcho(sent, back.value());
      return back.value();
    }

    @Override
    public int writeChunk() {
      throw new UnsupportedOperationException("signals carry no stream");
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        Signals.sigqueue(server.pid(), sig, 1000); // the server stops at 1000
        ChannelLink.endOf(server).end();
      } finally {
        queue.close();
      }
    }
  }
}
