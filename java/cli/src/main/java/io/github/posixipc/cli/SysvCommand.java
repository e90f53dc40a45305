package io.github.posixipc.cli;

import io.github.posixipc.MappedRegion;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVMessageQueue;
import io.github.posixipc.SysVSemaphoreSet;
import io.github.posixipc.SysVSharedMemory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** Manual tools for System V message queues, shared memory segments and semaphore sets. */
@Command(
    name = "sysv",
    description = "Create, use, inspect and remove System V message queues, shared memory segments and"
        + " semaphore sets (posixipc ls lists them).",
    subcommands = {SysvCommand.Msg.class, SysvCommand.Shm.class, SysvCommand.Sem.class})
final class SysvCommand extends CommandGroup {

  /** The OBJECT argument of every command. */
  static final String OBJECT = "The object: a key (0x1a2b or a decimal number), ftok:PATH:ID (ID a number or a"
      + " character), id:N (an identifier, as posixipc ls shows it), or private (IPC_PRIVATE, to create one).";

  /** An object named by a key, or by an identifier. */
  record Target(int key, Integer id, String text) {
    boolean isPrivate() {
      return id == null && key == SysV.PRIVATE;
    }
  }

  /** Parses {@link #OBJECT}. */
  static final class TargetConverter implements ITypeConverter<Target> {
    @Override
    public Target convert(String text) throws Exception {
      String s = text.trim();
      try {
        if (s.equalsIgnoreCase("private")) {
          return new Target(SysV.PRIVATE, null, s);
        }
        if (s.startsWith("id:")) {
          return new Target(0, Integer.parseInt(s.substring(3)), s);
        }
        if (s.startsWith("ftok:")) {
          int colon = s.lastIndexOf(':');
          String id = s.substring(colon + 1);
          int proj = id.length() == 1 && !Character.isDigit(id.charAt(0)) ? id.charAt(0) : Integer.parseInt(id);
          return new Target(SysV.ftok(Path.of(s.substring(5, colon)), proj), null, s);
        }
        long k = s.toLowerCase(Locale.ROOT).startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        if (k < Integer.MIN_VALUE || k > 0xffffffffL) {
          throw new NumberFormatException();
        }
        return new Target((int) k, null, s);
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        throw new TypeConversionException("'" + text + "' is not a System V object (" + OBJECT + ")");
      }
    }
  }

