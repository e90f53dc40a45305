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
 * True when field of type is width bytes wide: the layout checks use it to
 * hold a struct to what the byte offsets in its header promise readers.
 */
#define PIPC__FIELD_IS(type, field, width) (sizeof(((type *)0)->field) == (width))

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

/* Tests only: makes each signal handler pause ns between reading a route's
 * fd and writing the record to it (0: no pause, the default). */
void pipc__test_route_pause(long ns);

/* Tests only: how many such pauses handlers have begun. */
long pipc__test_route_pauses(void);

/*
 * Reads up to n whitespace-separated unsigned numbers from a file such as
 * /proc/sys/kernel/sem into out, each saturated at INT64_MAX (shmmax is
 * ULONG_MAX - 2^24 by default). Returns how many were read (0 when the file
 * cannot be read); the others are set to -1.
 */
int pipc__read_numbers(const char *path, int64_t *out, int n);

/*
 * A file of such numbers and where they go: count of them into the
 * consecutive int64_t fields of a limits struct that begin at offset
 * (offsetof the first).
 */
typedef struct pipc__number_file {
  const char *path;
  size_t offset;
  int count;
} pipc__number_file;

/* Reads each of the n files into the struct at out, as pipc__read_numbers
 * does: a field whose number cannot be read is -1. */
void pipc__read_number_files(void *out, const pipc__number_file *files, size_t n);

/* ------------------------------------------------------------- deadlines */

/*
 * Deadlines are absolute CLOCK_MONOTONIC times in nanoseconds, made once per
 * call from the API's timeout by pipc__deadline. Two values are special:
 * NEVER (a negative timeout) and NOW (a zero timeout). NOW lies before every
 * reading of the clock, so a wait for it ends at once; what sets it apart is
 * only the answer when nothing was ready: -EAGAIN for NOW ("tried once"),
 * -ETIMEDOUT for every other deadline ("waited and the time ran out").
 */
#define PIPC__DEADLINE_NOW ((int64_t)0)
#define PIPC__DEADLINE_NEVER INT64_MAX

/* The current CLOCK_MONOTONIC time in nanoseconds. */
int64_t pipc__now_ns(void);

/* The deadline of a timeout: NEVER, NOW, or now + timeout_ns (saturated). */
int64_t pipc__deadline(int64_t timeout_ns);

/* pipc__deadline with the clock already read (now), for a wait that reads
 * it only once its first attempt found nothing. */
int64_t pipc__deadline_from(int64_t now, int64_t timeout_ns);

/* The error for a deadline that passed with nothing ready: -EAGAIN or -ETIMEDOUT. */
int pipc__expired(int64_t deadline);

/*
 * The time left until deadline as a relative timespec, for ppoll and
 * epoll_pwait2: NULL for NEVER (wait without a limit), zero once it passed.
 */
struct timespec *pipc__time_left(int64_t deadline, struct timespec *ts);

/*
 * The deadline as an absolute time on clock, for the calls that take one
 * (sem_clockwait and pthread_*_clocklock on CLOCK_MONOTONIC, mq_timedsend on
 * CLOCK_REALTIME). NOW gives the epoch, a time already past, so that the call
 * tries once. Not for NEVER: the untimed call is the one to make then.
 */
struct timespec pipc__abs_time(int64_t deadline, clockid_t clock);

/*
 * Waits for events on fd until deadline. Returns the events that occurred
 * (> 0), pipc__expired(deadline) when none did, -EBADF for a closed fd, or
 * -errno (-EINTR included: an interrupted wait is never resumed here).
 */
int pipc__poll_until(int fd, short events, int64_t deadline);

/*
 * One attempt of a timed call, made without blocking: >= 0 when done, -EAGAIN
 * when fd is not ready yet, any other -errno to fail the call.
 */
typedef int64_t (*pipc__attempt)(void *arg);

/*
 * The timed-retry loop of the core, which every timed call runs: attempt,
 * and while the attempt says -EAGAIN, wait until fd is ready for events or
 * the deadline passes, then attempt again. A deadline of NOW attempts once
 * (-EAGAIN). With fd < 0 there is nothing to wait on (a listener's full
 * backlog): the loop pauses instead, 1 ms at first and doubling up to 50 ms,
 * never past the deadline. A signal that interrupts a wait ends the loop with
 * -EINTR, as the convention of common.h says: the caller decides whether to
 * call again, and that is how the Java layer wakes a blocked thread.
 */
int64_t pipc__retry_until(int64_t deadline, int fd, short events, pipc__attempt attempt,
                          void *arg);

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
