/*
 * The socket commands of pipc-peer (see pipc_peer.c for the pattern and the
 * checksum, computed the same way here):
 *
 *   pipc-peer sock-serve TYPE ADDR MODE [ARGS]    bind, listen, print
 *       "ready ADDR" (the bound address, with the port chosen for port 0),
 *       accept one connection and run MODE on it; a datagram socket runs
 *       MODE on the bound socket itself
 *   pipc-peer sock-connect TYPE ADDR MODE [ARGS]  connect, run MODE
 *
 * TYPE is stream, dgram or seqpacket. ADDR is unix:PATH, abstract:NAME (\xNN
 * escapes a byte),
 * inet:PORT (127.0.0.1) or inet6:PORT (::1). MODE is one of
 *
 *   echo              send back every message (or bytes) until end of stream;
 *                     a datagram echo answers the sender and stops after an
 *                     empty datagram
 *   sink              read to the end; print "count=N fnv=H"
 *   source COUNT SEED send COUNT pattern bytes, then close
 *   cred              print the peer's credentials "pid=P uid=U gid=G"
 *   sendfd TEXT       make a pipe, write TEXT into it, send its read end
 *   recvfd            receive a descriptor (a pipe write end) and write
 *                     "from-c-peer" into it
 *   die               wait for one byte, then exit without closing anything
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

#define SBUF_SIZE (64 * 1024)
#define FNV0 0xcbf29ce484222325ULL

int peer_socket(int argc, char **argv);

static unsigned char spattern(uint32_t seed, uint64_t i) {
  return (unsigned char)(((i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24)) * 0x9d + seed) & 0xff);
}

static uint64_t sfnv(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int sfail(const char *what, int64_t err) {
  fprintf(stderr, "pipc-peer: %s: %s (%s)\n", what, pipc_errno_name((int)err),
          pipc_errno_describe((int)err));
  return 1;
}

static int susage(void) {
  fprintf(stderr, "usage: pipc-peer sock-serve|sock-connect stream|dgram|seqpacket"
                  " unix:PATH|abstract:NAME|inet:PORT|inet6:PORT"
                  " echo|sink|source COUNT SEED|cred|sendfd TEXT|recvfd|die\n");
  return 2;
}

static int parse_type(const char *s) {
  if (strcmp(s, "stream") == 0) return PIPC_SOCK_STREAM;
  if (strcmp(s, "dgram") == 0) return PIPC_SOCK_DGRAM;
  if (strcmp(s, "seqpacket") == 0) return PIPC_SOCK_SEQPACKET;
  return -EINVAL;
}

/* Builds the address of spec into addr; returns its length or -errno. */
static int parse_addr(const char *spec, unsigned char *addr, int *family) {
  if (strncmp(spec, "unix:", 5) == 0) {
    *family = PIPC_AF_UNIX;
    return pipc_sockaddr_unix(addr, PIPC_SOCKADDR_MAX, spec + 5, strlen(spec + 5));
  }
  if (strncmp(spec, "abstract:", 9) == 0) {
    /* \xNN stands for the byte NN, so that a name can hold NULs (as the Java
     * side prints abstract names). */
    char name[PIPC_UNIX_ABSTRACT_MAX + 2];
    size_t n = 1;
    name[0] = '\0';
    for (const char *p = spec + 9; *p != '\0'; n++) {
      if (n > PIPC_UNIX_ABSTRACT_MAX) return -ENAMETOOLONG;
      if (p[0] == '\\' && p[1] == 'x' && p[2] != '\0' && p[3] != '\0') {
        char hex[3] = {p[2], p[3], '\0'};
        name[n] = (char)strtol(hex, NULL, 16);
        p += 4;
      } else {
        name[n] = *p++;
      }
    }
    *family = PIPC_AF_UNIX;
    return pipc_sockaddr_unix(addr, PIPC_SOCKADDR_MAX, name, n);
  }
  if (strncmp(spec, "inet:", 5) == 0) {
    unsigned char ip[4] = {127, 0, 0, 1};
    *family = PIPC_AF_INET;
    return pipc_sockaddr_inet(addr, PIPC_SOCKADDR_MAX, ip, 4, atoi(spec + 5));
  }
  if (strncmp(spec, "inet6:", 6) == 0) {
    unsigned char ip[16] = {0};
    ip[15] = 1;
    *family = PIPC_AF_INET6;
    return pipc_sockaddr_inet(addr, PIPC_SOCKADDR_MAX, ip, 16, atoi(spec + 6));
  }
  return -EINVAL;
}

