/*
 * posixipc — signals: sending (kill, sigqueue, raise), dispositions (catch,
 * ignore, default, restore), and a dispatcher that turns caught signals into
 * records read from a pipe.
 *
 * The dispatcher. pipc_signal_catch(signo) installs, with SA_SIGINFO and
 * SA_RESTART, a handler that does only async-signal-safe work: it saves
 * errno, write()s one fixed-size pipc_signal_info record to a non-blocking,
 * close-on-exec pipe owned by the library (the self-pipe), and restores
 * errno. Records are read with pipc_signal_read, or by polling the descriptor
 * from pipc_signal_fd. A record (32 bytes) is smaller than PIPE_BUF, so the
 * kernel writes it whole or not at all: records never interleave, even when
 * several threads handle signals at once.
 *
 * Nothing is lost silently. The pipe is enlarged to 1 MiB where the system
 * allows (32768 records). If it is ever full, the record is dropped and a
 * per-signal atomic counter is incremented: pipc_signal_lost reports it.
 *
 * Previous dispositions. The first time the library changes a signal's
 * disposition (catch, ignore or default), it keeps the disposition that was
 * there before; pipc_signal_restore puts it back. Catching twice is fine.
 *
 * Reserved signals. SIGKILL and SIGSTOP cannot be caught (-EINVAL, as the
 * kernel says). SIGSEGV, SIGBUS, SIGFPE and SIGILL are always refused with
 * -EPERM: they report faults of the thread that receives them, and a handler
 * that only records and returns would run the faulting instruction again,
 * forever. A program can reserve more with pipc_signal_reserve: the Java
 * layer reserves every signal the JVM owns (SIGQUIT, SIGUSR2, SIGPIPE, the
 * JDK's SIGRTMAX-2) and its own wake-up signal (see pipc_wakeup_install).
 * Reserved signals can still be sent; only their disposition is protected.
 *
 * Ordering. Real-time signals (pipc_sigrtmin()..pipc_sigrtmax()) are queued
 * by the kernel, one per sigqueue, in order, each with its value; standard
 * signals are not queued (several pending ones merge into one). The records
 * come in the order the handlers ran: in a process with one thread that
 * takes signals this is the order of sending; when several threads take
 * signals at the same moment (a JVM), two records may swap places.
 *
 * fork. A child created with fork() gets a fresh, empty self-pipe at the same
 * descriptor numbers (a pthread_atfork handler) and zeroed loss counters, so
 * that it never reads its parent's records nor writes into them. exec resets
 * caught signals to their default, as always, and closes the self-pipe.
 *
 * Numbers. A signal number is valid when 1 <= signo <= 31 or pipc_sigrtmin()
 * <= signo <= pipc_sigrtmax(); the numbers in between belong to the C
 * library's threads and are refused with -EINVAL. Signal 0 may be sent (it
 * only checks that the target exists and can be signalled).
 */
#ifndef POSIXIPC_SIGNAL_H
#define POSIXIPC_SIGNAL_H

#include <stdint.h>

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* si_code values of a record: how the signal was sent. */
#define PIPC_SI_USER 0    /* kill(2), from a process */
#define PIPC_SI_QUEUE (-1) /* sigqueue(3): value carries the sender's value */
#define PIPC_SI_TKILL (-6) /* tgkill(2): raise(3) and pthread_kill(3) */
#define PIPC_SI_KERNEL 0x80 /* sent by the kernel */

/*
 * One caught signal, as the handler saw it in its siginfo_t. The layout is
 * the same on every platform (32 bytes, no padding); the constants below
 * give it to callers that read records as bytes.
 */
typedef struct pipc_signal_info {
  int32_t signo;      /* the signal number */
  int32_t code;       /* si_code: PIPC_SI_USER, PIPC_SI_QUEUE, ... */
  int32_t pid;        /* the sender's process id (0 from the kernel) */
  uint32_t uid;       /* the sender's real user id */
  int32_t value;      /* si_value.sival_int: the value given to sigqueue */
  int32_t reserved;   /* 0 */
  uint64_t value_ptr; /* si_value.sival_ptr, as an integer */
} pipc_signal_info;

/* The size of one record in bytes, and the byte offset of each field. */
#define PIPC_SIGNAL_RECORD_SIZE ((int)sizeof(pipc_signal_info))
#define PIPC_SIGNAL_INFO_SIGNO ((int)offsetof(pipc_signal_info, signo))
#define PIPC_SIGNAL_INFO_CODE ((int)offsetof(pipc_signal_info, code))
#define PIPC_SIGNAL_INFO_PID ((int)offsetof(pipc_signal_info, pid))
#define PIPC_SIGNAL_INFO_UID ((int)offsetof(pipc_signal_info, uid))
#define PIPC_SIGNAL_INFO_VALUE ((int)offsetof(pipc_signal_info, value))
#define PIPC_SIGNAL_INFO_VALUE_PTR ((int)offsetof(pipc_signal_info, value_ptr))

/* ---------------------------------------------------------------- sending */

/*
 * kill(2): sends signo (0 only checks) to pid. pid > 0 is that process; 0 is
 * every process of the caller's process group (the caller included); -1 is
 * every process the caller may signal but init and itself; below -1 is the
 * process group -pid. Returns 0, -EINVAL (bad number), -ESRCH (no such
 * process or group), -EPERM (not allowed to signal it).
 */
int pipc_signal_kill(int pid, int signo);

