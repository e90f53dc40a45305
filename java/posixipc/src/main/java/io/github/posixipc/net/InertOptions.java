package io.github.posixipc.net;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TCP and IP options a view accepts without effect, because drivers set them whatever the
 * transport (PgJDBC sets TCP_NODELAY on every connection, and keep-alive when asked). AF_UNIX has
 * no Nagle algorithm, no keep-alive probes, no type of service, no urgent data and no address
 * reuse to ask for; a value set is kept and read back, so a driver that checks what it set sees
 * it. Options are known by name, so that the JDK's extended TCP options ({@code
 * jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE}, ...) are accepted too without a dependency on the
 * {@code jdk.net} module.
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

  static boolean knows(String name) {
    return DEFAULTS.containsKey(name);
  }

  void set(String name, Object value) {
    if (value == null) {
      throw new IllegalArgumentException("option " + name + ": null value");
    }
    values.put(name, value);
  }

  Object get(String name) {
    return values.getOrDefault(name, DEFAULTS.get(name));
  }

  boolean flag(String name) {
    return (Boolean) get(name);
  }

  int number(String name) {
    return (Integer) get(name);
  }
}
