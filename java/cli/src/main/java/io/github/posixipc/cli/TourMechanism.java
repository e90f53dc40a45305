package io.github.posixipc.cli;

import java.io.IOException;

/**
 * One row family of the tour: a mechanism that can connect this JVM to a peer of either kind.
 *
 * @param name the name shown in the table ("pipe", "FIFO", ...)
 * @param hasBulkTransfer false for a mechanism that carries no bulk data (signals): its row has no
 *     throughput
 * @param connector starts a peer of the given kind and connects this JVM to it
 */
record TourMechanism(String name, boolean hasBulkTransfer, Connector connector) {

  /** How a mechanism starts its peer and connects to it. */
  interface Connector {
    TourLink connect(Peers.Kind peer) throws IOException;
  }

  /** A mechanism with a bulk transfer, as all but signals are. */
  static TourMechanism of(String name, Connector connector) {
    return new TourMechanism(name, true, connector);
  }

  /** Starts a peer of the given kind and connects to it. */
  TourLink connect(Peers.Kind peer) throws IOException {
    return connector.connect(peer);
  }
}
