package io.github.posixipc.cli;

import io.github.posixipc.SysV;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The System V objects for {@code posixipc ls}, as {@code ipcs} shows them: read from the
 * kernel's tables in /proc/sysvipc (msg, shm, sem), which list every object of this IPC
 * namespace with its key, identifier, owner, mode and counters, readable by every user.
 */
final class SysvList {

  static final Path DIR = Path.of("/proc/sysvipc");

  private SysvList() {}

  /** Adds an entry per System V object; nothing when /proc/sysvipc is missing. */
  static void scan(List<LsCommand.Entry> entries) {
    Map<Integer, String> users = users();
    scan(entries, "msg", "sysv-msg", "msqid", users);
    scan(entries, "shm", "sysv-shm", "shmid", users);
    scan(entries, "sem", "sysv-sem", "semid", users);
  }

  private static void scan(List<LsCommand.Entry> entries, String table, String type, String idColumn,
      Map<Integer, String> users) {
    List<String> lines;
    try {
      lines = Files.readAllLines(DIR.resolve(table));
    } catch (IOException e) {
      return;
    }
    if (lines.isEmpty()) {
      return;
    }
    // The columns are named in the first line; their order is the kernel's to change.
    String[] header = lines.get(0).trim().split("\\s+");
    Map<String, Integer> col = new HashMap<>();
    for (int i = 0; i < header.length; i++) {
      col.put(header[i], i);
    }
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.trim().split("\\s+");
      if (f.length < header.length) {
        continue;
      }
      try {
        LsCommand.Entry e = new LsCommand.Entry();
        int key = (int) Long.parseLong(f[col.get("key")]);
        int id = Integer.parseInt(f[col.get(idColumn)]);
        int perms = Integer.parseInt(f[col.get("perms")], 8);
        e.type = type;
        e.name = key == SysV.PRIVATE ? "IPC_PRIVATE" : SysV.formatKey(key);
        e.path = DIR.resolve(table);
        e.uid = Integer.parseInt(f[col.get("uid")]);
        e.owner = users.getOrDefault(e.uid, Integer.toString(e.uid));
        e.mode = String.format("0%03o", perms & 0777);
        e.details.put("key", SysV.formatKey(key));
        e.details.put("id", id);
        switch (table) {
          case "msg":
            e.size = Long.parseLong(f[col.get("cbytes")]);
            e.details.put("messages", Long.parseLong(f[col.get("qnum")]));
            break;
          case "shm":
            e.size = Long.parseLong(f[col.get("size")]);
            e.details.put("attaches", Long.parseLong(f[col.get("nattch")]));
            e.details.put("creator_pid", Integer.parseInt(f[col.get("cpid")]));
            if ((perms & 01000) != 0) {
              e.details.put("removed", true); // SHM_DEST: gone at the last detach
            }
            break;
          default:
            e.size = Long.parseLong(f[col.get("nsems")]);
            e.details.put("semaphores", e.size);
            break;
        }
        entries.add(e);
      } catch (RuntimeException ignored) {
        // a line of a shape this version does not know: left out rather than misread
      }
    }
  }

  /** User names by uid, from /etc/passwd; empty when it cannot be read. */
  private static Map<Integer, String> users() {
    Map<Integer, String> m = new HashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
        String[] f = line.split(":");
        if (f.length > 2) {
          try {
            m.putIfAbsent(Integer.parseInt(f[2]), f[0]);
          } catch (NumberFormatException ignored) {
            // not a passwd line
          }
        }
      }
    } catch (IOException ignored) {
      // owners shown as numbers
    }
    return m;
  }
}
