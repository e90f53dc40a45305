package io.github.posixipc.net;

import io.github.posixipc.AbstractSocketAddress;
import io.github.posixipc.SocketAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.Charset;
import java.nio.file.InvalidPathException;
import java.util.Objects;
import javax.net.SocketFactory;

/**
 * A {@link SocketFactory} whose sockets ({@link UnixSocket}) connect to one AF_UNIX address,
 * whatever host and port the caller asks for: the way to give a client library written against
 * {@code java.net} an AF_UNIX server. Named by class with the address as its argument, in the
 * form JDBC drivers take, for PgJDBC:
 *
 * <pre>
 * jdbc:postgresql://localhost/app?socketFactory=io.github.posixipc.net.UnixSocketFactory
 *     &amp;socketFactoryArg=/run/postgresql/.s.PGSQL.5432
 * </pre>
 *
 * <p>The argument is a path ({@code /run/app.sock}), or any AF_UNIX form of {@link
 * SocketAddresses#parse}: {@code unix:PATH} or {@code abstract:NAME}. For an abstract name alone,
 * {@link AbstractNameSocketFactory} takes the bare name.
 *
 * <p>A driver makes its factory by reflection and reports a failing constructor vaguely, so a bad
 * argument (empty, too long for {@code sun_path}, with a NUL, or not AF_UNIX) does not fail the
 * constructor: every {@code createSocket} then throws a {@link SocketException} that names the
 * argument and says what is wrong with it. A connect that fails names the address too ({@link
 * java.net.ConnectException}: nothing there, not a socket, nobody listening).
 *
 * <p>The host and port asked for are kept: {@link Socket#getInetAddress()} and {@link
 * Socket#getPort()} report them, for the driver's logs. Local addresses ({@code localHost}, {@code
 * localPort}) are ignored: an AF_UNIX client end has none.
 */
public class UnixSocketFactory extends SocketFactory {

  private final String argument;
  private final SocketAddress address;
  private final String problem;

  /**
   * A factory for the address the argument gives: a path, {@code unix:PATH} or {@code
   * abstract:NAME}. Never throws: see the class comment.
   */
  public UnixSocketFactory(String argument) {
    this(argument, false);
  }

  /** A factory for a {@link UnixDomainSocketAddress} or an {@link AbstractSocketAddress}. */
  public UnixSocketFactory(SocketAddress address) {
    Objects.requireNonNull(address, "address");
    if (!(address instanceof UnixDomainSocketAddress) && !(address instanceof AbstractSocketAddress)) {
      throw new IllegalArgumentException("not an AF_UNIX address: " + address);
    }
    checked(address);
    this.argument = SocketAddresses.format(address);
    this.address = address;
    this.problem = null;
  }

  /** For {@link AbstractNameSocketFactory}: abstractName says the argument is a bare abstract name. */
  UnixSocketFactory(String argument, boolean abstractName) {
    this.argument = argument;
    SocketAddress a = null;
    String p = null;
    try {
      a = parse(argument, abstractName);
    } catch (IllegalArgumentException e) {
      p = e.getMessage();
    }
    this.address = a;
    this.problem = p;
  }

  /** The address every socket connects to. */
  public SocketAddress address() throws SocketException {
    if (problem != null) {
      throw new SocketException((getClass().getSimpleName() + ": not a valid AF_UNIX address: '" + argument + "': "
          + problem));
    }
    return address;
  }

  private static SocketAddress parse(String arg, boolean abstractName) {
    if (arg == null || arg.isEmpty()) {
      throw new IllegalArgumentException(abstractName
          ? "no name given (the factory's argument is the abstract name)"
          : "no address given (the factory's argument is the socket's path, unix:PATH or abstract:NAME)");
    }
    SocketAddress a;
    if (abstractName) {
      a = SocketAddresses.parse("abstract:" + arg);
    } else if (arg.startsWith("unix:") || arg.startsWith("abstract:")) {
      a = SocketAddresses.parse(arg);
    } else if (arg.contains(":") && !arg.startsWith("/") && !arg.startsWith(".")) {
      throw new IllegalArgumentException("not a path, unix:PATH or abstract:NAME");
    } else {
      try {
        a = UnixDomainSocketAddress.of(arg);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException("not a valid path (" + e.getReason() + ")");
      }
    }
    return checked(a);
  }

  /** A path or name that fits sun_path, no empty path, no NUL in a path. */
  private static SocketAddress checked(SocketAddress a) {
    if (a instanceof UnixDomainSocketAddress u) {
      String path = u.getPath().toString();
      if (path.isEmpty()) {
        throw new IllegalArgumentException("an empty path");
      }
      if (path.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("a path with a NUL byte");
      }
      int bytes = path.getBytes(fileNameCharset()).length;
      if (bytes > SocketAddresses.MAX_PATH_BYTES) {
        throw new IllegalArgumentException("the path is " + bytes + " bytes, more than the "
            + SocketAddresses.MAX_PATH_BYTES + " an AF_UNIX address holds");
      }
    } else if (a instanceof AbstractSocketAddress n) {
      if (n.name().length == 0) {
        throw new IllegalArgumentException("an empty abstract name");
      }
    } else {
      throw new IllegalArgumentException("not an AF_UNIX address: " + a);
    }
    return a;
  }

  private static Charset fileNameCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }

  /** An unconnected socket; its connect to any IP address goes to this factory's address. */
  @Override
  public Socket createSocket() throws IOException {
    return UnixSocket.forTarget(address());
  }

  /** A socket connected to this factory's address, reporting host and port as asked (unresolved). */
  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected(InetSocketAddress.createUnresolved(host == null ? "localhost" : host, port));
  }

  /** A socket connected to this factory's address, reporting host and port as asked. */
  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected(new InetSocketAddress(host == null ? InetAddress.getLoopbackAddress() : host, port));
  }

  /** As {@link #createSocket(String, int)}: an AF_UNIX client end has no local address to bind. */
  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return createSocket(host, port);
  }

  /** As {@link #createSocket(InetAddress, int)}: an AF_UNIX client end has no local address to bind. */
  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return createSocket(address, port);
  }

  private Socket connected(InetSocketAddress asked) throws IOException {
    UnixSocket s = UnixSocket.forTarget(address());
    s.connect(asked); // closes the socket when it fails
    return s;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + (problem != null ? "invalid: " + argument : SocketAddresses.format(address))
        + "]";
  }
}
