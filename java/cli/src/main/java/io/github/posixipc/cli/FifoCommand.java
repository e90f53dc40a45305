package io.github.posixipc.cli;

import io.github.posixipc.Access;
import io.github.posixipc.Fifo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Manual tools for FIFOs. */
@Command(name = "fifo", description = "Create, read, write and remove FIFOs (named pipes).")
final class FifoCommand extends CommandGroup {

  @Command(name = "create", description = "Create a FIFO (mkfifo).")
  void create(@Parameters(paramLabel = "PATH", description = Args.FIFO_PATH) Path path, @Mixin Args.Mode mode)
      throws IOException {
    Fifo.create(path, Fifo.options().mode(mode.bits));
  }

  @Command(name = "read", description = "Open a FIFO for reading and copy what comes to standard output, until every writer has closed.")
  void read(
      @Parameters(paramLabel = "PATH", description = Args.FIFO_PATH) Path path,
      @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for a writer (default: forever).")
          Duration timeout)
      throws IOException {
    try (Fifo in = Fifo.open(path, Access.READ, timeout)) {
      in.inputStream().transferTo(System.out);
      System.out.flush();
    }
  }

  @Command(name = "write", description = "Open a FIFO for writing and write the words given as a line, or standard input.")
  void write(
      @Parameters(index = "0", paramLabel = "PATH", description = Args.FIFO_PATH) Path path,
      @Parameters(index = "1..*", paramLabel = "TEXT", description = Args.WORDS) List<String> words,
      @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for a reader (default: forever).")
          Duration timeout)
      throws IOException {
    try (Fifo out = Fifo.open(path, Access.WRITE, timeout)) {
      OutputStream os = out.outputStream();
      if (words != null && !words.isEmpty()) {
        os.write(Args.text(words, "\n"));
      } else {
        // Copied as it comes rather than read whole first: a FIFO often carries a long stream.
        System.in.transferTo(os);
      }
    }
  }

  @Command(name = "rm", description = "Remove a FIFO (refuses anything that is not a FIFO).")
  void remove(@Parameters(paramLabel = "PATH", description = Args.FIFO_PATH) Path path) throws IOException {
    Fifo.unlink(path);
  }
}
