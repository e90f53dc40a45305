package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
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

  private static final int CLOSED = 0x4000_0000;
  private static final VarHandle USERS;

  static {
    try {
      USERS = MethodHandles.lookup().findVarHandle(State.class, "users", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final State state;
  private final Cleaner.Cleanable cleanable;

  /**
   * The handle and its use count; the closed bit is set once. Shared with the Cleaner, so it
   * never refers to the semaphore object.
   */
  private static final class State implements Runnable {
    final long sem;
    volatile int users;

    State(long sem) {
      this.sem = sem;
    }

    boolean enter() {
      for (;;) {
        int u = users;
        if ((u & CLOSED) != 0) {
          return false;
        }
        if (USERS.compareAndSet(this, u, u + 1)) {
          return true;
        }
      }
    }

    void exit() {
      int u = (int) USERS.getAndAdd(this, -1) - 1;
      if (u == CLOSED) {
        Core.pipc_sem_close(sem);
      }
    }

    /** Sets the closed bit; releases at once when nobody is inside. */
    @Override
    public void run() {
      for (;;) {
        int u = users;
        if ((u & CLOSED) != 0) {
          return;
        }
        if (USERS.compareAndSet(this, u, u | CLOSED)) {
          if (u == 0) {
            Core.pipc_sem_close(sem);
          }
          return;
        }
      }
    }
  }

  private NamedSemaphore(String name, long sem) {
    this.name = name;
    this.state = new State(sem);
    this.cleanable = Native.CLEANER.register(this, state);
  }

  /**
   * How to open a semaphore: {@code NamedSemaphore.options().exclusive().initialValue(1)}. The
   * initial value and the mode apply only when this open creates the semaphore.
   */
  public static final class Options extends NamedObjectOptions<Options> {
    private int initialValue;

    private Options() {}

    @Override
    Options self() {
      return this;
    }

    /**
     * The value of a semaphore this open creates (default 0).
     *
     * @throws IllegalArgumentException outside 0..{@link PosixSemaphore#valueMax()}
     */
    public Options initialValue(int value) {
      if (value < 0 || value > valueMax()) {
        throw new IllegalArgumentException("semaphore value outside 0.." + valueMax() + ": " + value);
      }
      this.initialValue = value;
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
  Object pin() throws IOException {
    if (!state.enter()) {
      throw new Descriptor.ClosedException(what());
    }
    return this;
  }

  @Override
  void unpin(Object pin) {
    state.exit();
  }

  @Override
  long handle() {
    return state.sem;
  }

  @Override
  public boolean isOpen() {
    return (state.users & CLOSED) == 0;
  }

  @Override
  String what() {
    return "semaphore " + name;
  }

  /** Closes this handle ({@code sem_close}); idempotent and thread-safe. See the class description. */
  @Override
  public void close() {
    cleanable.clean();
  }
}
