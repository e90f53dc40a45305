/*
 * posixipc — sockets: AF_UNIX stream, datagram and seqpacket sockets, with
 * descriptor passing and credentials, and the same calls over AF_INET and
 * AF_INET6 (the way past one machine).
 *
 * Addresses are raw socket addresses (struct sockaddr_un, sockaddr_in,
 * sockaddr_in6) in a caller's buffer of at most PIPC_SOCKADDR_MAX bytes, with
 * their length. pipc_sockaddr_unix and pipc_sockaddr_inet build them after
 * checking every size, so that a name too long for sun_path is -ENAMETOOLONG
 * and never a silently cut name.
 *
 * Data calls follow the timeout convention of common.h: a negative timeout
 * makes one plain call that blocks or not as the descriptor's mode says; 0
 * tries once without waiting (-EAGAIN); a positive timeout waits at most that
 * long (-ETIMEDOUT). The timed forms never block in the kernel past their
 * deadline: sends and receives use MSG_DONTWAIT, whatever the mode.
 *
 * Sends never raise SIGPIPE (MSG_NOSIGNAL): writing to a stream whose peer
 * is gone is -EPIPE, in C programs as in the JVM.
 *
 * Every descriptor is close-on-exec, including the ones received with
 * SCM_RIGHTS (MSG_CMSG_CLOEXEC).
 */
#ifndef POSIXIPC_SOCKET_H
#define POSIXIPC_SOCKET_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Address families (the Linux numbers). */
#define PIPC_AF_UNIX 1
#define PIPC_AF_INET 2
#define PIPC_AF_INET6 10

/* Socket types (the Linux numbers). */
#define PIPC_SOCK_STREAM 1
#define PIPC_SOCK_DGRAM 2
#define PIPC_SOCK_SEQPACKET 5

/* Room for any address the library builds or reports (sockaddr_storage). */
#define PIPC_SOCKADDR_MAX 128

/* The longest AF_UNIX file-system path (sun_path holds it and its NUL), and
 * the longest abstract name (sun_path without its leading NUL). */
#define PIPC_UNIX_PATH_MAX 107
#define PIPC_UNIX_ABSTRACT_MAX 107

/* The most descriptors one message can carry (the kernel's SCM_MAX_FD). */
#define PIPC_SOCKET_MAX_FDS 253

/* Flags for pipc_socket_create, pipc_socket_pair and pipc_socket_accept. */
#define PIPC_SOCKET_NONBLOCK 0x1 /* O_NONBLOCK on the new descriptor(s) */

/*
 * Builds an AF_UNIX address in out (room: outlen bytes). name holds namelen
 * bytes, not NUL-terminated:
 *  - a file-system path: no NUL byte, 1..PIPC_UNIX_PATH_MAX bytes;
 *  - an abstract name (Linux): a leading NUL byte, then 0..PIPC_UNIX_ABSTRACT_MAX
 *    bytes of any value; the name is exactly those bytes, NULs included.
 * Returns the address length, -EINVAL (NULL, empty, a NUL inside a path, outlen
 * too small) or -ENAMETOOLONG.
 */
int pipc_sockaddr_unix(void *out, size_t outlen, const void *name, size_t namelen);

/*
 * Builds an AF_INET (iplen 4) or AF_INET6 (iplen 16) address from an IP
 * address in network byte order and a port (0..65535; 0 asks bind for an
 * ephemeral port). Returns the address length or -EINVAL.
 */
int pipc_sockaddr_inet(void *out, size_t outlen, const void *ip, size_t iplen, int port);

/*
 * Removes the file of a bound AF_UNIX path address (unlink), after checking
 * that it is a socket: a regular file is -EINVAL, never removed. Abstract
 * addresses have no file: -EINVAL. Returns 0, -ENOENT, or -errno.
 */
int pipc_sockaddr_unlink(const void *addr, size_t addrlen);

/*
 * Creates a socket: family PIPC_AF_*, type PIPC_SOCK_*. *fd receives it.
 * Returns 0, -EINVAL (bad family, type or flags), -ESOCKTNOSUPPORT (no
 * seqpacket over IP), -EMFILE, or -errno.
 */
int pipc_socket_create(int family, int type, int flags, int *fd);

