/*
 * posixipc — common pieces of the C core: errors, descriptors, timeouts and
 * the wake-up of threads blocked in a call.
 *
 * Conventions of the whole C API (every header follows them):
 *
 *  - Every function returns a value >= 0 on success or -errno on failure.
 *    Nothing is reported through the global errno, and nothing relies on it
 *    between two calls.
 *  - Handles that the kernel gives as file descriptors stay plain ints. Every
 *    descriptor the library creates is close-on-exec.
 *  - Names and sizes are validated before the system call, so bad input gets
 *    -EINVAL or -ENAMETOOLONG rather than undefined behaviour.
 *  - A call interrupted by a signal handler installed without SA_RESTART
 *    returns -EINTR. The core never retries an interrupted call itself: the
 *    caller decides (this is how the Java layer wakes a blocked thread).
 *  - Timeouts are int64_t nanoseconds: a negative value waits forever, 0 tries
 *    once (-EAGAIN when the call would block), a positive value waits at most
 *    that long, measured on CLOCK_MONOTONIC, and then fails with -ETIMEDOUT.
 */
#ifndef POSIXIPC_COMMON_H
#define POSIXIPC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Timeout helpers, in nanoseconds. */
#define PIPC_FOREVER ((int64_t)-1)
#define PIPC_USEC ((int64_t)1000)
#define PIPC_MSEC ((int64_t)1000000)
#define PIPC_SEC ((int64_t)1000000000)

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *pipc_version(void);

/* ---------------------------------------------------------------- errors */

/*
 * The symbolic name of an errno value ("EAGAIN"); accepts errnum or -errnum.
 * Returns "E?" for a number this platform does not define. The result is a
 * static string.
 */
const char *pipc_errno_name(int errnum);

/*
 * The system's description of an errno value ("Resource temporarily
 * unavailable"); accepts errnum or -errnum. The result is a static string,
 * safe to use from several threads.
 */
const char *pipc_errno_describe(int errnum);

/* ----------------------------------------------------------------- names */

/*
 * Checks a POSIX IPC name as the open calls of queues, shared memory and
 * semaphores do before their system call: a leading '/', 1 to max more
 * characters, none of them '/', and not "/." or "/..". max is the
 * mechanism's limit: PIPC_MQ_NAME_MAX, PIPC_SHM_NAME_MAX, PIPC_SEM_NAME_MAX.
 * Returns 0, -EINVAL (NULL, no leading '/', an inner '/', empty, "/." or
 * "/..", max < 1), or -ENAMETOOLONG (more than max characters after the '/').
 */
int pipc_ipc_name_check(const char *name, int max);

/* ----------------------------------------------------------- descriptors */

/*
 * Closes a descriptor exactly once. On Linux the descriptor is released even
 * when close(2) reports EINTR, so the call is never retried and -EINTR is not
 * reported: retrying could close a descriptor that another thread has just
 * been given. Returns 0, -EBADF, or -EIO (data may have been lost).
 */
int pipc_fd_close(int fd);

/*
 * read(2) once: the number of bytes read (0 at end of file) or -errno
 * (-EAGAIN on a non-blocking descriptor with nothing to read, -EINTR).
 */
int64_t pipc_fd_read(int fd, void *buf, size_t len);

/*
 * write(2) once: the number of bytes written, which may be less than len
 * (a non-blocking pipe with little room, a signal after some bytes went), or
 * -errno (-EAGAIN, -EPIPE, -EINTR, ...).
 *
 * EPIPE and SIGPIPE: like write(2), writing to a pipe or FIFO whose read end
 * is closed raises SIGPIPE, whose default action ends the process. The core
 * does not block SIGPIPE around every write (that would cost two extra system
 * calls per message). Inside a JVM the JVM already ignores SIGPIPE, so Java
 * callers always get EPIPE. A C program gets -EPIPE once it ignores the
 * signal: signal(SIGPIPE, SIG_IGN) at start-up, as most servers do.
 */
int64_t pipc_fd_write(int fd, const void *buf, size_t len);

