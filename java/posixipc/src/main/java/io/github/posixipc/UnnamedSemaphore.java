package io.github.posixipc;

/**
 * An unnamed, process-shared POSIX semaphore placed at an offset inside a {@link MappedRegion}
 * ({@code sem_init} with pshared): every process that maps the same shared memory object reaches
 * it, a C program through {@code pipc_sem_*} on its own address of the same bytes.
 *
 * <pre>{@code
 * UnnamedSemaphore ready = UnnamedSemaphore.init(region, 0, 0);    // the creator, once
 * UnnamedSemaphore ready = UnnamedSemaphore.at(region, 0);         // every other user
 * ready.post();  ...  ready.acquire(Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>The offset must leave room for {@link #size()} bytes and be a multiple of
 * {@link #alignment()}; both come from the C library, never from a constant here. The region must
 * be writable. {@link #close()} only ends this handle (waiters leave, see {@link PosixSemaphore});
 * the semaphore itself lives on in the shared memory for the other processes.
 *
 * <p>If another process shrinks the shared memory object so that the semaphore's page is gone,
 * calls report {@link SharedMemoryFaultException}, including a wait that was already blocked
 * when the page vanished (it notices at the end of its current slice): the native calls run
 * under the core's fault guard, which turns the {@code SIGBUS} into an error. The semaphore is
 * lost for good then; seal a memfd against shrinking to rule that out.
 */
public final class UnnamedSemaphore extends PosixSemaphore {

  private final Placement place;

  private UnnamedSemaphore(MappedRegion region, long offset) {
    this.place = new Placement(region, offset, Placement.Kind.SEMAPHORE);
  }

  /** The size of a semaphore ({@code sizeof(sem_t)}). */
  public static int size() {
    return Placement.Kind.SEMAPHORE.size;
  }

  /** The alignment a semaphore needs ({@code alignof(sem_t)}). */
  public static int alignment() {
    return Placement.Kind.SEMAPHORE.alignment;
  }

  /**
   * Initializes a semaphore with value at offset ({@code sem_init}); done once, by one process,
   * before anyone uses it. Initializing one that others are using is undefined behaviour.
   *
   * @throws IllegalArgumentException for a misaligned or out-of-range offset, a read-only region,
   *     or a value outside 0..{@link #valueMax()}
   */
  public static UnnamedSemaphore init(MappedRegion region, long offset, int value)
      throws java.io.IOException {
    int checked = checkedValue(value);
    UnnamedSemaphore s = new UnnamedSemaphore(region, offset);
    s.place.initialize(checked);
    return s;
  }

  /** The semaphore that some process initialized at offset. */
  public static UnnamedSemaphore at(MappedRegion region, long offset) {
    return new UnnamedSemaphore(region, offset);
  }

  /** The offset of the semaphore in its region. */
  public long offset() {
    return place.offset;
  }

  @Override
  int call(int op, long arg) throws java.io.IOException {
    return place.call(PosixSemaphore::invoke, op, arg);
  }

  @Override
  public boolean isOpen() {
    return place.isOpen();
  }

  @Override
  String what() {
    return place.what;
  }

  /** Ends this handle; threads waiting through it leave within 20 ms. Idempotent. */
  @Override
  public void close() {
    place.close();
  }
}
