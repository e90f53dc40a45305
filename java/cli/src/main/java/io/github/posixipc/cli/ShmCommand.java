package io.github.posixipc.cli;

import io.github.posixipc.Access;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.SharedMemory;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Manual tools for POSIX shared memory objects. */
@Command(
    name = "shm",
    description = "Create, dump and remove POSIX shared memory objects.",
    subcommands = ShmCommand.Dump.class)
final class ShmCommand extends CommandGroup {

  @Command(name = "create", description = "Create a shared memory object of SIZE bytes, every page allocated (fails if it exists).")
  void create(
      @Parameters(index = "0", paramLabel = "NAME", description = Args.IPC_NAME) String name,
      @Parameters(index = "1", paramLabel = "SIZE", converter = Args.Size.class,
          description = "The size in bytes, or with a unit: k, m or g.")
          long size,
      @Mixin Args.Mode mode)
      throws IOException {
    SharedMemory.create(name, size, SharedMemory.options().mode(mode.bits)).close();
  }

  @Command(name = "dump", description = "Print the bytes of a shared memory object in hex and ASCII.")
  static final class Dump implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name;

    @Option(names = "--offset", defaultValue = "0", paramLabel = "BYTES", converter = Args.Size.class,
        description = "The first byte (default: ${DEFAULT-VALUE}).")
    long from;

    @Option(names = "--length", paramLabel = "BYTES", converter = Args.Size.class,
        description = "How many bytes (default: up to the end, at most 4096).")
    Long length;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (SharedMemory shm = SharedMemory.open(name, SharedMemory.options().access(Access.READ))) {
        long total = shm.size();
        long n = length != null ? length : Math.min(4096, Math.max(0, total - from));
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
          hexDump(out, r, start, from, n);
        }
      }
      return 0;
    }
  }

  /** Prints n bytes from offset from, in hex and ASCII, of a region that starts at offset start. */
  static void hexDump(PrintWriter out, MappedRegion r, long start, long from, long n) {
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

  @Command(name = "rm", description = "Remove a shared memory object's name (shm_unlink).")
  void remove(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name) throws IOException {
    SharedMemory.unlink(name);
  }
}
