package io.github.posixipc.net;

import io.github.posixipc.Errno;
import io.github.posixipc.PosixException;
import io.github.posixipc.SocketAddresses;
import io.github.posixipc.TimedOutException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * From posixipc's exceptions to the ones {@code java.net} callers catch: a timeout becomes {@link
 * SocketTimeoutException}, a close or an interrupt {@link SocketException}, a failed connect
 * {@link ConnectException}, a failed bind {@link BindException}; the posixipc exception stays
 * the cause, so {@code errno()} is still there.
 */
final class NetErrors {

  private NetErrors() {}

  /**
   * An exception of a call on a connected or listening view: what (capitalized, "Read", "Accept")
   * names the call for a timeout's message, as the JDK's do ("Read timed out").
   */
  static IOException of(IOException e, String what) {
    if (e instanceof SocketException) {
      return e;
    }
    if (e instanceof ClosedByInterruptException) {
      return withCause(new SocketException("Closed by interrupt"), e);
    }
    if (e instanceof ClosedChannelException) {
      // Closed by another thread during the call, or before it.
      return withCause(new SocketException("Socket closed"), e);
    }
    if (e instanceof TimedOutException) {
      return withCause(new SocketTimeoutException(what + " timed out"), e);
    }
    if (e instanceof PosixException p) {
      if (p.errno() == Errno.ECONNRESET) {
        return withCause(new SocketException("Connection reset: " + p.getMessage()), e);
      }
      if (p.errno() == Errno.EPIPE) {
        return withCause(new SocketException("Broken pipe: " + p.getMessage()), e);
      }
      return withCause(new SocketException(p.getMessage()), e);
    }
    return e;
  }

  /** {@link #of} for a call that declares only SocketException, as the option setters and getters do. */
  static SocketException socketException(IOException e, String what) {
    IOException t = of(e, what);
    return t instanceof SocketException se ? se : withCause(new SocketException(e.getMessage()), e);
  }

  /** A connect to where that failed: the message names the address, and why. */
  static IOException connect(IOException e, SocketAddress where) {
    String address = SocketAddresses.format(where);
    if (e instanceof TimedOutException) {
      return withCause(new SocketTimeoutException("Connect timed out: " + address), e);
    }
    if (e instanceof ClosedChannelException) {
      return of(e, "Connect");
    }
    if (e instanceof PosixException p) {
      return withCause(new ConnectException(p.getMessage() + notASocket(where, p)), e);
    }
    return e;
  }

  /** A bind to where that failed. */
  static IOException bind(IOException e, SocketAddress where) {
    if (e instanceof PosixException p) {
      return withCause(new BindException(p.getMessage()), e);
    }
    return e;
  }

  /** The kernel refuses a connect to a file that is not a socket with ECONNREFUSED: say which it is. */
  private static String notASocket(SocketAddress where, PosixException p) {
    if (p.errno() != Errno.ECONNREFUSED || !(where instanceof UnixDomainSocketAddress u)) {
      return "";
    }
    Path path = u.getPath();
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      if (a.isRegularFile() || a.isDirectory()) {
        return "; " + path + " is a " + (a.isDirectory() ? "directory" : "regular file") + ", not a socket";
      }
      return "; nobody listens on the socket file " + path;
    } catch (IOException | SecurityException gone) {
      return "";
    }
  }

  static <T extends IOException> T withCause(T wrapper, Throwable cause) {
    wrapper.initCause(cause);
    return wrapper;
  }
}