  /** The --mode of the create commands: System V takes the bits as given, with no umask. */
  static final class Mode {
    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "0600", converter = Args.Octal.class,
        description = "The permission bits in octal, taken as given: System V applies no umask (default: ${DEFAULT-VALUE}).")
    int bits;
  }

  private static String created(int key, int id) {
    return "key=" + SysV.formatKey(key) + " id=" + id;
  }

  // ------------------------------------------------------------------ msg

  @Command(name = "msg", description = "System V message queues (msgget, msgsnd, msgrcv, msgctl).")
  static final class Msg extends CommandGroup {

    private static SysVMessageQueue open(Target t, SysVMessageQueue.Options o) throws IOException {
      return t.id() != null ? SysVMessageQueue.ofId(t.id(), o) : SysVMessageQueue.open(t.key(), o);
    }

    @Command(name = "create", description = "Create a queue (fails if the key has one); print its key and id.")
    void create(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Mixin Mode mode)
        throws IOException {
      try (SysVMessageQueue q = open(t, SysVMessageQueue.options().exclusive().mode(mode.bits))) {
        spec.commandLine().getOut().println(created(q.key(), q.id()));
      }
    }

    @Command(name = "send", description = "Send one message of TYPE: the words given, or standard input.")
    void send(
        @Parameters(index = "0", paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Parameters(index = "1", paramLabel = "TYPE", description = "The message type (mtype), above 0.") long type,
        @Parameters(index = "2..*", paramLabel = "TEXT", description = Args.WORDS) List<String> words,
        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for room (default: forever; 0: do not wait).")
            Duration timeout)
        throws IOException {
      try (SysVMessageQueue q = open(t, SysVMessageQueue.options())) {
        q.send(type, Args.textOrStandardInput(words, ""), timeout);
      }
    }

    @Command(name = "receive", description = "Receive one message and print its type and text.")
    void receive(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Option(names = "--type", defaultValue = "0", paramLabel = "TYPE",
            description = "Which message (msgtyp): 0 the first, N the first of type N, -N the first of the lowest"
                + " type up to N (default: ${DEFAULT-VALUE}).")
            long type,
        @Option(names = "--except", description = "The first message NOT of --type (MSG_EXCEPT).") boolean except,
        @Option(names = "--truncate", description = "Cut a longer message to --size (MSG_NOERROR).") boolean truncate,
        @Option(names = "--size", defaultValue = "8192", paramLabel = "BYTES", converter = Args.Size.class,
            description = "The room for the text (default: ${DEFAULT-VALUE}).")
            long size,
        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: forever; 0: do not wait).")
            Duration timeout)
        throws IOException {
      SysVMessageQueue.Options o = SysVMessageQueue.options();
      if (truncate) {
        o.truncate();
      }
      try (SysVMessageQueue q = open(t, o)) {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 16));
        ReceivedMessage m = except ? q.receiveExcept(b, type, timeout, new ReceivedMessage()) : q.receive(b, type, timeout);
        spec.commandLine().getOut().println(m.type() + " " + StandardCharsets.UTF_8.decode(b.flip()));
      }
    }

    @Command(name = "stat", description = "Print a queue's state (msgctl IPC_STAT).")
    void stat(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Mixin Args.JsonOption json)
        throws IOException {
      try (SysVMessageQueue q = open(t, SysVMessageQueue.options())) {
        SysVMessageQueue.Stat s = q.stat();
        Map<String, Object> r = owner(s.permissions(), q.id());
        r.put("messages", s.messages());
        r.put("bytes", s.bytes());
        r.put("max_bytes", s.maxBytes());
        r.put("last_send_pid", s.lastSendPid());
        r.put("last_receive_pid", s.lastReceivePid());
        json.print(spec.commandLine().getOut(), r);
      }
    }

    @Command(name = "rm", description = "Remove a queue and its messages (msgctl IPC_RMID).")
    void remove(@Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t)
        throws IOException {
      try (SysVMessageQueue q = open(t, SysVMessageQueue.options())) {
        q.remove();
      }
    }
  }

  // ------------------------------------------------------------------ shm

  @Command(name = "shm", description = "System V shared memory segments (shmget, shmat, shmctl).")
  static final class Shm extends CommandGroup {

    private static SysVSharedMemory open(Target t, SysVSharedMemory.Options o) throws IOException {
      return t.id() != null ? SysVSharedMemory.ofId(t.id()) : SysVSharedMemory.open(t.key(), o);
    }

    @Command(name = "create", description = "Create a segment of SIZE bytes (fails if the key has one); print its key and id.")
    void create(
        @Parameters(index = "0", paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Parameters(index = "1", paramLabel = "SIZE", converter = Args.Size.class,
            description = "The size in bytes, or with a unit: k, m or g.")
            long size,
        @Mixin Mode mode)
        throws IOException {
      if (t.id() != null) {
        throw new IllegalArgumentException("create takes a key, not an identifier");
      }
      try (SysVSharedMemory s = SysVSharedMemory.open(t.key(), SysVSharedMemory.options().exclusive().size(size).mode(mode.bits))) {
        spec.commandLine().getOut().println(created(s.key(), s.id()));
      }
    }

    @Command(name = "dump", description = "Print the bytes of a segment in hex and ASCII.")
    void dump(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Option(names = "--offset", defaultValue = "0", paramLabel = "BYTES", converter = Args.Size.class,
            description = "The first byte (default: ${DEFAULT-VALUE}).")
            long from,
        @Option(names = "--length", paramLabel = "BYTES", converter = Args.Size.class,
            description = "How many bytes (default: up to the end, at most 4096).")
            Long length)
        throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (SysVSharedMemory s = open(t, SysVSharedMemory.options())) {
        long total = s.size();
        long n = length != null ? length : Math.min(4096, Math.max(0, total - from));
        if (from > total || n > total - from) {
          throw new IllegalArgumentException("[" + from + ", " + (from + n) + ") is beyond the end of the segment ("
              + total + " bytes)");
        }
        out.printf(Locale.ROOT, "%s id %d: %d bytes, %d attached%n", SysV.formatKey(s.key()), s.id(), total,
            s.stat().attaches());
        if (n > 0) {
          try (MappedRegion r = s.attachReadOnly()) {
            ShmCommand.hexDump(out, r, 0, from, n);
          }
        }
      }
    }

    @Command(name = "stat", description = "Print a segment's state (shmctl IPC_STAT): size, attachments, pids.")
    void stat(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Mixin Args.JsonOption json)
        throws IOException {
      try (SysVSharedMemory s = open(t, SysVSharedMemory.options())) {
        SysVSharedMemory.Stat st = s.stat();
        Map<String, Object> r = owner(st.permissions(), s.id());
        r.put("size", st.size());
        r.put("attaches", st.attaches());
        r.put("creator_pid", st.creatorPid());
        r.put("last_pid", st.lastPid());
        r.put("removed", st.removed());
        r.put("locked", st.locked());
        json.print(spec.commandLine().getOut(), r);
      }
    }

    @Command(name = "rm", description = "Remove a segment (shmctl IPC_RMID): the key at once, the memory at the last detach.")
    void remove(@Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t)
        throws IOException {
      try (SysVSharedMemory s = open(t, SysVSharedMemory.options())) {
        s.remove();
      }
    }
  }

  // ------------------------------------------------------------------ sem

  /** NUM:DELTA[:undo][:nowait], one operation of sem op. */
  static final class OperationConverter implements ITypeConverter<SysVSemaphoreSet.Operation> {
    @Override
    public SysVSemaphoreSet.Operation convert(String text) {
      String[] f = text.trim().split(":");
      try {
        SysVSemaphoreSet.Operation op = SysVSemaphoreSet.Operation.add(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
        for (int i = 2; i < f.length; i++) {
          if (f[i].equals("undo")) {
            op = op.undo();
          } else if (f[i].equals("nowait")) {
            op = op.noWait();
          } else {
            throw new NumberFormatException();
          }
        }
        return op;
      } catch (RuntimeException e) {
        throw new TypeConversionException("'" + text + "' is not an operation NUM:DELTA[:undo][:nowait]");
      }
    }
  }

  @Command(name = "sem", description = "System V semaphore sets (semget, semop, semctl).")
  static final class Sem extends CommandGroup {

    private static SysVSemaphoreSet open(Target t, SysVSemaphoreSet.Options o) throws IOException {
      return t.id() != null ? SysVSemaphoreSet.ofId(t.id()) : SysVSemaphoreSet.open(t.key(), o);
    }

    @Command(name = "create", description = "Create a set with the given values (fails if the key has one); print its key and id.")
    void create(
        @Parameters(index = "0", paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "VALUE", description = "The initial value of each semaphore, 0 to 32767.")
            List<Integer> values,
        @Mixin Mode mode)
        throws IOException {
      if (t.id() != null) {
        throw new IllegalArgumentException("create takes a key, not an identifier");
      }
      int[] v = values.stream().mapToInt(Integer::intValue).toArray();
      try (SysVSemaphoreSet s = SysVSemaphoreSet.open(t.key(), SysVSemaphoreSet.options().exclusive().mode(mode.bits).initialValues(v))) {
        spec.commandLine().getOut().println(created(s.key(), s.id()));
      }
    }

    @Command(name = "op", description = "Apply operations atomically (semop): each NUM:DELTA, with :undo (SEM_UNDO) or :nowait.")
    void op(
        @Parameters(index = "0", paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "OP", converter = OperationConverter.class,
            description = "NUM:DELTA[:undo][:nowait]: add DELTA to semaphore NUM (waiting while it would go below 0;"
                + " DELTA 0 waits for 0).")
            List<SysVSemaphoreSet.Operation> ops,
        @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: forever; 0: do not wait).")
            Duration timeout)
        throws IOException {
      try (SysVSemaphoreSet s = open(t, SysVSemaphoreSet.options())) {
        s.apply(timeout, ops.toArray(new SysVSemaphoreSet.Operation[0]));
      }
    }

    @Command(name = "value", description = "Print the values (GETALL), or one with --num (GETVAL).")
    void value(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Option(names = "--num", paramLabel = "NUM", description = "One semaphore's number.") Integer num,
        @Option(names = "--set", paramLabel = "VALUE", description = "Set the semaphore of --num to VALUE (SETVAL) first.") Integer set)
        throws IOException {
      try (SysVSemaphoreSet s = open(t, SysVSemaphoreSet.options())) {
        PrintWriter out = spec.commandLine().getOut();
        if (set != null) {
          if (num == null) {
            throw new IllegalArgumentException("--set needs --num");
          }
          s.setValue(num, set);
        }
        if (num != null) {
          out.println(s.value(num));
        } else {
          List<String> v = new ArrayList<>();
          for (int x : s.values()) {
            v.add(Integer.toString(x));
          }
          out.println(v.stream().collect(Collectors.joining(" ")));
        }
      }
    }

    @Command(name = "stat", description = "Print a set's state (semctl IPC_STAT) and who waits (GETNCNT, GETZCNT).")
    void stat(
        @Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t,
        @Mixin Args.JsonOption json)
        throws IOException {
      try (SysVSemaphoreSet s = open(t, SysVSemaphoreSet.options())) {
        SysVSemaphoreSet.Stat st = s.stat();
        Map<String, Object> r = owner(st.permissions(), s.id());
        r.put("count", st.count());
        r.put("op_time", st.opTime().getEpochSecond());
        List<Object> sems = new ArrayList<>();
        int[] values = s.values();
        for (int i = 0; i < values.length; i++) {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("value", values[i]);
          one.put("pid", s.lastPid(i));
          one.put("ncnt", s.waitingForIncrease(i));
          one.put("zcnt", s.waitingForZero(i));
          sems.add(json.json ? one : one.toString());
        }
        r.put("semaphores", sems);
        json.print(spec.commandLine().getOut(), r);
      }
    }

    @Command(name = "rm", description = "Remove a set (semctl IPC_RMID); waiters get EIDRM.")
    void remove(@Parameters(paramLabel = "OBJECT", converter = TargetConverter.class, description = OBJECT) Target t)
        throws IOException {
      try (SysVSemaphoreSet s = open(t, SysVSemaphoreSet.options())) {
        s.remove();
      }
    }
  }

  /** The fields a stat of every kind starts with: key, id, owner and mode. */
  static Map<String, Object> owner(SysV.Permissions p, int id) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("key", SysV.formatKey(p.key()));
    r.put("id", id);
    r.put("uid", p.uid());
    r.put("mode", String.format("0%03o", p.mode()));
    return r;
  }
}
