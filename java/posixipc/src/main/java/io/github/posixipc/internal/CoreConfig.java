package io.github.posixipc.internal;

import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * The JavaCPP configuration from which {@code javacpp:parse} generates {@link Core}, the JNI
 * binding of the C core (one static native method per C function, one constant per macro).
 *
 * <p>Functions whose parameters are all scalars are bound as parsed. Functions that take
 * pointers get one chosen Java signature each, below, so that:
 *
 * <ul>
 *   <li>data buffers are raw addresses ({@code @Cast("void*") long}) of long-lived direct
 *       memory: no array copy, no {@code GetDirectBufferAddress}, no allocation per call;
 *   <li>paths and names are {@code byte[]} that the Java side has encoded and NUL-terminated
 *       itself, never JNI's modified UTF-8 (which would mangle a NUL or a supplementary
 *       character);
 *   <li>out-parameters are small {@code int[]} on paths that are not hot.
 * </ul>
 *
 * <p>Nothing here is public API: the public classes of {@code io.github.posixipc} are.
 */
@Properties(
    target = "io.github.posixipc.internal.Core",
    global = "io.github.posixipc.internal.Core",
    value =
        @Platform(
            include = {"posixipc/common.h", "posixipc/pipe.h", "posixipc/spawn.h",
                "posixipc/shm.h", "posixipc/sem.h", "posixipc/sync.h"},
            // '#': link the static core into the JNI library; load no separate library.
            link = "posixipc#"))
@NoException
public class CoreConfig implements InfoMapper {

  private static final String BUF = "@Cast(\"void*\") long";
  private static final String CBUF = "@Cast(\"const void*\") long";
  private static final String SIZE = "@Cast(\"size_t\") long";
  private static final String I64 = "@Cast(\"int64_t\") long";
  private static final String PATH = "@Cast(\"const char*\") byte[]";
  private static final String U64OUT = "@Cast(\"uint64_t*\") long[]";
  private static final String STRING = "@Cast(\"const char*\") String";

  @Override
  public void map(InfoMap infoMap) {
    // common.h
    bind(infoMap, "pipc_version", STRING + " pipc_version()");
    bind(infoMap, "pipc_errno_name", STRING + " pipc_errno_name(int errnum)");
    bind(infoMap, "pipc_errno_describe", STRING + " pipc_errno_describe(int errnum)");
    bind(infoMap, "pipc_fd_read", I64 + " pipc_fd_read(int fd, " + BUF + " buf, " + SIZE + " len)");
    bind(infoMap, "pipc_fd_write",
        I64 + " pipc_fd_write(int fd, " + CBUF + " buf, " + SIZE + " len)");
    bind(infoMap, "pipc_fd_read_timed", I64 + " pipc_fd_read_timed(int fd, " + BUF + " buf, "
        + SIZE + " len, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_signal_name", STRING + " pipc_signal_name(int signo)");
    bind(infoMap, "pipc_signal_number", "int pipc_signal_number(" + PATH + " name)");
    bind(infoMap, "pipc_fd_write_timed", I64 + " pipc_fd_write_timed(int fd, " + CBUF + " buf, "
        + SIZE + " len, " + I64 + " timeout_ns)");

    // pipe.h
    bind(infoMap, "pipc_pipe_open", "int pipc_pipe_open(int[] fds, int flags)");
    bind(infoMap, "pipc_fifo_create", "int pipc_fifo_create(" + PATH + " path, int mode)");
    bind(infoMap, "pipc_fifo_open", "int pipc_fifo_open(" + PATH + " path, int flags, int[] fd)");
    bind(infoMap, "pipc_fifo_unlink", "int pipc_fifo_unlink(" + PATH + " path)");

    // spawn.h
    bind(infoMap, "pipc_spawn", "int pipc_spawn(" + PATH + " path, "
        + "@Cast(\"char*const*\") PointerPointer<?> argv, @Cast(\"char*const*\") PointerPointer<?> envp, "
        + PATH + " cwd, @Cast(\"const int*\") int[] fd_map, int fd_map_len, int flags, "
        + "int[] pid, int[] pidfd)");
    bind(infoMap, "pipc_spawn_wait",
        "int pipc_spawn_wait(int pidfd, " + I64 + " timeout_ns, int[] how, int[] value)");

    // shm.h, sem.h, sync.h: handles and addresses are uint64_t, passed as long.
    bind(infoMap, "pipc_ipc_name_check", "int pipc_ipc_name_check(" + PATH + " name, int max)");
    bind(infoMap, "pipc_shm_open",
        "int pipc_shm_open(" + PATH + " name, int flags, int mode, int[] fd)");
    bind(infoMap, "pipc_shm_create",
        "int pipc_shm_create(" + PATH + " name, " + I64 + " size, int mode, int[] fd)");
    bind(infoMap, "pipc_shm_unlink", "int pipc_shm_unlink(" + PATH + " name)");
    bind(infoMap, "pipc_memfd_create", "int pipc_memfd_create(" + PATH + " name, int flags, int[] fd)");
    bind(infoMap, "pipc_mmap", "int pipc_mmap(int fd, " + I64 + " offset, " + I64 + " length, int prot, "
        + U64OUT + " addr)");
    bind(infoMap, "pipc_mmap_anonymous",
        "int pipc_mmap_anonymous(" + I64 + " length, " + U64OUT + " addr)");
    bind(infoMap, "pipc_sem_open", "int pipc_sem_open(" + PATH + " name, int flags, int mode, "
        + "@Cast(\"unsigned\") int value, " + U64OUT + " sem)");
    bind(infoMap, "pipc_sem_unlink", "int pipc_sem_unlink(" + PATH + " name)");
  }

  private static void bind(InfoMap infoMap, String function, String declaration) {
    infoMap.put(new Info(function).javaText("public static native " + declaration + ";"));
  }
}
