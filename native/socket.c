/*
 * Sockets: AF_UNIX stream, datagram and seqpacket, AF_INET and AF_INET6.
 */
#include "internal.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <posixipc/socket.h>

_Static_assert(PIPC_AF_UNIX == AF_UNIX && PIPC_AF_INET == AF_INET && PIPC_AF_INET6 == AF_INET6,
               "address family numbers");
_Static_assert(PIPC_SOCK_STREAM == SOCK_STREAM && PIPC_SOCK_DGRAM == SOCK_DGRAM &&
                   PIPC_SOCK_SEQPACKET == SOCK_SEQPACKET,
               "socket type numbers");
_Static_assert(PIPC_MSG_PEEK == MSG_PEEK && PIPC_MSG_TRUNC == MSG_TRUNC &&
                   PIPC_MSG_CTRUNC == MSG_CTRUNC,
               "message flag numbers");
_Static_assert(PIPC_SOCKADDR_MAX == sizeof(struct sockaddr_storage), "address room");
_Static_assert(PIPC_UNIX_PATH_MAX + 1 == sizeof(((struct sockaddr_un *)0)->sun_path),
               "sun_path size");
/* Readers take pipc_msg_info as 32-bit ints at the PIPC_MSG_INFO_* offsets,
 * and put the sender's address right after it, which must stay aligned. */
_Static_assert(PIPC__FIELD_IS(pipc_msg_info, nfds, 4) && PIPC__FIELD_IS(pipc_msg_info, flags, 4) &&
                   PIPC__FIELD_IS(pipc_msg_info, addrlen, 4) &&
                   PIPC__FIELD_IS(pipc_msg_info, has_credentials, 4) &&
                   PIPC__FIELD_IS(pipc_msg_info, pid, 4) && PIPC__FIELD_IS(pipc_msg_info, uid, 4) &&
                   PIPC__FIELD_IS(pipc_msg_info, gid, 4),
               "pipc_msg_info: every field an int32_t");
_Static_assert(PIPC_MSG_INFO_SIZE % 8 == 0, "pipc_msg_info: what follows it stays aligned");

/* ------------------------------------------------------------- addresses */

int pipc_sockaddr_unix(void *out, size_t outlen, const void *name, size_t namelen) {
  if (out == NULL || name == NULL || namelen == 0) return -EINVAL;
  if (outlen < sizeof(struct sockaddr_un)) return -EINVAL;
  const unsigned char *bytes = name;
  int abstract = bytes[0] == '\0';
  if (abstract) {
    if (namelen - 1 > PIPC_UNIX_ABSTRACT_MAX) return -ENAMETOOLONG;
  } else {
    if (memchr(bytes, '\0', namelen) != NULL) return -EINVAL;
    if (namelen > PIPC_UNIX_PATH_MAX) return -ENAMETOOLONG;
  }
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  memcpy(un.sun_path, bytes, namelen);
  /* An abstract name is exactly its bytes: the length says where it ends. A
   * path's length counts its terminating NUL, as the kernel reports it. */
  size_t len = offsetof(struct sockaddr_un, sun_path) + namelen + (abstract ? 0 : 1);
  memcpy(out, &un, sizeof un);
  return (int)len;
}

int pipc_sockaddr_inet(void *out, size_t outlen, const void *ip, size_t iplen, int port) {
  if (out == NULL || ip == NULL || port < 0 || port > 65535) return -EINVAL;
  union {
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
  } a;
  memset(&a, 0, sizeof a);
  size_t len;
  /* The port sits at the same place in both structs, so it is set once below. */
  _Static_assert(offsetof(struct sockaddr_in, sin_port) == offsetof(struct sockaddr_in6, sin6_port),
                 "port offset");
  if (iplen == 4) {
    a.in.sin_family = AF_INET;
    memcpy(&a.in.sin_addr, ip, 4);
    len = sizeof a.in;
  } else if (iplen == 16) {
    a.in6.sin6_family = AF_INET6;
    memcpy(&a.in6.sin6_addr, ip, 16);
    len = sizeof a.in6;
  } else {
    return -EINVAL;
  }
  a.in.sin_port = htons((uint16_t)port);
  if (outlen < len) return -EINVAL;
  memcpy(out, &a, len);
  return (int)len;
}

/*
 * Checks an address handed to bind, connect or sendto: a known family and a
 * length that fits it, so the kernel never reads past what the caller gave.
 */
