/*
 * Common pieces of the C core: errno names, descriptor I/O with timeouts,
 * and waking threads blocked in a call.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pipc_config.h"

const char *pipc_version(void) { return PIPC_VERSION_STRING; }

/* ---------------------------------------------------------------- errors */

/*
 * Names come from the <errno.h> macros themselves, so the table cannot drift
 * from the numbers; the list is data, kept in errno_names.def.
 */
const char *pipc_errno_name(int errnum) {
  if (errnum < 0) errnum = -errnum;
  switch (errnum) {
#define PIPC__E(name) \
  case name:          \
    return #name;
#include "errno_names.def"
#undef PIPC__E
    default:
      return "E?";
  }
}

const char *pipc_errno_describe(int errnum) {
  if (errnum < 0) errnum = -errnum;
#if PIPC_HAVE_STRERRORDESC_NP
  const char *text = strerrordesc_np(errnum);
  return text != NULL ? text : "Unknown error";
#else
  /* strerror is thread-safe in glibc and musl for known numbers. */
  return strerror(errnum);
#endif
}

/* -------------------------------------------------------------- internal */

int pipc__check_path(const char *path) {
  if (path == NULL) return -EINVAL;
  if (path[0] == '\0') return -ENOENT;
  if (strnlen(path, PATH_MAX) >= PATH_MAX) return -ENAMETOOLONG;
  return 0;
}

int pipc__check_ipc_name(const char *name, int max) {
  if (name == NULL || name[0] != '/' || max < 1) return -EINVAL;
  const char *rest = name + 1;
  /* strnlen: a name longer than max is refused without reading all of it. */
  size_t n = strnlen(rest, (size_t)max + 1);
  if (n == 0 || memchr(rest, '/', n) != NULL) return -EINVAL;
  if (strcmp(rest, ".") == 0 || strcmp(rest, "..") == 0) return -EINVAL;
  if (n > (size_t)max) return -ENAMETOOLONG;
  return 0;
}

int pipc_ipc_name_check(const char *name, int max) { return pipc__check_ipc_name(name, max); }

int pipc__read_numbers(const char *path, int64_t *out, int n) {
  for (int i = 0; i < n; i++) out[i] = -1;
  FILE *f = fopen(path, "re");
  if (f == NULL) return 0;
  int got = 0;
  char word[32];
  while (got < n && fscanf(f, "%31s", word) == 1) {
    errno = 0;
    char *end;
    unsigned long long v = strtoull(word, &end, 10);
    if (*end != '\0' || word[0] == '-') break;
    out[got++] = (errno == ERANGE || v > (unsigned long long)INT64_MAX) ? INT64_MAX : (int64_t)v;
  }
  fclose(f);
  return got;
}

void pipc__read_number_files(void *out, const pipc__number_file *files, size_t n) {
  for (size_t i = 0; i < n; i++)
    pipc__read_numbers(files[i].path, (int64_t *)((char *)out + files[i].offset), files[i].count);
}

int pipc__access_mode(int access) {
  switch (access) {
    case 0x1: return O_RDONLY;
    case 0x2: return O_WRONLY;
    case 0x3: return O_RDWR;
    default: return -EINVAL;
  }
}

int pipc__check_mode(int mode, int allowed) {
  return mode < 0 || (mode & ~allowed) != 0 ? -EINVAL : 0;
}

int pipc__set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return PIPC__ERR();
  return 0;
}

int pipc__check_catchable(int signo) {
  return signo <= 0 || signo > SIGRTMAX || signo == SIGKILL || signo == SIGSTOP ? -EINVAL : 0;
}

/* ------------------------------------------------------------- deadlines */

int64_t pipc__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * PIPC_SEC + ts.tv_nsec;
}

int64_t pipc__deadline(int64_t timeout_ns) {
  return timeout_ns > 0 ? pipc__deadline_from(pipc__now_ns(), timeout_ns) : pipc__deadline_from(0, timeout_ns);
}

int64_t pipc__deadline_from(int64_t now, int64_t timeout_ns) {
  if (timeout_ns < 0) return PIPC__DEADLINE_NEVER;
  if (timeout_ns == 0) return PIPC__DEADLINE_NOW;
  return timeout_ns > PIPC__DEADLINE_NEVER - now ? PIPC__DEADLINE_NEVER : now + timeout_ns;
}

int pipc__expired(int64_t deadline) {
  return deadline == PIPC__DEADLINE_NOW ? -EAGAIN : -ETIMEDOUT;
}

