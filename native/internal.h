/*
 * Internal helpers of the C core, shared by the mechanism sources. Not
 * installed. Non-static internal names carry the pipc__ prefix.
 */
#ifndef POSIXIPC_INTERNAL_H
#define POSIXIPC_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <posixipc/common.h>

/* -errno of the last failed call, read at once so nothing can clobber it. */
#define PIPC__ERR() (-errno)

/*
 * Validates a file-system path before it reaches a system call: not NULL
 * (-EINVAL), not empty (-ENOENT, as the kernel says), shorter than PATH_MAX
 * (-ENAMETOOLONG).
 */
int pipc__check_path(const char *path);

/* The current CLOCK_MONOTONIC time in nanoseconds. */
int64_t pipc__now_ns(void);

/*
 * A deadline for a timeout in the API's convention: INT64_MAX for a negative
 * timeout (forever), otherwise now + timeout, saturated.
 */
int64_t pipc__deadline(int64_t timeout_ns);

/*
 * Waits for events on fd until deadline (from pipc__deadline). Returns the
 * events that occurred (> 0), -ETIMEDOUT, or -errno (-EINTR included).
 */
int pipc__poll_until(int fd, short events, int64_t deadline);

/*
 * Runs op(arg), which touches the shared object at [addr, addr + length),
 * under the fault guard once pipc_fault_guard_install has run (guard.c):
 * a vanished page is -EFAULT, an object glibc gave up on -ENOTRECOVERABLE.
 * Otherwise returns op's result.
 */
int pipc__guarded(int (*op)(void *arg), void *arg, uint64_t addr, size_t length);

/*
 * The same for an operation that runs no glibc code (a single atomic
 * instruction): glibc's cleanup chain is left alone, which halves the cost.
 */
int pipc__guarded_plain(int (*op)(void *arg), void *arg, uint64_t addr, size_t length);

#endif /* POSIXIPC_INTERNAL_H */
