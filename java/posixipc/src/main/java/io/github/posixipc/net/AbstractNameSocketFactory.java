package io.github.posixipc.net;

/**
 * A {@link UnixSocketFactory} for a Linux abstract name, given bare: the argument is the name
 * (UTF-8, {@code \xNN} for any byte), without the {@code abstract:} prefix. For a server that
 * listens on an abstract name:
 *
 * <pre>
 * jdbc:postgresql://localhost/app?socketFactory=io.github.posixipc.net.AbstractNameSocketFactory
 *     &amp;socketFactoryArg=my-service
 * </pre>
 *
 * <p>An abstract name has no file: nothing to clean up, and no file permissions either (any
 * process in the network namespace can connect). A bad name (empty, or longer than 107 bytes)
 * makes every {@code createSocket} throw a {@link java.net.SocketException} naming it.
 */
public final class AbstractNameSocketFactory extends UnixSocketFactory {

  /** A factory for the abstract name given. Never throws: see {@link UnixSocketFactory}. */
  public AbstractNameSocketFactory(String name) {
    super(name, true);
  }
}
