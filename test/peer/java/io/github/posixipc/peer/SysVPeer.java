package io.github.posixipc.peer;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.PosixException;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SysVMessageQueue;
import io.github.posixipc.SysVSemaphoreSet;
import io.github.posixipc.SysVSharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Java peer's System V commands, the same as the C peer's ({@code test/peer/peer_sysv.c}),
 * through the public API only; the other side makes and removes the objects:
 *
 * <pre>
 *   sysv-msg-send ID TYPE TEXT     send one message
 *   sysv-msg-recv ID TYPE MS       receive one (TYPE selects as msgrcv does) within MS ms;
 *                                  print "TYPE TEXT", or the errno name with status 1
 *   sysv-msg-echo IN OUT COUNT     COUNT times (-1: until a message of type 2, not echoed):
 *                                  receive the lowest type &lt;= 2 from IN, send the text to OUT
 *                                  as type 3
 *   sysv-shm-write ID OFFSET TEXT  attach and copy TEXT to OFFSET
 *   sysv-shm-read ID OFFSET LEN    attach and print LEN bytes at OFFSET
 *   sysv-sem-op ID NUM DELTA [undo]  one operation within 10 s; print "ok"
 *   sysv-sem-hold ID NUM           take 1 with SEM_UNDO, print "held", wait to be killed
 *   sysv-sem-values ID             print the values
 *   sysv-shm-relay SEMID SHMID SLOT  the tour's shm+sem relay (see test/peer/peer_sysv.c)
 * </pre>
 */
public final class SysVPeer {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private SysVPeer() {}

  private static final SysVSemaphoreSet.Operation[] IN_FULL = {SysVSemaphoreSet.Operation.add(0, -1)};
  private static final SysVSemaphoreSet.Operation[] IN_EMPTY = {SysVSemaphoreSet.Operation.add(1, 1)};
  private static final SysVSemaphoreSet.Operation[] OUT_FULL = {SysVSemaphoreSet.Operation.add(2, 1)};
  private static final SysVSemaphoreSet.Operation[] OUT_EMPTY = {SysVSemaphoreSet.Operation.add(3, -1)};

  /** Copies every message from the inbound slot to the outbound one, until a length of -1. */
  private static void relay(int semId, int shmId, long slot) throws IOException {
    try (SysVSemaphoreSet set = SysVSemaphoreSet.ofId(semId); SysVSharedMemory shm = SysVSharedMemory.ofId(shmId);
        MappedRegion r = shm.attach()) {
      ByteBuffer buf = ByteBuffer.allocateDirect((int) slot);
      for (;;) {
        set.apply(WAIT, IN_FULL);
        long len = r.getLong(0);
        if (len < 0) {
          return;
        }
        buf.clear().limit((int) len);
        r.get(8, buf);
        set.apply(WAIT, OUT_EMPTY);
        r.put(slot + 8, buf.flip());
        r.putLong(slot, len);
        set.apply(WAIT, OUT_FULL);
        set.apply(WAIT, IN_EMPTY);
      }
    }
  }

  /** Runs one command; returns its exit status, or -1 when args is not one of these. */
  public static int run(String... args) throws IOException {
    if (args.length == 0 || !args[0].startsWith("sysv-")) {
      return -1;
    }
    try {
      switch (args[0] + "/" + args.length) {
        case "sysv-msg-send/4":
          try (SysVMessageQueue q = SysVMessageQueue.ofId(Integer.parseInt(args[1]))) {
            q.send(Long.parseLong(args[2]), args[3].getBytes(StandardCharsets.UTF_8), WAIT);
          }
          return 0;
        case "sysv-msg-recv/4":
          try (SysVMessageQueue q = SysVMessageQueue.ofId(Integer.parseInt(args[1]))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(8192);
            ReceivedMessage m = q.receive(buf, Long.parseLong(args[2]), Duration.ofMillis(Long.parseLong(args[3])));
            System.out.println(m.type() + " " + StandardCharsets.UTF_8.decode(buf.flip()));
          }
          return 0;
        case "sysv-msg-echo/4":
          try (SysVMessageQueue in = SysVMessageQueue.ofId(Integer.parseInt(args[1]));
              SysVMessageQueue out = SysVMessageQueue.ofId(Integer.parseInt(args[2]))) {
            long count = Long.parseLong(args[3]);
            ByteBuffer buf = ByteBuffer.allocateDirect(8192);
            ReceivedMessage m = new ReceivedMessage();
            long echoed = 0;
            for (; count < 0 || echoed < count; echoed++) {
              in.receive(buf.clear(), -2, null, m);
              if (m.type() == 2) {
                break;
              }
              out.send(3, buf.flip(), null);
            }
            System.out.println("echoed " + echoed);
          }
          return 0;
        case "sysv-shm-write/4":
        case "sysv-shm-read/4":
          try (SysVSharedMemory shm = SysVSharedMemory.ofId(Integer.parseInt(args[1]));
              MappedRegion r = args[0].endsWith("write") ? shm.attach() : shm.attachReadOnly()) {
            long off = Long.parseLong(args[2]);
            if (args[0].endsWith("write")) {
              r.put(off, args[3].getBytes(StandardCharsets.UTF_8));
            } else {
              byte[] b = new byte[Integer.parseInt(args[3])];
              r.get(off, b, 0, b.length);
              System.out.println(new String(b, StandardCharsets.UTF_8));
            }
          }
          return 0;
        case "sysv-sem-op/4":
        case "sysv-sem-op/5":
          try (SysVSemaphoreSet set = SysVSemaphoreSet.ofId(Integer.parseInt(args[1]))) {
            SysVSemaphoreSet.Operation op = SysVSemaphoreSet.Operation.add(Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            set.apply(WAIT, args.length == 5 && args[4].equals("undo") ? op.undo() : op);
            System.out.println("ok");
          }
          return 0;
        case "sysv-sem-hold/3":
          try (SysVSemaphoreSet set = SysVSemaphoreSet.ofId(Integer.parseInt(args[1]))) {
            set.apply(WAIT, SysVSemaphoreSet.Operation.add(Integer.parseInt(args[2]), -1).undo());
            System.out.println("held");
            System.out.flush();
            Thread.sleep(30_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return 3;
        case "sysv-sem-values/2":
          try (SysVSemaphoreSet set = SysVSemaphoreSet.ofId(Integer.parseInt(args[1]))) {
            System.out.println(Arrays.stream(set.values()).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
          }
          return 0;
        case "sysv-shm-relay/4":
          relay(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]));
          return 0;
        default:
          System.err.println("SysVPeer: bad arguments: " + String.join(" ", args));
          return 2;
      }
    } catch (PosixException e) {
      System.out.println(e.errnoName());
      System.err.println("SysVPeer: " + e.getMessage());
      return 1;
    }
  }
}
