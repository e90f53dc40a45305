package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A child process started with {@code posix_spawn}, inheriting exactly the descriptors you map
 * into it: what C does with fork + dup2 + exec.
 *
 * <pre>{@code
 * try (Pipe toChild = Pipe.open();
 *      ChildProcess child = ChildProcess.builder("/usr/bin/worker", "--input", "fd:3")
 *          .fd(3, toChild.source())           // our read end becomes fd 3 in the child
 *          .start()) {
 *   toChild.source().close();                 // the child has its own copy
 *   toChild.sink().write(job);
 *   toChild.sink().close();
 *   ChildProcess.Status status = child.waitFor(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>The child gets the mapped descriptors at the numbers given, plus 0, 1 and 2 when they are not
 * mapped (they are this process's own); every other descriptor is closed in it. Its signal mask
 * is empty and every signal disposition is the default, whatever this JVM blocks or ignores.
 *
 * <p>The child is watched through a pidfd, so waiting can be bounded and signalling can never
 * reach a process that reused its pid. {@link #close()} releases the handle without killing the
 * child; a child that is still running is then reaped in the background when it ends, so no
 * zombie is left behind. The same happens to a handle that is garbage collected unclosed.
 */
public final class ChildProcess implements AutoCloseable {

  static {
    Native.ensureLoaded();
  }

  private static final int SIGKILL = Core.pipc_signal_number(NativeStrings.encode("SIGKILL", "signal"));
  private static final int SIGTERM = Core.pipc_signal_number(NativeStrings.encode("SIGTERM", "signal"));
  /** One slice of {@link #waitFor(Duration)}: see {@link Timeouts#await}. */
  private static final Timeouts.Slice<ChildProcess> WAIT = (c, slice) -> c.waitSlice(slice);

  private final int pid;
  private final String what;
  private final Handle handle;
  /**
   * This handle's lifecycle, apart from the pidfd's: closing it hands the pidfd to the reaper
   * while the child runs, so the pidfd can outlive the handle.
   */
  private final Descriptor life;

  private ChildProcess(int pid, int pidfd, String program) {
    this.pid = pid;
    this.what = "child process " + pid + " (" + program + ")";
    Handle h = new Handle(new Descriptor("pidfd of " + what, pidfd, true));
    this.handle = h;
    this.life = Descriptor.of("handle of " + what, 0, unused -> h.release());
    life.cleanWith(this);
  }

  /** A builder for a child running program (looked up in PATH when it has no '/') with args. */
  public static Builder builder(String program, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Objects.requireNonNull(program, "program"));
    for (String a : args) {
      command.add(Objects.requireNonNull(a, "argument"));
    }
    return new Builder(command);
  }

  /** A builder for a child running command.get(0) with the rest as arguments. */
  public static Builder builder(List<String> command) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    return builder(command.get(0), command.subList(1, command.size()).toArray(new String[0]));
  }

  /** The child's process id. */
  public int pid() {
    return pid;
  }

  /** Waits for the child to end, as long as it takes. */
  public Status waitFor() throws IOException, InterruptedException {
    return waitFor(null);
  }

  /**
   * Waits for the child to end and returns how it ended; the child is then reaped. Several
   * threads may wait at once; all get the same status.
   *
   * @param timeout null waits forever, {@link Duration#ZERO} only looks
   * @throws WouldBlockException with {@code Duration.ZERO} while the child runs
   * @throws TimedOutException when the child still runs after timeout
   * @throws InterruptedException when the waiting thread is interrupted (the child is untouched)
   * @throws ClosedChannelException after {@link #close()}
   */
  public Status waitFor(Duration timeout) throws IOException, InterruptedException {
    life.ensureOpen();
    Status s = handle.status;
    if (s != null) {
      return s;
    }
    int r = Timeouts.await(WAIT, this, Timeouts.nanos(timeout), "waitid", what);
    if (r < 0) {
      throw PosixException.of(r, "poll", what);
    }
    return handle.status;
  }

  /**
   * Waits up to sliceNanos (0: only looks) for the child to end. Returns 0 once it is reaped, a
   * negative errno otherwise (-ETIMEDOUT or -EAGAIN while it runs).
   */
  private int waitSlice(long sliceNanos) throws IOException {
    long self = life.enter();
    try {
      if (handle.status != null) {
        return 0;
      }
      int r = handle.poll(sliceNanos);
      if (r > 0 || sliceNanos == 0) {
        return handle.reap(what) != null ? 0 : -Errno.EAGAIN;
      }
      return r;
    } finally {
      life.exit(self);
    }
  }

  /** True until the child has ended. */
  public boolean isAlive() throws IOException {
    life.ensureOpen();
    if (handle.status != null) {
      return false;
    }
    long self = life.enter();
    try {
      return handle.reap(what) == null;
    } finally {
      life.exit(self);
    }
  }

  /**
   * Sends a signal to the child (pidfd_send_signal). A child that has ended but is not reaped yet
   * takes it without effect.
   *
   * @throws PosixException ESRCH once the child has been reaped, EINVAL for a bad number
   */
  public void signal(int signo) throws IOException {
    long self = life.enter();
    try {
      if (handle.status != null) {
        throw new PosixException(Errno.ESRCH, "pidfd_send_signal", what);
      }
      handle.pidfd.withFd(fd -> Core.pipc_spawn_signal(fd, signo), "pidfd_send_signal");
    } finally {
      life.exit(self);
    }
  }

  /** Sends SIGTERM. */
  public void terminate() throws IOException {
    signal(SIGTERM);
  }

  /** Sends SIGKILL. */
  public void kill() throws IOException {
    signal(SIGKILL);
  }

  /**
   * Releases this handle. The child is not signalled; if it still runs, it is reaped in the
   * background once it ends. Idempotent.
   */
  @Override
  public void close() {
    life.closeOwned();
  }

  @Override
  public String toString() {
    Status s = handle.status;
    return "ChildProcess[" + what + (s != null ? ", " + s : "") + (life.isOpen() ? "" : ", closed") + "]";
  }

  /**
   * How a child ended.
   *
   * @param exitCode the exit code, 0 to 255; -1 when a signal ended the child
   * @param signal the number of the signal that ended the child; 0 when it exited
   * @param coreDumped true when the signal left a core dump
   */
  public record Status(int exitCode, int signal, boolean coreDumped) {

    /** True when the child called exit (or returned from main). */
    public boolean exited() {
      return signal == 0;
    }

    @Override
    public String toString() {
      if (exited()) {
        return "exit code " + exitCode;
      }
      return "signal " + Core.pipc_signal_name(signal) + " (" + signal + ")" + (coreDumped ? ", core dumped" : "");
    }
  }

  /**
   * The pidfd and the status once reaped: what the Cleaner and the reaper hold, never the
   * ChildProcess itself.
   */
  static final class Handle {
    final Descriptor pidfd;
    volatile Status status;

    Handle(Descriptor pidfd) {
      this.pidfd = pidfd;
    }

    /** Waits up to sliceNanos for the child to end: > 0 when it has, or a negative errno. */
    int poll(long sliceNanos) throws ClosedChannelException {
      long self = pidfd.enter();
      try {
        return Core.pipc_fd_wait(pidfd.fd(), Core.PIPC_READABLE, sliceNanos);
      } finally {
        pidfd.exit(self);
      }
    }

    /** Reaps the child if it has ended; returns its status, or null while it runs. */
    synchronized Status reap(String what) throws IOException {
      if (status != null) {
        return status;
      }
      int[] how = new int[1];
      int[] value = new int[1];
      long self = pidfd.enter();
      int r;
      try {
        r = Core.pipc_spawn_wait(pidfd.fd(), 0, how, value);
      } finally {
        pidfd.exit(self);
      }
      if (r == -Errno.EAGAIN) {
        return null;
      }
      if (r < 0) {
        throw PosixException.of(r, "waitid", what);
      }
      status = how[0] == Core.PIPC_CHILD_EXITED
          ? new Status(value[0], 0, false)
          : new Status(-1, value[0], how[0] == Core.PIPC_CHILD_DUMPED);
      return status;
    }

    /**
     * The release action of the ChildProcess's lifecycle (its close or its Cleaner): a reaped
     * child's pidfd is closed; a running one goes to the reaper. Returns 0.
     */
    int release() {
      if (status != null) {
        pidfd.close();
      } else {
        Reaper.adopt(this);
      }
      return 0;
    }
  }

  /** Starts a child process; every setting is optional but the command. */
  public static final class Builder {
    private final List<String> command;
    private final Map<Integer, Object> fds = new LinkedHashMap<>();
    private Map<String, String> environment;
    private Path directory;
    private int flags;

    private Builder(List<String> command) {
      this.command = command;
    }

    /**
     * Makes handle's descriptor descriptor number childFd in the child. The handle stays open
     * here; close it after {@link #start()} when only the child should have it.
     */
    public Builder fd(int childFd, DescriptorHandle handle) {
      return map(childFd, Objects.requireNonNull(handle, "handle"));
    }

    /** Makes this process's descriptor parentFd descriptor number childFd in the child. */
    public Builder fd(int childFd, int parentFd) {
      if (parentFd < 0) {
        throw new IllegalArgumentException("negative descriptor: " + parentFd);
      }
      return map(childFd, parentFd);
    }

    private Builder map(int childFd, Object source) {
      if (childFd < 0) {
        throw new IllegalArgumentException("negative descriptor number in the child: " + childFd);
      }
      if (fds.putIfAbsent(childFd, source) != null) {
        throw new IllegalArgumentException("descriptor " + childFd + " is mapped twice");
      }
      return this;
    }

    /** The child's whole environment (by default it inherits this process's). */
    public Builder environment(Map<String, String> env) {
      environment = new LinkedHashMap<>(env);
      return this;
    }

    /** Sets one variable in the child's environment, on top of the inherited or given one. */
    public Builder env(String name, String value) {
      if (environment == null) {
        environment = new LinkedHashMap<>(System.getenv());
      }
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException("bad environment variable name: " + name);
      }
      environment.put(name, Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The child's working directory (by default this process's). */
    public Builder directory(Path dir) {
      directory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** The child starts a new session (setsid), detached from this terminal. */
    public Builder newSession() {
      flags = (flags & ~Core.PIPC_SPAWN_SETPGID) | Core.PIPC_SPAWN_SETSID;
      return this;
    }

    /** The child starts a new process group of its own. */
    public Builder newProcessGroup() {
      flags = (flags & ~Core.PIPC_SPAWN_SETSID) | Core.PIPC_SPAWN_SETPGID;
      return this;
    }

    /**
     * Starts the child.
     *
     * @throws NotFoundException when the program does not exist (reported here, not by the child)
     * @throws PermissionDeniedException when it cannot be executed
     * @throws ClosedChannelException when a mapped channel is closed
     */
    public ChildProcess start() throws IOException {
      String program = command.get(0);
      List<Pointer> keep = new ArrayList<>();
      PointerPointer<BytePointer> argv = strings(command, keep);
      PointerPointer<BytePointer> envp = null;
      if (environment != null) {
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
          entries.add(e.getKey() + "=" + e.getValue());
        }
        envp = strings(entries, keep);
      }
      byte[] cwd = directory != null ? NativeStrings.path(directory) : null;
      int[] map = new int[fds.size() * 2];
      Map<Descriptor, Long> entered = new HashMap<>();
      int[] pid = new int[1];
      int[] pidfd = new int[1];
      int r;
      try {
        int i = 0;
        for (Map.Entry<Integer, Object> e : fds.entrySet()) {
          map[i++] = e.getKey();
          if (e.getValue() instanceof DescriptorHandle h) {
            // Entered for the duration of the spawn: the descriptor cannot be closed under it.
            Descriptor d = Descriptor.of(h);
            if (!entered.containsKey(d)) {
              entered.put(d, d.enter());
            }
            map[i++] = d.fd();
          } else {
            map[i++] = (Integer) e.getValue();
          }
        }
        r = Core.pipc_spawn(NativeStrings.encode(program, "program"), argv, envp, cwd, map,
            fds.size(), flags, pid, pidfd);
      } finally {
        for (Map.Entry<Descriptor, Long> e : entered.entrySet()) {
          e.getKey().exit(e.getValue());
        }
        java.lang.ref.Reference.reachabilityFence(keep);
      }
      if (r < 0) {
        throw PosixException.of(r, "posix_spawn", program);
      }
      return new ChildProcess(pid[0], pidfd[0], program);
    }

    private static PointerPointer<BytePointer> strings(List<String> list, List<Pointer> keep) {
      PointerPointer<BytePointer> pp = new PointerPointer<>(list.size() + 1);
      keep.add(pp);
      for (int i = 0; i < list.size(); i++) {
        BytePointer p = new BytePointer(NativeStrings.encode(list.get(i), "argument"));
        keep.add(p);
        pp.put(i, p);
      }
      pp.put(list.size(), (Pointer) null);
      return pp;
    }
  }
}
