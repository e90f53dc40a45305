package io.github.posixipc.examples;

import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVMessageQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The first worked port of docs/porting.md: the client of the legacy C server
 * examples/porting/sysv_msg_server.c, moved from C (sysv_msg_client.c) to Java call by call.
 * The server is not changed: the request keeps the C struct's layout, {@code int32_t client;
 * char text[200]} after the type, in the machine's byte order, NUL-terminated.
 *
 * <pre>
 *   key_t key = ftok(path, proj);            int key = SysV.ftok(path, proj);
 *   int q = msgget(key, 0);                  SysVMessageQueue q = SysVMessageQueue.open(key);
 *   msgsnd(q, &amp;req, len, 0);                 q.send(1, request, null);
 *   msgrcv(q, &amp;rep, size, getpid(), 0);      q.receive(reply, pid, timeout, into);
 * </pre>
 *
 * One difference the port gains: the reply is awaited with a timeout, which msgrcv cannot do.
 */
public final class SysVMsgClient {

  private static final int TEXT_MAX = 200;

  private SysVMsgClient() {}

  /** Sends each text as a request and returns the replies; "quit" ends the server. */
  public static List<String> call(Path path, int projectId, List<String> texts) throws IOException {
    int pid = (int) ProcessHandle.current().pid();
    List<String> replies = new ArrayList<>();
    try (SysVMessageQueue q = SysVMessageQueue.open(SysV.ftok(path, projectId))) {
      ByteBuffer request = ByteBuffer.allocateDirect(4 + TEXT_MAX).order(ByteOrder.nativeOrder());
      ByteBuffer reply = ByteBuffer.allocateDirect(TEXT_MAX);
      ReceivedMessage into = new ReceivedMessage();
      for (String text : texts) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        request.clear();
        request.putInt(pid).put(t, 0, Math.min(t.length, TEXT_MAX - 1)).put((byte) 0).flip();
        q.send(1, request, null);
        if (text.equals("quit")) {
          break;
        }
        q.receive(reply.clear(), pid, Duration.ofSeconds(10), into);
        reply.flip();
        int n = into.length();
        while (n > 0 && reply.get(n - 1) == 0) {
          n--; // the C string's NUL
        }
        byte[] b = new byte[n];
        reply.get(0, b);
        replies.add(new String(b, StandardCharsets.UTF_8));
      }
    }
    return replies;
  }

  /** {@code SysVMsgClient PATH PROJ_ID TEXT...}: prints each reply, as the C client does. */
  public static void main(String[] args) throws IOException {
    List<String> texts = List.of(args).subList(2, args.length);
    for (String reply : call(Path.of(args[0]), Integer.parseInt(args[1]), texts)) {
      System.out.println(reply);
    }
  }
}
