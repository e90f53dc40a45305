package io.github.posixipc.cli;

import io.github.posixipc.Access;
import io.github.posixipc.MessageQueue;
import io.github.posixipc.ReceivedMessage;
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

/** Manual tools for POSIX message queues. */
@Command(
    name = "mq",
    description = "Create, send to, receive from, inspect and remove POSIX message queues.",
    subcommands = {MqCommand.Create.class, MqCommand.Send.class, MqCommand.Receive.class})
final class MqCommand extends CommandGroup {

  @Command(name = "create", description = "Create a queue (mq_open with O_CREAT).")
  static final class Create implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name;

    @Option(names = "--max-messages", paramLabel = "N", description = "The capacity in messages (default: the system's, msg_default).")
    Long maxMessages;

    @Option(names = "--message-size", paramLabel = "BYTES", description = "The largest message (default: the system's, msgsize_default).")
    Long messageSize;

    @Mixin Args.Mode mode;

    @Option(names = "--exclusive", description = "Fail if the queue exists (O_EXCL).")
    boolean exclusive;

    @Override
    public Integer call() throws IOException {
      MessageQueue.Options o = MessageQueue.options().mode(mode.bits);
      if (exclusive) {
        o.exclusive();
      } else {
        o.create();
      }
      if ((maxMessages == null) != (messageSize == null)) {
        // The system's default for the one not given, as mq_open needs both.
        MessageQueue.Limits l = MessageQueue.limits();
        maxMessages = maxMessages != null ? maxMessages : l.msgDefault();
        messageSize = messageSize != null ? messageSize : l.msgsizeDefault();
      }
      if (maxMessages != null) {
        o.maxMessages(maxMessages).messageSize(messageSize);
      }
      MessageQueue.open(name, o).close();
      return 0;
    }
  }

  @Command(name = "send", description = "Send one message: the words given, or standard input.")
  static final class Send implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = Args.IPC_NAME) String name;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = Args.WORDS) List<String> words;

    @Option(names = "--priority", defaultValue = "0", paramLabel = "N", description = "The priority, 0 to 32767 (default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for room (default: forever; 0: do not wait).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
      byte[] message = Args.textOrStandardInput(words, "");
      try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().access(Access.WRITE))) {
        q.send(message, priority, timeout);
      }
      return 0;
    }
  }

  @Command(name = "receive", description = "Receive messages and print each on a line of its own.")
  static final class Receive implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for each message (default: forever; 0: do not wait).")
    Duration timeout;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N", converter = Args.Positive.class,
        description = "How many messages to receive (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--priority", description = "Print each message's priority and a tab before it.")
    boolean showPriority;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().access(Access.READ))) {
        ByteBuffer buf = ByteBuffer.allocate(q.messageSize());
        ReceivedMessage r = new ReceivedMessage();
        for (int i = 0; i < count; i++) {
          q.receive(buf.clear(), timeout, r);
          String text = new String(buf.array(), 0, r.length(), StandardCharsets.UTF_8);
          out.println(showPriority ? r.priority() + "\t" + text : text);
          out.flush();
        }
      }
      return 0;
    }
  }

  @Command(name = "stat", description = "Print a queue's attributes (mq_getattr).")
  void stat(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name, @Mixin Args.JsonOption output)
      throws IOException {
    // Read-only is enough for mq_getattr, and does not need write permission.
    MessageQueue.Attributes a;
    try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().access(Access.READ))) {
      a = q.attributes();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("max_messages", a.maxMessages());
    m.put("message_size", a.messageSize());
    m.put("current_messages", a.currentMessages());
    output.print(spec.commandLine().getOut(), m);
  }

  @Command(name = "rm", description = "Remove a queue's name (mq_unlink).")
  void remove(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name) throws IOException {
    MessageQueue.unlink(name);
  }

  @Command(name = "limits", description = "Print the system's limits on queues.")
  void limits(@Mixin Args.JsonOption output) {
    MessageQueue.Limits l = MessageQueue.limits();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("msg_max", l.msgMax());
    m.put("msgsize_max", l.msgsizeMax());
    m.put("msg_default", l.msgDefault());
    m.put("msgsize_default", l.msgsizeDefault());
    m.put("queues_max", l.queuesMax());
    m.put("rlimit_msgqueue", l.rlimitBytes());
    m.put("cap_sys_resource", l.privileged());
    output.print(spec.commandLine().getOut(), m);
  }
}
