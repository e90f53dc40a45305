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

/* ------------------------------------------------------------ validators */

/*
 * Checks a POSIX IPC name (queues, segments, semaphores): a leading '/', at
 * least one more character, no other '/', not "/." or "/..", and at most max
 * characters after the '/'. Returns 0, -EINVAL, or -ENAMETOOLONG. This is the
 * one name check of the core; pipc_ipc_name_check exports it.
 */
int pipc__check_ipc_name(const char *name, int max);

/*
 * The open(2) access mode for the public READ (1), WRITE (2) and READ_WRITE
 * (3) bits that queues and FIFOs share: O_RDONLY, O_WRONLY or O_RDWR, or
 * -EINVAL when access holds neither bit.
 */
int pipc__access_mode(int access);

/* Permission bits within allowed (0777, or 07777 for files): 0 or -EINVAL. */
int pipc__check_mode(int mode, int allowed);

/* Marks a descriptor this process did not create close-on-exec: 0 or -errno. */
int pipc__set_cloexec(int fd);

/* A signal number a handler or a notification can use: 0 or -EINVAL. */
int pipc__check_catchable(int signo);

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
