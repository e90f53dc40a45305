package io.github.posixipc.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who holds each object {@code posixipc ls --holders} lists, from what Linux shows of every
 * process it may read: its open descriptors ({@code /proc/PID/fd}: POSIX queues, segments and
 * semaphore files open) and its mappings ({@code /proc/PID/maps}: POSIX segments and named
 * semaphores mapped, System V segments attached, which the kernel names {@code /SYSV<key>} with
 * the segment's identifier as the inode). System V queues and semaphore sets are reached by
 * identifier, with nothing to hold open: no process can be named for them, and none is. Processes
 * of other users are visible to root only.
 */
final class Holders {

  private Holders() {}

  /** What one process holds of one object: "open", "mapped" or "attached". */
  private static final class Holder {
    final int pid;
    final String command;
    final TreeSet<String> how = new TreeSet<>();

    Holder(int pid, String command) {
      this.pid = pid;
      this.command = command;
    }
  }

  /** Adds a "holders" detail to every entry whose holders Linux makes visible. */
  static void annotate(List<LsCommand.Entry> entries, boolean json) {
    Map<String, Map<Integer, Holder>> held = scan();
    for (LsCommand.Entry e : entries) {
      String key = keyOf(e);
      if (key == null) {
        continue;
      }
      Map<Integer, Holder> h = held.getOrDefault(key, Map.of());
      if (json) {
        List<Object> list = new ArrayList<>();
        for (Holder x : h.values()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("pid", x.pid);
          m.put("command", x.command);
          m.put("how", new ArrayList<Object>(x.how));
          list.add(m);
        }
        e.details.put("holders", list);
      } else {
        StringBuilder sb = new StringBuilder();
        for (Holder x : h.values()) {
          sb.append(sb.length() > 0 ? "," : "").append(x.pid).append('(').append(x.command).append(':')
              .append(String.join("+", x.how)).append(')');
        }
        e.details.put("holders", sb.length() > 0 ? sb.toString() : "none");
      }
    }
  }

  /** The key under which scan files what holds e, or null when Linux shows no holder of its kind. */
  private static String keyOf(LsCommand.Entry e) {
    switch (e.type) {
      case "shm":
      case "semaphore":
        return e.path.toString();
      case "mqueue":
        return "mq:" + e.name;
      case "sysv-shm":
        return "sysv-shm:" + e.details.get("id");
      default:
        return null;
    }
  }

  /** Every visible holding, by object key, then by pid. */
  private static Map<String, Map<Integer, Holder>> scan() {
    Map<String, Map<Integer, Holder>> held = new TreeMap<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        int pid = Integer.parseInt(proc.getFileName().toString());
        String command;
        try {
          command = Files.readString(proc.resolve("comm")).trim();
        } catch (IOException ended) {
          continue;
        }
        descriptors(held, proc, pid, command);
        mappings(held, proc, pid, command);
      }
    } catch (IOException ignored) {
      // no /proc: nothing is visible
    }
    return held;
  }

  private static void add(Map<String, Map<Integer, Holder>> held, String key, int pid, String command, String how) {
    held.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(pid, p -> new Holder(pid, command)).how.add(how);
  }

  private static void descriptors(Map<String, Map<Integer, Holder>> held, Path proc, int pid, String command) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException closed) {
          continue;
        }
        if (target.startsWith(LsCommand.SHM + "/")) {
          add(held, strip(target), pid, command, "open");
        } else if (target.matches("/[^/]+")) {
          // A queue descriptor reads as "/NAME", the path inside the mqueue file system; a
          // file of that name in / would too, but only a listed queue is ever looked up.
          add(held, "mq:" + target, pid, command, "open");
        }
      }
    } catch (IOException ignored) {
      // another user's process, or gone
    }
  }

  private static void mappings(Map<String, Map<Integer, Holder>> held, Path proc, int pid, String command) {
    List<String> lines;
    try {
      lines = Files.readAllLines(proc.resolve("maps"));
    } catch (IOException ignored) {
      return;
    }
    for (String line : lines) {
      // address perms offset dev inode path
      String[] f = line.trim().split("\\s+", 6);
      if (f.length < 6) {
        continue;
      }
      String path = f[5];
      if (path.startsWith(LsCommand.SHM + "/")) {
        add(held, strip(path), pid, command, "mapped");
      } else if (path.startsWith("/SYSV")) {
        add(held, "sysv-shm:" + f[4], pid, command, "attached");
      }
    }
  }

  /** A path without the " (deleted)" the kernel adds once its name is gone. */
  private static String strip(String path) {
    return path.endsWith(" (deleted)") ? path.substring(0, path.length() - " (deleted)".length()) : path;
  }
}
