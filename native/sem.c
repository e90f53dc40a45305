/*
 * Named and unnamed POSIX semaphores.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stdalign.h>

#include <posixipc/sem.h>

int pipc_sem_size(void) { return (int)sizeof(sem_t); }
int pipc_sem_align(void) { return (int)alignof(sem_t); }
int pipc_sem_value_max(void) { return SEM_VALUE_MAX; }

static sem_t *pipc__sem(uint64_t sem) { return (sem_t *)(uintptr_t)sem; }

/* A usable handle: not NULL and aligned for sem_t. */
static int pipc__check_sem(uint64_t sem) {
  if (sem == 0 || sem % alignof(sem_t) != 0) return -EINVAL;
  return 0;
}

int pipc_sem_open(const char *name, int flags, int mode, unsigned value, uint64_t *sem) {
  int r = pipc__check_ipc_name(name, PIPC_SEM_NAME_MAX);
  if (r < 0) return r;
  if (sem == NULL || (flags & ~(PIPC_SEM_CREATE | PIPC_SEM_EXCLUSIVE)) != 0) return -EINVAL;
  if ((flags & PIPC_SEM_EXCLUSIVE) && !(flags & PIPC_SEM_CREATE)) return -EINVAL;
  if (pipc__check_mode(mode, 0777) < 0 || value > SEM_VALUE_MAX) return -EINVAL;
  int sys = 0;
  if (flags & PIPC_SEM_CREATE) sys |= O_CREAT;
  if (flags & PIPC_SEM_EXCLUSIVE) sys |= O_EXCL;
  /* glibc maps the semaphore and closes its descriptor at once: no fd stays
   * open, so there is nothing to make close-on-exec. */
  sem_t *s = sem_open(name, sys, (mode_t)mode, value);
  if (s == SEM_FAILED) return PIPC__ERR();
  *sem = (uint64_t)(uintptr_t)s;
  return 0;
}

int pipc_sem_close(uint64_t sem) {
  int r = pipc__check_sem(sem);
  if (r < 0) return r;
  if (sem_close(pipc__sem(sem)) < 0) return PIPC__ERR();
  return 0;
}

int pipc_sem_unlink(const char *name) {
  int r = pipc__check_ipc_name(name, PIPC_SEM_NAME_MAX);
  if (r < 0) return r;
  if (sem_unlink(name) < 0) return PIPC__ERR();
  return 0;
}

/*
 * Every call that touches the semaphore runs through one operation record, so
 * that it can run under the fault guard (guard.c).
 */
enum pipc__sem_kind { PIPC__SEM_INIT, PIPC__SEM_DESTROY, PIPC__SEM_POST, PIPC__SEM_WAIT, PIPC__SEM_VALUE };

struct pipc__sem_op {
  enum pipc__sem_kind kind;
  sem_t *sem;
  unsigned value;
  int64_t timeout_ns;
};

static int pipc__sem_run(void *arg) {
  const struct pipc__sem_op *op = arg;
  sem_t *s = op->sem;
  int r = -1;
  switch (op->kind) {
    case PIPC__SEM_INIT: r = sem_init(s, 1, op->value); break;
    case PIPC__SEM_DESTROY: r = sem_destroy(s); break;
    case PIPC__SEM_POST: r = sem_post(s); break;
    case PIPC__SEM_WAIT:
      if (op->timeout_ns < 0) {
        r = sem_wait(s);
      } else if (op->timeout_ns == 0) {
        /* POSIX's own try-once, which stays in user space; a deadline already
         * past would cost a futex call to say the same (-EAGAIN). */
        r = sem_trywait(s);
      } else {
        struct timespec at = pipc__abs_time(pipc__deadline(op->timeout_ns), CLOCK_MONOTONIC);
        r = sem_clockwait(s, CLOCK_MONOTONIC, &at);
      }
      break;
    case PIPC__SEM_VALUE: {
      int v;
      if (sem_getvalue(s, &v) < 0) return PIPC__ERR();
      return v < 0 ? 0 : v;
    }
  }
  return r < 0 ? PIPC__ERR() : 0;
}

static int pipc__sem_call(uint64_t sem, enum pipc__sem_kind kind, unsigned value, int64_t timeout_ns) {
  int r = pipc__check_sem(sem);
  if (r < 0) return r;
  struct pipc__sem_op op = {.kind = kind, .sem = pipc__sem(sem), .value = value, .timeout_ns = timeout_ns};
  return pipc__guarded(pipc__sem_run, &op, sem, sizeof(sem_t));
}

int pipc_sem_init(uint64_t addr, unsigned value) {
  if (value > SEM_VALUE_MAX) return -EINVAL;
  return pipc__sem_call(addr, PIPC__SEM_INIT, value, 0);
}

int pipc_sem_destroy(uint64_t sem) { return pipc__sem_call(sem, PIPC__SEM_DESTROY, 0, 0); }

int pipc_sem_post(uint64_t sem) { return pipc__sem_call(sem, PIPC__SEM_POST, 0, 0); }

int pipc_sem_wait(uint64_t sem, int64_t timeout_ns) { return pipc__sem_call(sem, PIPC__SEM_WAIT, 0, timeout_ns); }

int pipc_sem_value(uint64_t sem) { return pipc__sem_call(sem, PIPC__SEM_VALUE, 0, 0); }
