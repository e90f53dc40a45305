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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Manual tools for POSIX message queues. */
@Command(
    name = "mq",
    description = "Create, send to, receive from, inspect and remove POSIX message queues.",
    subcommands = {MqCommand.Create.class, MqCommand.Send.class, MqCommand.Receive.class,
        MqCommand.Stat.class, MqCommand.Remove.class, MqCommand.Limits.class})
final class MqCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", description = "Create a queue (mq_open with O_CREAT).")
  static final class Create implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "'/' and up to 255 characters, no other '/'.") String name;

    @Option(names = "--max-messages", paramLabel = "N", description = "Capacity in messages (default: the system's, msg_default).")
    Long maxMessages;

    @Option(names = "--message-size", paramLabel = "BYTES", description = "Largest message (default: the system's, msgsize_default).")
    Long messageSize;

    @Option(names = "--mode", defaultValue = "0600", description = "Permission bits, octal (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--exclusive", description = "Fail if the queue exists (O_EXCL).")
    boolean exclusive;

    @Override
    public Integer call() throws IOException {
      MessageQueue.Options o = MessageQueue.options().mode(octal(mode));
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
      try (MessageQueue q = MessageQueue.open(name, o)) {
        return 0;
      }
    }
  }

  @Command(name = "send", description = "Send one message: the words given, or standard input.")
  static final class Send implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = "Sent with spaces between; without it, standard input is the message.")
    List<String> text;

    @Option(names = "--priority", defaultValue = "0", paramLabel = "N", description = "0 to 32767 (default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for room (default: forever; 0: do not wait).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
      byte[] message = text != null && !text.isEmpty()
          ? String.join(" ", text).getBytes(StandardCharsets.UTF_8)
          : System.in.readAllBytes();
      try (MessageQueue q = MessageQueue.open(name, MessageQueue.options().access(Access.WRITE))) {
        q.send(message, priority, timeout);
      }
      return 0;
    }
  }

  @Command(name = "receive", description = "Receive messages and print each on a line of its own.")
  static final class Receive implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for each message (default: forever; 0: do not wait).")
    Duration timeout;

    @Option(names = "--count", defaultValue = "1", paramLabel = "N", description = "Messages to receive (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--priority", description = "Print each message's priority and a tab before it.")
    boolean showPriority;

    @Override
    public Integer call() throws IOException {
      if (count < 1) {
        throw new IllegalArgumentException("--count must be positive");
      }
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
  static final class Stat implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
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
      print(spec.commandLine().getOut(), m, json);
      return 0;
    }
  }

  @Command(name = "rm", description = "Remove a queue's name (mq_unlink).")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      MessageQueue.unlink(name);
      return 0;
    }
  }

  @Command(name = "limits", description = "Print the system's limits on queues.")
  static final class Limits implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
      MessageQueue.Limits l = MessageQueue.limits();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("msg_max", l.msgMax());
      m.put("msgsize_max", l.msgsizeMax());
      m.put("msg_default", l.msgDefault());
      m.put("msgsize_default", l.msgsizeDefault());
      m.put("queues_max", l.queuesMax());
      m.put("rlimit_msgqueue", l.rlimitBytes());
      m.put("cap_sys_resource", l.privileged());
      print(spec.commandLine().getOut(), m, json);
      return 0;
    }
  }

  private static void print(PrintWriter out, Map<String, Object> m, boolean json) {
    if (json) {
      out.println(Json.write(m));
    } else {
      m.forEach((k, v) -> out.println(k + "=" + v));
    }
  }

  /** Octal mode from the command line ("600", "0640"). */
  static int octal(String text) {
    try {
      int m = Integer.parseInt(text, 8);
      if ((m & ~0777) == 0) {
        return m;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("'" + text + "' is not an octal mode such as 0600");
  }
}
