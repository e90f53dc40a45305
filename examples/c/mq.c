/* A message queue: messages with priorities between two processes. */
#include <errno.h>
#include <posixipc/posixipc.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  char name[64];
  snprintf(name, sizeof name, "/pipc-example-%d", (int)getpid());
  int q;
  int r = pipc_mq_open(name, PIPC_MQ_READ | PIPC_MQ_CREATE | PIPC_MQ_EXCLUSIVE, 0600, 8, 128, &q);
  if (r < 0) {
    char why[256];
    pipc_mq_explain(r, 8, 128, why, sizeof why); /* which limit refused, if one did */
    fprintf(stderr, "mq_open %s: %s %s\n", name, pipc_errno_name(r), why);
    return 1;
  }
  if (fork() == 0) {
    int w;
    if (pipc_mq_open(name, PIPC_MQ_WRITE, 0, 0, 0, &w) < 0) return 1;
    pipc_mq_send(w, "routine", 7, 1, PIPC_FOREVER);
    pipc_mq_send(w, "urgent", 6, 9, PIPC_FOREVER);
    pipc_mq_close(w);
    return 0;
  }
  int status;
  wait(&status); /* both messages are queued now */
  char buf[128];
  unsigned prio;
  int64_t n;
  /* Highest priority first; then nothing within 100 ms: -ETIMEDOUT. */
  while ((n = pipc_mq_receive(q, buf, sizeof buf, &prio, 100 * PIPC_MSEC)) >= 0)
    printf("%u %.*s\n", prio, (int)n, buf);
  printf("then %s\n", pipc_errno_name((int)n));
  pipc_mq_close(q);
  pipc_mq_unlink(name);
  return n == -ETIMEDOUT && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
