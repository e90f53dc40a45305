package io.github.posixipc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table: a header row and aligned columns; numeric columns align right. */
final class Table {

  private final String[] header;
  private final boolean[] right;
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    this.header = header;
    this.right = new boolean[header.length];
  }

  /** Aligns the given columns to the right. */
  Table right(int... columns) {
    for (int c : columns) {
      right[c] = true;
    }
    return this;
  }

  void add(String... row) {
    rows.add(row);
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out) {
    int[] width = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      width[i] = header[i].length();
    }
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    line(out, header, width);
    for (String[] r : rows) {
      line(out, r, width);
    }
  }

  private void line(PrintWriter out, String[] cells, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      String c = cells[i];
      String pad = " ".repeat(width[i] - c.length());
      sb.append(right[i] ? pad + c : c + (i + 1 < cells.length ? pad : ""));
      if (i + 1 < cells.length) {
        sb.append("  ");
      }
    }
    out.println(sb.toString().stripTrailing());
  }
}
