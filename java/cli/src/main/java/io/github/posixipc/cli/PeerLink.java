package io.github.posixipc.cli;

import io.github.posixipc.ChildProcess;
import java.io.IOException;

/**
 * What every tour link but the shared-memory ones holds: the peer process and what this side
 * opened for it. Closing stops a peer that still runs (one waiting for more would wait forever)
 * and then releases what this side opened, names included.
 */
abstract class PeerLink implements TourLink {

  /** What this side opened for a link, released once when the link closes. */
  interface Resources {
    void release() throws IOException;
  }

  private final ChildProcess peer;
  private final Resources resources;

  PeerLink(ChildProcess peer, Resources resources) {
    this.peer = peer;
    this.resources = resources;
  }

  @Override
  public final ChildProcess peer() {
    return peer;
  }

  @Override
  public final void close() throws IOException {
    try {
      Peers.stop(peer);
    } finally {
      resources.release();
    }
  }
}
