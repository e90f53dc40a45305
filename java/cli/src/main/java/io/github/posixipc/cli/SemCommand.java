package io.github.posixipc.cli;

import io.github.posixipc.NamedSemaphore;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Manual tools for named POSIX semaphores. */
@Command(name = "sem", description = "Create, post, wait on, read and remove named POSIX semaphores.")
final class SemCommand extends CommandGroup {

  @Command(name = "create", description = "Create a named semaphore (fails if it exists).")
  void create(
      @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name,
      @Option(names = "--value", defaultValue = "0", paramLabel = "N", description = "The initial value (default: ${DEFAULT-VALUE}).")
          int value,
      @Mixin Args.Mode mode)
      throws IOException {
    NamedSemaphore.open(name, NamedSemaphore.options().exclusive().initialValue(value).mode(mode.bits)).close();
  }

  @Command(name = "post", description = "Add one to a named semaphore, or --count.")
  void post(
      @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name,
      @Option(names = "--count", defaultValue = "1", paramLabel = "N", converter = Args.Positive.class,
          description = "How many times to post (default: ${DEFAULT-VALUE}).")
          int count)
      throws IOException {
    try (NamedSemaphore s = NamedSemaphore.open(name)) {
      for (int i = 0; i < count; i++) {
        s.post();
      }
    }
  }

  @Command(name = "wait", description = "Take one from a named semaphore, waiting while it is 0.")
  void await(
      @Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name,
      @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait (default: forever; 0s only tries).")
          Duration timeout)
      throws IOException, InterruptedException {
    try (NamedSemaphore s = NamedSemaphore.open(name)) {
      s.acquire(timeout);
    }
  }

  @Command(name = "value", description = "Print the value of a named semaphore.")
  void value(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name) throws IOException {
    try (NamedSemaphore s = NamedSemaphore.open(name)) {
      spec.commandLine().getOut().println(s.value());
    }
  }

  @Command(name = "rm", description = "Remove a named semaphore's name (sem_unlink).")
  void remove(@Parameters(paramLabel = "NAME", description = Args.IPC_NAME) String name) throws IOException {
    NamedSemaphore.unlink(name);
  }
}