/*
 * Reads with a timeout, whatever the descriptor's blocking mode (see the
 * timeout convention above). Returns the number of bytes read (0 at end of
 * file), -EAGAIN (timeout 0), -ETIMEDOUT, or -errno.
 *
 * On pipes and sockets the read itself is non-blocking (RWF_NOWAIT), so it
 * never blocks past the deadline, even when another process drains the data
 * between the readiness report and the read. FIFOs opened by path do not
 * support RWF_NOWAIT on current kernels: the read follows the readiness report
 * as a plain read, which can block only if another reader takes the data in
 * between. A caller that shares a FIFO with competing readers and needs a hard
 * deadline arms a timer signal, as the Java layer does.
 */
int64_t pipc_fd_read_timed(int fd, void *buf, size_t len, int64_t timeout_ns);

/*
 * Writes with a timeout, whatever the descriptor's blocking mode. Writes as
 * much as fits at once (possibly less than len) as soon as there is room.
 * Returns the number of bytes written, -EAGAIN (timeout 0), -ETIMEDOUT,
 * -EPIPE, or -errno. On a FIFO opened by path (see pipc_fd_read_timed) one
 * call writes at most PIPC_PIPE_BUF bytes, which cannot block once the FIFO
 * reports room unless a competing writer fills it first.
 */
int64_t pipc_fd_write_timed(int fd, const void *buf, size_t len, int64_t timeout_ns);

/* Readiness events for pipc_fd_wait, the same bits as poll(2). */
#define PIPC_READABLE 0x001 /* POLLIN */
#define PIPC_WRITABLE 0x004 /* POLLOUT */
#define PIPC_ERROR 0x008    /* POLLERR (reported only) */
#define PIPC_HANGUP 0x010   /* POLLHUP (reported only) */

/*
 * Waits until fd is ready for one of events. Returns the events that
 * occurred (> 0), -ETIMEDOUT (or -EAGAIN for timeout 0), or -errno.
 */
int pipc_fd_wait(int fd, int events, int64_t timeout_ns);

/* Bytes that can be read without blocking (FIONREAD), or -errno. */
int pipc_fd_available(int fd);

/* Sets or clears O_NONBLOCK on the open file description: every process that
 * shares the description sees the change. Returns 0 or -errno. */
int pipc_fd_set_nonblocking(int fd, int nonblocking);

/* 1 when O_NONBLOCK is set, 0 when not, or -errno. */
int pipc_fd_is_nonblocking(int fd);

/*
 * Makes fd refer to a dead socket (reads see end of file, writes fail with
 * EPIPE) without releasing the number. Used before waking threads blocked on
 * fd: a thread that enters a call on fd after this returns at once, and the
 * number cannot be handed to anyone else until pipc_fd_close(fd) releases it.
 * The previous file is released (the peer of a pipe sees end of file once no
 * thread is still inside a call on it). Returns 0 or -errno.
 */
int pipc_fd_preclose(int fd);

/* --------------------------------------------------------------- threads */

/* An identifier of the calling thread (its pthread_t), always >= 0. */
int64_t pipc_thread_self(void);

/*
 * Gives the CPU to another thread that is ready to run on it, if there is one
 * (sched_yield); returns at once otherwise. Returns 0 or -errno.
 */
int pipc_thread_yield(void);

/*
 * Sends signo to a thread of this process (pthread_kill). With the wake-up
 * handler installed, a call that thread is blocked in returns -EINTR. The
 * caller must know that the thread is still alive. Returns 0 or -errno.
 */
int pipc_thread_signal(int64_t thread, int signo);

/*
 * Installs, for signo, a handler that does nothing and is installed without
 * SA_RESTART, so that a signal sent with pipc_thread_signal makes a blocking
 * call return -EINTR instead of restarting it. Installing it twice is fine.
 * Returns 0, -EINVAL for a number that cannot be caught, or -EBUSY when
 * another handler already owns signo (it is left untouched).
 */
int pipc_wakeup_install(int signo);

/*
 * The name of a signal number: "SIGTERM", "SIGRTMIN+3", or "SIG?" for a
 * number this system does not have. The result is a static string.
 */
const char *pipc_signal_name(int signo);

/*
 * The number of a signal name: "SIGTERM" or "TERM", "SIGRTMIN+3",
 * "SIGRTMAX-2", or a decimal number. Returns the number, or -EINVAL.
 */
int pipc_signal_number(const char *name);

/* The real-time signal range of this process (glibc reserves the lowest
 * few for itself, so these are functions, not constants). */
int pipc_sigrtmin(void);
int pipc_sigrtmax(void);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_COMMON_H */
