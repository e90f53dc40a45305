package io.github.posixipc;

/**
 * What a {@link SharedMutex} and a {@link SharedCondition} share as handles on an object placed in
 * a {@link MappedRegion}: the {@link Placement}, the offset, the open state, close and toString.
 * Package-private, so the public methods read as the subclasses' own. {@link UnnamedSemaphore}
 * has a {@link Placement} too, but extends {@link PosixSemaphore}, which it shares with
 * {@link NamedSemaphore}.
 */
abstract class PlacedHandle implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  final Placement place;

  PlacedHandle(MappedRegion region, long offset, Placement.Kind kind) {
    this.place = new Placement(region, offset, kind);
  }

  /** Initializes the object at handle's place (see {@link Placement#initialize}); returns handle. */
  static <H extends PlacedHandle> H initialized(H handle) throws java.io.IOException {
    handle.place.initialize(0);
    return handle;
  }

  /** The offset of the object in its region. */
  public long offset() {
    return place.offset;
  }

  /** True until {@link #close()} of this handle or of its region. */
  public boolean isOpen() {
    return place.isOpen();
  }

  /**
   * Ends this handle (threads waiting through it leave within 20 ms); the object itself stays in
   * the shared memory for the other processes. Idempotent.
   */
  @Override
  public void close() {
    place.close();
  }

  @Override
  public String toString() {
    return place.describe(getClass().getSimpleName());
  }
}