static int pipc__check_addr(const void *addr, size_t addrlen) {
  if (addr == NULL || addrlen < sizeof(sa_family_t) || addrlen > PIPC_SOCKADDR_MAX) return -EINVAL;
  sa_family_t family;
  memcpy(&family, addr, sizeof family);
  switch (family) {
    case AF_UNIX:
      return addrlen > offsetof(struct sockaddr_un, sun_path) && addrlen <= sizeof(struct sockaddr_un)
                 ? 0
                 : -EINVAL;
    case AF_INET:
      return addrlen == sizeof(struct sockaddr_in) ? 0 : -EINVAL;
    case AF_INET6:
      return addrlen == sizeof(struct sockaddr_in6) ? 0 : -EINVAL;
    default:
      return -EAFNOSUPPORT;
  }
}

int pipc_sockaddr_unlink(const void *addr, size_t addrlen) {
  int r = pipc__check_addr(addr, addrlen);
  if (r < 0) return r;
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  memcpy(&un, addr, addrlen);
  if (un.sun_family != AF_UNIX || un.sun_path[0] == '\0') return -EINVAL;
  /* The copy is zeroed past the caller's bytes, so the path is terminated. */
  struct stat st;
  if (lstat(un.sun_path, &st) < 0) return PIPC__ERR();
  if (!S_ISSOCK(st.st_mode)) return -EINVAL;
  if (unlink(un.sun_path) < 0) return PIPC__ERR();
  return 0;
}

/* --------------------------------------------------------------- sockets */

static int pipc__check_family_type(int family, int type) {
  if (family != AF_UNIX && family != AF_INET && family != AF_INET6) return -EINVAL;
  if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET) return -EINVAL;
  return 0;
}

int pipc_socket_create(int family, int type, int flags, int *fd) {
  if (fd == NULL || (flags & ~PIPC_SOCKET_NONBLOCK) != 0) return -EINVAL;
  int r = pipc__check_family_type(family, type);
  if (r < 0) return r;
  int sys = type | SOCK_CLOEXEC | ((flags & PIPC_SOCKET_NONBLOCK) ? SOCK_NONBLOCK : 0);
  int s = socket(family, sys, 0);
  if (s < 0) return PIPC__ERR();
  *fd = s;
  return 0;
}

int pipc_socket_pair(int type, int flags, int fds[2]) {
  if (fds == NULL || (flags & ~PIPC_SOCKET_NONBLOCK) != 0) return -EINVAL;
  int r = pipc__check_family_type(AF_UNIX, type);
  if (r < 0) return r;
  int sys = type | SOCK_CLOEXEC | ((flags & PIPC_SOCKET_NONBLOCK) ? SOCK_NONBLOCK : 0);
  int pair[2];
  if (socketpair(AF_UNIX, sys, 0, pair) < 0) return PIPC__ERR();
  fds[0] = pair[0];
  fds[1] = pair[1];
  return 0;
}

int pipc_socket_adopt(int fd) {
  if (fd < 0) return -EBADF;
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) return PIPC__ERR();
  int r = pipc__set_cloexec(fd);
  return r < 0 ? r : type;
}

int pipc_socket_bind(int fd, const void *addr, size_t addrlen) {
  int r = pipc__check_addr(addr, addrlen);
  if (r < 0) return r;
  if (bind(fd, addr, (socklen_t)addrlen) < 0) return PIPC__ERR();
  return 0;
}

int pipc_socket_listen(int fd, int backlog) {
  if (backlog < 0) return -EINVAL;
  if (listen(fd, backlog) < 0) return PIPC__ERR();
  return 0;
}

/* One accept of a timed pipc_socket_accept, in the form pipc__retry_until takes. */
struct pipc__accept {
  int fd;
  int flags;
};

static int64_t pipc__accept_ready(void *arg) {
  const struct pipc__accept *a = arg;
  /* accept4 has no MSG_DONTWAIT: readiness is asked first, so that a
   * blocking listener cannot block the attempt. A connection another thread
   * takes in between is EAGAIN on a non-blocking listener: the loop waits. */
  int ready = pipc__poll_until(a->fd, POLLIN, PIPC__DEADLINE_NOW);
  if (ready < 0) return ready;
  int s = accept4(a->fd, NULL, NULL, a->flags);
  return s < 0 ? PIPC__ERR() : s;
}

