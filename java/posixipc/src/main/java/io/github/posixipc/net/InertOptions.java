package io.github.posixipc.net;

import java.net.SocketException;
import java.net.SocketOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The TCP and IP options a view accepts without effect, because drivers set them whatever the
 * transport (PgJDBC sets TCP_NODELAY on every connection, and keep-alive when asked). AF_UNIX has
 * no Nagle algorithm, no keep-alive probes, no type of service, no urgent data and no address
 * reuse to ask for; a value set is kept and read back, so a driver that checks what it set sees
 * it. Options are known by name, so that the JDK's extended TCP options ({@code
 * jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE}, ...) are accepted too without a dependency on the
 * {@code jdk.net} module. A closed view refuses them, as it refuses its real options.
 */
final class InertOptions {

  /** Every option name accepted without effect, with the value read back before one is set. */
  static final Map<String, Object> DEFAULTS = Map.of(
      "TCP_NODELAY", Boolean.FALSE,
      "SO_KEEPALIVE", Boolean.FALSE,
      "SO_LINGER", -1,
      "IP_TOS", 0,
      "SO_REUSEADDR", Boolean.FALSE,
      "SO_OOBINLINE", Boolean.FALSE,
      "TCP_KEEPIDLE", 0,
      "TCP_KEEPINTERVAL", 0,
      "TCP_KEEPCOUNT", 0,
      "TCP_QUICKACK", Boolean.FALSE);

  private final Map<String, Object> values = new ConcurrentHashMap<>();
  /** Whether the view is closed. */
  private final BooleanSupplier closed;

  InertOptions(BooleanSupplier closed) {
    this.closed = closed;
  }

  static boolean knows(String name) {
    return DEFAULTS.containsKey(name);
  }

  /** The value a view's {@code setOption} was given for name, checked to be a type. */
  static <T> T requireValue(SocketOption<?> name, Object value, Class<T> type) {
    if (!type.isInstance(value)) {
      throw new IllegalArgumentException("bad value for " + name + ": " + value);
    }
    return type.cast(value);
  }

  /** What a view's {@code setOption} and {@code getOption} throw for an option it does not take. */
  static UnsupportedOperationException unsupported(SocketOption<?> name, String view) {
    return new UnsupportedOperationException("'" + name + "' not supported by an AF_UNIX " + view);
  }

  private void requireOpen() throws SocketException {
    if (closed.getAsBoolean()) {
      throw new SocketException("Socket is closed");
    }
  }

  void set(String name, Object value) throws SocketException {
    requireOpen();
    if (value == null) {
      throw new IllegalArgumentException("option " + name + ": null value");
    }
    values.put(name, value);
  }

  /** {@code setOption} of an option {@link #knows} names: a value of the option's type. */
  void setOption(SocketOption<?> name, Object value) throws SocketException {
    requireOpen();
    set(name.name(), requireValue(name, value, name.type()));
  }

  /** {@code getOption} of an option {@link #knows} names. */
  Object get(String name) throws SocketException {
    requireOpen();
    return values.getOrDefault(name, DEFAULTS.get(name));
  }

  boolean flag(String name) throws SocketException {
    return (Boolean) get(name);
  }

  int number(String name) throws SocketException {
    return (Integer) get(name);
  }

  /** SO_LINGER as {@link java.net.Socket#setSoLinger} takes it: -1 when off, at most 65535. */
  void setLinger(boolean on, int linger) throws SocketException {
    requireOpen();
    if (on && linger < 0) {
      throw new IllegalArgumentException("invalid value for SO_LINGER");
    }
    set("SO_LINGER", on ? Math.min(linger, 65535) : -1);
  }

  /** IP_TOS as {@link java.net.Socket#setTrafficClass} takes it: 0 to 255. */
  void setTrafficClass(int tc) throws SocketException {
    if (tc < 0 || tc > 255) {
      throw new IllegalArgumentException("tc is not in range 0 -- 255");
    }
    set("IP_TOS", tc);
  }
}
