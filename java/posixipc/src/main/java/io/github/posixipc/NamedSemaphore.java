package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.util.Objects;

/**
 * A named POSIX semaphore ({@code sem_open}), reached by unrelated processes through a name such
 * as {@code "/jobs"} (1 to 251 characters after the {@code "/"}, none of them {@code "/"}).
 *
 * <pre>{@code
 * try (NamedSemaphore sem = NamedSemaphore.open("/jobs", NamedSemaphore.options().exclusive())) {
 *   sem.acquire(Duration.ofSeconds(5));        // another process posts
 * } finally {
 *   NamedSemaphore.unlink("/jobs");
 * }
 * }</pre>
 *
 * <p>Waiting, interruption and close follow {@link PosixSemaphore}. {@link #close()}
 * ({@code sem_close}) ends this process's use; the semaphore itself stays until
 * {@link #unlink(String)}. Closing while other threads are inside a call is safe: they leave
 * within 20 ms, and the semaphore is released by the last of them, never under a thread that is
 * still using it. A handle that becomes unreachable unclosed is closed by a {@code Cleaner}.
 */
public final class NamedSemaphore extends PosixSemaphore {

  static {
    Native.ensureLoaded();
  }

  /** The mode a created semaphore gets unless {@link Options#mode(int)} says otherwise. */
  public static final int DEFAULT_MODE = NamedObjectOptions.DEFAULT_MODE;

  private final String name;
  /** The sem_t pointer, released by sem_close once closed and no call is inside. */
  private final Descriptor life;

  private NamedSemaphore(String name, long sem) {
    this.name = name;
    this.life = Descriptor.of("semaphore " + name, sem, Core::pipc_sem_close);
    life.cleanWith(this);
  }

  /**
   * How to open a semaphore: {@code NamedSemaphore.options().exclusive().initialValue(1)}. The
   * initial value and the mode apply only when this open creates the semaphore.
   */
  public static final class Options extends NamedObjectOptions<Options> {
    private int initialValue;

    private Options() {}

    /**
     * The value of a semaphore this open creates (default 0).
     *
     * @throws IllegalArgumentException outside 0..{@link PosixSemaphore#valueMax()}
     */
    public Options initialValue(int value) {
      this.initialValue = checkedValue(value);
      return this;
    }
  }

  /** A fresh set of options: open an existing semaphore; created ones start at 0, mode 0600. */
  public static Options options() {
    return new Options();
  }

  /** Opens the existing semaphore name; {@link NotFoundException} when there is none. */
  public static NamedSemaphore open(String name) throws IOException {
    return open(name, options());
  }

  /**
   * Opens (or, as the options say, creates) the semaphore name ({@code sem_open}).
   *
   * @throws NotFoundException when it does not exist and the options do not create it
   * @throws AlreadyExistsException for {@link Options#exclusive()} when it exists
   */
  public static NamedSemaphore open(String name, Options options) throws IOException {
    byte[] n = SharedMemory.encode(name);
    Objects.requireNonNull(options, "options");
    int flags = (options.create ? Core.PIPC_SEM_CREATE : 0) | (options.exclusive ? Core.PIPC_SEM_EXCLUSIVE : 0);
    // glibc maps the semaphore's file, which another process could shrink.
    Native.installFaultGuard();
    long[] sem = new long[1];
    int r = Core.pipc_sem_open(n, flags, options.mode, options.initialValue, sem);
    if (r < 0) {
      throw PosixException.of(r, "sem_open", "semaphore " + name);
    }
    return new NamedSemaphore(name, sem[0]);
  }

  /**
   * Removes the name ({@code sem_unlink}); processes that have it open keep it.
   *
   * @throws NotFoundException when it does not exist
   */
  public static void unlink(String name) throws IOException {
    int r = Core.pipc_sem_unlink(SharedMemory.encode(name));
    if (r < 0) {
      throw PosixException.of(r, "sem_unlink", "semaphore " + name);
    }
  }

  /** The name given at open. */
  public String name() {
    return name;
  }

  @Override
  int call(int op, long arg) throws IOException {
    long self = life.enter();
    try {
      return invoke(op, life.handle(), arg);
    } finally {
      life.exit(self);
    }
  }

  @Override
  public boolean isOpen() {
    return life.isOpen();
  }

  @Override
  String what() {
    return "semaphore " + name;
  }

  /** Closes this handle ({@code sem_close}); idempotent and thread-safe. See the class description. */
  @Override
  public void close() {
    life.closeOwned();
  }
}