struct timespec *pipc__time_left(int64_t deadline, struct timespec *ts) {
  if (deadline == PIPC__DEADLINE_NEVER) return NULL;
  int64_t left = deadline == PIPC__DEADLINE_NOW ? 0 : deadline - pipc__now_ns();
  if (left < 0) left = 0;
  ts->tv_sec = (time_t)(left / PIPC_SEC);
  ts->tv_nsec = (long)(left % PIPC_SEC);
  return ts;
}

struct timespec pipc__abs_time(int64_t deadline, clockid_t clock) {
  struct timespec ts = {.tv_sec = 0, .tv_nsec = 0};
  if (deadline == PIPC__DEADLINE_NOW) return ts;
  int64_t at = deadline;
  if (clock != CLOCK_MONOTONIC) {
    /* The same distance from now on the other clock; a deadline of centuries
     * is saturated rather than wrapped, as good as forever either way. */
    int64_t left = deadline - pipc__now_ns();
    struct timespec now;
    clock_gettime(clock, &now);
    int64_t base = (int64_t)now.tv_sec * PIPC_SEC + now.tv_nsec;
    at = left > INT64_MAX - base ? INT64_MAX : base + left;
  }
  ts.tv_sec = (time_t)(at / PIPC_SEC);
  ts.tv_nsec = (long)(at % PIPC_SEC);
  return ts;
}

int pipc__poll_until(int fd, short events, int64_t deadline) {
  struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
  struct timespec ts;
  int n = ppoll(&pfd, 1, pipc__time_left(deadline, &ts), NULL);
  if (n < 0) return PIPC__ERR();
  if (n == 0) return pipc__expired(deadline);
  /* A closed or never-opened fd is reported through POLLNVAL, not errno. */
  if (pfd.revents & POLLNVAL) return -EBADF;
  return pfd.revents;
}

/* The longest pause of a loop with no descriptor to wait on. */
#define PIPC__PAUSE_MAX (50 * PIPC_MSEC)

int64_t pipc__retry_until(int64_t deadline, int fd, short events, pipc__attempt attempt,
                          void *arg) {
  int64_t pause = PIPC_MSEC;
  for (;;) {
    int64_t r = attempt(arg);
    if (r != -EAGAIN) return r;
    if (deadline == PIPC__DEADLINE_NOW) return -EAGAIN;
    if (fd >= 0) {
      /* POLLERR and POLLHUP count as ready: the next attempt reports them. */
      int w = pipc__poll_until(fd, events, deadline);
      if (w < 0) return w;
      continue;
    }
    int64_t left = deadline == PIPC__DEADLINE_NEVER ? pause : deadline - pipc__now_ns();
    if (left <= 0) return -ETIMEDOUT;
    int64_t nap = pause < left ? pause : left;
    struct timespec ts = {.tv_sec = (time_t)(nap / PIPC_SEC), .tv_nsec = (long)(nap % PIPC_SEC)};
    if (nanosleep(&ts, NULL) < 0) return PIPC__ERR();
    if (pause < PIPC__PAUSE_MAX) pause = pause * 2 < PIPC__PAUSE_MAX ? pause * 2 : PIPC__PAUSE_MAX;
  }
}

/* ----------------------------------------------------------- descriptors */

int pipc_fd_close(int fd) {
  if (fd < 0) return -EBADF;
  /* Linux releases the number even when close is interrupted; see header. */
  if (close(fd) < 0 && errno != EINTR) return PIPC__ERR();
  return 0;
}

int64_t pipc_fd_read(int fd, void *buf, size_t len) {
  if (buf == NULL && len > 0) return -EFAULT;
  ssize_t n = read(fd, buf, len);
  return n < 0 ? PIPC__ERR() : n;
}

int64_t pipc_fd_write(int fd, const void *buf, size_t len) {
  if (buf == NULL && len > 0) return -EFAULT;
  ssize_t n = write(fd, buf, len);
  return n < 0 ? PIPC__ERR() : n;
}

/* One read or write of a timed transfer, in the form pipc__retry_until takes. */
struct pipc__io {
  int fd;
  int writing;
  struct iovec iov;
};

static int64_t pipc__io_nowait(void *arg) {
  struct pipc__io *io = arg;
  ssize_t n = io->writing ? pwritev2(io->fd, &io->iov, 1, -1, RWF_NOWAIT)
                          : preadv2(io->fd, &io->iov, 1, -1, RWF_NOWAIT);
  return n < 0 ? PIPC__ERR() : n;
}

