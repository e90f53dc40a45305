package io.github.posixipc.net;

import io.github.posixipc.AbstractSocketAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketException;
import javax.net.ServerSocketFactory;

/**
 * A {@link ServerSocketFactory} whose server sockets ({@link UnixServerSocket}) listen on one
 * AF_UNIX address, whatever port the caller asks for: for a server library that takes a factory,
 * so that it serves on a path or an abstract name. The argument is read as for {@link
 * UnixSocketFactory}: a path, {@code unix:PATH} or {@code abstract:NAME}; a bad one makes every
 * {@code createServerSocket} throw a {@link SocketException} that quotes it.
 *
 * <p>The socket file of a path outlives the server socket, as in POSIX: a second server socket
 * for the same path fails with {@link java.net.BindException} (EADDRINUSE) until the file is
 * removed ({@code ((UnixServerSocket) s).listeningSocket().unlink()}).
 */
public final class UnixServerSocketFactory extends ServerSocketFactory {

  private final UnixSocketFactory address;

  /** A factory for the address the argument gives. Never throws: see the class comment. */
  public UnixServerSocketFactory(String argument) {
    this.address = new UnixSocketFactory(argument);
  }

  /** A factory for a {@link java.net.UnixDomainSocketAddress} or an {@link AbstractSocketAddress}. */
  public UnixServerSocketFactory(SocketAddress address) {
    this.address = new UnixSocketFactory(address);
  }

  /** The address every server socket binds. */
  public SocketAddress address() throws SocketException {
    return address.address();
  }

  /** An unbound server socket: {@code bind} it to any address, or to this factory's with {@link #createServerSocket(int)}. */
  @Override
  public ServerSocket createServerSocket() throws IOException {
    address();
    return new UnixServerSocket();
  }

  /** A server socket listening on this factory's address (the port is ignored). */
  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    return createServerSocket(port, 0);
  }

  /** A server socket listening on this factory's address with the backlog (the port is ignored). */
  @Override
  public ServerSocket createServerSocket(int port, int backlog) throws IOException {
    UnixServerSocket s = new UnixServerSocket();
    try {
      s.bind(address(), backlog);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** As {@link #createServerSocket(int, int)}: an AF_UNIX socket has no IP address to bind. */
  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
    return createServerSocket(port, backlog);
  }

  @Override
  public String toString() {
    String a = address.toString(); // UnixSocketFactory[ADDRESS]
    return "UnixServerSocketFactory" + a.substring(a.indexOf('['));
  }
}
