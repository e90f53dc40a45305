/*
 * posixipc — a poller: waits for readiness on many descriptors at once
 * (epoll), with a timeout and a wake-up from another thread (an eventfd).
 *
 * Any descriptor that supports poll(2) can be watched: pipes, FIFOs,
 * sockets, message queues (an mqd_t is a descriptor on Linux), eventfds.
 * Regular files cannot (-EPERM), as with epoll itself.
 *
 * A poller is two descriptors: the epoll instance and its wake-up eventfd,
 * both close-on-exec. Each watched descriptor carries a caller-chosen 64-bit
 * token, reported with its events; PIPC_POLLER_WAKE_TOKEN is reserved.
 *
 * A watch belongs to the open file, not to the number: once every descriptor
 * of a file is closed, the kernel drops its watch by itself; a file still
 * open through a dup or in a child keeps its watch until removed.
 */
#ifndef POSIXIPC_POLL_H
#define POSIXIPC_POLL_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The token of the wake-up eventfd; no watched descriptor may use it. */
#define PIPC_POLLER_WAKE_TOKEN INT64_MIN

/* One ready descriptor, as pipc_poller_wait reports it. */
typedef struct pipc_poll_event {
  int64_t token;  /* the token given to pipc_poller_add */
  int32_t events; /* PIPC_READABLE | PIPC_WRITABLE | PIPC_ERROR | PIPC_HANGUP */
  int32_t reserved;
} pipc_poll_event;

/* Its size (the stride of the events array) and the byte offsets of its fields. */
#define PIPC_POLL_EVENT_SIZE ((int)sizeof(pipc_poll_event))
#define PIPC_POLL_EVENT_TOKEN ((int)offsetof(pipc_poll_event, token))
#define PIPC_POLL_EVENT_EVENTS ((int)offsetof(pipc_poll_event, events))

/* Creates a poller: fds[0] the epoll descriptor, fds[1] its wake-up eventfd.
 * Returns 0 or -errno. Close both with pipc_fd_close. */
int pipc_poller_create(int fds[2]);

/*
 * With PIPC_READABLE and/or PIPC_WRITABLE in the events of pipc_poller_add or
 * pipc_poller_modify: the watch is one-shot (EPOLLONESHOT). Its first report
 * disarms it; the descriptor stays in the poller, silent, until
 * pipc_poller_modify arms it again (one system call, and none to end it).
 */
#define PIPC_ONESHOT 0x40000000

/*
 * Watches fd for events (PIPC_READABLE and/or PIPC_WRITABLE, optionally with
 * PIPC_ONESHOT; errors and hang-ups are always reported), level-triggered.
 * Returns 0, -EEXIST (already watched), -EPERM (a regular file), -EBADF,
 * -EINVAL (no events, an unknown bit, or the reserved token).
 */
int pipc_poller_add(int epfd, int fd, int events, int64_t token);

/* Changes the events (PIPC_ONESHOT included) or token of a watched descriptor,
 * arming a disarmed one-shot watch again. -ENOENT if not watched. */
int pipc_poller_modify(int epfd, int fd, int events, int64_t token);

/* Stops watching fd. Returns 0, -ENOENT (not watched), -EBADF. */
int pipc_poller_remove(int epfd, int fd);

/*
 * Waits until a watched descriptor is ready, the poller is woken, or the
 * timeout passes. Stores at most max events and returns how many (> 0);
 * returns 0 when woken by pipc_poller_wake with nothing ready (the wake-up is
 * consumed), -ETIMEDOUT (-EAGAIN for timeout 0) when nothing happened,
 * -EINTR, -EINVAL (max < 1), or -errno.
 */
int pipc_poller_wait(int epfd, int wakefd, pipc_poll_event *events, int max, int64_t timeout_ns);

/* Wakes a thread in pipc_poller_wait (or the next one to call it). Safe from
 * any thread; several wake-ups before a wait count as one. Returns 0 or -errno. */
int pipc_poller_wake(int wakefd);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_POLL_H */
