/*
 * posixipc — starting child processes that inherit chosen descriptors.
 *
 * This is what C does with fork + dup2 + exec, done with posix_spawn (which
 * glibc implements with a vfork-like clone, safe and cheap even from a large
 * multi-threaded process such as a JVM). The child gets exactly the
 * descriptors of the map, at the numbers the map gives, plus 0, 1 and 2 when
 * they are not mapped; every other descriptor is closed in the child. Its
 * signal mask is emptied and every signal's disposition is reset to the
 * default, so nothing the parent blocked or ignored leaks into the child.
 *
 * A started child is watched through a pidfd (Linux 5.3+): waiting can be
 * bounded by a timeout and polled, and signalling it can never hit a process
 * that reused its pid.
 */
#ifndef POSIXIPC_SPAWN_H
#define POSIXIPC_SPAWN_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags for pipc_spawn. */
#define PIPC_SPAWN_SETSID 0x1  /* the child starts a new session (setsid) */
#define PIPC_SPAWN_SETPGID 0x2 /* the child starts a new process group */

/*
 * Starts a child process.
 *
 *  path     the program; without a '/', it is looked up in PATH.
 *  argv     NULL-terminated argument vector (argv[0] included).
 *  envp     NULL-terminated environment, or NULL to inherit this one.
 *  cwd      working directory of the child, or NULL to inherit.
 *  fd_map   fd_map_len pairs {child_fd, parent_fd}, flattened: the parent's
 *           descriptor parent_fd becomes child_fd in the child. Child numbers
 *           must be distinct and >= 0; a parent descriptor may appear twice.
 *  flags    PIPC_SPAWN_*.
 *  pid      receives the child's process id.
 *  pidfd    receives a close-on-exec pidfd for the child (used by
 *           pipc_spawn_wait and pipc_spawn_signal); close it with
 *           pipc_fd_close when done.
 *
 * Returns 0, -EINVAL (bad arguments, duplicate child numbers), -EBADF (a
 * parent descriptor is not open), -ENOENT / -EACCES / -ENOEXEC (the program
 * could not be executed: reported here, not by the child), -EAGAIN, -ENOMEM.
 */
int pipc_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
               const int *fd_map, int fd_map_len, int flags, int *pid, int *pidfd);

/* How a child ended, as decoded by pipc_spawn_wait. */
#define PIPC_CHILD_EXITED 1   /* exited normally; value = exit code */
#define PIPC_CHILD_KILLED 2   /* ended by a signal; value = signal number */
#define PIPC_CHILD_DUMPED 3   /* ended by a signal, with a core dump */

/*
 * Waits for the child behind pidfd to end and reaps it. how receives a
 * PIPC_CHILD_* code and value the exit code or signal number. Follows the
 * timeout convention (common.h): -EAGAIN with timeout 0 while the child still
 * runs, -ETIMEDOUT, -EINTR, -ECHILD when it was already reaped. Returns 0.
 */
int pipc_spawn_wait(int pidfd, int64_t timeout_ns, int *how, int *value);

/* Sends signo to the child behind pidfd (pidfd_send_signal); signo 0 only
 * checks that it can be signalled. Returns 0 (also for a child that has
 * ended but is not reaped yet), -ESRCH once it has been reaped, -EINVAL,
 * -EPERM. */
int pipc_spawn_signal(int pidfd, int signo);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SPAWN_H */
