/*
 * Process-shared robust mutexes and condition variables.
 */
#include "internal.h"

#include <pthread.h>
#include <stdalign.h>

#include <posixipc/sync.h>

int pipc_mutex_size(void) { return (int)sizeof(pthread_mutex_t); }
int pipc_mutex_align(void) { return (int)alignof(pthread_mutex_t); }
int pipc_cond_size(void) { return (int)sizeof(pthread_cond_t); }
int pipc_cond_align(void) { return (int)alignof(pthread_cond_t); }

static pthread_mutex_t *pipc__mutex(uint64_t m) { return (pthread_mutex_t *)(uintptr_t)m; }
static pthread_cond_t *pipc__cond(uint64_t c) { return (pthread_cond_t *)(uintptr_t)c; }

static int pipc__check(uint64_t addr, size_t align) {
  return addr == 0 || addr % align != 0 ? -EINVAL : 0;
}

/* The pthread functions return the error number itself. */
static int pipc__neg(int e) { return e == 0 ? 0 : -e; }

/*
 * Every call that touches a mutex or a condition runs through one operation
 * record, so that it can run under the fault guard (guard.c).
 */
enum pipc__sync_kind {
  PIPC__MUTEX_INIT,
  PIPC__MUTEX_DESTROY,
  PIPC__MUTEX_LOCK,
  PIPC__MUTEX_UNLOCK,
  PIPC__MUTEX_CONSISTENT,
  PIPC__COND_INIT,
  PIPC__COND_DESTROY,
  PIPC__COND_WAIT,
  PIPC__COND_SIGNAL,
  PIPC__COND_BROADCAST,
};

struct pipc__sync_op {
  enum pipc__sync_kind kind;
  pthread_mutex_t *mutex;
  pthread_cond_t *cond;
  int64_t timeout_ns;
};

/*
 * The attributes every mutex and every condition is made with: they never
 * change, so they are set up once per process (pthread_once), in one place
 * that keeps the two kinds' choices side by side: both process-shared,
 * mutexes robust and error-checking, conditions on the monotonic clock.
 * They are kept for the life of the process; glibc's attribute objects hold
 * no resources.
 */
static pthread_once_t pipc__attrs_once = PTHREAD_ONCE_INIT;
static pthread_mutexattr_t pipc__mutex_attrs;
static pthread_condattr_t pipc__cond_attrs;
static int pipc__attrs_error;

static void pipc__attrs_setup(void) {
  pthread_mutexattr_t *m = &pipc__mutex_attrs;
  pthread_condattr_t *c = &pipc__cond_attrs;
  int e = pthread_mutexattr_init(m);
  if (e == 0) e = pthread_mutexattr_setpshared(m, PTHREAD_PROCESS_SHARED);
  if (e == 0) e = pthread_mutexattr_setrobust(m, PTHREAD_MUTEX_ROBUST);
  if (e == 0) e = pthread_mutexattr_settype(m, PTHREAD_MUTEX_ERRORCHECK);
  if (e == 0) e = pthread_condattr_init(c);
  if (e == 0) e = pthread_condattr_setpshared(c, PTHREAD_PROCESS_SHARED);
  if (e == 0) e = pthread_condattr_setclock(c, CLOCK_MONOTONIC);
  pipc__attrs_error = e;
}

/* Returns 0 when the shared attributes are ready, else the error number. */
static int pipc__attrs(void) {
  int e = pthread_once(&pipc__attrs_once, pipc__attrs_setup);
  return e != 0 ? e : pipc__attrs_error;
}

static int pipc__mutex_lock(pthread_mutex_t *m, int64_t timeout_ns) {
  if (timeout_ns < 0) return pthread_mutex_lock(m);
  if (timeout_ns == 0) {
    int e = pthread_mutex_trylock(m);
    return e == EBUSY ? EAGAIN : e;
  }
  struct timespec at = pipc__abs_time(pipc__deadline(timeout_ns), CLOCK_MONOTONIC);
  return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &at);
}

static int pipc__cond_wait(pthread_cond_t *c, pthread_mutex_t *m, int64_t timeout_ns) {
  if (timeout_ns < 0) return pthread_cond_wait(c, m);
  /* Timeout 0: a deadline already past, so the mutex is released and taken
   * again (and its ownership checked) without waiting. */
  int64_t deadline = pipc__deadline(timeout_ns);
  struct timespec at = pipc__abs_time(deadline, CLOCK_MONOTONIC);
  int e = pthread_cond_timedwait(c, m, &at);
  return e == ETIMEDOUT ? -pipc__expired(deadline) : e;
}

