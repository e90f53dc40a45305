/* A child that inherits chosen descriptors: our pipe's read end becomes its
 * standard input, another pipe's write end its standard output; `tr`
 * upper-cases what we send. Every posixipc call returns >= 0 or -errno. */
#include <posixipc/posixipc.h>
#include <signal.h>
#include <stdio.h>

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  if (pipc_pipe_create(in, 0) < 0 || pipc_pipe_create(out, 0) < 0) return 1;

  char *argv[] = {"tr", "a-z", "A-Z", NULL};
  int map[] = {0, in[0], 1, out[1]}; /* {child fd, our fd} pairs */
  int pid, pidfd;
  int r = pipc_spawn("tr", argv, NULL, NULL, map, 2, 0, &pid, &pidfd);
  if (r < 0) {
    fprintf(stderr, "spawn: %s (%s)\n", pipc_errno_name(r), pipc_errno_describe(r));
    return 1;
  }
  pipc_fd_close(in[0]); /* the child has its own copies */
  pipc_fd_close(out[1]);

  const char msg[] = "hello from a child";
  pipc_fd_write(in[1], msg, sizeof msg - 1);
  pipc_fd_close(in[1]); /* end of input: tr finishes */

  char buf[64];
  int64_t n = pipc_fd_read_timed(out[0], buf, sizeof buf, 5 * PIPC_SEC);
  if (n < 0) return 1;
  printf("%.*s\n", (int)n, buf);
  pipc_fd_close(out[0]);

  int how, value;
  r = pipc_spawn_wait(pidfd, 5 * PIPC_SEC, &how, &value); /* -ETIMEDOUT if it hangs */
  pipc_fd_close(pidfd);
  if (r < 0) return 1;
  printf("%s %d\n", how == PIPC_CHILD_EXITED ? "exit code" : "signal", value);

  r = pipc_spawn("/no/such/program", argv, NULL, NULL, NULL, 0, 0, &pid, &pidfd);
  printf("missing program: %s\n", pipc_errno_name(r)); /* reported here, not by the child */
  return 0;
}
