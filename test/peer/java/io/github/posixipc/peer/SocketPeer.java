package io.github.posixipc.peer;

import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.Credentials;
import io.github.posixipc.DatagramSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.Pipe;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SocketAddresses;
import io.github.posixipc.SocketType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The socket commands of the Java peer, the same as the C peer's ({@code test/peer/peer_socket.c}):
 *
 * <pre>
 *   sock-serve TYPE ADDR MODE [ARGS]    bind, listen, print "ready ADDR", accept one, run MODE
 *   sock-connect TYPE ADDR MODE [ARGS]  connect, run MODE
 * </pre>
 *
 * TYPE is stream, dgram or seqpacket; ADDR is unix:PATH, abstract:NAME, inet:PORT or inet6:PORT;
 * MODE is echo, sink, source COUNT SEED, cred, sendfd TEXT or recvfd.
 */
public final class SocketPeer {

  private SocketPeer() {}

  static SocketType type(String s) {
    switch (s) {
      case "stream":
        return SocketType.STREAM;
      case "dgram":
        return SocketType.DATAGRAM;
      case "seqpacket":
        return SocketType.SEQPACKET;
      default:
        throw new IllegalArgumentException("not a socket type: " + s);
    }
  }

  /** The peers' address forms: inet:PORT and inet6:PORT are loopback. */
  static SocketAddress address(String spec) {
    if (spec.startsWith("inet:") && spec.indexOf(':', 5) < 0) {
      return SocketAddresses.parse("inet:127.0.0.1:" + spec.substring(5));
    }
    if (spec.startsWith("inet6:") && !spec.startsWith("inet6:[")) {
      return SocketAddresses.parse("inet6:[::1]:" + spec.substring(6));
    }
    return SocketAddresses.parse(spec);
  }

  static String ready(SocketAddress bound, String spec) {
    if (bound instanceof InetSocketAddress i) {
      return (i.getAddress().getAddress().length == 4 ? "ready inet:" : "ready inet6:") + i.getPort();
    }
    return "ready " + spec;
  }

  public static int run(String... args) throws IOException {
    if (args.length < 4) {
      return usage();
    }
    boolean serve = args[0].equals("sock-serve");
    if (!serve && !args[0].equals("sock-connect")) {
      return usage();
    }
    SocketType type = type(args[1]);
    SocketAddress addr = address(args[2]);
    String[] mode = java.util.Arrays.copyOfRange(args, 3, args.length);
    if (type == SocketType.DATAGRAM) {
      if (!serve || !mode[0].equals("echo")) {
        return usage();
      }
      try (DatagramSocket s = DatagramSocket.bind(addr)) {
        System.out.println(ready(s.localAddress(), args[2]));
        System.out.flush();
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        for (;;) {
          buf.clear();
          ReceivedMessage m = s.receiveMessage(buf, 0, null);
          buf.flip();
          s.send(buf, m.sender());
          if (m.length() == 0) {
            break;
          }
        }
        if (addr instanceof UnixDomainSocketAddress) {
          s.unlink();
        }
      }
      return 0;
    }
    ConnectedSocket s;
    if (serve) {
      try (ListeningSocket server = ListeningSocket.bind(addr, ListeningSocket.options().type(type).backlog(8))) {
        System.out.println(ready(server.address(), args[2]));
        System.out.flush();
        s = server.accept();
        if (addr instanceof UnixDomainSocketAddress) {
          server.unlink();
        }
      }
    } else {
      s = ConnectedSocket.connect(addr, ConnectedSocket.options().type(type), Duration.ofSeconds(10));
    }
    try (ConnectedSocket c = s) {
      return mode(c, type, mode);
    }
  }

  private static int mode(ConnectedSocket s, SocketType type, String[] m) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(65536);
    if (m[0].equals("echo") && m.length == 1) {
      for (;;) {
        buf.clear();
        if (type == SocketType.STREAM) {
          if (s.read(buf) < 0) {
            return 0;
          }
          buf.flip();
          s.write(buf);
        } else {
          int n = s.receive(buf);
          if (n == 0) {
            return 0;
          }
          buf.flip();
          s.send(buf);
        }
      }
    }
    if (m[0].equals("sink") && m.length == 1) {
      long count = 0;
      long h = JavaPeer.FNV_START;
      while (s.read(buf.clear()) >= 0) {
        buf.flip();
        h = JavaPeer.fnv1a(h, buf);
        count += buf.remaining();
      }
      System.out.println(JavaPeer.summary(count, h));
      return 0;
    }
    if (m[0].equals("source") && m.length == 3) {
      long count = Long.parseLong(m[1]);
      int seed = Integer.parseInt(m[2]);
      long h = JavaPeer.FNV_START;
      for (long sent = 0; sent < count; ) {
        buf.clear().limit((int) Math.min(buf.capacity(), count - sent));
        JavaPeer.fillPattern(buf, seed, sent);
        h = JavaPeer.fnv1a(h, buf);
        sent += buf.remaining();
        s.write(buf);
      }
      s.shutdownOutput();
      System.out.println(JavaPeer.summary(count, h));
      return 0;
    }
    if (m[0].equals("cred") && m.length == 1) {
      Credentials c = s.peerCredentials();
      System.out.println("pid=" + c.pid() + " uid=" + c.uid() + " gid=" + c.gid());
      System.out.flush();
      while (s.read(buf.clear()) >= 0) {
        // until the other side is done
      }
      return 0;
    }
    if (m[0].equals("sendfd") && m.length == 2) {
      try (Pipe p = Pipe.open()) {
        p.sink().write(ByteBuffer.wrap(m[1].getBytes(StandardCharsets.UTF_8)));
        p.sink().close();
        s.sendFileDescriptors(ByteBuffer.wrap(new byte[] {'F'}), p.source());
      }
      while (s.read(buf.clear()) >= 0) {
        // until the other side is done
      }
      return 0;
    }
    if (m[0].equals("recvfd") && m.length == 1) {
      ReceivedMessage r = s.receiveFileDescriptors(buf, 4);
      if (r.fileDescriptors().length != 1) {
        System.err.println("SocketPeer: expected one descriptor: " + r);
        return 1;
      }
      try (Pipe.Sink out = Pipe.Sink.adopt(r.fileDescriptors()[0])) {
        out.write(ByteBuffer.wrap("from-java-peer".getBytes(StandardCharsets.UTF_8)));
      }
      System.out.println("received fd, " + r.length() + " bytes");
      return 0;
    }
    return usage();
  }

  private static int usage() {
    System.err.println("usage: JavaPeer sock-serve|sock-connect stream|dgram|seqpacket ADDR"
        + " echo|sink|source COUNT SEED|cred|sendfd TEXT|recvfd");
    return 2;
  }
}
