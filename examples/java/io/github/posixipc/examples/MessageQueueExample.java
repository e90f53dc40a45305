package io.github.posixipc.examples;

import io.github.posixipc.MessageQueue;
import io.github.posixipc.MessageQueueNotification;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.TimedOutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The README's message queue example: priorities, a reused buffer, a timeout, a notification. */
public final class MessageQueueExample {
  public static void main(String[] args) throws Exception {
    String name = "/posixipc-example-" + ProcessHandle.current().pid();
    try (MessageQueue q = MessageQueue.open(name,
        MessageQueue.options().exclusive().maxMessages(8).messageSize(128))) {
      MessageQueueNotification arrived = q.registerNotification(
          () -> System.out.println("notified: a message arrived in the empty queue"));
      q.send("routine".getBytes(StandardCharsets.UTF_8), 1);
      arrived.await(Duration.ofSeconds(5)); // the callback ran on a daemon thread
      q.send("urgent".getBytes(StandardCharsets.UTF_8), 9);
      ByteBuffer buf = ByteBuffer.allocateDirect(q.messageSize()); // reused: no allocation
      ReceivedMessage r = new ReceivedMessage();
      try {
        for (;;) {
          q.receive(buf.clear(), Duration.ofMillis(100), r);
          System.out.println(r.priority() + " " + StandardCharsets.UTF_8.decode(buf.flip()));
        }
      } catch (TimedOutException e) {
        System.out.println("then " + e.errnoName());
      }
    } finally {
      MessageQueue.unlink(name);
    }
  }
}
