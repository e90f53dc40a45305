/*
 * pipc-peer: the C side of posixipc's cross-process and cross-language tests
 * and of the tour. It only uses the public C API.
 *
 *   pipc-peer echo IN OUT              copy IN to OUT until end of file on IN
 *   pipc-peer sink IN                  read IN to its end; print "count=N fnv=H"
 *   pipc-peer source OUT COUNT [SEED]  write COUNT pattern bytes to OUT
 *   pipc-peer fds                      print this process's open descriptors
 *   pipc-peer fd-kinds                 print "N:what" per descriptor from 3 up
 *                                      (pipe:[ino], socket:[ino], or a path)
 *   pipc-peer describe                 print cwd, session/group, signal state
 *   pipc-peer env NAME                 print the value of NAME, or nothing
 *   pipc-peer exit CODE                exit with CODE
 *   pipc-peer raise SIGNO              die of signal SIGNO
 *   pipc-peer signal-...               signal commands: see peer_signal.c
 *   pipc-peer mq-...                   message queue commands: see peer_mq.c
 *   pipc-peer shm-... / sem-...        shared memory and semaphores: peer_shm.c
 *   pipc-peer sysv-...                 System V queues, segments, semaphore
 *                                      sets: peer_sysv.c
 *   pipc-peer chan-...                 channels: see peer_channel.c
 *
 * An endpoint is fd:N (an inherited descriptor) or fifo:PATH (opened for
 * reading when it is an input, for writing when it is an output).
 *
 * The pattern byte at offset i for a seed s is peer_pattern(s, i) below; the
 * Java tests compute the same function, and both sides compute FNV-1a 64 of
 * what they see. Exit status: 0 done, 1 an error (its errno name is printed
 * on stderr), 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

#include "peer_signal.h"
#include "peer_shm.h"
#include "peer_channel.h"

#define BUF_SIZE (64 * 1024)

/* Socket commands: test/peer/peer_socket.c. */
int peer_socket(int argc, char **argv);

int peer_mq_main(int argc, char **argv); /* peer_mq.c: the mq-* commands */

int peer_sysv_command(const char *cmd, char **args, int nargs); /* peer_sysv.c: sysv-* */

static unsigned char peer_pattern(uint32_t seed, uint64_t i) {
  return (unsigned char)(((i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24)) * 0x9d + seed) & 0xff);
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

#define FNV_START 0xcbf29ce484222325ULL

static int fail(const char *what, const char *object, int64_t err) {
  fprintf(stderr, "pipc-peer: %s %s: %s (%s)\n", what, object, pipc_errno_name((int)err),
          pipc_errno_describe((int)err));
  return 1;
}

static int usage(void) {
  fprintf(stderr, "usage: pipc-peer echo IN OUT | sink IN | source OUT COUNT [SEED] | fds |"
                  " describe | env NAME | exit CODE | raise SIGNO\n");
  return 2;
}

/* Opens an endpoint; *fd receives its descriptor. */
static int open_endpoint(const char *spec, int output, int *fd) {
  if (strncmp(spec, "fd:", 3) == 0) {
    char *end;
    long n = strtol(spec + 3, &end, 10);
    if (*end != '\0' || n < 0 || n > 1 << 20) return -EINVAL;
    *fd = (int)n;
    return 0;
  }
  if (strncmp(spec, "fifo:", 5) == 0)
    return pipc_fifo_open(spec + 5, output ? PIPC_FIFO_WRITE : PIPC_FIFO_READ, fd);
  return -EINVAL;
}

static int64_t write_all(int fd, const unsigned char *p, size_t n) {
  size_t done = 0;
  while (done < n) {
    int64_t w = pipc_fd_write(fd, p + done, n - done);
    if (w == -EINTR) continue;
    if (w < 0) return w;
    done += (size_t)w;
  }
  return (int64_t)done;
}

static int cmd_echo(const char *in_spec, const char *out_spec) {
  static unsigned char buf[BUF_SIZE];
  int in, out, r;
  /* Opening the input first matches a peer that opens its output first. */
  if ((r = open_endpoint(in_spec, 0, &in)) < 0) return fail("open", in_spec, r);
  if ((r = open_endpoint(out_spec, 1, &out)) < 0) return fail("open", out_spec, r);
  for (;;) {
    int64_t n = pipc_fd_read(in, buf, sizeof buf);
    if (n == -EINTR) continue;
    if (n < 0) return fail("read", in_spec, n);
    if (n == 0) break;
    int64_t w = write_all(out, buf, (size_t)n);
    if (w < 0) return fail("write", out_spec, w);
  }
  pipc_fd_close(out);
  pipc_fd_close(in);
  return 0;
}