int pipc_socket_accept(int fd, int flags, int64_t timeout_ns) {
  if ((flags & ~PIPC_SOCKET_NONBLOCK) != 0) return -EINVAL;
  int sys = SOCK_CLOEXEC | ((flags & PIPC_SOCKET_NONBLOCK) ? SOCK_NONBLOCK : 0);
  if (timeout_ns < 0) {
    int s = accept4(fd, NULL, NULL, sys);
    return s < 0 ? PIPC__ERR() : s;
  }
  /* A socket that is not listening never becomes ready: the accept itself
   * reports why (EINVAL, EOPNOTSUPP) without blocking. */
  int listening = 0;
  socklen_t optlen = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) < 0) return PIPC__ERR();
  if (!listening) {
    int s = accept4(fd, NULL, NULL, sys);
    if (s >= 0) close(s);
    return s >= 0 ? -EINVAL : PIPC__ERR();
  }
  struct pipc__accept a = {.fd = fd, .flags = sys};
  return (int)pipc__retry_until(pipc__deadline(timeout_ns), fd, POLLIN, pipc__accept_ready, &a);
}

/* After a non-blocking connect reported EINPROGRESS: waits for the outcome. */
static int pipc__connect_finish(int fd, int64_t deadline) {
  int n = pipc__poll_until(fd, POLLOUT, deadline);
  if (n < 0) return n;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return PIPC__ERR();
  return -err;
}

/* One connect of a timed pipc_socket_connect, on a non-blocking socket. */
struct pipc__connect {
  int fd;
  const void *addr;
  socklen_t addrlen;
};

static int64_t pipc__connect_once(void *arg) {
  const struct pipc__connect *c = arg;
  return connect(c->fd, c->addr, c->addrlen) == 0 ? 0 : PIPC__ERR();
}

int pipc_socket_connect(int fd, const void *addr, size_t addrlen, int64_t timeout_ns) {
  int r = pipc__check_addr(addr, addrlen);
  if (r < 0) return r;
  if (timeout_ns < 0) {
    if (connect(fd, addr, (socklen_t)addrlen) == 0) return 0;
    r = PIPC__ERR();
    /* A blocking TCP connect interrupted by a signal goes on in the kernel;
     * a second call reports EALREADY meanwhile: wait for the outcome then. */
    if (r == -EALREADY && pipc_fd_is_nonblocking(fd) == 0)
      return pipc__connect_finish(fd, PIPC__DEADLINE_NEVER);
    return r;
  }
  int was_nonblocking = pipc_fd_is_nonblocking(fd);
  if (was_nonblocking < 0) return was_nonblocking;
  if (!was_nonblocking && (r = pipc_fd_set_nonblocking(fd, 1)) < 0) return r;
  int64_t deadline = pipc__deadline(timeout_ns);
  /* AF_UNIX says EAGAIN when the listener's backlog is full; nothing can be
   * polled for that, so the loop pauses between attempts (no descriptor). */
  struct pipc__connect c = {.fd = fd, .addr = addr, .addrlen = (socklen_t)addrlen};
  r = (int)pipc__retry_until(deadline, -1, 0, pipc__connect_once, &c);
  if (r == -EINPROGRESS || r == -EALREADY) r = pipc__connect_finish(fd, deadline);
  if (!was_nonblocking) pipc_fd_set_nonblocking(fd, 0);
  return r;
}

int pipc_socket_shutdown(int fd, int how) {
  int sys;
  switch (how) {
    case PIPC_SHUT_READ:
      sys = SHUT_RD;
      break;
    case PIPC_SHUT_WRITE:
      sys = SHUT_WR;
      break;
    case PIPC_SHUT_READ | PIPC_SHUT_WRITE:
      sys = SHUT_RDWR;
      break;
    default:
      return -EINVAL;
  }
  if (shutdown(fd, sys) < 0) return PIPC__ERR();
  return 0;
}

/* ------------------------------------------------------------------ data */

/*
 * One socket data call: send/recv when msg is NULL (the hot path of a
 * stream needs no message header), sendmsg/recvmsg otherwise.
 */
struct pipc__sockio {
  int fd;
  int flags;
  int writing;
  void *buf;
  size_t len;
  struct msghdr *msg;
};

static int64_t pipc__sockio_once(void *arg) {
  const struct pipc__sockio *io = arg;
  ssize_t n;
  if (io->msg != NULL)
    n = io->writing ? sendmsg(io->fd, io->msg, io->flags) : recvmsg(io->fd, io->msg, io->flags);
  else
    n = io->writing ? send(io->fd, io->buf, io->len, io->flags)
                    : recv(io->fd, io->buf, io->len, io->flags);
  return n < 0 ? PIPC__ERR() : n;
}

