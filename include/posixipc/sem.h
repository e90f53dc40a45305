/*
 * posixipc — POSIX semaphores: named (sem_open) and unnamed, process-shared
 * ones placed in shared memory (sem_init with pshared).
 *
 * A semaphore handle is the address of its sem_t carried as uint64_t: the one
 * sem_open returned for a named semaphore, or an address inside a shared
 * mapping for an unnamed one. Every process that maps the same object at any
 * address reaches the same unnamed semaphore through its own address.
 *
 * Waits follow the timeout convention of common.h: a negative timeout waits
 * forever (sem_wait), 0 tries once (sem_trywait, -EAGAIN when the value is 0),
 * a positive one waits at most that long on CLOCK_MONOTONIC (sem_clockwait),
 * then -ETIMEDOUT. A signal handler installed without SA_RESTART interrupts a
 * wait with -EINTR; the core does not retry.
 */
#ifndef POSIXIPC_SEM_H
#define POSIXIPC_SEM_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest name after the leading '/' (glibc keeps "sem.NAME" in /dev/shm). */
#define PIPC_SEM_NAME_MAX 251

/* Flags for pipc_sem_open. */
#define PIPC_SEM_CREATE 0x1    /* O_CREAT: create it when missing */
#define PIPC_SEM_EXCLUSIVE 0x2 /* O_EXCL: with CREATE, fail with -EEXIST */

/* The size and alignment of sem_t, for placing one in shared memory. */
int pipc_sem_size(void);
int pipc_sem_align(void);

/* The largest value a semaphore can hold (SEM_VALUE_MAX). */
int pipc_sem_value_max(void);

/*
 * Opens the named semaphore name ("/name", see pipc_ipc_name_check in common.h);
 * *sem receives the handle. mode and value apply when it is created. Returns
 * 0, -EINVAL (bad name or flags, EXCLUSIVE without CREATE, mode bits outside
 * 0777, value above pipc_sem_value_max), -ENAMETOOLONG, -ENOENT, -EEXIST,
 * -EACCES, -EMFILE.
 */
int pipc_sem_open(const char *name, int flags, int mode, unsigned value, uint64_t *sem);

/* Closes a handle from pipc_sem_open (sem_close). Returns 0 or -EINVAL. */
int pipc_sem_close(uint64_t sem);

/* Removes the name (sem_unlink); processes that have it open keep it.
 * Returns 0, -ENOENT, -EINVAL, -ENAMETOOLONG, -EACCES. */
int pipc_sem_unlink(const char *name);

/*
 * Initializes a process-shared unnamed semaphore at addr (sem_init, pshared
 * 1), which must be aligned to pipc_sem_align() and lie in memory mapped
 * shared by every process that uses it. Returns 0 or -EINVAL (NULL or
 * misaligned address, value above pipc_sem_value_max).
 */
int pipc_sem_init(uint64_t addr, unsigned value);

/* Destroys an unnamed semaphore nobody waits on (sem_destroy). Returns 0 or
 * -EINVAL. */
int pipc_sem_destroy(uint64_t sem);

/* Adds one (sem_post). Returns 0, -EOVERFLOW at the maximum, -EINVAL. */
int pipc_sem_post(uint64_t sem);

/* Takes one, waiting as the timeout says. Returns 0, -EAGAIN (timeout 0),
 * -ETIMEDOUT, -EINTR, -EINVAL. */
int pipc_sem_wait(uint64_t sem, int64_t timeout_ns);

/* The current value (sem_getvalue; never negative on Linux), or -EINVAL. */
int pipc_sem_value(uint64_t sem);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SEM_H */
