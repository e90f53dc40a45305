/*
 * The poller: epoll with an eventfd for wake-ups.
 */
#include "internal.h"

#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <posixipc/poll.h>

/* Readers step through the events array by PIPC_POLL_EVENT_SIZE and take the
 * token as 64 bits, the events as 32: every token must stay aligned. */
_Static_assert(PIPC__FIELD_IS(pipc_poll_event, token, 8) && PIPC__FIELD_IS(pipc_poll_event, events, 4),
               "pipc_poll_event: field widths");
_Static_assert(PIPC_POLL_EVENT_SIZE % 8 == 0 && PIPC_POLL_EVENT_TOKEN % 8 == 0,
               "pipc_poll_event: tokens stay aligned in an array");
_Static_assert(PIPC_READABLE == EPOLLIN && PIPC_WRITABLE == EPOLLOUT && PIPC_ERROR == EPOLLERR &&
                   PIPC_HANGUP == EPOLLHUP,
               "event bits");
_Static_assert(PIPC_ONESHOT == EPOLLONESHOT, "PIPC_ONESHOT is EPOLLONESHOT");

/* The most events one wait collects on the stack before copying them out. */
#define PIPC__POLL_BATCH 64

int pipc_poller_create(int fds[2]) {
  if (fds == NULL) return -EINVAL;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return PIPC__ERR();
  int r;
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    r = PIPC__ERR();
    goto fail_ep;
  }
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = (uint64_t)PIPC_POLLER_WAKE_TOKEN;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, wake, &ev) < 0) {
    r = PIPC__ERR();
    goto fail_wake;
  }
  fds[0] = ep;
  fds[1] = wake;
  return 0;
fail_wake:
  close(wake);
fail_ep:
  close(ep);
  return r;
}

static int pipc__poller_ctl(int epfd, int op, int fd, int events, int64_t token) {
  if ((events & ~(PIPC_READABLE | PIPC_WRITABLE | PIPC_ONESHOT)) != 0 ||
      (events & (PIPC_READABLE | PIPC_WRITABLE)) == 0)
    return -EINVAL;
  if (token == PIPC_POLLER_WAKE_TOKEN) return -EINVAL;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = (uint32_t)events;
  ev.data.u64 = (uint64_t)token;
  if (epoll_ctl(epfd, op, fd, &ev) < 0) return PIPC__ERR();
  return 0;
}

int pipc_poller_add(int epfd, int fd, int events, int64_t token) {
  return pipc__poller_ctl(epfd, EPOLL_CTL_ADD, fd, events, token);
}

int pipc_poller_modify(int epfd, int fd, int events, int64_t token) {
  return pipc__poller_ctl(epfd, EPOLL_CTL_MOD, fd, events, token);
}

int pipc_poller_remove(int epfd, int fd) {
  if (epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0) return PIPC__ERR();
  return 0;
}

int pipc_poller_wait(int epfd, int wakefd, pipc_poll_event *events, int max, int64_t timeout_ns) {
  if (events == NULL || max < 1) return -EINVAL;
  struct epoll_event got[PIPC__POLL_BATCH];
  /* Never more than max: an event the kernel hands over is not reported
   * again for a one-shot watch, so none may be fetched and then dropped. */
  int batch = max < PIPC__POLL_BATCH ? max : PIPC__POLL_BATCH;
  int64_t deadline = pipc__deadline(timeout_ns);
  struct timespec ts;
  int n = epoll_pwait2(epfd, got, batch, pipc__time_left(deadline, &ts), NULL);
  if (n < 0) return PIPC__ERR();
  if (n == 0) return pipc__expired(deadline);
  int out = 0;
  for (int i = 0; i < n; i++) {
    if ((int64_t)got[i].data.u64 == PIPC_POLLER_WAKE_TOKEN) {
      uint64_t count;
      /* Non-blocking: a wake-up another waiter consumed first is EAGAIN. */
      if (read(wakefd, &count, sizeof count) < 0 && errno != EAGAIN) return PIPC__ERR();
      continue;
    }
    events[out].token = (int64_t)got[i].data.u64;
    events[out].events = (int32_t)(got[i].events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP));
    events[out].reserved = 0;
    out++;
  }
  /* n > 0 and max >= 1: at least one event was stored, or the wake-up came. */
  return out;
}

int pipc_poller_wake(int wakefd) {
  uint64_t one = 1;
  if (write(wakefd, &one, sizeof one) < 0) {
    /* The counter is full: a wake-up is pending anyway. */
    if (errno == EAGAIN) return 0;
    return PIPC__ERR();
  }
  return 0;
}
