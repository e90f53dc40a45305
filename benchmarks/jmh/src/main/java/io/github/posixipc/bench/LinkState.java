package io.github.posixipc.bench;

import java.io.IOException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The link a benchmark runs over, for the mechanism and contender the driver passes (these
 * parameters' values are the defaults), opened once per trial and closed after it.
 */
@State(Scope.Thread)
public abstract class LinkState {

  @Param({"pipe", "fifo"})
  public String mechanism;

  @Param({"posixipc", "jdk"})
  public String contender;

  Link link;

  /** Round trips need an echo server, streams a sink. */
  abstract boolean echo();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    if (Boolean.getBoolean(Server.UNPINNED_PROPERTY)) {
      Server.widen();
    }
    link = Link.open(mechanism, contender, echo());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    link.close();
  }
}
