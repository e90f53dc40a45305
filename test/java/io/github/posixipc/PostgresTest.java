package io.github.posixipc;

import static io.github.posixipc.TestSupport.assertFdsReturnTo;
import static io.github.posixipc.TestSupport.settledFds;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.posixipc.net.AbstractNameSocketFactory;
import io.github.posixipc.net.UnixSocketFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

/**
 * The java.net views proven with a real server and a real driver: PgJDBC, named by URL alone,
 * reaches a private PostgreSQL cluster that listens only on AF_UNIX sockets (a path and an
 * abstract name; no TCP) through {@link UnixSocketFactory} and {@link AbstractNameSocketFactory}.
 * One cluster for the class, started once and stopped at the end even when a test fails. Under
 * CI=true a cluster that cannot start is a failure; elsewhere a missing PostgreSQL skips the class
 * with the reason.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostgresTest {

  private static PostgresCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    String reason = PostgresCluster.unavailableReason();
    if (reason != null) {
      if ("true".equals(System.getenv("CI"))) {
        fail("PostgreSQL is needed under CI=true (.ci/run installs it): " + reason);
      }
      // Said on the console too: a class aborted before its first test may count as no test at all.
      System.err.println("PostgresTest: SKIPPED, " + reason);
      Assumptions.abort("PostgreSQL tests skipped: " + reason);
    }
    cluster = PostgresCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The JDBC URL that does it: the host and port are the driver's; the factory's argument is the address. */
  private static String url(String factory, String argument) {
    return "jdbc:postgresql://localhost:" + PostgresCluster.PORT + "/postgres?user=" + PostgresCluster.USER
        + "&socketFactory=" + factory + "&socketFactoryArg=" + argument;
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(url(UnixSocketFactory.class.getName(), cluster.socketPath().toString()));
  }

  /** The row payload the tests write and check: text of a length that varies with the row. */
  private static String payload(int id) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20 + id % 97; i++) {
      sb.append((char) ('a' + (id * 31 + i * 7) % 26));
    }
    return sb.toString();
  }

  private static byte[] bytes(int id) {
    byte[] b = new byte[id % 61];
    for (int i = 0; i < b.length; i++) {
      b[i] = TestSupport.pattern(id, i);
    }
    return b;
  }

  @Test
  void tenThousandRowsGoInAndComeBackExactly() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE rows_test (id int PRIMARY KEY, payload text NOT NULL, data bytea NOT NULL)");
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO rows_test VALUES (?, ?, ?)")) {
        for (int id = 0; id < 10_000; id++) {
          ins.setInt(1, id);
          ins.setString(2, payload(id));
          ins.setBytes(3, bytes(id));
          ins.addBatch();
          if (id % 1000 == 999) {
            ins.executeBatch();
          }
        }
      }
      c.commit();
      c.setAutoCommit(true);
      int seen = 0;
      try (ResultSet rs = st.executeQuery("SELECT id, payload, data FROM rows_test ORDER BY id")) {
        while (rs.next()) {
          assertEquals(seen, rs.getInt(1));
          assertEquals(payload(seen), rs.getString(2), "row " + seen);
          assertArrayEquals(bytes(seen), rs.getBytes(3), "row " + seen);
          seen++;
        }
      }
      assertEquals(10_000, seen);
      st.execute("DROP TABLE rows_test");
    }
  }

  @Test
  void aCopyOfMoreThanTenMegabytesGoesBothWaysByteForByte() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE copy_test (id int PRIMARY KEY, payload text NOT NULL)");
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      int rows = 120_000;
      MessageDigest sent = MessageDigest.getInstance("SHA-256");
      long[] total = {0};
      InputStream source = new InputStream() {
        private int id;
        private byte[] line = new byte[0];
        private int pos;

        @Override
        public int read() {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
          if (pos == line.length) {
            if (id == rows) {
              return -1;
            }
            line = (id + "\t" + payload(id) + payload(id + 1) + "\n").getBytes(StandardCharsets.UTF_8);
            pos = 0;
            id++;
          }
          int n = Math.min(len, line.length - pos);
          System.arraycopy(line, pos, b, off, n);
          sent.update(line, pos, n);
          total[0] += n;
          pos += n;
          return n;
        }
      };
      assertEquals(rows, copy.copyIn("COPY copy_test FROM STDIN", source));
      assertTrue(total[0] >= 10 << 20, "at least 10 MB in: " + total[0]);
      MessageDigest received = MessageDigest.getInstance("SHA-256");
      long[] back = {0};
      OutputStream sink = new OutputStream() {
        @Override
        public void write(int b) {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          received.update(b, off, len);
          back[0] += len;
        }
      };
      assertEquals(rows, copy.copyOut("COPY (SELECT * FROM copy_test ORDER BY id) TO STDOUT", sink));
      assertEquals(total[0], back[0], "as many bytes out as in");
      assertArrayEquals(sent.digest(), received.digest(), "the same bytes out as in");
      try (ResultSet rs = st.executeQuery("SELECT sum(octet_length(payload)) FROM copy_test")) {
        assertTrue(rs.next());
        long expected = 0;
        for (int id = 0; id < rows; id++) {
          expected += payload(id).length() + payload(id + 1).length();
        }
        assertEquals(expected, rs.getLong(1), "the server stored every byte");
      }
      st.execute("DROP TABLE copy_test");
    }
  }

  @Test
  void listenAndNotifyAcrossTwoConnections() throws Exception {
    try (Connection listener = connect(); Connection notifier = connect();
        Statement ls = listener.createStatement(); Statement ns = notifier.createStatement()) {
      ls.execute("LISTEN pipc_channel");
      int count = 200;
      for (int i = 0; i < count; i++) {
        ns.execute("NOTIFY pipc_channel, 'message " + i + " " + payload(i) + "'");
      }
      int notifierPid = notifier.unwrap(PGConnection.class).getBackendPID();
      PGConnection pg = listener.unwrap(PGConnection.class);
      List<PGNotification> got = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (got.size() < count && System.nanoTime() < deadline) {
        // Waits up to 500 ms on the socket: PgJDBC's timed reads, through setSoTimeout.
        PGNotification[] n = pg.getNotifications(500);
        if (n != null) {
          got.addAll(List.of(n));
        }
      }
      assertEquals(count, got.size());
      for (int i = 0; i < count; i++) {
        assertEquals("pipc_channel", got.get(i).getName());
        assertEquals("message " + i + " " + payload(i), got.get(i).getParameter(), "in order, every byte");
        assertEquals(notifierPid, got.get(i).getPID());
      }
      PGNotification[] none = pg.getNotifications(50);
      assertTrue(none == null || none.length == 0, "nothing more; a timed-out wait leaves the connection usable");
      try (ResultSet rs = ls.executeQuery("SELECT 41 + 1")) {
        assertTrue(rs.next());
        assertEquals(42, rs.getInt(1));
      }
    }
  }

  @Test
  void theServerSeesConnectionsOverTheSocketWithNoClientAddress() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT client_addr, client_port, inet_server_addr() IS NULL"
            + " FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
      assertTrue(rs.next());
      assertNull(rs.getString(1), "no client address: the connection came over the socket");
      assertEquals(-1, rs.getInt(2), "client_port -1: a unix socket");
      assertTrue(rs.getBoolean(3), "no server address either");
      try (ResultSet all = st.executeQuery("SELECT count(*) FROM pg_stat_activity"
          + " WHERE backend_type = 'client backend' AND client_addr IS NOT NULL")) {
        assertTrue(all.next());
        assertEquals(0, all.getInt(1), "no client backend of the cluster came over IP");
      }
    }
  }

  @Test
  void theAbstractNameFactoryReachesTheServersAbstractSocket() throws Exception {
    String url = url(AbstractNameSocketFactory.class.getName(), cluster.abstractName());
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT client_addr, client_port, current_user FROM pg_stat_activity"
            + " WHERE pid = pg_backend_pid()")) {
      assertTrue(rs.next());
      assertNull(rs.getString(1));
      assertEquals(-1, rs.getInt(2));
      assertEquals(PostgresCluster.USER, rs.getString(3));
    }
  }

  @Test
  void badFactoryArgumentsFailWithTheAddressNamedAndNoDescriptorLeaked() throws Exception {
    String factory = UnixSocketFactory.class.getName();
    String nobody = cluster.socketPath() + ".nobody";
    String notASocket = cluster.socketPath() + ".lock"; // the server's lock file: a regular file
    Map<String, Class<? extends SocketException>> cases = new HashMap<>();
    cases.put(nobody, ConnectException.class);
    cases.put(notASocket, ConnectException.class);
    cases.put("inet:127.0.0.1:" + PostgresCluster.PORT, SocketException.class);
    cases.put("/tmp/" + "x".repeat(150), SocketException.class);
    Map<String, String> says = Map.of(nobody, "ENOENT", notASocket, "not a socket",
        "inet:127.0.0.1:" + PostgresCluster.PORT, "not a path", "/tmp/" + "x".repeat(150), "bytes");
    attempt(url(factory, nobody)); // the driver's classes loaded and their files opened first
    int baseline = settledFds();
    for (int round = 0; round < 5; round++) {
      for (Map.Entry<String, Class<? extends SocketException>> e : cases.entrySet()) {
        SQLException ex = attempt(url(factory, e.getKey()));
        Throwable cause = ex;
        while (cause != null && !e.getValue().isInstance(cause)) {
          cause = cause.getCause();
        }
        assertNotNull(cause, "a " + e.getValue().getSimpleName() + " under the driver's exception for " + e.getKey()
            + ": " + ex);
        assertTrue(cause.getMessage().contains(e.getKey()), cause.getMessage());
        assertTrue(cause.getMessage().contains(says.get(e.getKey())), cause.getMessage());
      }
    }
    assertFdsReturnTo(baseline);
    SQLException missing = attempt("jdbc:postgresql://localhost/postgres?user=pipc&socketFactory=" + factory);
    assertTrue(String.valueOf(rootCause(missing).getMessage()).contains("no address given"), rootCause(missing).toString());
  }

  private static SQLException attempt(String url) {
    return assertThrows(SQLException.class, () -> DriverManager.getConnection(url).close(), url);
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void aQueryCancelReachesTheServerThroughTheFactoryToo() throws Exception {
    try (Connection c = connect(); Statement st = c.createStatement()) {
      assertFalse(c.isClosed());
      // A query cancel opens a second connection through the same factory.
      st.setQueryTimeout(1);
      SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(30)"));
      assertEquals("57014", e.getSQLState(), "canceled by the driver's cancel request: " + e);
      st.setQueryTimeout(0);
      try (ResultSet rs = st.executeQuery("SELECT 'still here'")) {
        assertTrue(rs.next());
        assertEquals("still here", rs.getString(1));
      }
    }
  }
}
