package io.github.posixipc.cli;

import io.github.posixipc.Access;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Manual tools for POSIX shared memory objects. */
@Command(
    name = "shm",
    description = "Create, dump and remove POSIX shared memory objects.",
    subcommands = {ShmCommand.Create.class, ShmCommand.Dump.class, ShmCommand.Remove.class})
final class ShmCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Octal permission bits (at most 0777), for objects that are not files. */
  static int mode(String text) {
    int m = FifoCommand.mode(text);
    if ((m & ~0777) != 0) {
      throw new IllegalArgumentException("'" + text + "' has bits outside 0777");
    }
    return m;
  }

  /** "4096", "64k", "2m", "1g": a size in bytes. */
  static long size(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (s.endsWith("k") || s.endsWith("m") || s.endsWith("g")) {
      unit = s.endsWith("k") ? 1L << 10 : s.endsWith("m") ? 1L << 20 : 1L << 30;
      s = s.substring(0, s.length() - 1);
    }
    try {
      long n = Long.parseLong(s);
      if (n >= 0 && n <= Long.MAX_VALUE / unit) {
        return n * unit;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("'" + text + "' is not a size such as 4096, 64k or 2m");
  }

  @Command(name = "create", description = "Create a shared memory object of SIZE bytes, every page allocated (fails if it exists).")
  static final class Create implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "/name") String name;

    @Parameters(index = "1", paramLabel = "SIZE", description = "bytes, or with k, m, g") String size;

    @Option(names = "--mode", defaultValue = "0600", description = "Permission bits, octal (default: ${DEFAULT-VALUE}).")
    String mode;

    @Override
    public Integer call() throws IOException {
      SharedMemory.create(name, size(size), SharedMemory.options().mode(mode(mode))).close();
      return 0;
    }
  }

  @Command(name = "dump", description = "Print the bytes of a shared memory object in hex and ASCII.")
  static final class Dump implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--offset", defaultValue = "0", description = "First byte (default: 0).") String offset;

    @Option(names = "--length", description = "How many bytes (default: up to the end, at most 4096).") String length;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      long from = size(offset);
      try (SharedMemory shm = SharedMemory.open(name, SharedMemory.options().access(Access.READ))) {
        long total = shm.size();
        long n = length != null ? size(length) : Math.min(4096, Math.max(0, total - from));
        if (from > total || n > total - from) {
          throw new IllegalArgumentException("[" + from + ", " + (from + n) + ") is beyond the end of "
              + name + " (" + total + " bytes)");
        }
        out.printf(Locale.ROOT, "%s: %d bytes%n", name, total);
        if (n == 0) {
          return 0;
        }
        long page = SharedMemory.pageSize();
        long start = from / page * page;
        try (MappedRegion r = shm.map(start, from + n - start)) {
          byte[] line = new byte[16];
          for (long at = from; at < from + n; at += 16) {
            int k = (int) Math.min(16, from + n - at);
            r.get(at - start, line, 0, k);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%08x ", at));
            for (int i = 0; i < 16; i++) {
              sb.append(i == 8 ? "  " : " ");
              sb.append(i < k ? String.format(Locale.ROOT, "%02x", line[i] & 0xff) : "  ");
            }
            sb.append("  |");
            for (int i = 0; i < k; i++) {
              int c = line[i] & 0xff;
              sb.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
            }
            out.println(sb.append('|'));
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", description = "Remove a shared memory object's name (shm_unlink).")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      SharedMemory.unlink(name);
      return 0;
    }
  }
}
