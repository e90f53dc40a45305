package io.github.posixipc;

import io.github.posixipc.internal.Core;

/** The kind of a socket: how its data is cut into pieces. */
public enum SocketType {
  /** A byte stream with no message boundaries ({@code SOCK_STREAM}): TCP, or AF_UNIX stream. */
  STREAM(Core.PIPC_SOCK_STREAM),
  /** Datagrams: each send is one message, boundaries kept, unconnected ({@code SOCK_DGRAM}). */
  DATAGRAM(Core.PIPC_SOCK_DGRAM),
  /**
   * Connected, reliable, ordered messages with boundaries ({@code SOCK_SEQPACKET}): AF_UNIX only.
   * Used through {@link ConnectedSocket} and {@link ListeningSocket}.
   */
  SEQPACKET(Core.PIPC_SOCK_SEQPACKET);

  final int value;

  SocketType(int value) {
    this.value = value;
  }

  static SocketType of(int value) {
    for (SocketType t : values()) {
      if (t.value == value) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown socket type " + value);
  }
}
