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
            include = {"posixipc/common.h", "posixipc/pipe.h", "posixipc/spawn.h", "posixipc/signal.h", "posixipc/mq.h",
                "posixipc/socket.h", "posixipc/poll.h",
                "posixipc/shm.h", "posixipc/guard.h", "posixipc/sem.h", "posixipc/sync.h",
                "posixipc/sysv.h", "posixipc/channel.h"},
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
    bind(infoMap, "pipc_pipe_create", "int pipc_pipe_create(int[] fds, int flags)");
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

    // signal.h: records are read into direct memory by address, at the header's PIPC_SIGNAL_INFO_*
    // offsets (computed in C, so Core reads them from the native library when it loads).
    bind(infoMap, "pipc_signal_read", "int pipc_signal_read(@Cast(\"pipc_signal_info*\") long out, int max, "
        + I64 + " timeout_ns)");
    bind(infoMap, "pipc_signal_lost", I64 + " pipc_signal_lost(int signo)");
    // mq.h: the structs are int64_t fields only, passed as long[] of PIPC_MQ_*_SLOTS elements
    bind(infoMap, "pipc_mq_open", "int pipc_mq_open(" + PATH + " name, int flags, int mode, "
        + I64 + " max_messages, " + I64 + " message_size, int[] fd)");
    bind(infoMap, "pipc_mq_unlink", "int pipc_mq_unlink(" + PATH + " name)");
    bind(infoMap, "pipc_mq_send", "int pipc_mq_send(int fd, " + CBUF + " buf, " + SIZE
        + " len, @Cast(\"unsigned\") int prio, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_mq_receive", I64 + " pipc_mq_receive(int fd, " + BUF + " buf, " + SIZE
        + " len, @Cast(\"unsigned*\") long prio, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_mq_getattr",
        "int pipc_mq_getattr(int fd, @Cast(\"pipc_mq_attr*\") long[] attr)");
    bind(infoMap, "pipc_mq_notify_socket", "int pipc_mq_notify_socket(int fd, int[] sock)");
    bind(infoMap, "pipc_mq_get_limits",
        "int pipc_mq_get_limits(@Cast(\"pipc_mq_limits*\") long[] limits)");
    bind(infoMap, "pipc_mq_explain", "int pipc_mq_explain(int err, " + I64 + " max_messages, "
        + I64 + " message_size, @Cast(\"char*\") byte[] buf, " + SIZE + " len)");
    // socket.h: addresses are byte[] (encoded here, never as modified UTF-8); data, descriptor
    // arrays and the pipc_msg_info block are raw addresses of direct memory.
    final String BYTES = "@Cast(\"void*\") byte[]";
    final String CBYTES = "@Cast(\"const void*\") byte[]";
    infoMap.put(new Info("PIPC_POLLER_WAKE_TOKEN").skip());
    // Parts of the C API that the Java library does not call get no binding: a binding nobody
    // calls is dead code that still has to be generated, compiled and kept in step.
    for (String unused : new String[] {"pipc_fd_is_nonblocking", "pipc_mq_set_nonblocking", "pipc_signal_fd",
        "pipc_mem_probe", "pipc_mmap_anonymous", "pipc_sem_destroy", "pipc_mutex_destroy", "pipc_cond_destroy"}) {
      infoMap.put(new Info(unused).skip());
    }
    bind(infoMap, "pipc_sockaddr_unix", "int pipc_sockaddr_unix(" + BYTES + " out, " + SIZE
        + " outlen, " + CBYTES + " name, " + SIZE + " namelen)");
    bind(infoMap, "pipc_sockaddr_inet", "int pipc_sockaddr_inet(" + BYTES + " out, " + SIZE
        + " outlen, " + CBYTES + " ip, " + SIZE + " iplen, int port)");
    bind(infoMap, "pipc_sockaddr_unlink",
        "int pipc_sockaddr_unlink(" + CBYTES + " addr, " + SIZE + " addrlen)");
    bind(infoMap, "pipc_socket_create", "int pipc_socket_create(int family, int type, int flags, int[] fd)");
    bind(infoMap, "pipc_socket_pair", "int pipc_socket_pair(int type, int flags, int[] fds)");
    bind(infoMap, "pipc_socket_bind",
        "int pipc_socket_bind(int fd, " + CBYTES + " addr, " + SIZE + " addrlen)");
    bind(infoMap, "pipc_socket_accept", "int pipc_socket_accept(int fd, int flags, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_socket_connect", "int pipc_socket_connect(int fd, " + CBUF + " addr, " + SIZE
        + " addrlen, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_socket_send", I64 + " pipc_socket_send(int fd, " + CBUF + " buf, " + SIZE
        + " len, int flags, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_socket_recv", I64 + " pipc_socket_recv(int fd, " + BUF + " buf, " + SIZE
        + " len, int flags, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_socket_sendmsg", I64 + " pipc_socket_sendmsg(int fd, " + CBUF + " buf, "
        + SIZE + " len, @Cast(\"const int*\") long fds, int nfds, " + CBUF + " addr, " + SIZE
        + " addrlen, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_socket_recvmsg", I64 + " pipc_socket_recvmsg(int fd, " + BUF + " buf, "
        + SIZE + " len, @Cast(\"int*\") long fds, " + BUF + " addr, @Cast(\"pipc_msg_info*\") long info, "
        + I64 + " timeout_ns)");
    bind(infoMap, "pipc_socket_peer_credentials", "int pipc_socket_peer_credentials(int fd, int[] cred)");
    bind(infoMap, "pipc_socket_local_address",
        "int pipc_socket_local_address(int fd, " + BYTES + " addr, " + SIZE + " addrlen)");
    bind(infoMap, "pipc_socket_peer_address",
        "int pipc_socket_peer_address(int fd, " + BYTES + " addr, " + SIZE + " addrlen)");
    bind(infoMap, "pipc_socket_get_option", I64 + " pipc_socket_get_option(int fd, int option)");
    bind(infoMap, "pipc_socket_set_option",
        "int pipc_socket_set_option(int fd, int option, " + I64 + " value)");

    // poll.h
    bind(infoMap, "pipc_poller_create", "int pipc_poller_create(int[] fds)");
    bind(infoMap, "pipc_poller_add",
        "int pipc_poller_add(int epfd, int fd, int events, " + I64 + " token)");
    bind(infoMap, "pipc_poller_modify",
        "int pipc_poller_modify(int epfd, int fd, int events, " + I64 + " token)");
    bind(infoMap, "pipc_poller_wait", "int pipc_poller_wait(int epfd, int wakefd, "
        + "@Cast(\"pipc_poll_event*\") long events, int max, " + I64 + " timeout_ns)");

    // shm.h, guard.h, sem.h, sync.h: handles and addresses are uint64_t, passed as long.
    bind(infoMap, "pipc_ipc_name_check", "int pipc_ipc_name_check(" + PATH + " name, int max)");
    bind(infoMap, "pipc_shm_open",
        "int pipc_shm_open(" + PATH + " name, int flags, int mode, int[] fd)");
    bind(infoMap, "pipc_shm_create",
        "int pipc_shm_create(" + PATH + " name, " + I64 + " size, int mode, int[] fd)");
    bind(infoMap, "pipc_shm_unlink", "int pipc_shm_unlink(" + PATH + " name)");
    bind(infoMap, "pipc_memfd_create", "int pipc_memfd_create(" + PATH + " name, int flags, int[] fd)");
    bind(infoMap, "pipc_mmap", "int pipc_mmap(int fd, " + I64 + " offset, " + I64 + " length, int prot, "
        + U64OUT + " addr)");
    bind(infoMap, "pipc_sem_open", "int pipc_sem_open(" + PATH + " name, int flags, int mode, "
        + "@Cast(\"unsigned\") int value, " + U64OUT + " sem)");
    bind(infoMap, "pipc_sem_unlink", "int pipc_sem_unlink(" + PATH + " name)");

    // channel.h: the Java library maps the segment itself (SharedMemory, MappedRegion) and attaches
    // the core to that mapping; the layout structs are read only through the exported PIPC_CHANNEL_*
    // offsets, the stats as a long[] of PIPC_CHANNEL_STAT_SLOTS.
    infoMap.put(new Info("pipc_channel_header", "pipc_channel_record", "pipc_channel_producer",
        "PIPC_CHANNEL_MAGIC", "PIPC_CHANNEL_MAX_MESSAGE", "PIPC_CHANNEL_SEGMENT_SIZE").skip());
    for (String unused : new String[] {"pipc_channel_create", "pipc_channel_open", "pipc_channel_create_anonymous",
        "pipc_channel_open_fd", "pipc_channel_fd", "pipc_channel_close", "pipc_channel_unlink", "pipc_channel_probe",
        "pipc_channel_read_length"}) {
      infoMap.put(new Info(unused).skip());
    }
    bind(infoMap, "pipc_channel_attach", "int pipc_channel_attach(" + I64 + " addr, " + I64 + " size, " + I64
        + " faulted, int role, " + U64OUT + " ch)");
    // Channel.send and receive of a direct buffer: claim, copy and commit (read, copy, release) in
    // one call.
    bind(infoMap, "pipc_channel_send", "int pipc_channel_send(" + I64 + " ch, " + CBUF + " buf, " + SIZE
        + " len, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_channel_receive", I64 + " pipc_channel_receive(" + I64 + " ch, " + BUF + " buf, "
        + SIZE + " len, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_channel_stat",
        "int pipc_channel_stat(" + I64 + " ch, @Cast(\"pipc_channel_stats*\") long[] st)");
    mapSysv(infoMap);
  }

  /**
   * sysv.h: identifiers and keys are ints; messages and semop operations are raw addresses of
   * direct memory; the stat and limits structs are int64_t fields only, passed as long[] of
   * PIPC_SYSV_*_SLOTS elements.
   */
  private static void mapSysv(InfoMap infoMap) {
    final String INTS = "@Cast(\"const int*\") int[]";
    bind(infoMap, "pipc_sysv_ftok", "int pipc_sysv_ftok(" + PATH + " path, int proj_id, int[] key)");
    bind(infoMap, "pipc_sysv_msg_get", "int pipc_sysv_msg_get(int key, int flags, int mode, int[] id)");
    bind(infoMap, "pipc_sysv_msg_send", "int pipc_sysv_msg_send(int id, " + CBUF + " msg, " + SIZE
        + " len, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_sysv_msg_receive", I64 + " pipc_sysv_msg_receive(int id, " + BUF + " msg, "
        + SIZE + " max, " + I64 + " type, int flags, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_sysv_msg_stat_get",
        "int pipc_sysv_msg_stat_get(int id, @Cast(\"pipc_sysv_msg_stat*\") long[] st)");
    bind(infoMap, "pipc_sysv_msg_set", "int pipc_sysv_msg_set(int id, " + I64 + " uid, " + I64
        + " gid, int mode, " + I64 + " max_bytes)");
    bind(infoMap, "pipc_sysv_shm_get",
        "int pipc_sysv_shm_get(int key, " + I64 + " size, int flags, int mode, int[] id)");
    bind(infoMap, "pipc_sysv_shm_attach", "int pipc_sysv_shm_attach(int id, int flags, " + U64OUT + " addr)");
    bind(infoMap, "pipc_sysv_shm_stat_get",
        "int pipc_sysv_shm_stat_get(int id, @Cast(\"pipc_sysv_shm_stat*\") long[] st)");
    bind(infoMap, "pipc_sysv_sem_get", "int pipc_sysv_sem_get(int key, int nsems, int flags, int mode, int[] id)");
    bind(infoMap, "pipc_sysv_sem_get_initialized", "int pipc_sysv_sem_get_initialized(int key, int nsems, "
        + "int mode, " + INTS + " values, " + I64 + " timeout_ns, int[] id, int[] created)");
    bind(infoMap, "pipc_sysv_sem_op", "int pipc_sysv_sem_op(int id, @Cast(\"const pipc_sysv_sembuf*\") long ops, "
        + SIZE + " nops, " + I64 + " timeout_ns)");
    bind(infoMap, "pipc_sysv_sem_get_all", "int pipc_sysv_sem_get_all(int id, int[] values, int count)");
    bind(infoMap, "pipc_sysv_sem_set_all", "int pipc_sysv_sem_set_all(int id, " + INTS + " values, int count)");
    bind(infoMap, "pipc_sysv_sem_stat_get",
        "int pipc_sysv_sem_stat_get(int id, @Cast(\"pipc_sysv_sem_stat*\") long[] st)");
    bind(infoMap, "pipc_sysv_get_limits",
        "int pipc_sysv_get_limits(@Cast(\"pipc_sysv_limits*\") long[] limits)");
    bind(infoMap, "pipc_sysv_explain", "int pipc_sysv_explain(int call, int err, " + I64 + " size, "
        + I64 + " count, @Cast(\"char*\") byte[] buf, " + SIZE + " len)");
  }

  private static void bind(InfoMap infoMap, String function, String declaration) {
    infoMap.put(new Info(function).javaText("public static native " + declaration + ";"));
  }
}