static int cmd_sink(const char *in_spec) {
  static unsigned char buf[BUF_SIZE];
  int in, r;
  if ((r = open_endpoint(in_spec, 0, &in)) < 0) return fail("open", in_spec, r);
  uint64_t count = 0, h = FNV_START;
  for (;;) {
    int64_t n = pipc_fd_read(in, buf, sizeof buf);
    if (n == -EINTR) continue;
    if (n < 0) return fail("read", in_spec, n);
    if (n == 0) break;
    h = fnv1a(h, buf, (size_t)n);
    count += (uint64_t)n;
  }
  pipc_fd_close(in);
  printf("count=%" PRIu64 " fnv=%016" PRIx64 "\n", count, h);
  return 0;
}

static int cmd_source(const char *out_spec, const char *count_text, const char *seed_text) {
  static unsigned char buf[BUF_SIZE];
  char *end;
  unsigned long long count = strtoull(count_text, &end, 10);
  if (*end != '\0') return usage();
  uint32_t seed = seed_text != NULL ? (uint32_t)strtoul(seed_text, NULL, 10) : 0;
  int out, r;
  if ((r = open_endpoint(out_spec, 1, &out)) < 0) return fail("open", out_spec, r);
  uint64_t sent = 0, h = FNV_START;
  while (sent < count) {
    size_t n = count - sent < sizeof buf ? (size_t)(count - sent) : sizeof buf;
    for (size_t i = 0; i < n; i++) buf[i] = peer_pattern(seed, sent + i);
    int64_t w = write_all(out, buf, n);
    if (w < 0) return fail("write", out_spec, w);
    h = fnv1a(h, buf, n);
    sent += n;
  }
  pipc_fd_close(out);
  printf("count=%" PRIu64 " fnv=%016" PRIx64 "\n", sent, h);
  return 0;
}

static int cmd_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return fail("opendir", "/proc/self/fd", -errno);
  int self = dirfd(d);
  struct dirent *e;
  int first = 1;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
    printf("%s%s", first ? "" : " ", e->d_name);
    first = 0;
  }
  printf("\n");
  closedir(d);
  return 0;
}

static int cmd_fd_kinds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) return fail("opendir", "/proc/self/fd", -errno);
  int self = dirfd(d);
  struct dirent *e;
  int first = 1;
  while ((e = readdir(d)) != NULL) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] == '.' || fd == self || fd < 3) continue;
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    printf("%s%d:%s", first ? "" : " ", fd, target);
    first = 0;
  }
  printf("\n");
  closedir(d);
  return 0;
}

static int cmd_describe(void) {
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == NULL) return fail("getcwd", ".", -errno);
  sigset_t blocked;
  sigprocmask(SIG_BLOCK, NULL, &blocked);
  int nblocked = 0, nignored = 0;
  for (int s = 1; s <= SIGRTMAX; s++) {
    if (s == SIGKILL || s == SIGSTOP || (s > 31 && s < SIGRTMIN)) continue;
    struct sigaction sa;
    if (sigismember(&blocked, s) == 1) nblocked++;
    if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) nignored++;
  }
  printf("cwd=%s pid=%d sid=%d pgid=%d blocked=%d ignored=%d\n", cwd, (int)getpid(),
         (int)getsid(0), (int)getpgid(0), nblocked, nignored);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const char *cmd = argv[1];
  int r;
  /* Reports the signal state it was started with, before changing it. */
  if (strcmp(cmd, "describe") == 0 && argc == 2) return cmd_describe();
  /* A reader that goes away must give EPIPE, not kill the peer. */
  signal(SIGPIPE, SIG_IGN);
  if (strncmp(cmd, "sock-", 5) == 0) return peer_socket(argc, argv);
  if (strcmp(cmd, "echo") == 0 && argc == 4) return cmd_echo(argv[2], argv[3]);
  if (strcmp(cmd, "sink") == 0 && argc == 3) return cmd_sink(argv[2]);
  if (strcmp(cmd, "source") == 0 && (argc == 4 || argc == 5))
    return cmd_source(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  if (strcmp(cmd, "fds") == 0 && argc == 2) return cmd_fds();
  if (strcmp(cmd, "fd-kinds") == 0 && argc == 2) return cmd_fd_kinds();
  if (strncmp(cmd, "mq-", 3) == 0) return peer_mq_main(argc, argv);
  if (strcmp(cmd, "env") == 0 && argc == 3) {
    const char *v = getenv(argv[2]);
    printf("%s\n", v != NULL ? v : "");
    return 0;
  }
  if (strncmp(cmd, "signal-", 7) == 0) {
    int status = peer_signal_command(argc, argv);
    if (status >= 0) return status;
  }
  if ((r = peer_shm_command(cmd, argv + 2, argc - 2)) >= 0) return r;
  if ((r = peer_sysv_command(cmd, argv + 2, argc - 2)) >= 0) return r;
  if ((r = peer_channel_command(cmd, argv + 2, argc - 2)) >= 0) return r;
  if (strcmp(cmd, "exit") == 0 && argc == 3) return atoi(argv[2]);
  if (strcmp(cmd, "raise") == 0 && argc == 3) {
    int s = atoi(argv[2]);
    signal(s, SIG_DFL);
    raise(s);
    return 1;
  }
  return usage();
}