/*
 * One timed transfer: try without blocking, and while the answer is EAGAIN,
 * wait for readiness until the deadline. The transfer itself uses RWF_NOWAIT
 * so that a blocking descriptor cannot block past the deadline when another
 * reader or writer takes the data or the room first.
 *
 * Some files do not support RWF_NOWAIT (EOPNOTSUPP): FIFOs opened by path, on
 * current kernels. For them the readiness report comes first and the transfer
 * is a plain one, which cannot block unless another process takes the data or
 * the room in between; a write is then cut to PIPE_BUF bytes (PIPC_PIPE_BUF),
 * which fit once POLLOUT is reported. The Java layer closes that remaining
 * window with its wake-up signal.
 */
static int64_t pipc__transfer_timed(int fd, void *buf, size_t len, int64_t timeout_ns,
                                    int writing) {
  if (buf == NULL && len > 0) return -EFAULT;
  if (timeout_ns < 0) {
    ssize_t n = writing ? write(fd, buf, len) : read(fd, buf, len);
    return n < 0 ? PIPC__ERR() : n;
  }
  int64_t deadline = pipc__deadline(timeout_ns);
  short event = writing ? POLLOUT : POLLIN;
  struct pipc__io io = {.fd = fd, .writing = writing, .iov = {.iov_base = buf, .iov_len = len}};
  int64_t r = pipc__retry_until(deadline, fd, event, pipc__io_nowait, &io);
  if (r != -EOPNOTSUPP) return r;
  /* No RWF_NOWAIT for this file: readiness first, then a plain transfer. */
  int ready = pipc__poll_until(fd, event, deadline);
  if (ready < 0) return ready;
  size_t chunk = writing && len > PIPE_BUF ? PIPE_BUF : len;
  ssize_t n = writing ? write(fd, buf, chunk) : read(fd, buf, chunk);
  return n < 0 ? PIPC__ERR() : n;
}

int64_t pipc_fd_read_timed(int fd, void *buf, size_t len, int64_t timeout_ns) {
  return pipc__transfer_timed(fd, buf, len, timeout_ns, 0);
}

int64_t pipc_fd_write_timed(int fd, const void *buf, size_t len, int64_t timeout_ns) {
  return pipc__transfer_timed(fd, (void *)buf, len, timeout_ns, 1);
}

int pipc_fd_wait(int fd, int events, int64_t timeout_ns) {
  if (fd < 0) return -EBADF;
  if ((events & ~(PIPC_READABLE | PIPC_WRITABLE)) != 0 || events == 0) return -EINVAL;
  return pipc__poll_until(fd, (short)events, pipc__deadline(timeout_ns));
}

int pipc_fd_available(int fd) {
  int n = 0;
  if (ioctl(fd, FIONREAD, &n) < 0) return PIPC__ERR();
  return n;
}

int pipc_fd_set_nonblocking(int fd, int nonblocking) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return PIPC__ERR();
  int wanted = nonblocking ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) < 0) return PIPC__ERR();
  return 0;
}

int pipc_fd_is_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return PIPC__ERR();
  return (flags & O_NONBLOCK) != 0;
}

int pipc_fd_preclose(int fd) {
  if (fd < 0) return -EBADF;
  /*
   * A stream socket whose peer is gone: reads return 0 and writes fail with
   * EPIPE, so a write that races with close can never look successful (a
   * /dev/null target would swallow the data and report success).
   */
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) return PIPC__ERR();
  close(pair[1]);
  int r = dup3(pair[0], fd, O_CLOEXEC) < 0 ? PIPC__ERR() : 0;
  close(pair[0]);
  return r;
}

/* --------------------------------------------------------------- threads */

int64_t pipc_thread_self(void) { return (int64_t)(uintptr_t)pthread_self(); }

int pipc_thread_yield(void) { return sched_yield() < 0 ? PIPC__ERR() : 0; }

int pipc_thread_signal(int64_t thread, int signo) {
  return -pthread_kill((pthread_t)(uintptr_t)thread, signo);
}

/* Does nothing: its only job is to make a blocked system call return EINTR. */
static void pipc__wakeup_handler(int signo) { (void)signo; }

int pipc_wakeup_install(int signo) {
  if (pipc__check_catchable(signo) < 0) return -EINVAL;
  struct sigaction old;
  if (sigaction(signo, NULL, &old) < 0) return PIPC__ERR();
  if (!(old.sa_flags & SA_SIGINFO)) {
    if (old.sa_handler == pipc__wakeup_handler) return 0;
    if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) return -EBUSY;
  } else {
    return -EBUSY;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = pipc__wakeup_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: the whole point */
  if (sigaction(signo, &sa, NULL) < 0) return PIPC__ERR();
  return 0;
}

