package io.github.posixipc.examples;

import io.github.posixipc.Channel;
import io.github.posixipc.WouldBlockException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A channel between two handles of this process: one message written in place, one copied in. */
public final class ChannelExample {

  private ChannelExample() {}

  public static void main(String[] args) throws Exception {
    String name = "/pipc-example-chan-" + ProcessHandle.current().pid();
    try (Channel out = Channel.create(name, 64 * 1024, Channel.Role.PRODUCER);
        Channel in = Channel.open(name, Channel.Role.CONSUMER)) {
      byte[] text = "hello through a channel".getBytes(StandardCharsets.UTF_8);
      out.claim(text.length, Duration.ofSeconds(5)).put(text); // zero copy: in place
      out.commit();
      out.send(ByteBuffer.wrap("and a copy".getBytes(StandardCharsets.UTF_8)));

      ByteBuffer msg = in.read(Duration.ofSeconds(5));          // in place: position..limit
      System.out.println(StandardCharsets.UTF_8.decode(msg));
      in.release();
      ByteBuffer dst = ByteBuffer.allocate(64);
      in.receive(dst, Duration.ofSeconds(5));
      System.out.println(new String(dst.array(), 0, dst.position(), StandardCharsets.UTF_8));
      try {
        in.receive(dst.clear(), Duration.ZERO);
      } catch (WouldBlockException e) {
        System.out.println("then " + e.errnoName());
      }
    } finally {
      Channel.unlink(name);
    }
  }
}