static int pipc__sync_run(void *arg) {
  const struct pipc__sync_op *op = arg;
  int e = EINVAL;
  switch (op->kind) {
    case PIPC__MUTEX_INIT:
      if ((e = pipc__attrs()) == 0) e = pthread_mutex_init(op->mutex, &pipc__mutex_attrs);
      break;
    case PIPC__MUTEX_DESTROY: e = pthread_mutex_destroy(op->mutex); break;
    case PIPC__MUTEX_LOCK: e = pipc__mutex_lock(op->mutex, op->timeout_ns); break;
    case PIPC__MUTEX_UNLOCK: e = pthread_mutex_unlock(op->mutex); break;
    case PIPC__MUTEX_CONSISTENT: e = pthread_mutex_consistent(op->mutex); break;
    case PIPC__COND_INIT:
      if ((e = pipc__attrs()) == 0) e = pthread_cond_init(op->cond, &pipc__cond_attrs);
      break;
    case PIPC__COND_DESTROY: e = pthread_cond_destroy(op->cond); break;
    case PIPC__COND_WAIT: e = pipc__cond_wait(op->cond, op->mutex, op->timeout_ns); break;
    case PIPC__COND_SIGNAL: e = pthread_cond_signal(op->cond); break;
    case PIPC__COND_BROADCAST: e = pthread_cond_broadcast(op->cond); break;
  }
  return pipc__neg(e);
}

static int pipc__mutex_call(uint64_t mutex, enum pipc__sync_kind kind, int64_t timeout_ns) {
  int r = pipc__check(mutex, alignof(pthread_mutex_t));
  if (r < 0) return r;
  struct pipc__sync_op op = {.kind = kind, .mutex = pipc__mutex(mutex), .timeout_ns = timeout_ns};
  return pipc__guarded(pipc__sync_run, &op, mutex, sizeof(pthread_mutex_t));
}

static int pipc__cond_call(uint64_t cond, enum pipc__sync_kind kind) {
  int r = pipc__check(cond, alignof(pthread_cond_t));
  if (r < 0) return r;
  struct pipc__sync_op op = {.kind = kind, .cond = pipc__cond(cond)};
  return pipc__guarded(pipc__sync_run, &op, cond, sizeof(pthread_cond_t));
}

int pipc_mutex_init(uint64_t addr) { return pipc__mutex_call(addr, PIPC__MUTEX_INIT, 0); }

int pipc_mutex_destroy(uint64_t mutex) { return pipc__mutex_call(mutex, PIPC__MUTEX_DESTROY, 0); }

int pipc_mutex_lock(uint64_t mutex, int64_t timeout_ns) {
  return pipc__mutex_call(mutex, PIPC__MUTEX_LOCK, timeout_ns);
}

int pipc_mutex_unlock(uint64_t mutex) { return pipc__mutex_call(mutex, PIPC__MUTEX_UNLOCK, 0); }

int pipc_mutex_consistent(uint64_t mutex) { return pipc__mutex_call(mutex, PIPC__MUTEX_CONSISTENT, 0); }

int pipc_cond_init(uint64_t addr) { return pipc__cond_call(addr, PIPC__COND_INIT); }

int pipc_cond_destroy(uint64_t cond) { return pipc__cond_call(cond, PIPC__COND_DESTROY); }

int pipc_cond_wait(uint64_t cond, uint64_t mutex, int64_t timeout_ns) {
  int r = pipc__check(cond, alignof(pthread_cond_t));
  if (r < 0) return r;
  if ((r = pipc__check(mutex, alignof(pthread_mutex_t))) < 0) return r;
  struct pipc__sync_op op = {
      .kind = PIPC__COND_WAIT, .mutex = pipc__mutex(mutex), .cond = pipc__cond(cond), .timeout_ns = timeout_ns};
  r = pipc__guarded(pipc__sync_run, &op, cond, sizeof(pthread_cond_t));
  if (r == -EFAULT || r == -ENOTRECOVERABLE) {
    /* The guard may have left glibc midway, with the mutex released: take it
     * back, so that the caller holds it as after every wait. */
    int l = pipc__mutex_call(mutex, PIPC__MUTEX_LOCK, -1);
    if (l < 0 && l != -EDEADLK) return l;
  }
  return r;
}

int pipc_cond_signal(uint64_t cond) { return pipc__cond_call(cond, PIPC__COND_SIGNAL); }

int pipc_cond_broadcast(uint64_t cond) { return pipc__cond_call(cond, PIPC__COND_BROADCAST); }
