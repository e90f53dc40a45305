package io.github.posixipc.cli;

import io.github.posixipc.Access;
import io.github.posixipc.Fifo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Manual tools for FIFOs. */
@Command(
    name = "fifo",
    description = "Create, read, write and remove FIFOs (named pipes).",
    subcommands = {FifoCommand.Create.class, FifoCommand.Read.class, FifoCommand.Write.class, FifoCommand.Remove.class})
final class FifoCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Octal mode from the command line ("600", "0640"). */
  static int mode(String text) {
    try {
      int m = Integer.parseInt(text, 8);
      if ((m & ~07777) == 0) {
        return m;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("'" + text + "' is not an octal mode such as 0600");
  }

  @Command(name = "create", description = "Create a FIFO (mkfifo).")
  static final class Create implements Callable<Integer> {
    @Parameters(paramLabel = "PATH") Path path;

    @Option(names = "--mode", defaultValue = "0600", description = "Permission bits, octal (default: ${DEFAULT-VALUE}).")
    String mode;

    @Override
    public Integer call() throws IOException {
      Fifo.create(path, Fifo.options().mode(mode(mode)));
      return 0;
    }
  }

  @Command(name = "read", description = "Open a FIFO for reading and copy what comes to standard output, until every writer has closed.")
  static final class Read implements Callable<Integer> {
    @Parameters(paramLabel = "PATH") Path path;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for a writer (default: forever).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
      try (Fifo in = Fifo.open(path, Access.READ, timeout)) {
        InputStream is = in.inputStream();
        OutputStream os = System.out;
        is.transferTo(os);
        os.flush();
      }
      return 0;
    }
  }

  @Command(name = "write", description = "Open a FIFO for writing and write the words given, or standard input.")
  static final class Write implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH") Path path;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = "Written with spaces between and a newline; without it, standard input is copied.")
    List<String> text;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for a reader (default: forever).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
      try (Fifo out = Fifo.open(path, Access.WRITE, timeout)) {
        OutputStream os = out.outputStream();
        if (text != null && !text.isEmpty()) {
          os.write((String.join(" ", text) + "\n").getBytes(StandardCharsets.UTF_8));
        } else {
          System.in.transferTo(os);
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", description = "Remove a FIFO (refuses anything that is not a FIFO).")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "PATH") Path path;

    @Override
    public Integer call() throws IOException {
      Fifo.unlink(path);
      return 0;
    }
  }
}
