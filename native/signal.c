/*
 * Signals: sending, dispositions, and the dispatcher that writes one record
 * per caught signal to a self-pipe.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <posixipc/signal.h>

/* The header promises 32 bytes with no padding; readers take the fields at
 * the PIPC_SIGNAL_INFO_* offsets as 32-bit ints and value_ptr as 64 bits. */
_Static_assert(PIPC_SIGNAL_RECORD_SIZE == 32, "record layout: 32 bytes");
_Static_assert(PIPC__FIELD_IS(pipc_signal_info, signo, 4) && PIPC__FIELD_IS(pipc_signal_info, code, 4) &&
                   PIPC__FIELD_IS(pipc_signal_info, pid, 4) && PIPC__FIELD_IS(pipc_signal_info, uid, 4) &&
                   PIPC__FIELD_IS(pipc_signal_info, value, 4) &&
                   PIPC__FIELD_IS(pipc_signal_info, value_ptr, 8),
               "record layout: field widths");
_Static_assert(PIPC_SIGNAL_RECORD_SIZE <= PIPE_BUF, "records must be written atomically");

/* Room for signal numbers 1..64 (SIGRTMAX on Linux), indexed by number. */
#define PIPC__NSIG 65

/* The self-pipe is asked for this much room; the system may give less. */
#define PIPC__PIPE_BYTES (1 << 20)

/*
 * The dispatcher's state. The handler reads only the write end's number and
 * updates only the atomic loss counters; everything else is guarded by the
 * mutex and touched outside handlers.
 */
static pthread_mutex_t pipc__lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t pipc__pipe_write = -1;
static int pipc__pipe_read = -1;
static _Atomic uint64_t pipc__lost[PIPC__NSIG];
static _Atomic uint64_t pipc__lost_total;
/* Reserved signals: one bit per number. */
static _Atomic uint64_t pipc__reserved;

/*
 * Routes (pipc_signal_route_add): slot i sends records of route_signo[i] to
 * route_fd[i]. A slot is free while its signal is 0. Slots are taken and
 * freed under the mutex; the handler reads them with atomics only. tee[s]
 * sends records of s to the self-pipe as well while s has routes.
 * pipc__in_handler counts the handlers between their first look at a slot
 * and their last write, so that a removal can wait until no handler can
 * still write to the fd it takes out.
 */
static _Atomic int pipc__route_signo[PIPC_SIGNAL_ROUTES];
static _Atomic int pipc__route_fd[PIPC_SIGNAL_ROUTES];
static _Atomic uint64_t pipc__route_lost[PIPC_SIGNAL_ROUTES];
static _Atomic int pipc__routes_of[PIPC__NSIG];
static _Atomic bool pipc__tee[PIPC__NSIG];
static _Atomic int pipc__in_handler;
/* Tests only (pipc__test_route_pause): how long a handler pauses between
 * reading a route's fd and writing to it, to hold open the window that a
 * removal must wait out, and how many such pauses began. 0 outside the
 * tests: one relaxed load per route. */
static _Atomic long pipc__route_pause_ns;
static _Atomic long pipc__route_pauses;

void pipc__test_route_pause(long ns) { atomic_store(&pipc__route_pause_ns, ns); }

long pipc__test_route_pauses(void) { return atomic_load(&pipc__route_pauses); }

/* The dispositions from before the library first changed them. */
static struct sigaction pipc__saved[PIPC__NSIG];
static bool pipc__has_saved[PIPC__NSIG];
/* What pipc_signal_uncatch puts back: the disposition the signal had when
 * it was last caught from an uncaught state (ignore or default set by the
 * caller survive a catch and its uncatch). */
static struct sigaction pipc__before_catch[PIPC__NSIG];
static bool pipc__caught[PIPC__NSIG];
/* Whether that catch was the library's first change of the signal, so that
 * its uncatch puts back the original and leaves nothing to restore. */
static bool pipc__catch_was_first[PIPC__NSIG];

