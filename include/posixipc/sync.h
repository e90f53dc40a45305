/*
 * posixipc — process-shared robust mutexes and condition variables, placed in
 * shared memory.
 *
 * A mutex or condition handle is the address of its pthread_mutex_t or
 * pthread_cond_t carried as uint64_t, inside memory mapped shared by every
 * process that uses it (each process uses its own address of the same bytes).
 * Place them with pipc_mutex_size/align and pipc_cond_size/align.
 *
 * The mutex is process-shared, robust and error-checking:
 *  - When its owner dies (a process killed, a thread ended) while holding it,
 *    the next pipc_mutex_lock acquires it and returns -EOWNERDEAD. The caller
 *    then owns it, repairs the data it protects, and calls
 *    pipc_mutex_consistent before unlocking. If it unlocks without doing so,
 *    the mutex becomes unusable: every later lock returns -ENOTRECOVERABLE.
 *  - Locking it twice from one thread is -EDEADLK; unlocking a mutex another
 *    thread owns is -EPERM.
 *
 * The condition variable is process-shared and measures timeouts on
 * CLOCK_MONOTONIC, so changing the wall clock never shortens or stretches a
 * wait. Spurious wake-ups are possible, as always: wait in a loop that tests
 * the condition.
 *
 * Timeouts follow common.h: negative waits forever, 0 tries once (-EAGAIN),
 * positive waits at most that long (-ETIMEDOUT). Neither a mutex lock nor a
 * condition wait is interrupted by a signal (POSIX forbids EINTR for them):
 * a caller that must stay responsive waits in bounded slices.
 */
#ifndef POSIXIPC_SYNC_H
#define POSIXIPC_SYNC_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The size and alignment of pthread_mutex_t and pthread_cond_t. */
int pipc_mutex_size(void);
int pipc_mutex_align(void);
int pipc_cond_size(void);
int pipc_cond_align(void);

/* Initializes a robust, process-shared, error-checking mutex at addr.
 * Returns 0, -EINVAL (NULL or misaligned address), -ENOMEM. */
int pipc_mutex_init(uint64_t addr);

/* Destroys an unlocked mutex nobody waits for (destroying a locked one is
 * undefined: glibc does not check). Returns 0 or -EINVAL. */
int pipc_mutex_destroy(uint64_t mutex);

/*
 * Locks the mutex, waiting as the timeout says (pthread_mutex_lock,
 * pthread_mutex_trylock, pthread_mutex_clocklock on CLOCK_MONOTONIC). Returns
 * 0; -EOWNERDEAD when the previous owner died holding it (the caller now owns
 * it: see above); -ENOTRECOVERABLE; -EAGAIN (timeout 0); -ETIMEDOUT;
 * -EDEADLK (the caller already owns it); -EINVAL.
 */
int pipc_mutex_lock(uint64_t mutex, int64_t timeout_ns);

/* Unlocks. Returns 0, -EPERM (the caller does not own it), -EINVAL. */
int pipc_mutex_unlock(uint64_t mutex);

/* Marks a mutex acquired with -EOWNERDEAD as consistent again. Returns 0,
 * -EINVAL (it is not in that state or not owned by the caller). */
int pipc_mutex_consistent(uint64_t mutex);

/* Initializes a process-shared condition variable on CLOCK_MONOTONIC at
 * addr. Returns 0, -EINVAL (NULL or misaligned address), -ENOMEM. */
int pipc_cond_init(uint64_t addr);

/* Destroys a condition variable nobody waits on. Returns 0 or -EINVAL. */
int pipc_cond_destroy(uint64_t cond);

/*
 * Releases mutex (which the caller owns), waits for a signal on cond as the
 * timeout says, and locks mutex again before returning, whatever the result.
 * Returns 0 (signalled, or a spurious wake-up), -ETIMEDOUT, -EAGAIN (timeout 0:
 * the mutex is released and taken again without waiting), -EOWNERDEAD (re-locking found
 * its owner dead: the caller owns it, see above), -ENOTRECOVERABLE, -EPERM
 * (the caller does not own mutex), -EINVAL.
 */
int pipc_cond_wait(uint64_t cond, uint64_t mutex, int64_t timeout_ns);

/* Wakes one waiter (signal) or every waiter (broadcast). Returns 0, -EINVAL. */
int pipc_cond_signal(uint64_t cond);
int pipc_cond_broadcast(uint64_t cond);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SYNC_H */
