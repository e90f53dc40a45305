package io.github.posixipc.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The driver's tables: medians per contender, then ratios with their ranges over the pairs. */
final class Report {

  private Report() {}

  static void print(PrintStream out, boolean markdown, String header, List<Bench.Scenario> scenarios,
      Map<String, Map<String, List<Bench.Sample>>> results, Map<String, Double> alloc) {
    out.println(markdown ? "Run: " + header : "posixipc bench: " + header);
    out.println();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"scenario", "contender", "median", "p99", "Java alloc"});
    for (Bench.Scenario s : scenarios) {
      for (String c : s.contenders()) {
        List<Bench.Sample> samples = results.get(s.name()).get(c);
        double v = median(samples, Bench.Sample::value);
        String shown = s.roundTrip() ? micros(v) : String.format(Locale.ROOT, "%.0f MB/s", v);
        String p99 = s.roundTrip() ? micros(median(samples, Bench.Sample::p99)) : "";
        Double bytes = alloc.get(s.name() + "/" + c);
        String a = bytes == null || bytes.isNaN() ? "" : String.format(Locale.ROOT, "%.3f B/op", bytes);
        rows.add(new String[] {s.name(), c, shown, p99, a});
      }
    }
    table(out, markdown, rows);
    out.println();

    rows = new ArrayList<>();
    // The virtual-thread scenarios add a column, only when one of them ran.
    boolean virtual = scenarios.stream().anyMatch(s -> s.others().contains("platform"));
    String[] ratioHeader = {"scenario", "Java (posixipc) / raw C", "C API / raw C", "posixipc / JDK",
        "posixipc / FFM", "posixipc / junixsocket", "posixipc / Agrona"};
    if (virtual) {
      ratioHeader = java.util.Arrays.copyOf(ratioHeader, ratioHeader.length + 1);
      ratioHeader[ratioHeader.length - 1] = "virtual / platform thread";
    }
    // signal-rt adds one: posixipc against the C API with a JVM's threads.
    boolean threads = scenarios.stream().anyMatch(s -> s.others().contains(Bench.C_THREADS));
    if (threads) {
      ratioHeader = java.util.Arrays.copyOf(ratioHeader, ratioHeader.length + 1);
      ratioHeader[ratioHeader.length - 1] = "posixipc / " + Bench.C_THREADS;
    }
    rows.add(ratioHeader);
    for (Bench.Scenario s : scenarios) {
      Map<String, List<Bench.Sample>> r = results.get(s.name());
      String[] row = {s.name(), ratio(s, r.get("posixipc"), r.get("raw C")),
          ratio(s, r.get("C API"), r.get("raw C")), ratio(s, r.get("posixipc"), r.get("JDK")),
          ratio(s, r.get("posixipc"), r.get(Bench.FFM)), ratio(s, r.get("posixipc"), r.get("junixsocket")),
          ratio(s, r.get("posixipc"), r.get("Agrona"))};
      if (virtual) {
        row = java.util.Arrays.copyOf(row, row.length + 1);
        row[row.length - 1] = ratio(s, r.get("posixipc"), r.get("platform"));
      }
      if (threads) {
        row = java.util.Arrays.copyOf(row, row.length + 1);
        row[row.length - 1] = ratio(s, r.get("posixipc"), r.get(Bench.C_THREADS));
      }
      rows.add(row);
    }
    table(out, markdown, rows);
    out.println();
    out.println("Ratios compare cost (time per round trip, time per byte): below 1 is faster than the"
        + " reference. Median over the pairs, [min-max] in brackets. Java alloc: JMH's allocation"
        + " profiler (gc.alloc.rate.norm) in a separate average-time run; it includes JMH's own"
        + " background allocation (about 10 KB/s whatever the operation rate), so figures well"
        + " under 1 B/op mean nothing is allocated per operation.");
  }

  /**
   * What follows the tables: the driver's notes (where the unpinned scenarios ran, or why they did
   * not), and for the message queue streams the server's voluntary context switches per message
   * behind each contender (it blocks in mq_receive on an empty queue), counted over the measured
   * time of each run, the median over the pairs.
   */
  static void notes(PrintStream out, List<String> notes, List<Bench.Scenario> scenarios,
      Map<String, List<Double>> serverSwitches) {
    for (String note : notes) {
      out.println();
      out.println(note);
    }
    for (Bench.Scenario s : scenarios) {
      if (!s.mechanism().equals("mq") || s.roundTrip()) {
        continue;
      }
      List<String> figures = new ArrayList<>();
      for (String c : s.contenders()) {
        List<Double> v = serverSwitches.get(s.name() + "/" + c);
        if (v != null && !v.isEmpty()) {
          double[] sorted = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
          int n = sorted.length;
          double med = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
          figures.add(med > 0 ? String.format(Locale.ROOT, "%s %.3f (one per %.1f messages)", c, med, 1 / med)
              : c + " none");
        }
      }
      if (!figures.isEmpty()) {
        out.println();
        out.println(s.name() + ": the server's voluntary context switches per message: " + String.join(", ", figures)
            + ".");
      }
    }
  }

  /** Cost ratio a/b per pair; the median and the range. */
  private static String ratio(Bench.Scenario s, List<Bench.Sample> a, List<Bench.Sample> b) {
    if (a == null || b == null || a.isEmpty() || b.isEmpty()) {
      return "-";
    }
    int n = Math.min(a.size(), b.size());
    double[] r = new double[n];
    for (int i = 0; i < n; i++) {
      double x = a.get(i).value();
      double y = b.get(i).value();
      r[i] = s.roundTrip() ? x / y : y / x;
    }
    java.util.Arrays.sort(r);
    if (n == 0) {
      return "";
    }
    double med = n % 2 == 1 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
    return n == 1 ? String.format(Locale.ROOT, "%.2f", med)
        : String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", med, r[0], r[n - 1]);
  }

  static double median(List<Bench.Sample> samples, ToDoubleFunction<Bench.Sample> f) {
    double[] v = samples.stream().mapToDouble(f).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String micros(double ns) {
    return Double.isNaN(ns) ? "" : String.format(Locale.ROOT, "%.2f µs", ns / 1000);
  }

  private static void table(PrintStream out, boolean markdown, List<String[]> rows) {
    int[] w = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    for (int r = 0; r < rows.size(); r++) {
      StringBuilder sb = new StringBuilder(markdown ? "|" : "");
      for (int i = 0; i < w.length; i++) {
        String cell = rows.get(r)[i];
        sb.append(markdown ? " " : "").append(cell).append(" ".repeat(w[i] - cell.length()))
            .append(markdown ? " |" : "  ");
      }
      out.println(markdown ? sb.toString() : sb.toString().stripTrailing());
      if (markdown && r == 0) {
        StringBuilder sep = new StringBuilder("|");
        for (int width : w) {
          sep.append("-".repeat(width + 2)).append("|");
        }
        out.println(sep);
      }
    }
  }
}