static bool pipc__valid(int signo) {
  return (signo >= 1 && signo <= 31) || (signo >= SIGRTMIN && signo <= SIGRTMAX);
}

static bool pipc__always_reserved(int signo) {
  return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL;
}

static uint64_t pipc__bit(int signo) { return (uint64_t)1 << (signo - 1); }

/* ------------------------------------------------------------- the handler */

/*
 * Async-signal-safe only: write(2) and atomics. errno is saved and restored
 * so that the interrupted code never sees it change.
 */
static void pipc__dispatch(int signo, siginfo_t *si, void *context) {
  (void)context;
  int saved_errno = errno;
  pipc_signal_info rec;
  memset(&rec, 0, sizeof rec);
  rec.signo = signo;
  if (si != NULL) {
    rec.code = si->si_code;
    rec.pid = si->si_pid;
    rec.uid = si->si_uid;
    rec.value = si->si_value.sival_int;
    rec.value_ptr = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
  }
  bool to_pipe = true;
  if (signo > 0 && signo < PIPC__NSIG && atomic_load(&pipc__routes_of[signo]) > 0) {
    atomic_fetch_add(&pipc__in_handler, 1);
    for (int i = 0; i < PIPC_SIGNAL_ROUTES; i++) {
      if (atomic_load(&pipc__route_signo[i]) != signo) continue;
      int fd = atomic_load(&pipc__route_fd[i]);
      long pause = atomic_load_explicit(&pipc__route_pause_ns, memory_order_relaxed);
      if (pause > 0) {
        struct timespec ts = {pause / 1000000000L, pause % 1000000000L};
        atomic_fetch_add(&pipc__route_pauses, 1);
        nanosleep(&ts, NULL); /* async-signal-safe */
      }
      /* Full (EAGAIN): counted for that route, never silent. */
      if (write(fd, &rec, sizeof rec) != (ssize_t)sizeof rec)
        atomic_fetch_add(&pipc__route_lost[i], 1);
    }
    atomic_fetch_sub(&pipc__in_handler, 1);
    to_pipe = atomic_load(&pipc__tee[signo]);
  }
  if (to_pipe && write(pipc__pipe_write, &rec, sizeof rec) != (ssize_t)sizeof rec) {
    /* Full (EAGAIN), or no pipe: the loss is counted, never silent. */
    if (signo > 0 && signo < PIPC__NSIG) atomic_fetch_add(&pipc__lost[signo], 1);
    atomic_fetch_add(&pipc__lost_total, 1);
  }
  errno = saved_errno;
}

/* ------------------------------------------------------------- the pipe */

static int pipc__make_pipe(int fds[2]) {
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return PIPC__ERR();
  /* More room for bursts; a system that gives less still works. */
  (void)fcntl(fds[1], F_SETPIPE_SZ, PIPC__PIPE_BYTES);
  return 0;
}

/*
 * After fork(), the child gets an empty pipe of its own at the same numbers,
 * so that neither process reads the other's records. The child runs this
 * with one thread; dup3 replaces each number in one step, so a signal caught
 * meanwhile writes either to the old pipe or to the new one.
 */
static void pipc__atfork_prepare(void) { pthread_mutex_lock(&pipc__lock); }

static void pipc__atfork_parent(void) { pthread_mutex_unlock(&pipc__lock); }

static void pipc__atfork_child(void) {
  int fds[2];
  if (pipc__pipe_read >= 0 && pipc__make_pipe(fds) == 0) {
    dup3(fds[0], pipc__pipe_read, O_CLOEXEC);
    dup3(fds[1], pipc__pipe_write, O_CLOEXEC);
    close(fds[0]);
    close(fds[1]);
  }
  for (int i = 0; i < PIPC__NSIG; i++) atomic_store(&pipc__lost[i], 0);
  atomic_store(&pipc__lost_total, 0);
  /* The routes' pipes are the parent's readers': the child's records go to
   * its own self-pipe. */
  for (int i = 0; i < PIPC_SIGNAL_ROUTES; i++) atomic_store(&pipc__route_signo[i], 0);
  for (int i = 0; i < PIPC__NSIG; i++) atomic_store(&pipc__routes_of[i], 0);
  pthread_mutex_unlock(&pipc__lock);
}

