package io.github.posixipc.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** 64-byte round trips with the echo server; SampleTime gives the median and p99. */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RoundTrip extends LinkState {

  @Override
  boolean echo() {
    return true;
  }

  @Benchmark
  public int roundTrip() throws IOException {
    return link.roundTrip();
  }
}
