package io.github.posixipc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * What the commands take again and again, written once: the help texts of the arguments that mean
 * the same everywhere, the converters that check a value as it is parsed (so a bad one is a usage
 * error, exit 2, naming the option), and the mixins of options that several commands share.
 */
final class Args {

  private Args() {}

  /** The NAME of a queue, a segment or a semaphore. */
  static final String IPC_NAME = "The object's name: a '/' and up to 255 characters, with no other '/'.";

  /** The PATH of a FIFO. */
  static final String FIFO_PATH = "The FIFO's path in the file system.";

  /** The forms of a socket ADDRESS, which the socket group and each of its commands list. */
  static final String ADDRESS_FORMS =
      "unix:PATH, abstract:NAME (in which \\xNN stands for a byte), inet:HOST:PORT or inet6:[HOST]:PORT";

  /** The ADDRESS of a socket. */
  static final String ADDRESS = "The socket's address: " + ADDRESS_FORMS + ".";

  /** A count given as "--count N" or similar: 1 or more. */
  static final class Positive implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      return checked(text, s -> Integer.parseInt(s.trim()), n -> n >= 1, "a positive whole number");
    }
  }

  /** Permission bits in octal ("600", "0640"); the library checks which bits an object takes. */
  static final class Octal implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      return checked(text, s -> Integer.parseInt(s.trim(), 8), m -> (m & ~07777) == 0, "an octal mode such as 0600");
    }
  }

  /** A size in bytes: "4096", or with a binary unit, "64k", "2m", "1g". */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      return checked(text, Size::bytes, n -> n >= 0, "a size such as 4096, 64k or 2m");
    }

    private static long bytes(String text) {
      String s = text.trim().toLowerCase(Locale.ROOT);
      int unit = s.isEmpty() ? -1 : "kmg".indexOf(s.charAt(s.length() - 1));
      if (unit < 0) {
        return Long.parseLong(s);
      }
      return Math.multiplyExact(Long.parseLong(s.substring(0, s.length() - 1)), 1L << (10 * (unit + 1)));
    }
  }

  /**
   * The value parse makes of text, if it parses and accept takes it; otherwise a conversion error
   * that quotes the text and says what was expected, which picocli reports as a usage error.
   */
  private static <T> T checked(String text, Function<String, T> parse, Predicate<T> accept, String expected) {
    try {
      T value = parse.apply(text);
      if (accept.test(value)) {
        return value;
      }
    } catch (NumberFormatException | ArithmeticException ignored) {
      // reported below, with the text the user gave
    }
    throw new TypeConversionException("'" + text + "' is not " + expected);
  }

  /** The --mode option of every command that creates an object. */
  static final class Mode {
    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "0600", converter = Octal.class,
        description = "The permission bits in octal, reduced by the umask (default: ${DEFAULT-VALUE}).")
    int bits;
  }

  /** The --json option, and the two shapes it chooses between for a flat record. */
  static final class JsonOption {
    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    /** Prints the record as a JSON object, or as lines of key=value. */
    void print(PrintWriter out, Map<String, Object> record) {
      if (json) {
        out.println(Json.write(record));
      } else {
        record.forEach((k, v) -> out.println(k + "=" + v));
      }
    }
  }

  /** The words after the first argument, which a command sends. */
  static final String WORDS = "The words to send, joined with spaces; without any, standard input is sent instead.";

  /** The words given, joined with spaces and followed by end ("\n" for a line, "" for a message). */
  static byte[] text(List<String> words, String end) {
    return (String.join(" ", words) + end).getBytes(StandardCharsets.UTF_8);
  }

  /** The words as {@link #text} gives them; all of standard input when there are none. */
  static byte[] textOrStandardInput(List<String> words, String end) throws IOException {
    return words != null && !words.isEmpty() ? text(words, end) : System.in.readAllBytes();
  }
}
