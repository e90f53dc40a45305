/*
 * posixipc — POSIX message queues.
 *
 * A message queue is a kernel object with a name ("/jobs") that any process
 * may open. It holds at most max_messages messages of at most message_size
 * bytes each; a message keeps its boundaries and carries a priority from 0 to
 * PIPC_MQ_PRIO_MAX - 1. A receive always takes the oldest message of the
 * highest priority. A zero-length message is a valid message.
 *
 * On Linux a queue descriptor (mqd_t) is a file descriptor: these functions
 * take and give plain ints, which can be polled (pipc_fd_wait: readable when
 * the queue holds a message, writable when it has room) and are closed with
 * pipc_mq_close. They are always close-on-exec.
 *
 * Timeouts follow common.h (negative waits forever, 0 tries once and gives
 * -EAGAIN, positive waits at most that long and gives -ETIMEDOUT) with one
 * difference POSIX imposes: mq_timedsend and mq_timedreceive take an absolute
 * deadline on CLOCK_REALTIME. The deadline is computed once per call, from
 * CLOCK_REALTIME, so a change of the system clock during the wait (a step by
 * NTP or by an administrator) lengthens or shortens it. On a queue descriptor
 * in non-blocking mode every send and receive tries once, whatever the
 * timeout: the kernel gives -EAGAIN at once, as for mq_timedsend.
 *
 * Limits (Linux, see docs/mq.md): max_messages is at most
 * /proc/sys/fs/mqueue/msg_max and message_size at most
 * /proc/sys/fs/mqueue/msgsize_max (-EINVAL beyond; a process with
 * CAP_SYS_RESOURCE may go up to 65536 messages and 16 MiB); the memory of all
 * the queues a user created counts against RLIMIT_MSGQUEUE (-EMFILE beyond);
 * the number of queues is bounded by /proc/sys/fs/mqueue/queues_max (-ENOSPC).
 * pipc_mq_explain turns such an error into a sentence naming the limit.
 */
#ifndef POSIXIPC_MQ_H
#define POSIXIPC_MQ_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Priorities run from 0 to PIPC_MQ_PRIO_MAX - 1 (Linux's MQ_PRIO_MAX). */
#define PIPC_MQ_PRIO_MAX 32768

/* The longest name, not counting its leading '/' (NAME_MAX). */
#define PIPC_MQ_NAME_MAX 255

/* Flags for pipc_mq_open: exactly one access mode, and any of the others. */
#define PIPC_MQ_READ 0x1       /* O_RDONLY: receive only */
#define PIPC_MQ_WRITE 0x2      /* O_WRONLY: send only */
#define PIPC_MQ_READ_WRITE 0x3 /* O_RDWR */
#define PIPC_MQ_CREATE 0x4     /* O_CREAT: create the queue if it does not exist */
#define PIPC_MQ_EXCLUSIVE 0x8  /* O_EXCL: with CREATE, fail with -EEXIST if it exists */
#define PIPC_MQ_NONBLOCK 0x10  /* O_NONBLOCK: send and receive never wait */

/* The attributes of an open queue (struct mq_attr). */
typedef struct pipc_mq_attr {
  int64_t nonblocking;      /* 1 when this descriptor is in non-blocking mode */
  int64_t max_messages;     /* mq_maxmsg: the capacity in messages */
  int64_t message_size;     /* mq_msgsize: the largest message in bytes */
  int64_t current_messages; /* mq_curmsgs: the messages queued now */
} pipc_mq_attr;

/*
 * pipc_mq_attr and pipc_mq_limits hold only int64_t fields, so a caller may
 * pass an int64_t array (a Java long[]) of PIPC_MQ_ATTR_SLOTS elements; each
 * field's index in it follows. Computed from the struct.
 */
#define PIPC_MQ_ATTR_SLOTS ((int)(sizeof(pipc_mq_attr) / sizeof(int64_t)))
#define PIPC_MQ_ATTR_NONBLOCKING ((int)(offsetof(pipc_mq_attr, nonblocking) / sizeof(int64_t)))
#define PIPC_MQ_ATTR_MAX_MESSAGES ((int)(offsetof(pipc_mq_attr, max_messages) / sizeof(int64_t)))
#define PIPC_MQ_ATTR_MESSAGE_SIZE ((int)(offsetof(pipc_mq_attr, message_size) / sizeof(int64_t)))
#define PIPC_MQ_ATTR_CURRENT_MESSAGES ((int)(offsetof(pipc_mq_attr, current_messages) / sizeof(int64_t)))

