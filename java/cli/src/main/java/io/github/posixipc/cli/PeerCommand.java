package io.github.posixipc.cli;

import io.github.posixipc.peer.JavaPeer;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Runs the Java peer in this process: what the tour starts in a child JVM. */
@Command(name = "peer", hidden = true, description = "Run the Java peer (used by the tour).")
final class PeerCommand implements Callable<Integer> {

  @Parameters(arity = "1..*", paramLabel = "ARG",
      description = "The peer's role and its arguments, as the tour passes them (sink IN, source OUT COUNT SEED, echo IN OUT, ...).")
  List<String> args;

  @Override
  public Integer call() throws Exception {
    return JavaPeer.run(args.toArray(new String[0]));
  }
}
