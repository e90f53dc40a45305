package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;

/**
 * A named POSIX semaphore ({@code sem_open}), reached by unrelated processes through a name such
 * as {@code "/jobs"} (1 to 251 characters after the {@code "/"}, none of them {@code "/"}).
 *
 * <pre>{@code
 * try (NamedSemaphore sem = NamedSemaphore.create("/jobs", 0)) {
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

  /** The mode {@link #create(String, int)} uses: read and write for the owner only. */
  public static final int DEFAULT_MODE = 0600;

  private final String name;
  /** The sem_t pointer, released by sem_close once closed and no call is inside. */
  private final Descriptor life;

  private NamedSemaphore(String name, long sem) {
    this.name = name;
    this.life = Descriptor.of("semaphore " + name, sem, Core::pipc_sem_close);
    life.cleanWith(this);
  }

  /** Creates the semaphore name with value and mode 0600; fails if it exists. */
  public static NamedSemaphore create(String name, int value) throws IOException {
    return open(name, Core.PIPC_SEM_CREATE | Core.PIPC_SEM_EXCLUSIVE, DEFAULT_MODE, value);
  }

  /**
   * Creates the semaphore name exclusively.
   *
   * @param mode permission bits such as 0600 (the umask applies)
   * @throws AlreadyExistsException when it exists
   * @throws IllegalArgumentException for a value outside 0..{@link #valueMax()} or mode bits
   *     outside 0777
   */
  public static NamedSemaphore create(String name, int value, int mode) throws IOException {
    return open(name, Core.PIPC_SEM_CREATE | Core.PIPC_SEM_EXCLUSIVE, mode, value);
  }

  /** Opens the existing semaphore name; {@link NotFoundException} when there is none. */
  public static NamedSemaphore open(String name) throws IOException {
    return open(name, 0, 0, 0);
  }

  /** Opens the semaphore name, creating it with mode and value when it does not exist. */
  public static NamedSemaphore openOrCreate(String name, int value, int mode) throws IOException {
    return open(name, Core.PIPC_SEM_CREATE, mode, value);
  }

  private static NamedSemaphore open(String name, int flags, int mode, int value) throws IOException {
    byte[] n = SharedMemory.encode(name);
    if ((mode & ~0777) != 0) {
      throw new IllegalArgumentException("mode has bits outside 0777: 0" + Integer.toOctalString(mode));
    }
    if (value < 0 || value > valueMax()) {
      throw new IllegalArgumentException("semaphore value outside 0.." + valueMax() + ": " + value);
    }
    long[] sem = new long[1];
    int r = Core.pipc_sem_open(n, flags, mode, value, sem);
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
