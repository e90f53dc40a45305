/* A FIFO: a named pipe that unrelated processes open by path. */
#include <posixipc/posixipc.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/pipc-example-%d", (int)getpid());
  int r = pipc_fifo_create(path, 0600);
  if (r < 0) {
    fprintf(stderr, "mkfifo %s: %s\n", path, pipc_errno_name(r));
    return 1;
  }
  if (fork() == 0) {
    int fd;
    /* Blocks until a reader opens the FIFO. */
    if (pipc_fifo_open(path, PIPC_FIFO_WRITE, &fd) < 0) return 1;
    const char msg[] = "hello through a FIFO";
    int64_t n = pipc_fd_write(fd, msg, strlen(msg));
    pipc_fd_close(fd);
    return n == (int64_t)strlen(msg) ? 0 : 1;
  }
  int fd;
  r = pipc_fifo_open(path, PIPC_FIFO_READ, &fd);
  if (r < 0) {
    fprintf(stderr, "open %s: %s\n", path, pipc_errno_name(r));
    return 1;
  }
  char buf[64];
  int64_t n, total = 0;
  while ((n = pipc_fd_read(fd, buf + total, sizeof buf - (size_t)total)) > 0) total += n;
  printf("%.*s\n", (int)total, buf);
  pipc_fd_close(fd);
  pipc_fifo_unlink(path);
  int status;
  wait(&status);
  return n == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
