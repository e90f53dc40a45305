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

static struct timespec pipc__abs(int64_t timeout_ns) {
  int64_t deadline = pipc__deadline(timeout_ns);
  struct timespec ts = {.tv_sec = deadline / PIPC_SEC, .tv_nsec = deadline % PIPC_SEC};
  return ts;
}

int pipc_mutex_init(uint64_t addr) {
  int r = pipc__check(addr, alignof(pthread_mutex_t));
  if (r < 0) return r;
  pthread_mutexattr_t a;
  int e = pthread_mutexattr_init(&a);
  if (e != 0) return -e;
  if ((e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) != 0) goto done;
  if ((e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) != 0) goto done;
  if ((e = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK)) != 0) goto done;
  e = pthread_mutex_init(pipc__mutex(addr), &a);
done:
  pthread_mutexattr_destroy(&a);
  return pipc__neg(e);
}

int pipc_mutex_destroy(uint64_t mutex) {
  int r = pipc__check(mutex, alignof(pthread_mutex_t));
  if (r < 0) return r;
  return pipc__neg(pthread_mutex_destroy(pipc__mutex(mutex)));
}

int pipc_mutex_lock(uint64_t mutex, int64_t timeout_ns) {
  int r = pipc__check(mutex, alignof(pthread_mutex_t));
  if (r < 0) return r;
  pthread_mutex_t *m = pipc__mutex(mutex);
  int e;
  if (timeout_ns < 0) {
    e = pthread_mutex_lock(m);
  } else if (timeout_ns == 0) {
    e = pthread_mutex_trylock(m);
    if (e == EBUSY) e = EAGAIN;
  } else {
    struct timespec ts = pipc__abs(timeout_ns);
    e = pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts);
  }
  return pipc__neg(e);
}

int pipc_mutex_unlock(uint64_t mutex) {
  int r = pipc__check(mutex, alignof(pthread_mutex_t));
  if (r < 0) return r;
  return pipc__neg(pthread_mutex_unlock(pipc__mutex(mutex)));
}

int pipc_mutex_consistent(uint64_t mutex) {
  int r = pipc__check(mutex, alignof(pthread_mutex_t));
  if (r < 0) return r;
  return pipc__neg(pthread_mutex_consistent(pipc__mutex(mutex)));
}

int pipc_cond_init(uint64_t addr) {
  int r = pipc__check(addr, alignof(pthread_cond_t));
  if (r < 0) return r;
  pthread_condattr_t a;
  int e = pthread_condattr_init(&a);
  if (e != 0) return -e;
  if ((e = pthread_condattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) != 0) goto done;
  if ((e = pthread_condattr_setclock(&a, CLOCK_MONOTONIC)) != 0) goto done;
  e = pthread_cond_init(pipc__cond(addr), &a);
done:
  pthread_condattr_destroy(&a);
  return pipc__neg(e);
}

int pipc_cond_destroy(uint64_t cond) {
  int r = pipc__check(cond, alignof(pthread_cond_t));
  if (r < 0) return r;
  return pipc__neg(pthread_cond_destroy(pipc__cond(cond)));
}

int pipc_cond_wait(uint64_t cond, uint64_t mutex, int64_t timeout_ns) {
  int r = pipc__check(cond, alignof(pthread_cond_t));
  if (r < 0) return r;
  if ((r = pipc__check(mutex, alignof(pthread_mutex_t))) < 0) return r;
  pthread_mutex_t *m = pipc__mutex(mutex);
  int e;
  if (timeout_ns < 0) {
    e = pthread_cond_wait(pipc__cond(cond), m);
  } else {
    /* Timeout 0: a deadline already past, so the mutex is released and taken
     * again (and its ownership checked) without waiting. */
    struct timespec ts = pipc__abs(timeout_ns);
    e = pthread_cond_timedwait(pipc__cond(cond), m, &ts);
    if (e == ETIMEDOUT && timeout_ns == 0) e = EAGAIN;
  }
  return pipc__neg(e);
}

int pipc_cond_signal(uint64_t cond) {
  int r = pipc__check(cond, alignof(pthread_cond_t));
  if (r < 0) return r;
  return pipc__neg(pthread_cond_signal(pipc__cond(cond)));
}

int pipc_cond_broadcast(uint64_t cond) {
  int r = pipc__check(cond, alignof(pthread_cond_t));
  if (r < 0) return r;
  return pipc__neg(pthread_cond_broadcast(pipc__cond(cond)));
}