/* A connected pair of AF_UNIX sockets (socketpair): fds[0] and fds[1]. */
int pipc_socket_pair(int type, int flags, int fds[2]);

/*
 * Takes over a descriptor this process inherited (or got from elsewhere) as
 * a socket: checks that it is one and makes it close-on-exec. Returns its
 * type (PIPC_SOCK_*), -EBADF, or -ENOTSOCK.
 */
int pipc_socket_adopt(int fd);

/* Binds fd to addr. -EADDRINUSE when a path exists or the name is taken. */
int pipc_socket_bind(int fd, const void *addr, size_t addrlen);

/* Listens (stream and seqpacket). backlog < 0 is -EINVAL. */
int pipc_socket_listen(int fd, int backlog);

/*
 * Accepts a connection: returns the new close-on-exec descriptor (>= 0), or
 * -EAGAIN, -ETIMEDOUT, -EINVAL (not listening), -EOPNOTSUPP (a datagram
 * socket), -EINTR, or -errno. A timed accept waits for readiness first; when
 * another thread or process takes the connection in between, the accept
 * itself blocks on a blocking socket (the Java layer ends it at the deadline
 * with its wake-up signal).
 */
int pipc_socket_accept(int fd, int flags, int64_t timeout_ns);

/*
 * Connects fd to addr. A timed connect (timeout >= 0) puts the socket in
 * non-blocking mode for the connection attempt and restores the mode after:
 * meant for a socket that no other process shares yet. An AF_UNIX connect to
 * a listener whose backlog is full is retried until the deadline. Returns 0,
 * -ECONNREFUSED, -ENOENT (no such path), -EAGAIN / -ETIMEDOUT, -EINPROGRESS
 * (non-blocking mode, no timeout: the TCP handshake goes on), -EINTR.
 */
int pipc_socket_connect(int fd, const void *addr, size_t addrlen, int64_t timeout_ns);

/* shutdown(2): how is PIPC_SHUT_READ, PIPC_SHUT_WRITE or both OR-ed. */
#define PIPC_SHUT_READ 0x1
#define PIPC_SHUT_WRITE 0x2
int pipc_socket_shutdown(int fd, int how);

/* Flags for the data calls. */
#define PIPC_MSG_PEEK 0x2    /* look without taking */
#define PIPC_MSG_TRUNC 0x20  /* receive: return a datagram's full length */
#define PIPC_MSG_CTRUNC 0x8  /* reported: descriptors or credentials lost */

/*
 * Sends up to len bytes (a whole datagram or packet). Returns the bytes sent,
 * -EPIPE (stream peer gone), -ECONNRESET, -EMSGSIZE (datagram too big),
 * -EAGAIN, -ETIMEDOUT, -EINTR. flags: 0 (reserved).
 */
int64_t pipc_socket_send(int fd, const void *buf, size_t len, int flags, int64_t timeout_ns);

/*
 * Receives up to len bytes. Returns the bytes received, 0 at end of stream
 * (or an empty datagram), -EAGAIN, -ETIMEDOUT, -ECONNRESET, -EINTR, -EINVAL (a stream
 * socket that is not connected, as Linux reports it). flags:
 * PIPC_MSG_PEEK, and on datagram and seqpacket sockets PIPC_MSG_TRUNC, with
 * which the result is the message's full length even when only len bytes of
 * it were stored (the rest is dropped, as always).
 */
int64_t pipc_socket_recv(int fd, void *buf, size_t len, int flags, int64_t timeout_ns);

/*
 * sendmsg(2): sends len bytes from buf with nfds descriptors (SCM_RIGHTS;
 * 0..PIPC_SOCKET_MAX_FDS), to addr when addr is not NULL (an unconnected
 * datagram socket). Descriptors travel with the first byte: on a stream
 * socket send at least one byte with them. Returns the bytes sent, -EINVAL
 * (too many descriptors), -EBADF (one of them is not open), or as
 * pipc_socket_send.
 */
int64_t pipc_socket_sendmsg(int fd, const void *buf, size_t len, const int *fds, int nfds,
                            const void *addr, size_t addrlen, int64_t timeout_ns);

/*
 * What pipc_socket_recvmsg reports besides the data. nfds and addrlen are in
 * and out: set them to the room in fds and addr before the call.
 */