/* Prints "ready SPEC" with the port actually bound for inet addresses. */
static void print_ready(int fd, const char *spec) {
  unsigned char addr[PIPC_SOCKADDR_MAX];
  int len = pipc_socket_local_address(fd, addr, sizeof addr);
  if (len > 0 && strncmp(spec, "inet", 4) == 0) {
    uint16_t port;
    memcpy(&port, addr + 2, sizeof port);
    printf("ready %s:%d\n", strncmp(spec, "inet6", 5) == 0 ? "inet6" : "inet", ntohs(port));
  } else {
    printf("ready %s\n", spec);
  }
  fflush(stdout);
}

static int64_t send_all(int fd, const unsigned char *p, size_t n) {
  size_t done = 0;
  while (done < n) {
    int64_t w = pipc_socket_send(fd, p + done, n - done, 0, -1);
    if (w == -EINTR) continue;
    if (w < 0) return w;
    done += (size_t)w;
  }
  return (int64_t)done;
}

static int run_mode(int fd, int type, int argc, char **argv) {
  static unsigned char buf[SBUF_SIZE];
  const char *mode = argv[0];
  if (strcmp(mode, "echo") == 0 && argc == 1) {
    if (type == PIPC_SOCK_DGRAM) {
      for (;;) {
        unsigned char from[PIPC_SOCKADDR_MAX];
        pipc_msg_info info = {.nfds = 0, .addrlen = sizeof from};
        int64_t n = pipc_socket_recvmsg(fd, buf, sizeof buf, NULL, from, &info, -1);
        if (n == -EINTR) continue;
        if (n < 0) return sfail("recvmsg", n);
        int64_t w = pipc_socket_sendmsg(fd, buf, (size_t)n, NULL, 0, info.addrlen > 0 ? from : NULL,
                                        (size_t)info.addrlen, -1);
        if (w < 0) return sfail("sendmsg", w);
        if (n == 0) return 0;
      }
    }
    for (;;) {
      int64_t n = pipc_socket_recv(fd, buf, sizeof buf, 0, -1);
      if (n == -EINTR) continue;
      if (n < 0) return sfail("recv", n);
      if (n == 0) return 0;
      /* A packet goes back whole, as one packet. */
      int64_t w = type == PIPC_SOCK_STREAM ? send_all(fd, buf, (size_t)n)
                                           : pipc_socket_send(fd, buf, (size_t)n, 0, -1);
      if (w < 0) return sfail("send", w);
    }
  }
  if (strcmp(mode, "sink") == 0 && argc == 1) {
    uint64_t count = 0, h = FNV0;
    for (;;) {
      int64_t n = pipc_socket_recv(fd, buf, sizeof buf, 0, -1);
      if (n == -EINTR) continue;
      if (n < 0) return sfail("recv", n);
      if (n == 0) break;
      h = sfnv(h, buf, (size_t)n);
      count += (uint64_t)n;
    }
    printf("count=%" PRIu64 " fnv=%016" PRIx64 "\n", count, h);
    return 0;
  }
  if (strcmp(mode, "source") == 0 && argc == 3) {
    uint64_t count = strtoull(argv[1], NULL, 10), sent = 0, h = FNV0;
    uint32_t seed = (uint32_t)strtoul(argv[2], NULL, 10);
    while (sent < count) {
      size_t n = count - sent < sizeof buf ? (size_t)(count - sent) : sizeof buf;
      for (size_t i = 0; i < n; i++) buf[i] = spattern(seed, sent + i);
      int64_t w = send_all(fd, buf, n);
      if (w < 0) return sfail("send", w);
      h = sfnv(h, buf, n);
      sent += n;
    }
    pipc_socket_shutdown(fd, PIPC_SHUT_WRITE);
    printf("count=%" PRIu64 " fnv=%016" PRIx64 "\n", sent, h);
    return 0;
  }
  if (strcmp(mode, "cred") == 0 && argc == 1) {
    int cred[3];
    int r = pipc_socket_peer_credentials(fd, cred);
    if (r < 0) return sfail("SO_PEERCRED", r);
    printf("pid=%d uid=%d gid=%d\n", cred[0], cred[1], cred[2]);
    fflush(stdout);
    /* Stay until the other side is done with its own check. */
    while (pipc_socket_recv(fd, buf, sizeof buf, 0, -1) > 0) {
    }
    return 0;
  }
  if (strcmp(mode, "sendfd") == 0 && argc == 2) {
    int p[2];
    int r = pipc_pipe_create(p, 0);
    if (r < 0) return sfail("pipe", r);
    size_t n = strlen(argv[1]);
    if (pipc_fd_write(p[1], argv[1], n) != (int64_t)n) return sfail("write", -EIO);
    pipc_fd_close(p[1]);
    int64_t w = pipc_socket_sendmsg(fd, "F", 1, &p[0], 1, NULL, 0, -1);
    if (w < 0) return sfail("sendmsg", w);
    pipc_fd_close(p[0]);
    while (pipc_socket_recv(fd, buf, sizeof buf, 0, -1) > 0) {
    }
    return 0;
  }
  if (strcmp(mode, "recvfd") == 0 && argc == 1) {
    int got[4];
    pipc_msg_info info = {.nfds = 4};
    int64_t n = pipc_socket_recvmsg(fd, buf, sizeof buf, got, NULL, &info, -1);
    if (n < 0) return sfail("recvmsg", n);
    if (info.nfds != 1) return sfail("recvmsg (descriptor count)", -EPROTO);
    static const char text[] = "from-c-peer";
    int64_t w = pipc_fd_write(got[0], text, sizeof text - 1);
    if (w < 0) return sfail("write", w);
    pipc_fd_close(got[0]);
    printf("received fd, %d bytes\n", (int)n);
    return 0;
  }
  if (strcmp(mode, "die") == 0 && argc == 1) {
    pipc_socket_recv(fd, buf, 1, 0, -1);
    _exit(0);
  }
  return susage();
}

