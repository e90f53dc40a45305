/* A real-time signal with a value, from a child to its parent: the parent
 * catches it through the dispatcher and reads the record. */
#include <errno.h>
#include <posixipc/posixipc.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int sig = pipc_sigrtmin() + 1;
  int r = pipc_signal_catch(sig); /* before the fork: the child cannot be early */
  if (r < 0) {
    fprintf(stderr, "catch: %s\n", pipc_errno_name(r));
    return 1;
  }
  int parent = (int)getpid();
  if (fork() == 0) return pipc_signal_queue(parent, sig, 42) == 0 ? 0 : 1;
  pipc_signal_info info;
  int n;
  while ((n = pipc_signal_read(&info, 1, 5 * PIPC_SEC)) == -EINTR) {
  }
  if (n < 0) {
    fprintf(stderr, "read: %s (%s)\n", pipc_errno_name(n), pipc_errno_describe(n));
    return 1;
  }
  printf("%s from pid %d, value %d\n", pipc_signal_name(info.signo), (int)info.pid, (int)info.value);
  pipc_signal_restore(sig); /* the previous disposition again */
  int status;
  wait(&status);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && info.value == 42 ? 0 : 1;
}
