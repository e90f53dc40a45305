/*
 * POSIX message queues.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <posixipc/mq.h>

/* The kernel's bounds for a process with CAP_SYS_RESOURCE (ipc/mqueue.c). */
#define PIPC__HARD_MSGMAX 65536
#define PIPC__HARD_MSGSIZEMAX (16 * 1024 * 1024)

/* Both structs are arrays of int64_t to their readers (PIPC_MQ_*_SLOTS): every
 * field is one, and the counts make a new field fail here until it is listed. */
_Static_assert(PIPC__FIELD_IS(pipc_mq_attr, nonblocking, 8) && PIPC__FIELD_IS(pipc_mq_attr, max_messages, 8) &&
                   PIPC__FIELD_IS(pipc_mq_attr, message_size, 8) &&
                   PIPC__FIELD_IS(pipc_mq_attr, current_messages, 8) &&
                   sizeof(pipc_mq_attr) == 4 * sizeof(int64_t),
               "pipc_mq_attr: int64_t fields only");
_Static_assert(PIPC__FIELD_IS(pipc_mq_limits, msg_max, 8) && PIPC__FIELD_IS(pipc_mq_limits, msgsize_max, 8) &&
                   PIPC__FIELD_IS(pipc_mq_limits, msg_default, 8) &&
                   PIPC__FIELD_IS(pipc_mq_limits, msgsize_default, 8) &&
                   PIPC__FIELD_IS(pipc_mq_limits, queues_max, 8) &&
                   PIPC__FIELD_IS(pipc_mq_limits, rlimit_bytes, 8) &&
                   PIPC__FIELD_IS(pipc_mq_limits, privileged, 8) &&
                   sizeof(pipc_mq_limits) == 7 * sizeof(int64_t),
               "pipc_mq_limits: int64_t fields only");

/* The netlink record the kernel sends for a SIGEV_THREAD registration. */
#define PIPC__COOKIE_LEN 32

int pipc_mq_open(const char *name, int flags, int mode, int64_t max_messages,
                 int64_t message_size, int *fd) {
  int r = pipc__check_ipc_name(name, PIPC_MQ_NAME_MAX);
  if (r < 0) return r;
  const int known = PIPC_MQ_READ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_EXCLUSIVE | PIPC_MQ_NONBLOCK;
  if (fd == NULL || (flags & ~known) != 0) return -EINVAL;
  int sys = pipc__access_mode(flags & PIPC_MQ_READ_WRITE);
  if (sys < 0) return sys;
  int create = (flags & PIPC_MQ_CREATE) != 0;
  if ((flags & PIPC_MQ_EXCLUSIVE) && !create) return -EINVAL;
  if (pipc__check_mode(mode, 0777) < 0) return -EINVAL;
  /* Both attributes or neither: the kernel needs both to be positive. */
  if (max_messages < 0 || message_size < 0) return -EINVAL;
  if ((max_messages == 0) != (message_size == 0)) return -EINVAL;
  int with_attr = max_messages > 0;
  if (with_attr && !create) return -EINVAL;
  if (max_messages > LONG_MAX || message_size > LONG_MAX) return -EINVAL;
  if (create) sys |= O_CREAT;
  if (flags & PIPC_MQ_EXCLUSIVE) sys |= O_EXCL;
  if (flags & PIPC_MQ_NONBLOCK) sys |= O_NONBLOCK;
  struct mq_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.mq_maxmsg = (long)max_messages;
  attr.mq_msgsize = (long)message_size;
  /* The kernel makes every queue descriptor close-on-exec. */
  mqd_t q = mq_open(name, sys, (mode_t)mode, with_attr ? &attr : NULL);
  if (q == (mqd_t)-1) return PIPC__ERR();
  *fd = (int)q;
  return 0;
}

int pipc_mq_close(int fd) { return pipc_fd_close(fd); }

int pipc_mq_unlink(const char *name) {
  int r = pipc__check_ipc_name(name, PIPC_MQ_NAME_MAX);
  if (r < 0) return r;
  return mq_unlink(name) < 0 ? PIPC__ERR() : 0;
}

/*
 * The timed calls measure their deadline on CLOCK_REALTIME, as POSIX says;
 * the deadline is made on CLOCK_MONOTONIC and carried over at the last
 * moment. A zero timeout gives a deadline already past: the kernel tries
 * once and says ETIMEDOUT, which becomes -EAGAIN here.
 */
int pipc_mq_send(int fd, const void *buf, size_t len, unsigned prio, int64_t timeout_ns) {
  if (prio >= PIPC_MQ_PRIO_MAX) return -EINVAL;
  if (buf == NULL && len > 0) return -EFAULT;
  /* A zero-length message still needs a valid pointer for the kernel. */
  static const char empty[1];
  if (buf == NULL) buf = empty;
  if (timeout_ns < 0) return mq_send((mqd_t)fd, buf, len, prio) < 0 ? PIPC__ERR() : 0;
  int64_t deadline = pipc__deadline(timeout_ns);
  struct timespec at = pipc__abs_time(deadline, CLOCK_REALTIME);
  if (mq_timedsend((mqd_t)fd, buf, len, prio, &at) == 0) return 0;
  return errno == ETIMEDOUT ? pipc__expired(deadline) : PIPC__ERR();
}

