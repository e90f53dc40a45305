/* A child process hands its parent an open pipe through an AF_UNIX socket
 * (SCM_RIGHTS); the parent checks who the child is (SO_PEERCRED) and reads
 * from the pipe it was given. Every posixipc call returns >= 0 or -errno. */
#include <posixipc/posixipc.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int sv[2];
  int r = pipc_socket_pair(PIPC_SOCK_STREAM, 0, sv);
  if (r < 0) {
    fprintf(stderr, "socketpair: %s\n", pipc_errno_name(r));
    return 1;
  }
  pid_t child = fork();
  if (child == 0) {
    pipc_fd_close(sv[0]);
    int p[2];
    if (pipc_pipe_create(p, 0) < 0) return 1;
    const char msg[] = "hello through a passed pipe";
    if (pipc_fd_write(p[1], msg, sizeof msg - 1) != sizeof msg - 1) return 1;
    pipc_fd_close(p[1]);
    /* The read end travels with one byte of data; the child keeps its own. */
    return pipc_socket_sendmsg(sv[1], "F", 1, &p[0], 1, NULL, 0, -1) == 1 ? 0 : 1;
  }
  pipc_fd_close(sv[1]);
  int cred[3];
  if ((r = pipc_socket_peer_credentials(sv[0], cred)) < 0) {
    fprintf(stderr, "SO_PEERCRED: %s\n", pipc_errno_name(r));
    return 1;
  }
  /* A pair's credentials are its creator's: this process. */
  printf("peer pid is %s\n", cred[0] == (int)getpid() ? "ours" : "another");
  char byte;
  int fds[4];
  pipc_msg_info info = {.nfds = 4};
  int64_t n = pipc_socket_recvmsg(sv[0], &byte, 1, fds, NULL, &info, 5 * PIPC_SEC);
  if (n != 1 || info.nfds != 1) {
    fprintf(stderr, "recvmsg: %s (%d descriptors)\n", n < 0 ? pipc_errno_name((int)n) : "short", info.nfds);
    return 1;
  }
  char buf[64];
  n = pipc_fd_read_timed(fds[0], buf, sizeof buf, 5 * PIPC_SEC);
  if (n < 0) {
    fprintf(stderr, "read: %s\n", pipc_errno_name((int)n));
    return 1;
  }
  printf("%.*s\n", (int)n, buf);
  pipc_fd_close(fds[0]);
  pipc_fd_close(sv[0]);
  int status;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
