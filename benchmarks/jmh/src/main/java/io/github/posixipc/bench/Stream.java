package io.github.posixipc.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/** Writes into the sink server; one operation is one chunk. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Stream extends LinkState {

  @Override
  boolean echo() {
    return false;
  }

  @Benchmark
  public int write() throws IOException {
    return link.writeChunk();
  }

  /** The server's context switches, counted over the measured iterations only (outside their time). */
  @Setup(Level.Iteration)
  public void startCounting(IterationParams p) throws IOException {
    if (p.getType() == IterationType.MEASUREMENT) {
      link.countSwitches(true);
    }
  }

  @TearDown(Level.Iteration)
  public void endCounting(IterationParams p) throws IOException {
    if (p.getType() == IterationType.MEASUREMENT) {
      link.countSwitches(false);
    }
  }
}