/*
 * Opens a queue (mq_open); *fd receives its descriptor.
 *
 *  flags         PIPC_MQ_*: one access mode, optionally CREATE, EXCLUSIVE
 *                (only with CREATE) and NONBLOCK.
 *  mode          permission bits (at most 0777) for a queue this call creates,
 *                reduced by the umask; ignored when the queue exists.
 *  max_messages, message_size
 *                the attributes of a queue this call creates; both 0 for the
 *                system defaults (/proc/sys/fs/mqueue/msg_default and
 *                msgsize_default), or both > 0. They are ignored when the
 *                queue exists already, and refused (-EINVAL) without CREATE.
 *
 * Returns 0, -EINVAL (bad name, flags, mode or attributes, or attributes over
 * the limits), -ENAMETOOLONG, -ENOENT (no such queue and no CREATE), -EEXIST
 * (EXCLUSIVE and the queue exists), -EACCES, -EMFILE (out of descriptors, or
 * RLIMIT_MSGQUEUE), -ENFILE, -ENOSPC (queues_max), -ENOMEM.
 */
int pipc_mq_open(const char *name, int flags, int mode, int64_t max_messages,
                 int64_t message_size, int *fd);

/*
 * Closes a queue descriptor (mq_close), exactly once, as pipc_fd_close. If
 * this process is registered for notification on the queue, the registration
 * is removed (Linux does so on the close of any descriptor of the queue in the
 * registered process, not only the one it registered through). Returns 0 or
 * -EBADF.
 */
int pipc_mq_close(int fd);

/*
 * Removes a queue's name (mq_unlink). Processes that have it open keep using
 * it; the queue is destroyed when the last one closes it. Returns 0, -ENOENT,
 * -EACCES, -EINVAL or -ENAMETOOLONG (bad name).
 */
int pipc_mq_unlink(const char *name);

/*
 * Sends one message of len bytes (len may be 0) with priority prio. Waits for
 * room according to timeout_ns (see the top of this file). Returns 0,
 * -EMSGSIZE (len > message_size), -EINVAL (prio >= PIPC_MQ_PRIO_MAX), -EBADF
 * (not open for writing), -EAGAIN, -ETIMEDOUT, -EINTR, -EFAULT (buf NULL with
 * len > 0).
 */
int pipc_mq_send(int fd, const void *buf, size_t len, unsigned prio, int64_t timeout_ns);

/*
 * Receives the oldest message of the highest priority into buf, which must
 * hold at least message_size bytes. *prio receives its priority (prio may be
 * NULL). Waits for a message according to timeout_ns. Returns the message's
 * length (>= 0), -EMSGSIZE (len < message_size), -EBADF (not open for
 * reading), -EAGAIN, -ETIMEDOUT, -EINTR, -EFAULT.
 */
int64_t pipc_mq_receive(int fd, void *buf, size_t len, unsigned *prio, int64_t timeout_ns);

/* The attributes of an open queue (mq_getattr). Returns 0, -EBADF, -EINVAL. */
int pipc_mq_getattr(int fd, pipc_mq_attr *attr);

/*
 * Sets or clears non-blocking mode on the descriptor (mq_setattr: the only
 * attribute POSIX lets change after creation). It belongs to the open
 * description, so descriptors duplicated from fd see it too. Returns the
 * previous mode (0 or 1) or -errno.
 */
int pipc_mq_set_nonblocking(int fd, int nonblocking);

/* ---------------------------------------------------------- notification */

/*
 * mq_notify semantics (Linux and POSIX): at most one process is registered
 * for a queue at a time; another process that tries gets -EBUSY. The
 * notification is sent when a message arrives in the queue while it is empty
 * and no thread is blocked in a receive on it (such a receive takes the
 * message instead). It is one-shot: once sent, the registration is gone and
 * must be made again. It is also removed when the registered process cancels
 * it or closes a descriptor of the queue (any of them, on Linux: also one
 * opened separately, but not a copy a child process closes).
 */