/*
 * sigqueue(3): sends signo with an integer value to process pid (> 0; the
 * call has no group form). A real-time signal is queued: each call is one
 * delivery, in order. Returns 0, -EINVAL (bad number or pid <= 0), -ESRCH,
 * -EPERM, -EAGAIN (the receiver's user has RLIMIT_SIGPENDING signals queued
 * already: retry once the receiver has taken some).
 */
int pipc_signal_queue(int pid, int signo, int value);

/*
 * raise(3): sends signo to the calling thread. A caught signal's handler has
 * run when this returns. Returns 0 or -EINVAL.
 */
int pipc_signal_raise(int signo);

/* ----------------------------------------------------------- dispositions */

/*
 * Catches signo through the dispatcher (see above), keeping the previous
 * disposition for pipc_signal_restore. Catching a caught signal is fine.
 * Creates the self-pipe on first use. Returns 0, -EINVAL (bad number,
 * SIGKILL, SIGSTOP), -EPERM (reserved), -EMFILE / -ENFILE (no descriptor
 * for the self-pipe).
 */
int pipc_signal_catch(int signo);

/*
 * Ends a catch: puts back the disposition signo had when pipc_signal_catch
 * caught it (the first catch since the last uncatch), which may be one that
 * pipc_signal_ignore or pipc_signal_default set. The disposition kept for
 * pipc_signal_restore stays, unless that catch was the library's first
 * change of signo: then the original is back and nothing is kept. Returns 1
 * when a disposition was put back, 0 when signo was not caught (nothing is
 * done), -EINVAL, -EPERM.
 */
int pipc_signal_uncatch(int signo);

/* Sets signo's disposition to SIG_IGN; the previous one is kept as by
 * pipc_signal_catch. Returns 0, -EINVAL, -EPERM. */
int pipc_signal_ignore(int signo);

/* Sets signo's disposition to SIG_DFL; the previous one is kept as by
 * pipc_signal_catch. Returns 0, -EINVAL, -EPERM. */
int pipc_signal_default(int signo);

/*
 * Puts back the disposition signo had before the library first changed it,
 * and forgets it. Returns 1 when a disposition was restored, 0 when the
 * library had not changed it (nothing is done), -EINVAL, -EPERM.
 */
int pipc_signal_restore(int signo);

/*
 * What signo's disposition is now: PIPC_SIGNAL_DEFAULT, PIPC_SIGNAL_IGNORED,
 * PIPC_SIGNAL_CAUGHT (by this dispatcher) or PIPC_SIGNAL_HANDLED (by some
 * other handler), or -EINVAL.
 */
#define PIPC_SIGNAL_DEFAULT 0
#define PIPC_SIGNAL_IGNORED 1
#define PIPC_SIGNAL_CAUGHT 2
#define PIPC_SIGNAL_HANDLED 3
int pipc_signal_disposition(int signo);

/*
 * Refuses, from now on, every change of signo's disposition through this
 * library (-EPERM). Cannot be undone. Returns 0 or -EINVAL.
 */
int pipc_signal_reserve(int signo);

/* 1 when signo is reserved (always for SIGSEGV, SIGBUS, SIGFPE, SIGILL),
 * 0 when not, -EINVAL for a bad number. */
int pipc_signal_is_reserved(int signo);

/* -------------------------------------------------------------- records */

/*
 * Reads up to max records of caught signals into out, following the timeout
 * convention of common.h. Returns the number of records (> 0), -EAGAIN
 * (timeout 0 and none waiting), -ETIMEDOUT, -EINTR, -EINVAL (max < 1).
 */
int pipc_signal_read(pipc_signal_info *out, int max, int64_t timeout_ns);

/*
 * The read end of the self-pipe (non-blocking, close-on-exec), created on
 * first use, for a program that polls it together with other descriptors.
 * Never close it. Returns the descriptor or -errno.
 */
int pipc_signal_fd(void);

/*
 * How many records of signo the dispatcher had to drop because the self-pipe
 * was full; signo 0 gives the total of every signal. Returns the count or
 * -EINVAL.
 */
int64_t pipc_signal_lost(int signo);

/* The capacity of the self-pipe in records (creating it on first use), or -errno. */
int pipc_signal_capacity(void);

/* --------------------------------------------------------------- routes */

/*
 * A route sends the records of one signal straight to a reader of its own,
 * so that the thread that waits for the signal is the one the record wakes:
 * the handler writes each caught signo to fd (the write end of a pipe, made
 * non-blocking, that the caller keeps open until it removes the route)
 * instead of to the self-pipe. A signal may have several routes (each gets
 * every record); pipc_signal_tee makes the self-pipe get them too. A route
 * does not catch the signal: pipc_signal_catch does. A record the handler
 * cannot write to a full pipe is counted (pipc_signal_route_lost). After
 * fork() the child has no routes.
 */
#define PIPC_SIGNAL_ROUTES 128

/*
 * Adds a route of signo to fd. Returns the route's number (>= 0), -EINVAL
 * (bad number; fd not open for writing or not non-blocking), -EBADF, or
 * -ENOSPC (all PIPC_SIGNAL_ROUTES routes taken).
 */
int pipc_signal_route_add(int signo, int fd);

/*
 * Removes a route. Returns 0 once no handler can still write to its fd
 * (which the caller may then close), or -EINVAL (no such route).
 */
int pipc_signal_route_remove(int route);

/* How many records the handler could not write to the route's fd because it
 * was full, since the route was added; or -EINVAL. */
int64_t pipc_signal_route_lost(int route);

/* While signo has routes, whether its records go to the self-pipe as well
 * (off at first). Returns 0 or -EINVAL. */
int pipc_signal_tee(int signo, int on);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SIGNAL_H */
