package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.PosixException;
import io.github.posixipc.SocketType;
import io.github.posixipc.peer.JavaPeer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The tour: every mechanism between this JVM and a separate process — the C peer program and a
 * child JVM — with 64-byte round trips and a bulk transfer, every byte verified.
 */
@Command(
    name = "tour",
    description = {
      "Exchange data with a C peer and a Java peer over every mechanism: 64-byte round trips (median and p99)"
          + " and a bulk transfer through the peer and back (every byte compared).",
      "Exit status 1 if any row failed."
    })
final class TourCommand implements Callable<Integer> {

  /** Every mechanism the tour knows, in table order. Each mechanism adds itself here. */
  static final List<TourMechanism> MECHANISMS = List.of(
      TourMechanism.of("pipe", PipeTour::pipes),
      TourMechanism.of("FIFO", PipeTour::fifos),
      new TourMechanism("signal", false, SignalTour::connect),
      TourMechanism.of("message queue", MqTour::connect),
      TourMechanism.of("unix-stream", kind -> SocketTour.connected(SocketType.STREAM, kind)),
      TourMechanism.of("unix-seqpacket", kind -> SocketTour.connected(SocketType.SEQPACKET, kind)),
      TourMechanism.of("unix-dgram", SocketTour::datagrams),
      TourMechanism.of("java.net socket", SocketTour::javaNet),
      TourMechanism.of("shm+sem", ShmTour::connect),
      TourMechanism.of("shm spin", ShmSpinTour::connect),
      TourMechanism.of("sysv msg", SysvTour::connect),
      TourMechanism.of("sysv shm+sem", SysvShmTour::connect),
      TourMechanism.of("channel", ChannelTour::connect));

  private static final int MESSAGE = 64;
  private static final int WARMUP = 300;

  @Spec CommandSpec spec;

  @Mixin Args.JsonOption output;

  @Option(names = "--round-trips", defaultValue = "3000", paramLabel = "N", converter = Args.Positive.class,
      description = "How many round trips each row measures (default: ${DEFAULT-VALUE}).")
  int roundTrips;

  @Option(names = "--bulk-mib", defaultValue = "32", paramLabel = "MIB", converter = Args.Positive.class,
      description = "The size of the bulk transfer in MiB (default: ${DEFAULT-VALUE}).")
  int bulkMib;

  @Option(names = "--only", split = ",", paramLabel = "MECHANISM",
      description = "Run only these mechanisms, by the names the table shows.")
  List<String> only;

  @Option(names = "--peer", split = ",", paramLabel = "C|Java", description = "Run only with these peers.")
  List<String> peers;

  /** One row of the table. */
  static final class Row {
    final String mechanism;
    final Peers.Kind peer;
    double p50Micros = Double.NaN;
    double p99Micros = Double.NaN;
    double megabytesPerSecond = Double.NaN;
    String errno;
    String error;

    Row(String mechanism, Peers.Kind peer) {
      this.mechanism = mechanism;
      this.peer = peer;
    }

