package io.github.posixipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help of the whole command tree, walked from the root the way picocli builds it, so that a
 * command added later is checked without being named here: every group and subcommand answers
 * {@code --help} and {@code -h} with its usage and exit status 0, and every help text is made of
 * whole sentences that the tool wraps itself.
 */
class HelpTest {

  /** A command of the tree and the words that reach it ("mq", "send"). */
  record Node(List<String> path, CommandLine command) {
    String words() {
      return String.join(" ", path);
    }
  }

  /** Every command below the root, depth first; aliases lead to the same command only once. */
  static List<Node> tree() {
    List<Node> nodes = new ArrayList<>();
    walk(Main.commandLine(), new ArrayList<>(), nodes, new IdentityHashMap<>());
    return nodes;
  }

  private static void walk(CommandLine cl, List<String> path, List<Node> nodes, Map<CommandLine, Boolean> seen) {
    if (seen.put(cl, Boolean.TRUE) != null) {
      return;
    }
    nodes.add(new Node(List.copyOf(path), cl));
    for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
      path.add(sub.getKey());
      walk(sub.getValue(), path, nodes, seen);
      path.remove(path.size() - 1);
    }
  }

  private static String[] with(List<String> path, String last) {
    List<String> args = new ArrayList<>(path);
    args.add(last);
    return args.toArray(new String[0]);
  }

  @Test
  void theWalkReachesEveryGroupAndItsSubcommands() {
    List<String> all = tree().stream().map(Node::words).toList();
    // The groups the issue names, and a few leaves, so that a walk that stopped early fails.
    for (String expected : new String[] {"", "tour", "ls", "mq", "mq send", "mq limits", "socket",
        "socket listen", "fifo write", "shm dump", "sem wait", "signal send", "bench", "peer"}) {
      assertTrue(all.contains(expected), "'" + expected + "' is not in the tree " + all);
    }
  }

  @TestFactory
  List<DynamicTest> everyCommandAnswersHelpWithItsUsageAndExitZero() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Node n : tree()) {
      for (String flag : new String[] {"--help", "-h"}) {
        tests.add(DynamicTest.dynamicTest("posixipc " + n.words() + " " + flag, () -> {
          CliTest.Run r = CliTest.run(with(n.path(), flag));
          assertEquals(0, r.status(), r.err());
          assertEquals("", r.err());
          String usage = ("Usage: posixipc " + n.words()).trim();
          assertTrue(r.out().startsWith(usage), "starts with '" + usage + "':\n" + r.out());
          assertTrue(r.out().contains("-h, --help"), "lists the help option:\n" + r.out());
        }));
      }
    }
    return tests;
  }

  @TestFactory
  List<DynamicTest> aGroupRunWithoutASubcommandPrintsItsUsage() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Node n : tree()) {
      if (n.command().getSubcommands().isEmpty()) {
        continue;
      }
      tests.add(DynamicTest.dynamicTest("posixipc " + n.words(), () -> {
        CliTest.Run r = CliTest.run(n.path().toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith(("Usage: posixipc " + n.words()).trim()), r.out());
        List<String> listed = new ArrayList<>();
        for (String sub : n.command().getSubcommands().keySet()) {
          boolean hidden = n.command().getSubcommands().get(sub).getCommandSpec().usageMessage().hidden();
          int line = lineOf(r.out(), sub);
          assertEquals(!hidden, line >= 0, sub + " is listed unless hidden:\n" + r.out());
          if (line >= 0) {
            listed.add(sub);
          }
        }
        if (!n.path().isEmpty()) {
          // Below the root, a group lists its commands by name, the same way on every run.
          List<String> byLine = new ArrayList<>(listed);
          byLine.sort((a, b) -> Integer.compare(lineOf(r.out(), a), lineOf(r.out(), b)));
          assertEquals(listed.stream().sorted().toList(), byLine, r.out());
        }
      }));
    }
    return tests;
  }

  /** The line of the command list that names sub, or -1. */
  private static int lineOf(String usage, String sub) {
    List<String> lines = usage.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches("  " + Pattern.quote(sub) + "\\s.*")) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A whole sentence, or several: it starts as a sentence starts and ends as one ends. A line that
   * continues a sentence cut by a hard line break in the source fails one end or the other.
   */
  private static final Pattern SENTENCES = Pattern.compile("[A-Z0-9'\"].*[.!?]\\)?", Pattern.DOTALL);

  @Test
  void everyHelpTextIsMadeOfWholeSentences() {
    List<String> bad = new ArrayList<>();
    int checked = 0;
    for (Node n : tree()) {
      CommandSpec spec = n.command().getCommandSpec();
      List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
      for (ArgSpec arg : spec.args()) {
        texts.addAll(List.of(arg.description()));
      }
      for (String text : texts) {
        checked++;
        if (!SENTENCES.matcher(text.strip()).matches() || text.contains("\n")) {
          bad.add("posixipc " + n.words() + ": \"" + text + "\"");
        }
      }
    }
    assertTrue(checked > 50, "checked only " + checked + " texts");
    assertTrue(bad.isEmpty(), "not whole sentences (each description element must be one or more):\n"
        + String.join("\n", bad));
  }

  @Test
  void everyOptionAndParameterIsDescribed() {
    List<String> bare = new ArrayList<>();
    for (Node n : tree()) {
      for (ArgSpec arg : n.command().getCommandSpec().args()) {
        if (!arg.hidden() && arg.description().length == 0) {
          bare.add("posixipc " + n.words() + ": " + arg.paramLabel()
              + (arg.isOption() ? " (" + ((CommandLine.Model.OptionSpec) arg).longestName() + ")" : ""));
        }
      }
    }
    assertTrue(bare.isEmpty(), "no description:\n" + String.join("\n", bare));
  }
}
