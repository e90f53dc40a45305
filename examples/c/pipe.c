/* A pipe between a parent and its child: the child writes, the parent reads.
 * Every posixipc call returns >= 0 or -errno. */
#include <posixipc/posixipc.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* a closed reader gives -EPIPE, not a dead process */
  int fds[2];
  int r = pipc_pipe_create(fds, 0);
  if (r < 0) {
    fprintf(stderr, "pipe: %s\n", pipc_errno_name(r));
    return 1;
  }
  if (fork() == 0) {
    pipc_fd_close(fds[0]);
    const char msg[] = "hello through a pipe";
    return pipc_fd_write(fds[1], msg, sizeof msg) == sizeof msg ? 0 : 1;
  }
  pipc_fd_close(fds[1]);
  char buf[64];
  int64_t n = pipc_fd_read_timed(fds[0], buf, sizeof buf, 5 * PIPC_SEC);
  if (n < 0) {
    fprintf(stderr, "read: %s (%s)\n", pipc_errno_name((int)n), pipc_errno_describe((int)n));
    return 1;
  }
  printf("%.*s\n", (int)n, buf);
  pipc_fd_close(fds[0]);
  int status;
  wait(&status);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