int peer_socket(int argc, char **argv) {
  if (argc < 5) return susage();
  int serve = strcmp(argv[1], "sock-serve") == 0;
  if (!serve && strcmp(argv[1], "sock-connect") != 0) return susage();
  int type = parse_type(argv[2]);
  if (type < 0) return susage();
  unsigned char addr[PIPC_SOCKADDR_MAX];
  int family;
  int len = parse_addr(argv[3], addr, &family);
  if (len < 0) return sfail(argv[3], len);
  int fd, r;
  if ((r = pipc_socket_create(family, type, 0, &fd)) < 0) return sfail("socket", r);
  if (serve) {
    if (family != PIPC_AF_UNIX) pipc_socket_set_option(fd, PIPC_SO_REUSEADDR, 1);
    if ((r = pipc_socket_bind(fd, addr, (size_t)len)) < 0) return sfail("bind", r);
    if (type != PIPC_SOCK_DGRAM && (r = pipc_socket_listen(fd, 8)) < 0) return sfail("listen", r);
    print_ready(fd, argv[3]);
    if (type != PIPC_SOCK_DGRAM) {
      int c = pipc_socket_accept(fd, 0, -1);
      if (c < 0) return sfail("accept", c);
      /* The path belongs to this peer: removed before the listener closes. */
      if (strncmp(argv[3], "unix:", 5) == 0) pipc_sockaddr_unlink(addr, (size_t)len);
      pipc_fd_close(fd);
      fd = c;
    }
  } else {
    if ((r = pipc_socket_connect(fd, addr, (size_t)len, 10 * PIPC_SEC)) < 0) return sfail("connect", r);
  }
  int result = run_mode(fd, type, argc - 4, argv + 4);
  pipc_fd_close(fd);
  if (serve && type == PIPC_SOCK_DGRAM && strncmp(argv[3], "unix:", 5) == 0)
    pipc_sockaddr_unlink(addr, (size_t)len);
  return result;
}
