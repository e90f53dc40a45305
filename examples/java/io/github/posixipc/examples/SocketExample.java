package io.github.posixipc.examples;

import io.github.posixipc.AbstractSocketAddress;
import io.github.posixipc.ConnectedSocket;
import io.github.posixipc.ListeningSocket;
import io.github.posixipc.Pipe;
import io.github.posixipc.PosixException;
import io.github.posixipc.ReceivedMessage;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The README's socket example: a server on an abstract name, a client, and a passed pipe. */
public final class SocketExample {
  public static void main(String[] args) throws Exception {
    // An abstract name: no file to clean up; it goes away with the socket.
    SocketAddress where = AbstractSocketAddress.of("posixipc-example-" + ProcessHandle.current().pid());
    try (ListeningSocket server = ListeningSocket.bind(where);
        ConnectedSocket client = ConnectedSocket.connect(where);
        ConnectedSocket accepted = server.accept(Duration.ofSeconds(1))) {
      client.write(ByteBuffer.wrap("hello through a socket".getBytes(StandardCharsets.UTF_8)));
      ByteBuffer buf = ByteBuffer.allocateDirect(64);
      accepted.read(buf, Duration.ofSeconds(1));
      System.out.println(StandardCharsets.UTF_8.decode(buf.flip()));
      System.out.println("peer is this process: "
          + (accepted.peerCredentials().pid() == ProcessHandle.current().pid()));

      // Hand the other side an open pipe end (SCM_RIGHTS); it gets its own descriptor.
      try (Pipe pipe = Pipe.open()) {
        client.sendFileDescriptors(ByteBuffer.wrap(new byte[] {1}), pipe.sink());
        ReceivedMessage m = accepted.receiveFileDescriptors(ByteBuffer.allocate(1), 1, Duration.ofSeconds(1));
        try (Pipe.Sink sink = Pipe.Sink.adopt(m.fileDescriptors()[0])) {
          sink.write(ByteBuffer.wrap("hello through a passed pipe".getBytes(StandardCharsets.UTF_8)));
        }
        ByteBuffer got = ByteBuffer.allocate(64);
        pipe.source().read(got, Duration.ofSeconds(1));
        System.out.println(StandardCharsets.UTF_8.decode(got.flip()));
      }
    }
    try {
      ConnectedSocket.connect(where); // nobody listens any more
    } catch (PosixException e) {
      System.out.println(e.errnoName()); // ECONNREFUSED
    }
  }
}