/* The classic signals, named from the <signal.h> macros themselves. */
static const struct {
  int number;
  const char *name;
} pipc__signals[] = {
#define PIPC__S(name) {name, #name},
    PIPC__S(SIGHUP) PIPC__S(SIGINT) PIPC__S(SIGQUIT) PIPC__S(SIGILL) PIPC__S(SIGTRAP)
    PIPC__S(SIGABRT) PIPC__S(SIGBUS) PIPC__S(SIGFPE) PIPC__S(SIGKILL) PIPC__S(SIGUSR1)
    PIPC__S(SIGSEGV) PIPC__S(SIGUSR2) PIPC__S(SIGPIPE) PIPC__S(SIGALRM) PIPC__S(SIGTERM)
    PIPC__S(SIGSTKFLT) PIPC__S(SIGCHLD) PIPC__S(SIGCONT) PIPC__S(SIGSTOP) PIPC__S(SIGTSTP)
    PIPC__S(SIGTTIN) PIPC__S(SIGTTOU) PIPC__S(SIGURG) PIPC__S(SIGXCPU) PIPC__S(SIGXFSZ)
    PIPC__S(SIGVTALRM) PIPC__S(SIGPROF) PIPC__S(SIGWINCH) PIPC__S(SIGIO) PIPC__S(SIGPWR)
    PIPC__S(SIGSYS)
#undef PIPC__S
};

#define PIPC__NSIGNALS (sizeof pipc__signals / sizeof pipc__signals[0])

const char *pipc_signal_name(int signo) {
  for (size_t i = 0; i < PIPC__NSIGNALS; i++)
    if (pipc__signals[i].number == signo) return pipc__signals[i].name;
  if (signo < SIGRTMIN || signo > SIGRTMAX) return "SIG?";
  /* "SIGRTMIN+n" for the lower half, "SIGRTMAX-n" for the upper, as kill -l. */
  static const char *const rt[] = {
      "SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3", "SIGRTMIN+4", "SIGRTMIN+5",
      "SIGRTMIN+6", "SIGRTMIN+7", "SIGRTMIN+8", "SIGRTMIN+9", "SIGRTMIN+10", "SIGRTMIN+11",
      "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15"};
  static const char *const rtmax[] = {
      "SIGRTMAX", "SIGRTMAX-1", "SIGRTMAX-2", "SIGRTMAX-3", "SIGRTMAX-4", "SIGRTMAX-5",
      "SIGRTMAX-6", "SIGRTMAX-7", "SIGRTMAX-8", "SIGRTMAX-9", "SIGRTMAX-10", "SIGRTMAX-11",
      "SIGRTMAX-12", "SIGRTMAX-13", "SIGRTMAX-14", "SIGRTMAX-15"};
  int from_min = signo - SIGRTMIN, from_max = SIGRTMAX - signo;
  if (from_min <= from_max && from_min < 16) return rt[from_min];
  if (from_max < 16) return rtmax[from_max];
  return "SIG?";
}

static int pipc__parse_int(const char *s, int *out) {
  if (*s == '\0') return -EINVAL;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 100000) return -EINVAL;
    v = v * 10 + (*s - '0');
  }
  *out = (int)v;
  return 0;
}

int pipc_signal_number(const char *name) {
  if (name == NULL) return -EINVAL;
  int n;
  if (name[0] >= '0' && name[0] <= '9') {
    if (pipc__parse_int(name, &n) < 0 || n <= 0 || n > SIGRTMAX) return -EINVAL;
    return n;
  }
  const char *bare = strncmp(name, "SIG", 3) == 0 ? name + 3 : name;
  if (strncmp(bare, "RTMIN", 5) == 0 || strncmp(bare, "RTMAX", 5) == 0) {
    int base = bare[4] == 'N' ? SIGRTMIN : SIGRTMAX;
    const char *rest = bare + 5;
    if (*rest == '\0') return base;
    if ((*rest != '+' && *rest != '-') || pipc__parse_int(rest + 1, &n) < 0) return -EINVAL;
    n = *rest == '+' ? base + n : base - n;
    return n >= SIGRTMIN && n <= SIGRTMAX ? n : -EINVAL;
  }
  for (size_t i = 0; i < PIPC__NSIGNALS; i++)
    if (strcmp(pipc__signals[i].name + 3, bare) == 0) return pipc__signals[i].number;
  return -EINVAL;
}

int pipc_sigrtmin(void) { return SIGRTMIN; }

int pipc_sigrtmax(void) { return SIGRTMAX; }
