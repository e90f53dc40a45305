package io.github.posixipc.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that only groups subcommands ({@code posixipc mq}, {@code posixipc socket}, ...):
 * run without one, it prints its usage and exits 0, as {@code --help} does.
 */
abstract class CommandGroup implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
