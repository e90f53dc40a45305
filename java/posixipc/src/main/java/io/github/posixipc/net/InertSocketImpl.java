package io.github.posixipc.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The {@link SocketImpl} that {@link UnixSocket} and {@link UnixServerSocket} hand to the
 * protected constructors of {@link java.net.Socket} and {@link java.net.ServerSocket}. Both views
 * override every public method of their superclass, so nothing of the JDK's reaches it; it exists
 * so that the superclass never makes a platform socket of its own (which the JDK does lazily for
 * a {@code Socket} or {@code ServerSocket} built without one). Were a JDK method ever to call it,
 * it fails with a {@link SocketException} instead of opening a TCP socket behind the view.
 */
final class InertSocketImpl extends SocketImpl {

  private static SocketException unused() {
    return new SocketException("not used by posixipc's java.net views (their own methods do the work)");
  }

  @Override
  protected void create(boolean stream) {
    // Nothing to create: the view opens its posixipc socket itself.
  }

  @Override
  protected void connect(String host, int port) throws IOException {
    throw unused();
  }

  @Override
  protected void connect(InetAddress address, int port) throws IOException {
    throw unused();
  }

  @Override
  protected void connect(SocketAddress address, int timeout) throws IOException {
    throw unused();
  }

  @Override
  protected void bind(InetAddress host, int port) throws IOException {
    throw unused();
  }

  @Override
  protected void listen(int backlog) throws IOException {
    throw unused();
  }

  @Override
  protected void accept(SocketImpl s) throws IOException {
    throw unused();
  }

  @Override
  protected InputStream getInputStream() throws IOException {
    throw unused();
  }

  @Override
  protected OutputStream getOutputStream() throws IOException {
    throw unused();
  }

  @Override
  protected int available() throws IOException {
    throw unused();
  }

  @Override
  protected void close() {
    // The view closes its posixipc socket itself.
  }

  @Override
  protected void sendUrgentData(int data) throws IOException {
    throw unused();
  }

  @Override
  public void setOption(int optID, Object value) throws SocketException {
    throw unused();
  }

  @Override
  public Object getOption(int optID) throws SocketException {
    throw unused();
  }
}
