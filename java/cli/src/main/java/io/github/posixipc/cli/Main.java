package io.github.posixipc.cli;

import io.github.posixipc.PosixException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code posixipc}: the tour of every mechanism between real processes, inspection of the IPC
 * objects on this machine, manual tools per mechanism, and the benchmarks.
 *
 * <p>Exit status: 0 done, 1 a system call failed (the message names the call, the object and the
 * errno), 2 bad usage.
 */
@Command(
    name = "posixipc",
    versionProvider = Main.Version.class,
    description = "POSIX inter-process communication: tour, inspect and exercise every mechanism.",
    subcommands = {
      TourCommand.class,
      LsCommand.class,
      FifoCommand.class,
      BenchCommand.class,
      SignalCommand.class,
      MqCommand.class,
      SocketCommand.class,
      ShmCommand.class,
      SemCommand.class,
      SysvCommand.class,
      ChannelCommand.class,
      PeerCommand.class,
    })
public final class Main extends CommandGroup {

  // Declared once here and inherited by every group and subcommand at any depth, so that no
  // command can be added without answering -h and --help.
  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
      description = "Show this help message and exit.")
  boolean help;

  // Only the tool as a whole has a version: the subcommands are part of it.
  @Option(names = {"-V", "--version"}, versionHelp = true,
      description = "Print the version of the tool and exit.")
  boolean version;

  public static void main(String[] args) {
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the tool with the given output streams; returns the exit status. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof PosixException || e instanceof IOException) {
        err.println("posixipc: " + e.getMessage());
        return 1;
      }
      if (e instanceof IllegalArgumentException) {
        err.println("posixipc: " + e.getMessage());
        return 2;
      }
      throw e;
    });
    int status = cl.execute(args);
    out.flush();
    err.flush();
    return status;
  }

  /** The whole command tree, configured as the tool runs it. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.registerConverter(Duration.class, Main::parseDuration);
    listSubcommandsByName(cl);
    return cl;
  }

  /**
   * Makes each group below the root list its subcommands by name. picocli lists the ones a group
   * declares as methods in the order reflection returns them, which the JVM does not fix; the
   * root keeps its own order, the tour first.
   */
  private static void listSubcommandsByName(CommandLine parent) {
    for (CommandLine group : parent.getSubcommands().values()) {
      if (!group.getSubcommands().isEmpty()) {
        group.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
            help -> help.commandList(new TreeMap<>(help.subcommands())));
        listSubcommandsByName(group);
      }
    }
  }

  /** "250ms", "5s", "2m", "1h", a bare number of seconds, or ISO-8601 ("PT5S"). */
  static Duration parseDuration(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("pt") || s.startsWith("p")) {
        return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      }
      if (s.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
      }
      if (s.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new CommandLine.TypeConversionException(
          "'" + text + "' is not a duration (examples: 250ms, 5s, 2m, PT1.5S)");
    }
  }

  /** The version of the tool and of the C core it runs on. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"posixipc " + (v != null ? v : "(development build)")};
    }
  }
}