/* Creates the self-pipe if needed; call with the lock held. */
static int pipc__ensure_pipe_locked(void) {
  if (pipc__pipe_read >= 0) return 0;
  int fds[2];
  int r = pipc__make_pipe(fds);
  if (r < 0) return r;
  /* The non-blocking read end is what pipc_signal_read polls. */
  static bool atfork_done = false;
  if (!atfork_done) {
    int e = pthread_atfork(pipc__atfork_prepare, pipc__atfork_parent, pipc__atfork_child);
    if (e != 0) {
      close(fds[0]);
      close(fds[1]);
      return -e;
    }
    atfork_done = true;
  }
  pipc__pipe_read = fds[0];
  pipc__pipe_write = fds[1];
  return 0;
}

static int pipc__ensure_pipe(void) {
  pthread_mutex_lock(&pipc__lock);
  int r = pipc__ensure_pipe_locked();
  pthread_mutex_unlock(&pipc__lock);
  return r;
}

int pipc_signal_fd(void) {
  int r = pipc__ensure_pipe();
  return r < 0 ? r : pipc__pipe_read;
}

int pipc_signal_capacity(void) {
  int fd = pipc_signal_fd();
  if (fd < 0) return fd;
  int bytes = fcntl(fd, F_GETPIPE_SZ);
  if (bytes < 0) return PIPC__ERR();
  return bytes / PIPC_SIGNAL_RECORD_SIZE;
}

/* ---------------------------------------------------------------- sending */

int pipc_signal_kill(int pid, int signo) {
  if (signo != 0 && !pipc__valid(signo)) return -EINVAL;
  if (kill(pid, signo) < 0) return PIPC__ERR();
  return 0;
}

int pipc_signal_queue(int pid, int signo, int value) {
  if (signo != 0 && !pipc__valid(signo)) return -EINVAL;
  if (pid <= 0) return -EINVAL;
  union sigval v;
  memset(&v, 0, sizeof v);
  v.sival_int = value;
  if (sigqueue(pid, signo, v) < 0) return PIPC__ERR();
  return 0;
}

int pipc_signal_raise(int signo) {
  if (!pipc__valid(signo)) return -EINVAL;
  if (raise(signo) != 0) return PIPC__ERR();
  return 0;
}

/* ----------------------------------------------------------- dispositions */

/* Validates signo for a change of disposition. */
static int pipc__check_changeable(int signo) {
  if (!pipc__valid(signo) || signo == SIGKILL || signo == SIGSTOP) return -EINVAL;
  if (pipc__always_reserved(signo) || (atomic_load(&pipc__reserved) & pipc__bit(signo)))
    return -EPERM;
  return 0;
}

/* Installs sa for signo, keeping the previous disposition the first time. */
static int pipc__set_locked(int signo, const struct sigaction *sa) {
  struct sigaction old;
  if (sigaction(signo, sa, &old) < 0) return PIPC__ERR();
  if (!pipc__has_saved[signo]) {
    pipc__saved[signo] = old;
    pipc__has_saved[signo] = true;
  }
  return 0;
}

/* A disposition with an empty mask: handler, or with SA_SIGINFO in flags,
 * the three-argument action. */
static struct sigaction pipc__action(void (*handler)(int), void (*action)(int, siginfo_t *, void *),
                                     int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  if (flags & SA_SIGINFO) {
    sa.sa_sigaction = action;
  } else {
    sa.sa_handler = handler;
  }
  sa.sa_flags = flags;
  return sa;
}

static int pipc__set_simple(int signo, void (*handler)(int)) {
  int r = pipc__check_changeable(signo);
  if (r < 0) return r;
  struct sigaction sa = pipc__action(handler, NULL, 0);
  pthread_mutex_lock(&pipc__lock);
  r = pipc__set_locked(signo, &sa);
  pthread_mutex_unlock(&pipc__lock);
  return r;
}

