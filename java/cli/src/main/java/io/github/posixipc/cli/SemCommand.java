package io.github.posixipc.cli;

import io.github.posixipc.NamedSemaphore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Manual tools for named POSIX semaphores. */
@Command(
    name = "sem",
    description = "Create, post, wait on, read and remove named POSIX semaphores.",
    subcommands = {SemCommand.Create.class, SemCommand.Post.class, SemCommand.Wait.class,
        SemCommand.Value.class, SemCommand.Remove.class})
final class SemCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", description = "Create a named semaphore (fails if it exists).")
  static final class Create implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "/name") String name;

    @Option(names = "--value", defaultValue = "0", description = "Initial value (default: ${DEFAULT-VALUE}).")
    int value;

    @Option(names = "--mode", defaultValue = "0600", description = "Permission bits, octal (default: ${DEFAULT-VALUE}).")
    String mode;

    @Override
    public Integer call() throws IOException {
      NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(value).mode(ShmCommand.mode(mode))).close();
      return 0;
    }
  }

  @Command(name = "post", description = "Add one to a named semaphore (or --count).")
  static final class Post implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--count", defaultValue = "1", description = "How many times (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws IOException {
      if (count < 1) {
        throw new IllegalArgumentException("--count must be positive");
      }
      try (NamedSemaphore s = NamedSemaphore.open(name)) {
        for (int i = 0; i < count; i++) {
          s.post();
        }
      }
      return 0;
    }
  }

  @Command(name = "wait", description = "Take one from a named semaphore, waiting while it is 0.")
  static final class Wait implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: forever; 0s only tries).")
    Duration timeout;

    @Override
    public Integer call() throws IOException, InterruptedException {
      try (NamedSemaphore s = NamedSemaphore.open(name)) {
        s.acquire(timeout);
      }
      return 0;
    }
  }

  @Command(name = "value", description = "Print the value of a named semaphore.")
  static final class Value implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (NamedSemaphore s = NamedSemaphore.open(name)) {
        spec.commandLine().getOut().println(s.value());
      }
      return 0;
    }
  }

  @Command(name = "rm", description = "Remove a named semaphore's name (sem_unlink).")
  static final class Remove implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Override
    public Integer call() throws IOException {
      NamedSemaphore.unlink(name);
      return 0;
    }
  }
}
