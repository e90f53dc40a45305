package io.github.posixipc.cli;

import io.github.posixipc.Channel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Manual tools for shared-memory channels. */
@Command(
    name = "channel",
    description = "Create, send to, receive from, inspect and remove shared-memory channels.",
    subcommands = {ChannelCommand.Send.class, ChannelCommand.Receive.class})
final class ChannelCommand extends CommandGroup {

  @Command(name = "create", description = "Create a channel with a ring of CAPACITY bytes (fails if the name exists).")
  void create(
      @Parameters(index = "0", paramLabel = "NAME", description = Args.IPC_NAME) String name,
      @Parameters(index = "1", paramLabel = "CAPACITY", converter = Args.Size.class,
          description = "The ring's size: a power of two from 1k to 512m.")
          long capacity,
      @Mixin Args.Mode mode)
      throws IOException {
    if (capacity > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("channel capacity above " + Channel.MAX_CAPACITY + ": " + capacity);
    }
    // Attached as a producer only to lay the channel out; the name stays.
    Channel.create(name, (int) capacity, Channel.Role.PRODUCER, Channel.options().mode(mode.bits)).close();
  }

  @Command(name = "send", description = "Send one message: the words given, or standard input.")
  static final class Send implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = Args.IPC_NAME) String name;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = Args.WORDS) List<String> words;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for room (default: forever; 0: do not wait).")
    Duration timeout;

    @Override
    public Integer call() throws IOException, InterruptedException {
      byte[] message = Args.textOrStandardInput(words, "");
      try (Channel c = Channel.open(name, Channel.Role.PRODUCER)) {
        if (message.length > c.maxMessage()) {
          throw new IllegalArgumentException("a message of " + message.length + " bytes is longer than "
              + name + " takes (" + c.maxMessage() + ")");
        }
        c.send(ByteBuffer.wrap(message), timeout);
      }
      return 0;
    }
  }

  @Command(name = "receive", description = "Receive messages as the channel's consumer and print each on a line of its own.")
  static final class Receive implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for each message (default: forever; 0: do not wait).")
    Duration timeout;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N", converter = Args.Positive.class,
        description = "How many messages to receive (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      try (Channel c = Channel.open(name, Channel.Role.CONSUMER)) {
        for (int i = 0; i < count; i++) {
          ByteBuffer msg = c.read(timeout);
          out.println(StandardCharsets.UTF_8.decode(msg));
          out.flush();
          c.release();
        }
      }
      return 0;
    }
  }

  @Command(name = "stat", description = "Print a channel's header: capacity, positions, messages waiting, who sleeps, skipped claims.")
  void stat(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name, @Mixin Args.JsonOption output)
      throws IOException {
    output.print(spec.commandLine().getOut(), record(name, Channel.stat(name)));
  }

  /** The stat fields, in the order the command prints them. */
  static Map<String, Object> record(String name, Channel.Stats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("capacity", s.capacity());
    m.put("max_message", s.maxMessage());
    m.put("head", s.head());
    m.put("tail", s.tail());
    m.put("bytes_waiting", s.bytesWaiting());
    m.put("messages_waiting", s.messagesWaiting());
    m.put("consumer_pid", s.consumerPid());
    m.put("consumer_alive", s.consumerAlive());
    m.put("consumer_sleeping", s.consumerSleeping());
    m.put("producers", s.producers());
    m.put("producers_sleeping", s.producersSleeping());
    m.put("skipped_claims", s.skipped());
    m.put("wakeups", s.wakeups());
    return m;
  }

  @Command(name = "rm", description = "Remove a channel's name (shm_unlink); attached processes keep it.")
  void remove(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name) throws IOException {
    Channel.unlink(name);
  }
}