int pipc_signal_catch(int signo) {
  int r = pipc__check_changeable(signo);
  if (r < 0) return r;
  /* SA_RESTART: catching a signal must not make unrelated blocking calls of
   * this process (the JVM's among them) fail with EINTR. */
  struct sigaction sa = pipc__action(NULL, pipc__dispatch, SA_SIGINFO | SA_RESTART);
  pthread_mutex_lock(&pipc__lock);
  r = pipc__ensure_pipe_locked();
  struct sigaction before;
  bool first = !pipc__has_saved[signo];
  if (r == 0 && !pipc__caught[signo] && sigaction(signo, NULL, &before) < 0) r = PIPC__ERR();
  if (r == 0) r = pipc__set_locked(signo, &sa);
  if (r == 0 && !pipc__caught[signo]) {
    pipc__before_catch[signo] = before;
    pipc__catch_was_first[signo] = first;
    pipc__caught[signo] = true;
  }
  pthread_mutex_unlock(&pipc__lock);
  return r;
}

/*
 * Puts back one kept disposition of signo and forgets it: the one from
 * before the last catch (uncatch), or the one from before the library's
 * first change (restore). Each put-back also settles the other slot: the
 * original is back after an uncatch whose catch was the first change, and
 * nothing is caught any more after a restore. Returns 1 when it put one
 * back, 0 when none was kept, or -errno.
 */
static int pipc__put_back(int signo, bool uncatch) {
  int r = pipc__check_changeable(signo);
  if (r < 0) return r;
  bool *kept = uncatch ? &pipc__caught[signo] : &pipc__has_saved[signo];
  const struct sigaction *sa = uncatch ? &pipc__before_catch[signo] : &pipc__saved[signo];
  pthread_mutex_lock(&pipc__lock);
  if (*kept) {
    if (sigaction(signo, sa, NULL) < 0) {
      r = PIPC__ERR();
    } else {
      r = 1;
      *kept = false;
      if (!uncatch) pipc__caught[signo] = false;
      else if (pipc__catch_was_first[signo]) pipc__has_saved[signo] = false;
    }
  }
  pthread_mutex_unlock(&pipc__lock);
  return r;
}

int pipc_signal_uncatch(int signo) { return pipc__put_back(signo, true); }

int pipc_signal_ignore(int signo) { return pipc__set_simple(signo, SIG_IGN); }

int pipc_signal_default(int signo) { return pipc__set_simple(signo, SIG_DFL); }

int pipc_signal_restore(int signo) { return pipc__put_back(signo, false); }

int pipc_signal_disposition(int signo) {
  if (!pipc__valid(signo)) return -EINVAL;
  struct sigaction sa;
  if (sigaction(signo, NULL, &sa) < 0) return PIPC__ERR();
  if (sa.sa_flags & SA_SIGINFO)
    return sa.sa_sigaction == pipc__dispatch ? PIPC_SIGNAL_CAUGHT : PIPC_SIGNAL_HANDLED;
  if (sa.sa_handler == SIG_DFL) return PIPC_SIGNAL_DEFAULT;
  if (sa.sa_handler == SIG_IGN) return PIPC_SIGNAL_IGNORED;
  return PIPC_SIGNAL_HANDLED;
}

int pipc_signal_reserve(int signo) {
  if (!pipc__valid(signo)) return -EINVAL;
  atomic_fetch_or(&pipc__reserved, pipc__bit(signo));
  return 0;
}

int pipc_signal_is_reserved(int signo) {
  if (!pipc__valid(signo)) return -EINVAL;
  return pipc__always_reserved(signo) || (atomic_load(&pipc__reserved) & pipc__bit(signo)) != 0;
}

/* -------------------------------------------------------------- records */

/* One read of records from the self-pipe, in the form pipc__retry_until takes. */
struct pipc__records {
  int fd;
  pipc_signal_info *out;
  int max;
};