    boolean ok() {
      return error == null;
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mechanism", mechanism);
      m.put("peer", peer.label());
      m.put("round_trip_p50_us", p50Micros);
      m.put("round_trip_p99_us", p99Micros);
      m.put("throughput_mb_s", megabytesPerSecond);
      m.put("result", ok() ? "ok" : "error");
      m.put("errno", errno);
      m.put("error", error);
      return m;
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<TourMechanism> chosen = new ArrayList<>();
    for (TourMechanism m : MECHANISMS) {
      if (only == null || only.stream().anyMatch(n -> n.equalsIgnoreCase(m.name()))) {
        chosen.add(m);
      }
    }
    List<Peers.Kind> kinds = new ArrayList<>();
    for (Peers.Kind k : Peers.Kind.values()) {
      if (peers == null || peers.stream().anyMatch(n -> n.equalsIgnoreCase(k.label()))) {
        kinds.add(k);
      }
    }
    if (chosen.isEmpty() || kinds.isEmpty()) {
      throw new IllegalArgumentException("nothing to run: known mechanisms are "
          + MECHANISMS.stream().map(TourMechanism::name).toList() + ", peers C and Java");
    }
    ByteBuffer bulk = ByteBuffer.allocateDirect(bulkMib << 20);
    JavaPeer.fillPattern(bulk, 1, 0);

    List<Row> rows = new ArrayList<>();
    int total = chosen.size() * kinds.size();
    long start = System.nanoTime();
    for (TourMechanism m : chosen) {
      for (Peers.Kind k : kinds) {
        err.printf("[%d/%d] %s with the %s peer ...%n", rows.size() + 1, total, m.name(), k.label());
        err.flush();
        rows.add(run(m, k, bulk));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    boolean allOk = rows.stream().allMatch(Row::ok);
    if (output.json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("round_trips", roundTrips);
      doc.put("message_bytes", MESSAGE);
      doc.put("bulk_bytes", (long) bulkMib << 20);
      doc.put("seconds", seconds);
      doc.put("ok", allOk);
      List<Object> list = new ArrayList<>();
      rows.forEach(r -> list.add(r.toJson()));
      doc.put("rows", list);
      out.println(Json.write(doc));
    } else {
      printTable(out, rows, seconds);
    }
    return allOk ? 0 : 1;
  }

  private void printTable(PrintWriter out, List<Row> rows, double seconds) {
    out.println();
    out.printf("posixipc tour: %d-byte round trips (%d per row) and %d MiB through the peer and back%n",
        MESSAGE, roundTrips, bulkMib);
    out.println();
    Table t = new Table("mechanism", "peer", "round trip p50", "p99", "throughput", "result").right(2, 3, 4);
    for (Row r : rows) {
      t.add(r.mechanism, r.peer.label(), micros(r.p50Micros), micros(r.p99Micros),
          Double.isNaN(r.megabytesPerSecond) ? "-" : String.format(Locale.ROOT, "%.0f MB/s", r.megabytesPerSecond),
          r.ok() ? "ok" : r.error);
    }
    t.print(out);
    out.println();
    long failed = rows.stream().filter(r -> !r.ok()).count();
    out.printf(Locale.ROOT, "%d of %d rows ok in %.1f s.%s%n", rows.size() - failed, rows.size(), seconds,
        " Figures come from this machine, unpinned; 'posixipc bench' measures carefully.");
  }

  private static String micros(double us) {
    return Double.isNaN(us) ? "-" : String.format(Locale.ROOT, "%.1f µs", us);
  }

  /** Runs one row: connects, measures, verifies, and reports any failure in the row. */
  private Row run(TourMechanism m, Peers.Kind kind, ByteBuffer bulk) {
    Row row = new Row(m.name(), kind);
    try (TourLink link = m.connect(kind)) {
      roundTrips(link, row);
      if (m.hasBulkTransfer()) {
        bulkTransfer(link, row, bulk);
      }
      link.finish();
      ChildProcess.Status s = link.peer().waitFor(TourLink.PATIENCE);
      if (!s.exited() || s.exitCode() != 0) {
        row.error = "the peer ended with " + s;
      }
    } catch (PosixException e) {
      row.errno = e.errnoName();
      row.error = e.errnoName() + ": " + e.getMessage();
    } catch (IOException | RuntimeException e) {
      row.error = e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      row.error = "interrupted";
    }
    return row;
  }

  private void roundTrips(TourLink link, Row row) throws IOException {
    // A mechanism whose unit is smaller (a signal's value) sends that much.
    ByteBuffer ping = ByteBuffer.allocateDirect(Math.min(MESSAGE, link.maxChunk()));
    ByteBuffer pong = ByteBuffer.allocateDirect(Math.min(MESSAGE, link.maxChunk()));
    long[] samples = new long[roundTrips];
    for (int i = -WARMUP; i < roundTrips; i++) {
      ping.clear();
      JavaPeer.fillPattern(ping, i, 0);
      pong.clear();
      long t0 = System.nanoTime();
      link.send(ping);
      link.receive(pong);
      long t = System.nanoTime() - t0;
      if (i >= 0) {
        samples[i] = t;
      }
      if (pong.flip().mismatch(ping.flip()) != -1) {
        throw new IOException("round trip " + i + " came back different");
      }
    }
    Arrays.sort(samples);
    row.p50Micros = samples[samples.length / 2] / 1e3;
    row.p99Micros = samples[(int) Math.min(samples.length - 1, Math.ceil(samples.length * 0.99) - 1)] / 1e3;
  }

  private void bulkTransfer(TourLink link, Row row, ByteBuffer bulk) throws IOException, InterruptedException {
    int chunk = Math.min(64 * 1024, link.maxChunk());
    int total = bulk.capacity();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      try {
        for (int off = 0; off < total; off += chunk) {
          link.send(bulk.duplicate().position(off).limit(Math.min(total, off + chunk)));
        }
      } catch (Throwable e) {
        writerFailure.set(e);
      }
    }, "tour-writer");
    ByteBuffer in = ByteBuffer.allocateDirect(chunk);
    long t0 = System.nanoTime();
    writer.start();
    try {
      for (int off = 0; off < total; off += chunk) {
        int n = Math.min(chunk, total - off);
        in.clear().limit(n);
        link.receive(in);
        int at = in.flip().mismatch(bulk.duplicate().position(off).limit(off + n));
        if (at != -1) {
          throw new IOException("bulk byte " + (off + at) + " came back different");
        }
      }
    } finally {
      writer.join(TourLink.PATIENCE.toMillis());
    }
    long elapsed = System.nanoTime() - t0;
    Throwable w = writerFailure.get();
    if (w instanceof IOException) {
      throw (IOException) w;
    } else if (w != null) {
      throw new IOException("bulk writer: " + w, w);
    }
    row.megabytesPerSecond = total / (elapsed / 1e9) / 1e6;
  }
}
