package io.github.posixipc.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** 64 KiB writes into the sink server; one operation is one chunk. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Stream {

  /** The driver passes the mechanism and contender of each run; these are the defaults. */
  @Param({"pipe", "fifo"})
  public String mechanism;

  @Param({"posixipc", "jdk"})
  public String contender;

  private Link link;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    link = Link.open(mechanism, contender, false);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    link.close();
  }

  @Benchmark
  public int write() throws IOException {
    return link.writeChunk();
  }
}