int64_t pipc_mq_receive(int fd, void *buf, size_t len, unsigned *prio, int64_t timeout_ns) {
  if (buf == NULL) return -EFAULT;
  unsigned p = 0;
  ssize_t n;
  int64_t deadline = pipc__deadline(timeout_ns);
  if (timeout_ns < 0) {
    n = mq_receive((mqd_t)fd, buf, len, &p);
  } else {
    struct timespec at = pipc__abs_time(deadline, CLOCK_REALTIME);
    n = mq_timedreceive((mqd_t)fd, buf, len, &p, &at);
    if (n < 0 && errno == ETIMEDOUT) return pipc__expired(deadline);
  }
  if (n < 0) return PIPC__ERR();
  if (prio != NULL) *prio = p;
  return n;
}

int pipc_mq_getattr(int fd, pipc_mq_attr *attr) {
  if (attr == NULL) return -EINVAL;
  struct mq_attr a;
  if (mq_getattr((mqd_t)fd, &a) < 0) return PIPC__ERR();
  attr->nonblocking = (a.mq_flags & O_NONBLOCK) != 0;
  attr->max_messages = a.mq_maxmsg;
  attr->message_size = a.mq_msgsize;
  attr->current_messages = a.mq_curmsgs;
  return 0;
}

int pipc_mq_set_nonblocking(int fd, int nonblocking) {
  struct mq_attr want, old;
  memset(&want, 0, sizeof want);
  want.mq_flags = nonblocking ? O_NONBLOCK : 0;
  if (mq_setattr((mqd_t)fd, &want, &old) < 0) return PIPC__ERR();
  return (old.mq_flags & O_NONBLOCK) != 0;
}

/* ---------------------------------------------------------- notification */

/* The mq_notify system call itself: glibc's wrapper handles SIGEV_THREAD
 * with a thread of its own, which the socket route below does instead. */
static int pipc__mq_notify_sys(int fd, const struct sigevent *ev) {
  return syscall(SYS_mq_notify, fd, ev) < 0 ? PIPC__ERR() : 0;
}

int pipc_mq_notify_signal(int fd, int signo, int64_t value) {
  if (pipc__check_catchable(signo) < 0) return -EINVAL;
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = signo;
  ev.sigev_value.sival_ptr = (void *)(intptr_t)value;
  return pipc__mq_notify_sys(fd, &ev);
}

int pipc_mq_notify_socket(int fd, int *sock) {
  if (sock == NULL) return -EINVAL;
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return PIPC__ERR();
  /*
   * SIGEV_THREAD at the system call level: sigev_signo names the netlink
   * socket, and the kernel sends it this cookie (its last byte set to
   * PIPC_MQ_NOTIFIED or PIPC_MQ_NOTIFY_REMOVED) instead of a signal.
   */
  unsigned char cookie[PIPC__COOKIE_LEN];
  memset(cookie, 0, sizeof cookie);
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_THREAD;
  ev.sigev_signo = s;
  ev.sigev_value.sival_ptr = cookie;
  int r = pipc__mq_notify_sys(fd, &ev);
  if (r < 0) {
    close(s);
    return r;
  }
  *sock = s;
  return 0;
}

/* One read of a notification record, in the form pipc__retry_until takes. */
struct pipc__cookie_read {
  int sock;
  int flags;
  unsigned char cookie[PIPC__COOKIE_LEN];
};

static int64_t pipc__cookie_recv(void *arg) {
  struct pipc__cookie_read *c = arg;
  ssize_t n = recv(c->sock, c->cookie, sizeof c->cookie, c->flags);
  return n < 0 ? PIPC__ERR() : n;
}

int pipc_mq_notify_wait(int sock, int64_t timeout_ns) {
  if (sock < 0) return -EBADF;
  /* Without a timeout the read blocks in the socket's own mode; with one it
   * never blocks, so a record another thread took first means waiting again. */
  struct pipc__cookie_read c = {.sock = sock, .flags = timeout_ns < 0 ? 0 : MSG_DONTWAIT};
  int64_t n = timeout_ns < 0 ? pipc__cookie_recv(&c)
                             : pipc__retry_until(pipc__deadline(timeout_ns), sock, POLLIN,
                                                 pipc__cookie_recv, &c);
  if (n < 0) return (int)n;
  /* A socket that is not ours (or shut down) says nothing we can read. */
  if (n != PIPC__COOKIE_LEN) return n == 0 ? -ECONNRESET : -EPROTO;
  unsigned char what = c.cookie[PIPC__COOKIE_LEN - 1];
  return what == PIPC_MQ_NOTIFIED || what == PIPC_MQ_NOTIFY_REMOVED ? what : -EPROTO;
}

