package io.github.posixipc.cli;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.DatagramSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.SocketAddresses;
import io.github.posixipc.SocketType;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Manual tools for sockets. */
@Command(
    name = "socket",
    description = {
      "Listen on, connect to and send to sockets. ADDRESS is unix:PATH, abstract:NAME (\\xNN",
      "escapes a byte), inet:HOST:PORT or inet6:[HOST]:PORT."
    },
    subcommands = {SocketCommand.Listen.class, SocketCommand.Connect.class, SocketCommand.Send.class})
final class SocketCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static SocketType type(String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "stream":
        return SocketType.STREAM;
      case "seqpacket":
        return SocketType.SEQPACKET;
      case "dgram":
      case "datagram":
        return SocketType.DATAGRAM;
      default:
        throw new IllegalArgumentException("'" + text + "' is not a socket type (stream, seqpacket, dgram)");
    }
  }

  /** Prints what comes from a connected socket, as text, until the end of the stream. */
  static void copyOut(ConnectedSocket s, PrintWriter out, Duration timeout) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (true) {
      buf.clear();
      int n = s.type() == SocketType.STREAM ? s.read(buf, timeout) : s.receive(buf, timeout);
      if (n <= 0 && (s.type() != SocketType.STREAM || n < 0)) {
        break;
      }
      out.print(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
      out.flush();
    }
  }

  @Command(name = "listen", description = {
      "Bind ADDRESS and print what arrives: for stream and seqpacket, accept one connection and",
      "print what it sends until it closes; for dgram, print --count datagrams. A path the",
      "command bound is removed when it ends."})
  static final class Listen implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ADDRESS") String address;

    @Option(names = "--type", defaultValue = "stream", description = "stream, seqpacket or dgram (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--count", defaultValue = "1", description = "Datagrams to print (dgram only; default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for each connection or message (default: forever).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
      SocketAddress where = SocketAddresses.parse(address);
      SocketType t = type(type);
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (count < 1) {
        throw new IllegalArgumentException("--count must be positive");
      }
      boolean path = where instanceof java.net.UnixDomainSocketAddress;
      if (t == SocketType.DATAGRAM) {
        try (DatagramSocket s = DatagramSocket.bind(where)) {
          err.println("listening on " + SocketAddresses.format(s.localAddress()));
          err.flush();
          try {
            ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
            for (int i = 0; i < count; i++) {
              buf.clear();
              s.receive(buf, timeout);
              out.print(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
              out.flush();
            }
          } finally {
            if (path) {
              s.unlink();
            }
          }
        }
        return 0;
      }
      try (ListeningSocket server = ListeningSocket.bind(where, ListeningSocket.options().type(t).backlog(1))) {
        err.println("listening on " + SocketAddresses.format(server.address()));
        err.flush();
        try (ConnectedSocket s = server.accept(timeout)) {
          err.println("connection from pid " + s.peerCredentials().pid());
          err.flush();
          copyOut(s, out, timeout);
        } finally {
          if (path) {
            server.unlink();
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "connect", description = {
      "Connect to ADDRESS, send the words given (or standard input), end the sending direction,",
      "and print what comes back until the other side closes."})
  static final class Connect implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ADDRESS") String address;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = "Sent with spaces between and a newline; without it, standard input is sent.")
    List<String> text;

    @Option(names = "--type", defaultValue = "stream", description = "stream or seqpacket (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait to connect and for each reply (default: forever).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
      SocketAddress where = SocketAddresses.parse(address);
      SocketType t = type(type);
      if (t == SocketType.DATAGRAM) {
        throw new IllegalArgumentException("datagrams are not connected: use 'posixipc socket send'");
      }
      try (ConnectedSocket s = ConnectedSocket.connect(where, ConnectedSocket.options().type(t), timeout)) {
        byte[] data = text != null && !text.isEmpty()
            ? (String.join(" ", text) + "\n").getBytes(StandardCharsets.UTF_8)
            : System.in.readAllBytes();
        if (t == SocketType.STREAM) {
          s.outputStream().write(data);
        } else {
          s.send(ByteBuffer.wrap(data), timeout);
        }
        s.shutdownOutput();
        copyOut(s, spec.commandLine().getOut(), timeout);
      }
      return 0;
    }
  }

  @Command(name = "send", description = "Send the words given (or standard input) as one datagram to ADDRESS.")
  static final class Send implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ADDRESS") String address;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = "Sent with spaces between and a newline; without it, standard input is sent.")
    List<String> text;

    @Override
    public Integer call() throws IOException {
      SocketAddress where = SocketAddresses.parse(address);
      byte[] data = text != null && !text.isEmpty()
          ? (String.join(" ", text) + "\n").getBytes(StandardCharsets.UTF_8)
          : System.in.readAllBytes();
      try (DatagramSocket s = DatagramSocket.connect(where)) {
        s.send(ByteBuffer.wrap(data));
      }
      return 0;
    }
  }
}
