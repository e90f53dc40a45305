package io.github.posixipc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The POSIX IPC objects on this machine: shared memory segments (those that hold a channel listed
 * as channels) and named semaphores (files under /dev/shm, a named semaphore being "sem.NAME"),
 * and message queues (under /dev/mqueue, when the
 * mqueue file system is mounted there).
 */
@Command(
    name = "ls",
    description = "List the POSIX IPC objects on this machine, with owner, mode and size: shared memory and"
        + " named semaphores (/dev/shm) and message queues (/dev/mqueue, when mounted);"
        + " and the System V queues, segments and semaphore sets (/proc/sysvipc), with key and id.")
final class LsCommand implements Callable<Integer> {

  static final Path SHM = Path.of("/dev/shm");
  static final Path MQUEUE = Path.of("/dev/mqueue");
  static final String MOUNT_HINT = "mount -t mqueue none /dev/mqueue";

  @Spec CommandSpec spec;

  @Mixin Args.JsonOption output;

  @Option(names = "--holders", description = "Also show which processes hold each object, where Linux shows it:"
      + " open descriptors and mappings (/proc/PID/fd and maps); System V queues and sets have none.")
  boolean holders;

  /** One object. */
  static final class Entry {
    String type;
    String name;
    Path path;
    String owner;
    int uid;
    String mode;
    long size;
    Map<String, Object> details = new LinkedHashMap<>();
  }

  @Override
  public Integer call() throws IOException {
    List<Entry> entries = new ArrayList<>();
    scanShm(entries);
    boolean mqMounted = mqueueMounted();
    if (mqMounted) {
      scanMqueue(entries);
    }
    SysvList.scan(entries);
    if (holders) {
      Holders.annotate(entries, output.json);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("mqueue_mounted", mqMounted);
      if (!mqMounted) {
        doc.put("mqueue_hint", "message queues are listed once the mqueue file system is mounted: " + MOUNT_HINT);
      }
      List<Object> list = new ArrayList<>();
      for (Entry e : entries) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type);
        m.put("name", e.name);
        m.put("path", e.path.toString());
        m.put("owner", e.owner);
        m.put("uid", e.uid);
        m.put("mode", e.mode);
        m.put("size", e.size);
        m.putAll(e.details);
        list.add(m);
      }
      doc.put("objects", list);
      out.println(Json.write(doc));
      return 0;
    }
    Table t = new Table("type", "name", "owner", "mode", "size", "details").right(4);
    for (Entry e : entries) {
      StringBuilder d = new StringBuilder();
      e.details.forEach((k, v) -> d.append(d.length() > 0 ? " " : "").append(k).append('=').append(v));
      t.add(e.type, e.name, e.owner, e.mode, Long.toString(e.size), d.toString());
    }
    if (t.isEmpty()) {
      out.println("no POSIX IPC objects" + (mqMounted ? "" : " in /dev/shm"));
    } else {
      t.print(out);
    }
    if (!mqMounted) {
      out.println("(message queues are not listed: /dev/mqueue is not mounted; as root: " + MOUNT_HINT + ")");
    }
    return 0;
  }

  private static void scanShm(List<Entry> entries) throws IOException {
    if (!Files.isDirectory(SHM)) {
      return;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(SHM)) {
      for (Path p : sorted(dir)) {
        String file = p.getFileName().toString();
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        Entry e = describe(p);
        if (e == null) {
          continue;
        }
        if (file.startsWith("sem.")) {
          e.type = "semaphore";
          e.name = "/" + file.substring(4);
        } else {
          e.type = "shm";
          e.name = "/" + file;
          describeChannel(e);
        }
        entries.add(e);
      }
    }
  }

  /** A segment that holds a channel is listed as one, with its positions and its consumer. */
  private static void describeChannel(Entry e) {
    if (e.size < io.github.posixipc.Channel.segmentSize(0)) {
      return;
    }
    try {
      io.github.posixipc.Channel.Stats s = io.github.posixipc.Channel.stat(e.name);
      e.type = "channel";
      e.details.put("capacity", s.capacity());
      e.details.put("messages_waiting", s.messagesWaiting());
      e.details.put("consumer_pid", s.consumerPid());
      e.details.put("skipped_claims", s.skipped());
    } catch (IOException | RuntimeException notAChannel) {
      // a plain segment (or one this user cannot read): listed as shm
    }
  }

  private static void scanMqueue(List<Entry> entries) throws IOException {
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(MQUEUE)) {
      for (Path p : sorted(dir)) {
        Entry e = describe(p);
        if (e == null) {
          continue;
        }
        e.type = "mqueue";
        e.name = "/" + p.getFileName();
        // The kernel's view: "QSIZE:n NOTIFY:n SIGNO:n NOTIFY_PID:n".
        try {
          for (String field : Files.readString(p).trim().split("\\s+")) {
            int colon = field.indexOf(':');
            if (colon > 0) {
              e.details.put(field.substring(0, colon).toLowerCase(java.util.Locale.ROOT),
                  Long.parseLong(field.substring(colon + 1)));
            }
          }
          Object q = e.details.get("qsize");
          if (q instanceof Long) {
            e.size = (Long) q;
          }
        } catch (IOException | NumberFormatException ignored) {
          // unreadable (another user's queue): listed without its counters
        }
        entries.add(e);
      }
    }
  }

  private static List<Path> sorted(DirectoryStream<Path> dir) {
    List<Path> list = new ArrayList<>();
    dir.forEach(list::add);
    list.sort(null);
    return list;
  }

  /** Owner, mode and size; null when the object vanished while listing. */
  private static Entry describe(Path p) {
    try {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Entry e = new Entry();
      e.path = p;
      e.owner = a.owner().getName();
      e.uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      e.mode = octal(a.permissions());
      e.size = a.size();
      return e;
    } catch (IOException e) {
      return null;
    }
  }

  static String octal(Set<PosixFilePermission> perms) {
    int mode = 0;
    for (PosixFilePermission p : perms) {
      mode |= 1 << (8 - p.ordinal());
    }
    return String.format("0%03o", mode);
  }

  static boolean mqueueMounted() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 2 && f[2].equals("mqueue") && f[1].equals(MQUEUE.toString())) {
          return true;
        }
      }
    } catch (IOException ignored) {
      // no /proc: treat as not mounted
    }
    return false;
  }
}
