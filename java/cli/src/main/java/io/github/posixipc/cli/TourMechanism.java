package io.github.posixipc.cli;

import java.io.IOException;

/** One row family of the tour: a mechanism that can connect this JVM to a peer of either kind. */
interface TourMechanism {

  /** The name shown in the table ("pipe", "FIFO", ...). */
  String name();

  /** Starts a peer of the given kind and connects to it. */
  TourLink connect(Peers.Kind peer) throws IOException;

  /** False for a mechanism that carries no bulk data (signals): its row has no throughput. */
  default boolean hasBulkTransfer() {
    return true;
  }
}