/*
 * The timeout pattern of every data call here: with no timeout, one plain
 * call in the descriptor's mode; otherwise MSG_DONTWAIT attempts and
 * readiness waits until the deadline.
 */
static int64_t pipc__sockio_timed(struct pipc__sockio *io, int64_t timeout_ns) {
  if (timeout_ns < 0) return pipc__sockio_once(io);
  io->flags |= MSG_DONTWAIT;
  return pipc__retry_until(pipc__deadline(timeout_ns), io->fd, io->writing ? POLLOUT : POLLIN,
                           pipc__sockio_once, io);
}

int64_t pipc_socket_send(int fd, const void *buf, size_t len, int flags, int64_t timeout_ns) {
  if (buf == NULL && len > 0) return -EFAULT;
  if (flags != 0) return -EINVAL;
  struct pipc__sockio io = {.fd = fd, .flags = MSG_NOSIGNAL, .writing = 1, .buf = (void *)buf, .len = len};
  return pipc__sockio_timed(&io, timeout_ns);
}

int64_t pipc_socket_recv(int fd, void *buf, size_t len, int flags, int64_t timeout_ns) {
  if (buf == NULL && len > 0) return -EFAULT;
  if ((flags & ~(PIPC_MSG_PEEK | PIPC_MSG_TRUNC)) != 0) return -EINVAL;
  struct pipc__sockio io = {.fd = fd, .flags = flags, .buf = buf, .len = len};
  return pipc__sockio_timed(&io, timeout_ns);
}

int64_t pipc_socket_sendmsg(int fd, const void *buf, size_t len, const int *fds, int nfds,
                            const void *addr, size_t addrlen, int64_t timeout_ns) {
  if (buf == NULL && len > 0) return -EFAULT;
  if (nfds < 0 || nfds > PIPC_SOCKET_MAX_FDS || (nfds > 0 && fds == NULL)) return -EINVAL;
  if (addr != NULL) {
    int r = pipc__check_addr(addr, addrlen);
    if (r < 0) return r;
  }
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = (void *)addr;
  msg.msg_namelen = addr != NULL ? (socklen_t)addrlen : 0;
  union {
    char buf[CMSG_SPACE(sizeof(int) * PIPC_SOCKET_MAX_FDS)];
    struct cmsghdr align;
  } control;
  if (nfds > 0) {
    memset(control.buf, 0, CMSG_SPACE(sizeof(int) * (size_t)nfds));
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
  }
  struct pipc__sockio io = {.fd = fd, .flags = MSG_NOSIGNAL, .writing = 1, .msg = &msg};
  return pipc__sockio_timed(&io, timeout_ns);
}

int64_t pipc_socket_recvmsg(int fd, void *buf, size_t len, int *fds, void *addr,
                            pipc_msg_info *info, int64_t timeout_ns) {
  if (buf == NULL && len > 0) return -EFAULT;
  if (info == NULL) return -EINVAL;
  int room = info->nfds;
  if (room < 0 || room > PIPC_SOCKET_MAX_FDS || (room > 0 && fds == NULL)) return -EINVAL;
  if (addr != NULL && (info->addrlen < 0 || info->addrlen > PIPC_SOCKADDR_MAX)) return -EINVAL;
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = addr;
  msg.msg_namelen = addr != NULL ? (socklen_t)info->addrlen : 0;
  union {
    char buf[CMSG_SPACE(sizeof(int) * PIPC_SOCKET_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } control;
  msg.msg_control = control.buf;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)room) + CMSG_SPACE(sizeof(struct ucred));
  struct pipc__sockio io = {.fd = fd, .flags = MSG_CMSG_CLOEXEC, .msg = &msg};
  int64_t n = pipc__sockio_timed(&io, timeout_ns);
  if (n < 0) return n;
  info->nfds = 0;
  info->flags = msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC);
  info->addrlen = addr != NULL ? (int32_t)msg.msg_namelen : 0;
  info->has_credentials = 0;
  info->pid = info->uid = info->gid = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const unsigned char *data = CMSG_DATA(c);
      for (size_t i = 0; i < count; i++) {
        int got;
        memcpy(&got, data + i * sizeof(int), sizeof got);
        /* The room left for credentials can let in more descriptors than the
         * caller asked for: those are closed, and reported as lost. */
        if (info->nfds < room) {
          fds[info->nfds++] = got;
        } else {
          close(got);
          info->flags |= MSG_CTRUNC;
        }
      }
    } else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred cred;
      memcpy(&cred, CMSG_DATA(c), sizeof cred);
      info->has_credentials = 1;
      info->pid = (int32_t)cred.pid;
      info->uid = (int32_t)cred.uid;
      info->gid = (int32_t)cred.gid;
    }
  }
  return n;
}

