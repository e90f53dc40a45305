package io.github.posixipc.bench;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The pg-select1 scenario: one PgJDBC {@code SELECT 1} round trip (a prepared statement, executed
 * and its row read) with the cluster the driver started ({@link PgCluster}), over posixipc's
 * AF_UNIX socket factory, over TCP loopback (the JDK's default socket factory: the "jdk"
 * contender), or over junixsocket's factory. The same URL otherwise (the host aside): no SSL, no
 * GSS encryption, server-side prepared from the first execution.
 */
final class PgLinks {

  private PgLinks() {}

  static Link select1(String contender) throws IOException {
    String socket = System.getProperty(PgCluster.SOCKET_PROPERTY);
    String port = System.getProperty(PgCluster.PORT_PROPERTY);
    if (socket == null || port == null) {
      throw new IOException("pg-select1 runs against the cluster the driver starts: use posixipc bench --only pg-select1");
    }
    // The host: 127.0.0.1 for TCP; "localhost" for the AF_UNIX factories (junixsocket's maps only
    // host names to its socket; posixipc's takes any).
    String host = contender.equals("jdk") ? "127.0.0.1" : "localhost";
    String url = "jdbc:postgresql://" + host + ":" + port + "/postgres?user=" + PgCluster.USER
        + "&sslmode=disable&gssEncMode=disable&prepareThreshold=1" + switch (contender) {
          case "posixipc" -> "&socketFactory=io.github.posixipc.net.UnixSocketFactory&socketFactoryArg=" + socket;
          case "jdk" -> "";
          case "junixsocket" -> "&socketFactory=org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg"
              + "&socketFactoryArg=" + socket;
          default -> throw new IllegalArgumentException("no pg-select1 contender " + contender);
        };
    try {
      Connection c = DriverManager.getConnection(url);
      PreparedStatement select = c.prepareStatement("SELECT 1");
      return new Link() {
        @Override
        public int roundTrip() throws IOException {
          try (ResultSet rs = select.executeQuery()) {
            if (!rs.next() || rs.getInt(1) != 1) {
              throw new IOException("SELECT 1 did not return 1");
            }
            return 1;
          } catch (SQLException e) {
            throw new IOException(e);
          }
        }

        @Override
        public int writeChunk() {
          throw new UnsupportedOperationException("pg-select1 is a round trip");
        }

        @Override
        public void close() throws IOException {
          try {
            select.close();
            c.close();
          } catch (SQLException e) {
            throw new IOException(e);
          }
        }
      };
    } catch (SQLException e) {
      throw new IOException("connecting with " + url + ": " + e.getMessage(), e);
    }
  }
}
