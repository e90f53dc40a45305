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
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** Manual tools for sockets. */
@Command(
    name = "socket",
    description = "Listen on, connect to and send to sockets. ADDRESS is " + Args.ADDRESS_FORMS + ".")
final class SocketCommand extends CommandGroup {

  /** stream, seqpacket, dgram (or datagram), in any case. */
  static final class Types implements ITypeConverter<SocketType> {
    @Override
    public SocketType convert(String text) {
      switch (text.toLowerCase(Locale.ROOT)) {
        case "stream":
          return SocketType.STREAM;
        case "seqpacket":
          return SocketType.SEQPACKET;
        case "dgram":
        case "datagram":
          return SocketType.DATAGRAM;
        default:
          throw new TypeConversionException("'" + text + "' is not a socket type (stream, seqpacket, dgram)");
      }
    }
  }

  /** What listen and connect both take: where, which type of socket, and how long to wait. */
  static final class Endpoint {
    @Parameters(index = "0", paramLabel = "ADDRESS", description = Args.ADDRESS) String address;

    @Option(names = "--type", defaultValue = "stream", paramLabel = "TYPE", converter = Types.class,
        description = "The socket type: stream, seqpacket or dgram (default: ${DEFAULT-VALUE}).")
    SocketType type;

    @Option(names = "--timeout", paramLabel = "DURATION",
        description = "How long to wait for each connection, message or reply (default: forever).")
    Duration timeout;
  }

  /** Prints the bytes a receive put in buf, as text, at once. */
  private static void print(PrintWriter out, ByteBuffer buf) {
    out.print(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
    out.flush();
  }

  /** Prints what comes from a connected socket, as text, until the end of the stream. */
  private static void copyOut(ConnectedSocket s, PrintWriter out, Duration timeout) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (true) {
      buf.clear();
      int n = s.type() == SocketType.STREAM ? s.read(buf, timeout) : s.receive(buf, timeout);
      if (n <= 0 && (s.type() != SocketType.STREAM || n < 0)) {
        break;
      }
      print(out, buf);
    }
  }

  @Command(name = "listen", description = "Bind ADDRESS and print what arrives: for stream and seqpacket, accept one"
      + " connection and print what it sends until it closes; for dgram, print --count datagrams. A path the"
      + " command bound is removed when it ends.")
  void listen(
      @Mixin Endpoint at,
      @Option(names = "--count", defaultValue = "1", paramLabel = "N", converter = Args.Positive.class,
          description = "How many datagrams to print, for dgram only (default: ${DEFAULT-VALUE}).")
          int count)
      throws IOException {
    SocketAddress where = SocketAddresses.parse(at.address);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean path = where instanceof UnixDomainSocketAddress;
    if (at.type == SocketType.DATAGRAM) {
      try (DatagramSocket s = DatagramSocket.bind(where)) {
        err.println("listening on " + SocketAddresses.format(s.localAddress()));
        err.flush();
        try {
          ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
          for (int i = 0; i < count; i++) {
            s.receive(buf.clear(), at.timeout);
            print(out, buf);
          }
        } finally {
          if (path) {
            s.unlink();
          }
        }
      }
      return;
    }
    try (ListeningSocket server = ListeningSocket.bind(where, ListeningSocket.options().type(at.type).backlog(1))) {
      err.println("listening on " + SocketAddresses.format(server.address()));
      err.flush();
      try (ConnectedSocket s = server.accept(at.timeout)) {
        err.println("connection from pid " + s.peerCredentials().pid());
        err.flush();
        copyOut(s, out, at.timeout);
      } finally {
        if (path) {
          server.unlink();
        }
      }
    }
  }

  @Command(name = "connect", description = "Connect to ADDRESS, send the words given as a line (or standard input),"
      + " end the sending direction, and print what comes back until the other side closes. A dgram socket is"
      + " not connected: 'posixipc socket send' sends datagrams.")
  void connect(
      @Mixin Endpoint at,
      @Parameters(index = "1..*", paramLabel = "TEXT", description = Args.WORDS) List<String> words)
      throws IOException {
    if (at.type == SocketType.DATAGRAM) {
      throw new IllegalArgumentException("datagrams are not connected: use 'posixipc socket send'");
    }
    try (ConnectedSocket s = ConnectedSocket.connect(SocketAddresses.parse(at.address), ConnectedSocket.options().type(at.type), at.timeout)) {
      byte[] data = Args.textOrStandardInput(words, "\n");
      if (at.type == SocketType.STREAM) {
        s.outputStream().write(data);
      } else {
        s.send(ByteBuffer.wrap(data), at.timeout);
      }
      s.shutdownOutput();
      copyOut(s, spec.commandLine().getOut(), at.timeout);
    }
  }

  @Command(name = "send", description = "Send the words given as a line (or standard input) as one datagram to ADDRESS.")
  void send(
      @Parameters(index = "0", paramLabel = "ADDRESS", description = Args.ADDRESS) String address,
      @Parameters(index = "1..*", paramLabel = "TEXT", description = Args.WORDS) List<String> words)
      throws IOException {
    byte[] data = Args.textOrStandardInput(words, "\n");
    try (DatagramSocket s = DatagramSocket.connect(SocketAddresses.parse(address))) {
      s.send(ByteBuffer.wrap(data));
    }
  }
}