/* --------------------------------------------------------- introspection */

int pipc_socket_peer_credentials(int fd, int cred[3]) {
  if (cred == NULL) return -EINVAL;
  struct ucred uc;
  socklen_t len = sizeof uc;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) return PIPC__ERR();
  cred[0] = (int)uc.pid;
  cred[1] = (int)uc.uid;
  cred[2] = (int)uc.gid;
  return 0;
}

int pipc_socket_local_address(int fd, void *addr, size_t addrlen) {
  if (addr == NULL || addrlen < PIPC_SOCKADDR_MAX) return -EINVAL;
  socklen_t len = (socklen_t)addrlen;
  if (getsockname(fd, addr, &len) < 0) return PIPC__ERR();
  return (int)len;
}

int pipc_socket_peer_address(int fd, void *addr, size_t addrlen) {
  if (addr == NULL || addrlen < PIPC_SOCKADDR_MAX) return -EINVAL;
  socklen_t len = (socklen_t)addrlen;
  if (getpeername(fd, addr, &len) < 0) return PIPC__ERR();
  return (int)len;
}

/* The level and name of an option; 1 for a timeval option, 0 for an int. */
static int pipc__option(int option, int *level, int *name, int *timeval, int *readonly) {
  *level = SOL_SOCKET;
  *timeval = 0;
  *readonly = 0;
  switch (option) {
    case PIPC_SO_SNDBUF: *name = SO_SNDBUF; break;
    case PIPC_SO_RCVBUF: *name = SO_RCVBUF; break;
    case PIPC_SO_PASSCRED: *name = SO_PASSCRED; break;
    case PIPC_SO_RCVTIMEO: *name = SO_RCVTIMEO; *timeval = 1; break;
    case PIPC_SO_SNDTIMEO: *name = SO_SNDTIMEO; *timeval = 1; break;
    case PIPC_SO_REUSEADDR: *name = SO_REUSEADDR; break;
    case PIPC_SO_TYPE: *name = SO_TYPE; *readonly = 1; break;
    case PIPC_SO_DOMAIN: *name = SO_DOMAIN; *readonly = 1; break;
    case PIPC_SO_ERROR: *name = SO_ERROR; *readonly = 1; break;
    case PIPC_SO_ACCEPTCONN: *name = SO_ACCEPTCONN; *readonly = 1; break;
    case PIPC_TCP_NODELAY: *level = IPPROTO_TCP; *name = TCP_NODELAY; break;
    default: return -EINVAL;
  }
  return 0;
}

int64_t pipc_socket_get_option(int fd, int option) {
  int level, name, timeval, readonly;
  int r = pipc__option(option, &level, &name, &timeval, &readonly);
  if (r < 0) return r;
  if (timeval) {
    struct timeval tv;
    socklen_t len = sizeof tv;
    if (getsockopt(fd, level, name, &tv, &len) < 0) return PIPC__ERR();
    return (int64_t)tv.tv_sec * PIPC_SEC + (int64_t)tv.tv_usec * PIPC_USEC;
  }
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, name, &v, &len) < 0) return PIPC__ERR();
  return v;
}

int pipc_socket_set_option(int fd, int option, int64_t value) {
  int level, name, timeval, readonly;
  int r = pipc__option(option, &level, &name, &timeval, &readonly);
  if (r < 0) return r;
  if (readonly || value < 0) return -EINVAL;
  if (timeval) {
    /* Rounded up to a microsecond, so that a tiny timeout is not "none". */
    int64_t us = value / PIPC_USEC + (value % PIPC_USEC != 0);
    struct timeval tv = {.tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000)};
    if (setsockopt(fd, level, name, &tv, sizeof tv) < 0) return PIPC__ERR();
    return 0;
  }
  if (value > INT32_MAX) return -EINVAL;
  int v = (int)value;
  if (setsockopt(fd, level, name, &v, sizeof v) < 0) return PIPC__ERR();
  return 0;
}