static int64_t pipc__records_read(void *arg) {
  const struct pipc__records *r = arg;
  /* Writes are whole records, so the pipe always holds whole records and a
   * read of a multiple of the record size returns whole records. */
  ssize_t n = read(r->fd, r->out, (size_t)r->max * sizeof *r->out);
  if (n > 0) return n / (ssize_t)sizeof *r->out;
  if (n == 0) return -EPIPE; /* cannot happen: the library keeps the write end */
  return PIPC__ERR();
}

int pipc_signal_read(pipc_signal_info *out, int max, int64_t timeout_ns) {
  if (out == NULL || max < 1) return -EINVAL;
  int fd = pipc_signal_fd();
  if (fd < 0) return fd;
  /* The read end is non-blocking: every read is an attempt, forever included. */
  struct pipc__records r = {.fd = fd, .out = out, .max = max};
  return (int)pipc__retry_until(pipc__deadline(timeout_ns), fd, POLLIN, pipc__records_read, &r);
}

int64_t pipc_signal_lost(int signo) {
  if (signo == 0) return (int64_t)atomic_load(&pipc__lost_total);
  if (!pipc__valid(signo)) return -EINVAL;
  return (int64_t)atomic_load(&pipc__lost[signo]);
}

/* --------------------------------------------------------------- routes */

int pipc_signal_route_add(int signo, int fd) {
  if (!pipc__valid(signo) || fd < 0) return -EINVAL;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return PIPC__ERR();
  /* A handler must never block: only a non-blocking write end will do. */
  if ((flags & O_NONBLOCK) == 0 || (flags & O_ACCMODE) == O_RDONLY) return -EINVAL;
  pthread_mutex_lock(&pipc__lock);
  int r = -ENOSPC;
  for (int i = 0; i < PIPC_SIGNAL_ROUTES; i++) {
    if (atomic_load(&pipc__route_signo[i]) != 0) continue;
    /* The fd and the count first, the signal last: a handler that sees the
     * signal sees this route's fd. */
    atomic_store(&pipc__route_fd[i], fd);
    atomic_store(&pipc__route_lost[i], 0);
    atomic_store(&pipc__route_signo[i], signo);
    atomic_fetch_add(&pipc__routes_of[signo], 1);
    r = i;
    break;
  }
  pthread_mutex_unlock(&pipc__lock);
  return r;
}

static bool pipc__route_valid(int route) {
  return route >= 0 && route < PIPC_SIGNAL_ROUTES && atomic_load(&pipc__route_signo[route]) != 0;
}

int pipc_signal_route_remove(int route) {
  pthread_mutex_lock(&pipc__lock);
  if (!pipc__route_valid(route)) {
    pthread_mutex_unlock(&pipc__lock);
    return -EINVAL;
  }
  int signo = atomic_load(&pipc__route_signo[route]);
  atomic_store(&pipc__route_signo[route], 0);
  atomic_fetch_sub(&pipc__routes_of[signo], 1);
  /* A handler that saw the slot before it was freed counted itself in
   * before its look (sequentially consistent atomics): once the count is 0,
   * none can still write to the fd. The lock stays held meanwhile, so that
   * no add reuses the slot for another signal under a handler that read the
   * old one (handlers never take it). Handlers are short; a handler that
   * runs on this thread meanwhile finishes on top of this wait. */
  while (atomic_load(&pipc__in_handler) != 0) {
    struct timespec pause = {0, 10000};
    nanosleep(&pause, NULL);
  }
  pthread_mutex_unlock(&pipc__lock);
  return 0;
}

int64_t pipc_signal_route_lost(int route) {
  if (!pipc__route_valid(route)) return -EINVAL;
  return (int64_t)atomic_load(&pipc__route_lost[route]);
}

int pipc_signal_tee(int signo, int on) {
  if (!pipc__valid(signo)) return -EINVAL;
  atomic_store(&pipc__tee[signo], on != 0);
  return 0;
}