/*
 * Registers for a signal: when the notification fires, the kernel sends signo
 * to this process with si_code SI_MESGQ and si_value.sival_ptr = value (the
 * value is a pointer-sized integer, as in union sigval). Install a handler
 * for signo first: the default action of most signals ends the process.
 * Returns 0, -EBUSY, -EBADF, -EINVAL (bad signal number).
 */
int pipc_mq_notify_signal(int fd, int signo, int64_t value);

/*
 * Registers for a descriptor that becomes readable when the notification
 * fires: *sock receives a new close-on-exec socket (the kernel's netlink
 * route, which glibc uses for SIGEV_THREAD). Wait on it with
 * pipc_mq_notify_wait or poll it; close it with pipc_fd_close. The same
 * registration rules apply (-EBUSY, one-shot). Returns 0, -EBUSY, -EBADF, or
 * the -errno of creating the socket.
 */
int pipc_mq_notify_socket(int fd, int *sock);

/* Results of pipc_mq_notify_wait. */
#define PIPC_MQ_NOTIFIED 1 /* a message arrived in the empty queue */
#define PIPC_MQ_NOTIFY_REMOVED 2 /* the registration was removed unfired
                                    (cancelled, or the queue descriptor
                                    closed) */

/*
 * Waits for one record on a socket from pipc_mq_notify_socket. Returns
 * PIPC_MQ_NOTIFIED, PIPC_MQ_NOTIFY_REMOVED, -EAGAIN (timeout 0), -ETIMEDOUT,
 * -EINTR, or -errno.
 */
int pipc_mq_notify_wait(int sock, int64_t timeout_ns);

/*
 * Removes this process's registration on the queue (mq_notify with no
 * event). Returns 0 (also when this process had none), -EBADF.
 */
int pipc_mq_notify_cancel(int fd);

/* ---------------------------------------------------------------- limits */

/* The system's limits on queues, as this process sees them. */
typedef struct pipc_mq_limits {
  int64_t msg_max;         /* /proc/sys/fs/mqueue/msg_max */
  int64_t msgsize_max;     /* /proc/sys/fs/mqueue/msgsize_max */
  int64_t msg_default;     /* /proc/sys/fs/mqueue/msg_default */
  int64_t msgsize_default; /* /proc/sys/fs/mqueue/msgsize_default */
  int64_t queues_max;      /* /proc/sys/fs/mqueue/queues_max */
  int64_t rlimit_bytes;    /* RLIMIT_MSGQUEUE soft limit; -1 for unlimited */
  int64_t privileged;      /* 1 with CAP_SYS_RESOURCE (the sysctl limits do
                              not apply, the hard ones do) */
} pipc_mq_limits;

/* The same for pipc_mq_limits: its size in int64_t slots and each field's index. */
#define PIPC_MQ_LIMITS_SLOTS ((int)(sizeof(pipc_mq_limits) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_MSG_MAX ((int)(offsetof(pipc_mq_limits, msg_max) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_MSGSIZE_MAX ((int)(offsetof(pipc_mq_limits, msgsize_max) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_MSG_DEFAULT ((int)(offsetof(pipc_mq_limits, msg_default) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_MSGSIZE_DEFAULT ((int)(offsetof(pipc_mq_limits, msgsize_default) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_QUEUES_MAX ((int)(offsetof(pipc_mq_limits, queues_max) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_RLIMIT_BYTES ((int)(offsetof(pipc_mq_limits, rlimit_bytes) / sizeof(int64_t)))
#define PIPC_MQ_LIMITS_PRIVILEGED ((int)(offsetof(pipc_mq_limits, privileged) / sizeof(int64_t)))

/* Reads the limits; a value that cannot be read is -1. Returns 0 or -EINVAL. */
int pipc_mq_get_limits(pipc_mq_limits *limits);

/*
 * Explains an error of pipc_mq_open that a limit may cause (-EINVAL, -EMFILE,
 * -ENOSPC) for the attributes that were asked for: writes a NUL-terminated
 * sentence to buf ("max_messages 100 is above /proc/sys/fs/mqueue/msg_max
 * (10)") and returns its length, or 0 with an empty buf when no limit
 * explains the error. Returns -EINVAL when buf is NULL or len is 0.
 */
int pipc_mq_explain(int err, int64_t max_messages, int64_t message_size, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_MQ_H */
