package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

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
    // glibc maps the semaphore's file, which another process could shrink.
    Native.installFaultGuard();
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
