package io.github.posixipc.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The FFM contender (JDK 22+): the raw C contender's system calls, made from Java through
 * hand-written {@code java.lang.foreign} downcalls into libc, with no posixipc code loaded. Every
 * call that can fail captures errno ({@code Linker.Option.captureCallState("errno")}) into a
 * segment of the link's own, and a failure throws an IOException that names the call and the
 * errno. Everything a round trip touches (the state, the ping, the pong, the shared segment) is
 * allocated once per link in its arena: nothing is allocated per round trip.
 *
 * <p>The servers are the C harness's, started with {@code posix_spawn} through the same downcalls,
 * and the protocols are the raw C contender's: {@code write}/{@code read} on two pipes or two
 * FIFOs, {@code send(MSG_NOSIGNAL)}/{@code recv} on an AF_UNIX stream socket,
 * {@code mq_timedsend}/{@code mq_timedreceive} (no timeout: what {@code mq_send} and
 * {@code mq_receive} call) on two queues, {@code sem_post}/{@code sem_wait} on the two
 * process-shared semaphores of a {@code shm_open}ed segment with {@link ShmLinks}'s layout.
 *
 * <p>Round trips only. This class is compiled for release 22 into META-INF/versions/22 of the
 * benchmark jar (the {@code ffm} profile of benchmarks/jmh/pom.xml, active on a JDK 22+ build);
 * {@link Link#open} reaches it by reflection. Downcalls and reinterpreting native addresses are
 * the restricted methods of java.lang.foreign (native access is granted to every JMH fork).
 */
@SuppressWarnings("restricted")
final class FfmLinks {

  // Linux's values, the same on x86_64 and aarch64.
  private static final int O_RDONLY = 0;
  private static final int O_WRONLY = 1;
  private static final int O_RDWR = 2;
  private static final int O_CREAT = 0100;
  private static final int O_EXCL = 0200;
  private static final int O_CLOEXEC = 02000000;
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = 02000000;
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int PROT_READ = 1;
  private static final int PROT_WRITE = 2;
  private static final int MAP_SHARED = 1;
  private static final int WNOHANG = 1;
  private static final int SIGKILL = 9;
  private static final int EINTR = 4;
  private static final int ENOENT = 2;
  private static final int ECONNREFUSED = 111;
  /** sizeof(struct sockaddr_un): the family, then 108 bytes of path. */
  private static final int SOCKADDR_UN = 110;
  /** sizeof(struct mq_attr) in glibc: flags, maxmsg, msgsize, curmsgs, four longs of padding. */
  private static final int MQ_ATTR = 64;
  /** At least sizeof(posix_spawn_file_actions_t) (80 bytes in glibc). */
  private static final int SPAWN_ACTIONS = 256;
  /** sizeof(sem_t) on 64-bit Linux; each sits in its own 64 bytes of the segment. */
  private static final int SEM_T = 32;

  private static final long PATIENCE_NANOS = 10_000_000_000L;

  private static final Map<Integer, String> ERRNO_NAMES = Map.ofEntries(Map.entry(1, "EPERM"),
      Map.entry(2, "ENOENT"), Map.entry(4, "EINTR"), Map.entry(9, "EBADF"), Map.entry(11, "EAGAIN"),
      Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(17, "EEXIST"), Map.entry(22, "EINVAL"),
      Map.entry(24, "EMFILE"), Map.entry(28, "ENOSPC"), Map.entry(32, "EPIPE"), Map.entry(38, "ENOSYS"), Map.entry(88, "ENOTSOCK"),
      Map.entry(90, "EMSGSIZE"), Map.entry(104, "ECONNRESET"), Map.entry(110, "ETIMEDOUT"),
      Map.entry(111, "ECONNREFUSED"));

  private FfmLinks() {}

  /** The link for a mechanism: "pipe", "fifo", "unix", "mq" or "shm-sem"; round trips only. */
  static Link open(String mechanism, boolean echo) throws IOException {
    if (!echo) {
      throw new IllegalArgumentException("the FFM contender runs round trips only, not " + mechanism + " streams");
    }
    return switch (mechanism) {
      case "pipe" -> pipe();
      case "fifo" -> fifo();
      case "unix" -> unix();
      case "mq" -> mq();
      case "shm-sem" -> semaphores();
      case "call" -> calls();
      case "transfer" -> transfers(false);
      case "transfer-unix" -> transfers(true);
      default -> throw new IllegalArgumentException("no FFM link for " + mechanism);
    };
  }

  // ------------------------------------------------------------------ the downcalls

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final VarHandle INT = JAVA_INT.varHandle();

  /** libc, then librt (glibc before 2.34 kept the queue and shared-memory calls there). */
  private static MemorySegment symbol(String name) {
    return LINKER.defaultLookup().find(name).or(() -> Librt.LOOKUP.find(name))
        .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in libc or librt"));
  }

  /** A call whose errno is captured: the handle takes the state segment first. */
  private static MethodHandle errnoCall(String name, FunctionDescriptor fd, Linker.Option... more) {
    Linker.Option[] options = new Linker.Option[more.length + 1];
    options[0] = Linker.Option.captureCallState("errno");
    System.arraycopy(more, 0, options, 1, more.length);
    return LINKER.downcallHandle(symbol(name), fd, options);
  }

  /** A call that returns its error number instead of setting errno, or cannot fail. */
  private static MethodHandle plainCall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(symbol(name), fd);
  }

  private static final class Librt {
    static final SymbolLookup LOOKUP = load();

    private static SymbolLookup load() {
      try {
        return SymbolLookup.libraryLookup("librt.so.1", Arena.global());
      } catch (IllegalArgumentException e) {
        return name -> Optional.empty();
      }
    }
  }

  private static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
      JAVA_LONG));
  private static final MethodHandle READ = errnoCall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
      JAVA_LONG));
  private static final MethodHandle SEND = errnoCall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
      JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECV = errnoCall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
      JAVA_LONG, JAVA_INT));
  private static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle IOCTL = errnoCall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG,
      ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle PIPE2 = errnoCall("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle MKFIFO = errnoCall("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  /** open(path, flags, ...): the mode is the variadic argument. */
  private static final MethodHandle OPEN = errnoCall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
      JAVA_INT), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle SOCKETPAIR = errnoCall("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
      JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT,
      JAVA_INT));
  private static final MethodHandle CONNECT = errnoCall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
      JAVA_INT));
  /** mq_open(name, flags, ...): the mode and the attributes are variadic. */
  private static final MethodHandle MQ_OPEN = errnoCall("mq_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
      JAVA_INT, ADDRESS), Linker.Option.firstVariadicArg(2));
  private static final MethodHandle MQ_TIMEDSEND = errnoCall("mq_timedsend", FunctionDescriptor.of(JAVA_INT,
      JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
  private static final MethodHandle MQ_TIMEDRECEIVE = errnoCall("mq_timedreceive", FunctionDescriptor.of(JAVA_LONG,
      JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
  private static final MethodHandle MQ_CLOSE = errnoCall("mq_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle MQ_UNLINK = errnoCall("mq_unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle SHM_OPEN = errnoCall("shm_open", FunctionDescriptor.of(JAVA_INT, ADDRESS,
      JAVA_INT, JAVA_INT));
  private static final MethodHandle SHM_UNLINK = errnoCall("shm_unlink", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle FTRUNCATE = errnoCall("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
      JAVA_LONG));
  private static final MethodHandle MMAP = errnoCall("mmap", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG,
      JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
  private static final MethodHandle MUNMAP = errnoCall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS,
      JAVA_LONG));
  private static final MethodHandle SEM_INIT = errnoCall("sem_init", FunctionDescriptor.of(JAVA_INT, ADDRESS,
      JAVA_INT, JAVA_INT));
  private static final MethodHandle SEM_POST = errnoCall("sem_post", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle SEM_WAIT = errnoCall("sem_wait", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle SEM_DESTROY = errnoCall("sem_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle WAITPID = errnoCall("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
      JAVA_INT));
  private static final MethodHandle KILL = errnoCall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle POSIX_SPAWN = plainCall("posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS,
      ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  private static final MethodHandle ACTIONS_INIT = plainCall("posix_spawn_file_actions_init",
      FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle ACTIONS_ADDDUP2 = plainCall("posix_spawn_file_actions_adddup2",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  private static final MethodHandle ACTIONS_DESTROY = plainCall("posix_spawn_file_actions_destroy",
      FunctionDescriptor.of(JAVA_INT, ADDRESS));
  private static final MethodHandle STRERROR = plainCall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  /** A downcall throws nothing of its own; whatever comes out of invokeExact is a bug here. */
  private static RuntimeException unexpected(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  /** An IOException as it is, anything else as {@link #unexpected} has it. */
  private static IOException rethrown(Throwable t) throws IOException {
    if (t instanceof IOException e) {
      throw e;
    }
    throw unexpected(t);
  }

  private static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** "call: ENAME (errno N, message)". */
  private static String describe(String call, int errno) {
    String message;
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      message = s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      message = "no message";
    }
    return call + ": " + ERRNO_NAMES.getOrDefault(errno, "E?") + " (errno " + errno + ", " + message + ")";
  }

  /** The failure of a call that set errno: the call and the captured errno. */
  private static IOException failure(String call, MemorySegment state) {
    return new IOException(describe(call, errno(state)));
  }

  /** r, unless it is -1 (the call failed: its errno is in the state). */
  private static int check(String call, int r, MemorySegment state) throws IOException {
    if (r < 0) {
      throw failure(call, state);
    }
    return r;
  }

  // ------------------------------------------------------------------ the links

  /** What every FFM link has: its arena, its errno state, the ping and the pong, its server. */
  private abstract static class FfmLink implements Link {
    final Arena arena = Arena.ofShared();
    final MemorySegment state = arena.allocate(STATE);
    final MemorySegment ping = arena.allocate(MESSAGE, 64);
    final MemorySegment pong = arena.allocate(MESSAGE, 64);
    /** The server's process id, 0 until it is started and once it has been waited for. */
    int pid;
    int seq;

    @Override
    public final int writeChunk() {
      throw new UnsupportedOperationException("the FFM contender runs round trips only");
    }

    /** Starts the C harness's server: argv[0] is its path; inherit[i] becomes its fd 3 + i. */
    final void spawn(List<String> argv, int... inherit) throws IOException {
      for (int fd : inherit) {
        // dup2 onto 3, 4, ... in order: a source among the targets would be overwritten first.
        if (fd < 3 + inherit.length) {
          throw new IllegalStateException("descriptor " + fd + " is among the server's targets");
        }
      }
      MemorySegment actions = arena.allocate(SPAWN_ACTIONS, 16);
      MemorySegment args = arena.allocate(ADDRESS, argv.size() + 1);
      for (int i = 0; i < argv.size(); i++) {
        args.setAtIndex(ADDRESS, i, arena.allocateFrom(argv.get(i)));
      }
      args.setAtIndex(ADDRESS, argv.size(), MemorySegment.NULL);
      List<String> environment = new ArrayList<>();
      System.getenv().forEach((k, v) -> environment.add(k + "=" + v));
      MemorySegment env = arena.allocate(ADDRESS, environment.size() + 1);
      for (int i = 0; i < environment.size(); i++) {
        env.setAtIndex(ADDRESS, i, arena.allocateFrom(environment.get(i)));
      }
      env.setAtIndex(ADDRESS, environment.size(), MemorySegment.NULL);
      MemorySegment child = arena.allocate(JAVA_INT);
      int r;
      try {
        r = (int) ACTIONS_INIT.invokeExact(actions);
        if (r != 0) {
          throw new IOException(describe("posix_spawn_file_actions_init", r));
        }
        try {
          for (int i = 0; i < inherit.length; i++) {
            r = (int) ACTIONS_ADDDUP2.invokeExact(actions, inherit[i], 3 + i);
            if (r != 0) {
              throw new IOException(describe("posix_spawn_file_actions_adddup2", r));
            }
          }
          r = (int) POSIX_SPAWN.invokeExact(child, args.getAtIndex(ADDRESS, 0), actions, MemorySegment.NULL, args,
              env);
        } finally {
          int ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
        }
      } catch (IOException | RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw unexpected(t);
      }
      if (r != 0) {
        throw new IOException(describe("posix_spawn " + argv, r));
      }
      pid = child.get(JAVA_INT, 0);
    }

    /** A downcall that tells the server to stop; returns its result. */
    @FunctionalInterface
    interface StopCall {
      int call() throws Throwable;
    }

    /** Whatever is left of the link: descriptors or queues or segment, the server, the arena. */
    abstract void abandon() throws IOException;

    /**
     * The end of a link whose server stops on a message: sends it (call, named for its error),
     * waits for the server to exit cleanly, and lets go of everything, whatever happened.
     */
    final void stop(String name, StopCall call) throws IOException, InterruptedException {
      try {
        int r;
        try {
          r = call.call();
        } catch (Throwable t) {
          throw unexpected(t);
        }
        check(name, r, state);
        end();
      } finally {
        abandon();
      }
    }

    /** Waits (10 s at most) for the server to exit with code 0. */
    final void end() throws IOException, InterruptedException {
      MemorySegment status = arena.allocate(JAVA_INT);
      long deadline = System.nanoTime() + PATIENCE_NANOS;
      for (;;) {
        int r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
          break;
        }
        if (r < 0 && errno(state) != EINTR) {
          throw failure("waitpid", state);
        }
        if (System.nanoTime() > deadline) {
          abandonServer();
          throw new IOException("the server did not end in 10 s");
        }
        Thread.sleep(1);
      }
      pid = 0;
      int s = status.get(JAVA_INT, 0);
      if (s != 0) {
        throw new IOException("the server did not end cleanly: wait status 0x" + Integer.toHexString(s));
      }
    }

    /** Kills and reaps the server, if it runs: a link that could not be set up. */
    final void abandonServer() {
      if (pid > 0) {
        try {
          int ignored = (int) KILL.invokeExact(state, pid, SIGKILL);
          MemorySegment status = arena.allocate(JAVA_INT);
          while (waitpid(pid, status, 0) < 0 && errno(state) == EINTR) {
            // again
          }
        } catch (Throwable t) {
          // best effort: the link is failing already
        }
        pid = 0;
      }
    }

    final int waitpid(int child, MemorySegment status, int options) {
      try {
        return (int) WAITPID.invokeExact(state, child, status, options);
      } catch (Throwable t) {
        throw unexpected(t);
      }
    }

    final void closeFd(int fd) {
      if (fd >= 0) {
        try {
          int ignored = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
          throw unexpected(t);
        }
      }
    }
  }

  /** Two pipes, two FIFOs (write/read), or one socket (send/recv). */
  private static final class FdLink extends FfmLink {
    private final boolean socket;
    int to = -1;
    int from = -1;
    /** A private directory (FIFOs, the socket's path) to remove at the end, or null. */
    Path dir;

    FdLink(boolean socket) {
      this.socket = socket;
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping.set(JAVA_BYTE, 0, (byte) sent);
      long done = 0;
      while (done < MESSAGE) {
        long n;
        try {
          MemorySegment rest = done == 0 ? ping : ping.asSlice(done);
          n = socket ? (long) SEND.invokeExact(state, to, rest, MESSAGE - done, MSG_NOSIGNAL)
              : (long) WRITE.invokeExact(state, to, rest, MESSAGE - done);
        } catch (Throwable t) {
          throw unexpected(t);
        }
        if (n < 0) {
          if (errno(state) == EINTR) {
            continue;
          }
          throw failure(socket ? "send" : "write", state);
        }
        done += n;
      }
      done = 0;
      while (done < MESSAGE) {
        long n;
        try {
          MemorySegment rest = done == 0 ? pong : pong.asSlice(done);
          n = socket ? (long) RECV.invokeExact(state, from, rest, MESSAGE - done, 0)
              : (long) READ.invokeExact(state, from, rest, MESSAGE - done);
        } catch (Throwable t) {
          throw unexpected(t);
        }
        if (n < 0) {
          if (errno(state) == EINTR) {
            continue;
          }
          throw failure(socket ? "recv" : "read", state);
        }
        if (n == 0) {
          throw new EOFException("the server closed the link");
        }
        done += n;
      }
      int received = pong.get(JAVA_BYTE, 0);
      Server.checkEcho(sent, received);
      return received;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        closeFd(to); // the server sees end-of-file
        if (from != to) {
          closeFd(from);
        }
        to = from = -1;
        end();
      } finally {
        abandon();
      }
    }

    /** Whatever is left: the descriptors, the server, the directory, the arena. */
    @Override
    void abandon() throws IOException {
      closeFd(to);
      if (from != to) {
        closeFd(from);
      }
      to = from = -1;
      abandonServer();
      try {
        if (dir != null) {
          Server.removeFifoDir(dir);
          dir = null;
        }
      } finally {
        arena.close();
      }
    }
  }

  static Link pipe() throws IOException {
    FdLink l = new FdLink(false);
    int serverIn = -1;
    int serverOut = -1;
    try {
      MemorySegment a = l.arena.allocate(JAVA_INT, 2);
      MemorySegment b = l.arena.allocate(JAVA_INT, 2);
      check("pipe2", (int) PIPE2.invokeExact(l.state, a, O_CLOEXEC), l.state);
      serverIn = a.getAtIndex(JAVA_INT, 0);
      l.to = a.getAtIndex(JAVA_INT, 1);
      check("pipe2", (int) PIPE2.invokeExact(l.state, b, O_CLOEXEC), l.state);
      l.from = b.getAtIndex(JAVA_INT, 0);
      serverOut = b.getAtIndex(JAVA_INT, 1);
      // The server's fd 3 is the first pipe's read end, fd 4 the second's write end.
      l.spawn(Server.command(true, "fd:3", "fd:4"), serverIn, serverOut);
      l.closeFd(serverIn);
      l.closeFd(serverOut);
      return l;
    } catch (Throwable t) {
      l.closeFd(serverIn);
      l.closeFd(serverOut);
      l.abandon();
      throw rethrown(t);
    }
  }

  static Link fifo() throws IOException {
    FdLink l = new FdLink(false);
    try {
      l.dir = Server.fifoDir();
      Path in = l.dir.resolve("in");
      Path out = l.dir.resolve("out");
      MemorySegment inPath = l.arena.allocateFrom(in.toString());
      MemorySegment outPath = l.arena.allocateFrom(out.toString());
      check("mkfifo", (int) MKFIFO.invokeExact(l.state, inPath, 0600), l.state);
      check("mkfifo", (int) MKFIFO.invokeExact(l.state, outPath, 0600), l.state);
      l.spawn(Server.command(true, "fifo:" + in, "fifo:" + out));
      // The server opens its input, then its output: the same order here.
      l.to = openFifo(l, inPath, O_WRONLY);
      l.from = openFifo(l, outPath, O_RDONLY);
      return l;
    } catch (Throwable t) {
      l.abandon();
      throw rethrown(t);
    }
  }

  private static int openFifo(FfmLink l, MemorySegment path, int access) throws Throwable {
    for (;;) {
      int fd = (int) OPEN.invokeExact(l.state, path, access | O_CLOEXEC, 0);
      if (fd >= 0) {
        return fd;
      }
      if (errno(l.state) != EINTR) {
        throw failure("open", l.state);
      }
    }
  }

  static Link unix() throws IOException {
    FdLink l = new FdLink(true);
    try {
      l.dir = Server.fifoDir();
      String path = l.dir.resolve("sock").toString();
      MemorySegment address = l.arena.allocate(SOCKADDR_UN, 8);
      address.set(JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment cPath = l.arena.allocateFrom(path);
      if (cPath.byteSize() > SOCKADDR_UN - 2) {
        throw new IOException("the socket path is too long for sockaddr_un: " + path);
      }
      MemorySegment.copy(cPath, 0, address, 2, cPath.byteSize());
      l.spawn(List.of(Server.exe(), "serve", "unix-echo", path));
      long deadline = System.nanoTime() + PATIENCE_NANOS;
      for (;;) {
        int fd = check("socket", (int) SOCKET.invokeExact(l.state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), l.state);
        int r = (int) CONNECT.invokeExact(l.state, fd, address, SOCKADDR_UN);
        if (r == 0) {
          l.to = l.from = fd;
          return l;
        }
        int e = errno(l.state);
        IOException failed = failure("connect", l.state);
        l.closeFd(fd);
        if ((e != ENOENT && e != ECONNREFUSED && e != EINTR) || System.nanoTime() > deadline) {
          throw failed; // the server never listened
        }
        Thread.onSpinWait();
      }
    } catch (Throwable t) {
      l.abandon();
      throw rethrown(t);
    }
  }

  /** Two queues of ten 64-byte messages; priority 0, and one of priority 1 stops the server. */
  private static final class MqLink extends FfmLink {
    final String base = "/pipc-bench-ffm-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    final MemorySegment inName = arena.allocateFrom(base + "-in");
    final MemorySegment outName = arena.allocateFrom(base + "-out");
    int in = -1;
    int out = -1;

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping.set(JAVA_BYTE, 0, (byte) sent);
      try {
        while ((int) MQ_TIMEDSEND.invokeExact(state, in, ping, (long) MESSAGE, 0, MemorySegment.NULL) < 0) {
          if (errno(state) != EINTR) {
            throw failure("mq_timedsend", state);
          }
        }
        long n;
        while ((n = (long) MQ_TIMEDRECEIVE.invokeExact(state, out, pong, (long) MESSAGE, MemorySegment.NULL,
            MemorySegment.NULL)) < 0) {
          if (errno(state) != EINTR) {
            throw failure("mq_timedreceive", state);
          }
        }
        if (n != MESSAGE) {
          throw new IOException("mq_timedreceive: " + n + " bytes, not " + MESSAGE);
        }
      } catch (IOException | RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw unexpected(t);
      }
      int received = pong.get(JAVA_BYTE, 0);
      Server.checkEcho(sent, received);
      return received;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      // The server stops at a message of priority 1.
      stop("mq_timedsend", () -> (int) MQ_TIMEDSEND.invokeExact(state, in, ping, 0L, 1, MemorySegment.NULL));
    }

    @Override
    void abandon() {
      abandonServer();
      try {
        for (int q : new int[] {in, out}) {
          if (q >= 0) {
            int ignored = (int) MQ_CLOSE.invokeExact(state, q);
          }
        }
        in = out = -1;
        int ignored = (int) MQ_UNLINK.invokeExact(state, inName);
        ignored = (int) MQ_UNLINK.invokeExact(state, outName);
      } catch (Throwable t) {
        throw unexpected(t);
      } finally {
        arena.close();
      }
    }
  }

  static Link mq() throws IOException {
    MqLink l = new MqLink();
    try {
      MemorySegment attr = l.arena.allocate(MQ_ATTR, 8);
      attr.set(JAVA_LONG, 8, 10); // mq_maxmsg
      attr.set(JAVA_LONG, 16, Link.MESSAGE); // mq_msgsize
      l.in = check("mq_open", (int) MQ_OPEN.invokeExact(l.state, l.inName, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
          0600, attr), l.state);
      l.out = check("mq_open", (int) MQ_OPEN.invokeExact(l.state, l.outName, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC,
          0600, attr), l.state);
      l.spawn(List.of(Server.exe(), "serve", "mq-echo", l.base + "-in", l.base + "-out"));
      return l;
    } catch (Throwable t) {
      l.abandon();
      throw rethrown(t);
    }
  }

  /** FIONREAD from asm-generic/ioctls.h (x86-64 and arm64 alike). */
  private static final long FIONREAD = 0x541B;

  /** call-cost: CallLinks.CALLS ioctl(FIONREAD) downcalls on an empty pipe of its own. */
  private static class CallLink extends FfmLink {
    final MemorySegment fds = arena.allocate(JAVA_INT, 2);
    final MemorySegment count = arena.allocate(JAVA_INT);

    @Override
    public int roundTrip() throws IOException {
      int sum = 0;
      int fd = fds.getAtIndex(JAVA_INT, 0);
      for (int i = 0; i < CallLinks.CALLS; i++) {
        int r;
        try {
          r = (int) IOCTL.invokeExact(state, fd, FIONREAD, count);
        } catch (Throwable t) {
          throw unexpected(t);
        }
        check("ioctl(FIONREAD)", r, state);
        sum += count.get(JAVA_INT, 0);
      }
      return CallLinks.check(sum);
    }

    @Override
    public void close() throws IOException {
      abandon();
    }

    @Override
    void abandon() {
      closeFd(fds.getAtIndex(JAVA_INT, 0));
      closeFd(fds.getAtIndex(JAVA_INT, 1));
      arena.close();
    }
  }

  /**
   * transfer-cost: CallLinks.CALLS pairs of a 1-byte write and read downcall on a pipe of its own,
   * or of a send and a recv on a socket pair (transfer-cost-unix).
   */
  private static final class TransferLink extends CallLink {
    final boolean socket;

    TransferLink(boolean socket) {
      this.socket = socket;
    }

    @Override
    public int roundTrip() throws IOException {
      int sum = 0;
      int in = fds.getAtIndex(JAVA_INT, socket ? 1 : 0);
      int out = fds.getAtIndex(JAVA_INT, socket ? 0 : 1);
      for (int i = 0; i < CallLinks.CALLS; i++) {
        long w;
        try {
          w = socket ? (long) SEND.invokeExact(state, out, ping, 1L, MSG_NOSIGNAL)
              : (long) WRITE.invokeExact(state, out, ping, 1L);
        } catch (Throwable t) {
          throw unexpected(t);
        }
        check("write", (int) w, state);
        long n;
        try {
          n = socket ? (long) RECV.invokeExact(state, in, pong, 1L, 0) : (long) READ.invokeExact(state, in, pong, 1L);
        } catch (Throwable t) {
          throw unexpected(t);
        }
        check("read", (int) n, state);
        sum += (int) n;
      }
      return CallLinks.checkTransfers(sum);
    }
  }

  static Link calls() throws IOException {
    return pipeOfItsOwn(new CallLink());
  }

  static Link transfers(boolean socket) throws IOException {
    if (!socket) {
      return pipeOfItsOwn(new TransferLink(false));
    }
    TransferLink l = new TransferLink(true);
    try {
      check("socketpair", (int) SOCKETPAIR.invokeExact(l.state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l.fds),
          l.state);
      return l;
    } catch (Throwable t) {
      l.arena.close();
      throw rethrown(t);
    }
  }

  private static Link pipeOfItsOwn(CallLink l) throws IOException {
    try {
      check("pipe2", (int) PIPE2.invokeExact(l.state, l.fds, O_CLOEXEC), l.state);
      return l;
    } catch (Throwable t) {
      l.arena.close();
      throw rethrown(t);
    }
  }

  /** A shm_open segment with ShmLinks's layout: semaphores at A and B, ping, pong, stop flag. */
  private static final class ShmLink extends FfmLink {
    final String name = "/pipc-bench-ffm-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    final MemorySegment cName = arena.allocateFrom(name);
    MemorySegment region = MemorySegment.NULL;
    MemorySegment a = MemorySegment.NULL;
    MemorySegment b = MemorySegment.NULL;
    boolean created;

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping.set(JAVA_BYTE, 0, (byte) sent);
      MemorySegment.copy(ping, 0, region, ShmLinks.PING, MESSAGE);
      try {
        if ((int) SEM_POST.invokeExact(state, a) < 0) {
          throw failure("sem_post", state);
        }
        while ((int) SEM_WAIT.invokeExact(state, b) < 0) {
          if (errno(state) != EINTR) {
            throw failure("sem_wait", state);
          }
        }
      } catch (IOException | RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw unexpected(t);
      }
      MemorySegment.copy(region, ShmLinks.PONG, pong, 0, MESSAGE);
      int received = pong.get(JAVA_BYTE, 0);
      Server.checkEcho(sent, received);
      return received;
    }

    @Override
    public void close() throws IOException, InterruptedException {
      stop("sem_post", () -> {
        INT.setRelease(region, (long) ShmLinks.STOP, 1);
        return (int) SEM_POST.invokeExact(state, a);
      });
    }

    @Override
    void abandon() {
      abandonServer();
      try {
        if (a.byteSize() > 0) {
          int ignored = (int) SEM_DESTROY.invokeExact(state, a);
        }
        if (b.byteSize() > 0) {
          int ignored = (int) SEM_DESTROY.invokeExact(state, b);
        }
        if (region.byteSize() > 0) {
          int ignored = (int) MUNMAP.invokeExact(state, region, (long) ShmLinks.SIZE);
        }
        if (created) {
          int ignored = (int) SHM_UNLINK.invokeExact(state, cName);
        }
      } catch (Throwable t) {
        throw unexpected(t);
      } finally {
        arena.close();
      }
    }
  }

  static Link semaphores() throws IOException {
    ShmLink l = new ShmLink();
    try {
      int fd = check("shm_open", (int) SHM_OPEN.invokeExact(l.state, l.cName, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
          0600), l.state);
      l.created = true;
      MemorySegment map;
      try {
        check("ftruncate", (int) FTRUNCATE.invokeExact(l.state, fd, (long) ShmLinks.SIZE), l.state);
        map = (MemorySegment) MMAP.invokeExact(l.state, MemorySegment.NULL, (long) ShmLinks.SIZE,
            PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0L);
        if (map.address() == -1L) { // MAP_FAILED
          throw failure("mmap", l.state);
        }
      } finally {
        l.closeFd(fd);
      }
      l.region = map.reinterpret(ShmLinks.SIZE);
      MemorySegment a = l.region.asSlice(ShmLinks.A, SEM_T);
      MemorySegment b = l.region.asSlice(ShmLinks.B, SEM_T);
      check("sem_init", (int) SEM_INIT.invokeExact(l.state, a, 1, 0), l.state);
      l.a = a;
      check("sem_init", (int) SEM_INIT.invokeExact(l.state, b, 1, 0), l.state);
      l.b = b;
      l.spawn(List.of(Server.exe(), "serve", "shm-echo", l.name));
      return l;
    } catch (Throwable t) {
      l.abandon();
      throw rethrown(t);
    }
  }
}