int pipc_mq_notify_cancel(int fd) { return pipc__mq_notify_sys(fd, NULL); }

/* ---------------------------------------------------------------- limits */

/* 1 when CAP_SYS_RESOURCE is in the effective set, 0 when not, -1 unknown. */
static int pipc__has_sys_resource(void) {
  FILE *f = fopen("/proc/self/status", "re");
  if (f == NULL) return -1;
  char line[256];
  int found = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    unsigned long long caps;
    if (sscanf(line, "CapEff: %llx", &caps) == 1) {
      found = (caps >> 24) & 1; /* CAP_SYS_RESOURCE */
      break;
    }
  }
  fclose(f);
  return found;
}

/* The sysctl limits: each field is the number in the file of its name. */
#define PIPC__MQ_LIMIT(field) {"/proc/sys/fs/mqueue/" #field, offsetof(pipc_mq_limits, field), 1}
static const pipc__number_file pipc__mq_limit_files[] = {
    PIPC__MQ_LIMIT(msg_max), PIPC__MQ_LIMIT(msgsize_max), PIPC__MQ_LIMIT(msg_default),
    PIPC__MQ_LIMIT(msgsize_default), PIPC__MQ_LIMIT(queues_max),
};
#undef PIPC__MQ_LIMIT

int pipc_mq_get_limits(pipc_mq_limits *limits) {
  if (limits == NULL) return -EINVAL;
  pipc__read_number_files(limits, pipc__mq_limit_files,
                          sizeof pipc__mq_limit_files / sizeof pipc__mq_limit_files[0]);
  struct rlimit rl;
  if (getrlimit(RLIMIT_MSGQUEUE, &rl) < 0)
    limits->rlimit_bytes = -1;
  else
    limits->rlimit_bytes = rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur;
  limits->privileged = pipc__has_sys_resource();
  return 0;
}

int pipc_mq_explain(int err, int64_t max_messages, int64_t message_size, char *buf, size_t len) {
  if (buf == NULL || len == 0) return -EINVAL;
  buf[0] = '\0';
  if (err > 0) err = -err;
  pipc_mq_limits l;
  pipc_mq_get_limits(&l);
  int64_t maxmsg = max_messages > 0 ? max_messages : l.msg_default;
  int64_t msgsize = message_size > 0 ? message_size : l.msgsize_default;
  int n = 0;
  if (err == -EINVAL) {
    if (l.privileged == 1) {
      if (maxmsg > PIPC__HARD_MSGMAX)
        n = snprintf(buf, len, "max_messages %lld is above the kernel's hard limit (%d)",
                     (long long)maxmsg, PIPC__HARD_MSGMAX);
      else if (msgsize > PIPC__HARD_MSGSIZEMAX)
        n = snprintf(buf, len, "message_size %lld is above the kernel's hard limit (%d)",
                     (long long)msgsize, PIPC__HARD_MSGSIZEMAX);
    } else {
      if (l.msg_max >= 0 && maxmsg > l.msg_max)
        n = snprintf(buf, len, "max_messages %lld is above /proc/sys/fs/mqueue/msg_max (%lld)",
                     (long long)maxmsg, (long long)l.msg_max);
      else if (l.msgsize_max >= 0 && msgsize > l.msgsize_max)
        n = snprintf(buf, len,
                     "message_size %lld is above /proc/sys/fs/mqueue/msgsize_max (%lld)",
                     (long long)msgsize, (long long)l.msgsize_max);
    }
  } else if (err == -EMFILE && l.rlimit_bytes >= 0) {
    /* What the kernel charges: the messages plus about 100 bytes of
       bookkeeping each (struct msg_msg and a tree node). */
    int64_t need = maxmsg * msgsize + maxmsg * 100;
    if (need > l.rlimit_bytes)
      n = snprintf(buf, len,
                   "the queue needs about %lld bytes, more than RLIMIT_MSGQUEUE (%lld bytes)",
                   (long long)need, (long long)l.rlimit_bytes);
    else
      n = snprintf(buf, len,
                   "the queue needs about %lld bytes; with the other queues of this user that"
                   " may exceed RLIMIT_MSGQUEUE (%lld bytes), or the process is out of"
                   " descriptors (RLIMIT_NOFILE)",
                   (long long)need, (long long)l.rlimit_bytes);
  } else if (err == -ENOSPC && l.queues_max >= 0) {
    n = snprintf(buf, len, "the system has /proc/sys/fs/mqueue/queues_max (%lld) queues already",
                 (long long)l.queues_max);
  }
  if (n < 0) {
    buf[0] = '\0';
    return 0;
  }
  return (size_t)n >= len ? (int)len - 1 : n;
}
