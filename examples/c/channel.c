/* A channel between a parent (the consumer) and its child (the producer):
 * one message written in place, one copied in. Every posixipc call returns
 * >= 0 or -errno. */
#define _POSIX_C_SOURCE 200809L
#include <posixipc/posixipc.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(call)                                                                  \
  do {                                                                               \
    int64_t r_ = (int64_t)(call);                                                    \
    if (r_ < 0) {                                                                    \
      fprintf(stderr, "%s: %s (%s)\n", #call, pipc_errno_name((int)r_), pipc_errno_describe((int)r_)); \
      return 1;                                                                      \
    }                                                                                \
  } while (0)

int main(void) {
  char name[64];
  snprintf(name, sizeof name, "/pipc-example-chan-%d", (int)getpid());
  /* A shrunk segment gives -EFAULT rather than SIGBUS. */
  CHECK(pipc_fault_guard_install());
  uint64_t in;
  CHECK(pipc_channel_create(name, 64 * 1024, 0600, PIPC_CHANNEL_CONSUMER, &in));

  pid_t pid = fork();
  if (pid == 0) {
    uint64_t out;
    CHECK(pipc_channel_open(name, PIPC_CHANNEL_PRODUCER, &out));
    const char *text = "hello through a channel";
    int64_t off = pipc_channel_claim(out, (int64_t)strlen(text), 5 * PIPC_SEC); /* zero copy */
    CHECK(off);
    memcpy((void *)(uintptr_t)(pipc_channel_data(out) + (uint64_t)off), text, strlen(text));
    CHECK(pipc_channel_commit(out, (int64_t)strlen(text)));
    CHECK(pipc_channel_send(out, "and a copy", 10, 5 * PIPC_SEC));
    CHECK(pipc_channel_close(out));
    _exit(0);
  }
  int64_t at = pipc_channel_read(in, 5 * PIPC_SEC); /* sleeps on a futex until the commit */
  CHECK(at);
  printf("%.*s\n", (int)pipc_channel_read_length(in), (const char *)(uintptr_t)(pipc_channel_data(in) + (uint64_t)at));
  CHECK(pipc_channel_release(in));
  char buf[64];
  int64_t n = pipc_channel_receive(in, buf, sizeof buf, 5 * PIPC_SEC);
  CHECK(n);
  printf("%.*s\n", (int)n, buf);
  printf("then %s\n", pipc_errno_name((int)pipc_channel_receive(in, buf, sizeof buf, 0)));
  int status;
  waitpid(pid, &status, 0);
  CHECK(pipc_channel_close(in));
  CHECK(pipc_channel_unlink(name));
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
