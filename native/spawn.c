/*
 * Child processes with a descriptor map (posix_spawn) watched through pidfds.
 */
#include "internal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <posixipc/spawn.h>

extern char **environ;

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pipc__pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/*
 * Plans the descriptor moves. Every mapped parent descriptor is first copied
 * to a temporary number above every number involved, then onto its child
 * number: a direct dup2 could overwrite a parent descriptor that a later
 * entry still needs (a map {3<-4, 4<-3} is a swap). Copies made with dup2
 * never carry close-on-exec, so mapping a descriptor to its own number works.
 * Everything else from 3 up is then closed.
 */
static int pipc__plan_fds(posix_spawn_file_actions_t *fa, const int *map, int n) {
  int top = 2;
  for (int i = 0; i < n; i++) {
    int child = map[2 * i], parent = map[2 * i + 1];
    if (child < 0 || parent < 0) return -EINVAL;
    if (fcntl(parent, F_GETFD) < 0) return -EBADF;
    for (int j = 0; j < i; j++)
      if (map[2 * j] == child) return -EINVAL;
    if (child > top) top = child;
    if (parent > top) top = parent;
  }
  int temp = top + 1;
  for (int i = 0; i < n; i++) {
    int r = posix_spawn_file_actions_adddup2(fa, map[2 * i + 1], temp + i);
    if (r != 0) return -r;
  }
  int highest_child = 2;
  for (int i = 0; i < n; i++) {
    int r = posix_spawn_file_actions_adddup2(fa, temp + i, map[2 * i]);
    if (r != 0) return -r;
    if (map[2 * i] > highest_child) highest_child = map[2 * i];
  }
  /* Unmapped numbers from 3 to the highest child number: close them. glibc
   * ignores EBADF for a number that is not open in the child. */
  for (int fd = 3; fd < highest_child; fd++) {
    int mapped = 0;
    for (int i = 0; i < n && !mapped; i++) mapped = map[2 * i] == fd;
    if (!mapped) {
      int r = posix_spawn_file_actions_addclose(fa, fd);
      if (r != 0) return -r;
    }
  }
  int r = posix_spawn_file_actions_addclosefrom_np(fa, highest_child + 1);
  return -r;
}

static int pipc__plan_attrs(posix_spawnattr_t *attr, int flags) {
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  short sflags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (flags & PIPC_SPAWN_SETSID) sflags |= POSIX_SPAWN_SETSID;
  if (flags & PIPC_SPAWN_SETPGID) sflags |= POSIX_SPAWN_SETPGROUP;
  int r = posix_spawnattr_setsigmask(attr, &none);
  if (r == 0) r = posix_spawnattr_setsigdefault(attr, &all);
  if (r == 0 && (flags & PIPC_SPAWN_SETPGID)) r = posix_spawnattr_setpgroup(attr, 0);
  if (r == 0) r = posix_spawnattr_setflags(attr, sflags);
  return -r;
}

int pipc_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
               const int *fd_map, int fd_map_len, int flags, int *pid, int *pidfd) {
  int r = pipc__check_path(path);
  if (r < 0) return r;
  if (argv == NULL || argv[0] == NULL || pid == NULL || pidfd == NULL) return -EINVAL;
  if (fd_map_len < 0 || (fd_map_len > 0 && fd_map == NULL)) return -EINVAL;
  if ((flags & ~(PIPC_SPAWN_SETSID | PIPC_SPAWN_SETPGID)) != 0) return -EINVAL;
  if ((flags & PIPC_SPAWN_SETSID) && (flags & PIPC_SPAWN_SETPGID)) return -EINVAL;
  if (cwd != NULL && (r = pipc__check_path(cwd)) < 0) return r;

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  if ((r = posix_spawn_file_actions_init(&fa)) != 0) return -r;
  if ((r = posix_spawnattr_init(&attr)) != 0) {
    r = -r;
    goto out_fa;
  }
  if ((r = pipc__plan_fds(&fa, fd_map, fd_map_len)) < 0) goto out_attr;
  if (cwd != NULL && (r = -posix_spawn_file_actions_addchdir_np(&fa, cwd)) < 0) goto out_attr;
  if ((r = pipc__plan_attrs(&attr, flags)) < 0) goto out_attr;

  pid_t child;
  char *const *env = envp != NULL ? envp : environ;
  int e = strchr(path, '/') != NULL ? posix_spawn(&child, path, &fa, &attr, argv, env)
                                    : posix_spawnp(&child, path, &fa, &attr, argv, env);
  if (e != 0) {
    r = -e;
    goto out_attr;
  }
  /* The child cannot have been reaped yet (only we reap it), so its pid is
   * still its own: pidfd_open cannot pick up a stranger. */
  int pfd = pipc__pidfd_open(child);
  if (pfd < 0) {
    r = PIPC__ERR();
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    goto out_attr;
  }
  *pid = child;
  *pidfd = pfd;
  r = 0;
out_attr:
  posix_spawnattr_destroy(&attr);
out_fa:
  posix_spawn_file_actions_destroy(&fa);
  return r;
}

int pipc_spawn_wait(int pidfd, int64_t timeout_ns, int *how, int *value) {
  if (pidfd < 0) return -EBADF;
  if (how == NULL || value == NULL) return -EINVAL;
  if (timeout_ns != 0) {
    /* The pidfd becomes readable when the child ends. */
    int r = timeout_ns < 0 ? pipc__poll_until(pidfd, POLLIN, INT64_MAX)
                           : pipc__poll_until(pidfd, POLLIN, pipc__deadline(timeout_ns));
    if (r < 0) return r;
  }
  siginfo_t info;
  memset(&info, 0, sizeof info);
  if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) < 0) return PIPC__ERR();
  if (info.si_pid == 0) return timeout_ns == 0 ? -EAGAIN : -ETIMEDOUT;
  switch (info.si_code) {
    case CLD_EXITED:
      *how = PIPC_CHILD_EXITED;
      break;
    case CLD_DUMPED:
      *how = PIPC_CHILD_DUMPED;
      break;
    default:
      *how = PIPC_CHILD_KILLED;
      break;
  }
  *value = info.si_status;
  return 0;
}

int pipc_spawn_signal(int pidfd, int signo) {
  if (pidfd < 0) return -EBADF;
  if (signo < 0 || signo > SIGRTMAX) return -EINVAL;
  if (syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0) return PIPC__ERR();
  return 0;
}
