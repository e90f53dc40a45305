/* Shared memory between a parent and its child: a message in the segment,
 * an unnamed semaphore to say it is there, and a robust mutex around a
 * counter. Every posixipc call returns >= 0 or -errno. */
#define _POSIX_C_SOURCE 200809L /* EOWNERDEAD */
#include <errno.h>
#include <posixipc/posixipc.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(call)                                                                  \
  do {                                                                               \
    int r_ = (int)(call);                                                            \
    if (r_ < 0) {                                                                    \
      fprintf(stderr, "%s: %s (%s)\n", #call, pipc_errno_name(r_), pipc_errno_describe(r_)); \
      return 1;                                                                      \
    }                                                                                \
  } while (0)

int main(void) {
  char name[64];
  snprintf(name, sizeof name, "/pipc-example-%d", (int)getpid());
  /* Sync calls on a segment another process shrank: -EFAULT, not SIGBUS. */
  CHECK(pipc_fault_guard_install());
  int fd;
  CHECK(pipc_shm_create(name, 4096, 0600, &fd)); /* every page allocated now */
  uint64_t base;
  CHECK(pipc_mmap(fd, 0, 4096, PIPC_PROT_READ | PIPC_PROT_WRITE, &base));
  pipc_fd_close(fd); /* the mapping stays */
  /* Plain loads and stores too: a page that vanished reads as zeros, and the
   * guard sets the flag, which the program checks after using the data. */
  static int32_t faulted;
  CHECK(pipc_fault_region_add(base, 4096, 1, (uint64_t)(uintptr_t)&faulted));

  /* Layout: a semaphore at 0, a mutex at 64, a counter at 128, text at 256. */
  uint64_t ready = base, mutex = base + 64;
  if (pipc_sem_size() > 64 || pipc_mutex_size() > 64) return 1;
  CHECK(pipc_sem_init(ready, 0));
  CHECK(pipc_mutex_init(mutex));
  volatile long *counter = (volatile long *)(uintptr_t)(base + 128);
  char *text = (char *)(uintptr_t)(base + 256);

  pid_t pid = fork();
  if (pid == 0) {
    strcpy(text, "hello through shared memory");
    CHECK(pipc_mutex_lock(mutex, -1));
    *counter += 1;
    CHECK(pipc_mutex_unlock(mutex));
    CHECK(pipc_sem_post(ready));
    return 0;
  }
  CHECK(pipc_sem_wait(ready, 5 * PIPC_SEC)); /* -ETIMEDOUT if the child never posts */
  int r = pipc_mutex_lock(mutex, PIPC_SEC);
  if (r == -EOWNERDEAD) r = pipc_mutex_consistent(mutex); /* the child died holding it */
  CHECK(r);
  printf("%s (counter %ld)\n", text, *counter);
  if (__atomic_load_n(&faulted, __ATOMIC_ACQUIRE)) {
    fprintf(stderr, "the segment was shrunk under us: what was printed is not the object's\n");
    return 1;
  }
  CHECK(pipc_mutex_unlock(mutex));
  int status;
  waitpid(pid, &status, 0);
  CHECK(pipc_fault_region_remove(base)); /* before unmapping */
  CHECK(pipc_munmap(base, 4096));
  CHECK(pipc_shm_unlink(name));
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
