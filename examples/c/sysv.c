/* System V IPC: a typed message queue and a semaphore set with SEM_UNDO. */
#include <errno.h>
#include <posixipc/posixipc.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct msg {
  long type; /* the text follows at PIPC_SYSV_MSG_TEXT_OFFSET */
  char text[128];
};

int main(void) {
  int q, sem;
  if (pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 0600, &q) < 0) return 1;
  int r = pipc_sysv_sem_get(PIPC_SYSV_PRIVATE, 1, PIPC_SYSV_CREATE, 0600, &sem);
  if (r < 0) {
    char why[256];
    pipc_sysv_explain(PIPC_SYSV_CALL_SEM_GET, r, 0, 1, why, sizeof why); /* names the limit */
    fprintf(stderr, "semget: %s %s\n", pipc_errno_name(r), why);
    return 1;
  }
  pipc_sysv_sem_set_value(sem, 0, 1);
  if (fork() == 0) {
    /* Take the semaphore with SEM_UNDO: the kernel gives it back when we exit. */
    pipc_sysv_sembuf take = {0, -1, PIPC_SYSV_SEM_UNDO};
    pipc_sysv_sem_op(sem, &take, 1, PIPC_FOREVER);
    struct msg m = {.type = 2};
    strcpy(m.text, "routine");
    pipc_sysv_msg_send(q, &m, strlen(m.text), PIPC_FOREVER);
    m.type = 1;
    strcpy(m.text, "urgent");
    pipc_sysv_msg_send(q, &m, strlen(m.text), PIPC_FOREVER);
    return 0;
  }
  int status;
  wait(&status);
  printf("semaphore after the child exited: %d\n", pipc_sysv_sem_value(sem, 0)); /* 1 again */
  struct msg m;
  int64_t n;
  /* -2: the lowest type up to 2 first; then nothing within 100 ms: -ETIMEDOUT. */
  while ((n = pipc_sysv_msg_receive(q, &m, sizeof m.text, -2, 0, 100 * PIPC_MSEC)) >= 0)
    printf("%ld %.*s\n", m.type, (int)n, m.text);
  printf("then %s\n", pipc_errno_name((int)n));
  pipc_sysv_msg_remove(q);
  pipc_sysv_sem_remove(sem);
  return n == -ETIMEDOUT && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