typedef struct pipc_msg_info {
  int32_t nfds;    /* in: room in fds; out: descriptors received */
  int32_t flags;   /* out: PIPC_MSG_TRUNC (data cut), PIPC_MSG_CTRUNC */
  int32_t addrlen; /* in: room in addr; out: the sender's address length */
  int32_t has_credentials; /* out: 1 when pid, uid, gid are set */
  int32_t pid;
  int32_t uid;
  int32_t gid;
  int32_t reserved;
} pipc_msg_info;

/*
 * The layout of pipc_msg_info for callers that fill and read it as bytes
 * (the Java layer): its size and the byte offset of each field, every field
 * an int32_t. Computed from the struct, so that they cannot drift from it.
 */
#define PIPC_MSG_INFO_SIZE ((int)sizeof(pipc_msg_info))
#define PIPC_MSG_INFO_NFDS ((int)offsetof(pipc_msg_info, nfds))
#define PIPC_MSG_INFO_FLAGS ((int)offsetof(pipc_msg_info, flags))
#define PIPC_MSG_INFO_ADDRLEN ((int)offsetof(pipc_msg_info, addrlen))
#define PIPC_MSG_INFO_HAS_CREDENTIALS ((int)offsetof(pipc_msg_info, has_credentials))
#define PIPC_MSG_INFO_PID ((int)offsetof(pipc_msg_info, pid))
#define PIPC_MSG_INFO_UID ((int)offsetof(pipc_msg_info, uid))
#define PIPC_MSG_INFO_GID ((int)offsetof(pipc_msg_info, gid))

/*
 * recvmsg(2): receives up to len bytes into buf, the descriptors that came
 * with them into fds (close-on-exec; the caller owns and closes them), the
 * sender's credentials when the socket has PIPC_SO_PASSCRED set
 * (SCM_CREDENTIALS), and the sender's address into addr when addr is not
 * NULL. When more descriptors came than info->nfds allows, the extra ones
 * are closed, never leaked, and PIPC_MSG_CTRUNC is reported. Returns the
 * bytes received (0 at end of stream) or as pipc_socket_recv.
 */
int64_t pipc_socket_recvmsg(int fd, void *buf, size_t len, int *fds, void *addr,
                            pipc_msg_info *info, int64_t timeout_ns);

/* The credentials of the peer process at connect time (SO_PEERCRED):
 * cred[0] pid, cred[1] uid, cred[2] gid. Returns 0 or -errno. */
int pipc_socket_peer_credentials(int fd, int cred[3]);

/* The local (getsockname) or peer (getpeername) address, into addr of
 * addrlen bytes. Returns its length or -errno (-ENOTCONN). */
int pipc_socket_local_address(int fd, void *addr, size_t addrlen);
int pipc_socket_peer_address(int fd, void *addr, size_t addrlen);

/* Options for pipc_socket_get_option / pipc_socket_set_option. */
#define PIPC_SO_SNDBUF 1    /* bytes (the kernel doubles what is set) */
#define PIPC_SO_RCVBUF 2    /* bytes */
#define PIPC_SO_PASSCRED 3  /* 0 or 1: receive SCM_CREDENTIALS */
#define PIPC_SO_RCVTIMEO 4  /* ns; 0 = none: blocking receives fail with -EAGAIN after it */
#define PIPC_SO_SNDTIMEO 5  /* ns; 0 = none */
#define PIPC_SO_REUSEADDR 6 /* 0 or 1 */
#define PIPC_SO_TYPE 7      /* read only: PIPC_SOCK_* */
#define PIPC_SO_DOMAIN 8    /* read only: PIPC_AF_* */
#define PIPC_SO_ERROR 9     /* read only: the pending error as a positive errno, cleared */
#define PIPC_SO_ACCEPTCONN 10 /* read only: 1 when listening */
#define PIPC_TCP_NODELAY 11 /* 0 or 1 (TCP only) */

/* Returns the option's value (>= 0) or -errno (-EINVAL for an unknown one). */
int64_t pipc_socket_get_option(int fd, int option);

/* Sets an option. Returns 0, -EINVAL (unknown, read only, bad value), -errno. */
int pipc_socket_set_option(int fd, int option, int64_t value);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SOCKET_H */
