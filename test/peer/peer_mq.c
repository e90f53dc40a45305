/*
 * pipc-peer's message queue commands. The queues are created (and removed)
 * by the other side; these commands only open existing ones.
 *
 *   pipc-peer mq-source NAME COUNT SIZE SEED PRIO
 *       send COUNT messages of SIZE bytes with priority PRIO (-1: message k
 *       gets priority k % 8); print "count=N bytes=B sum=H"
 *   pipc-peer mq-sink NAME COUNT      receive COUNT messages, print the same
 *   pipc-peer mq-dump NAME COUNT      receive COUNT messages, print one line
 *                                     "PRIO TEXT" for each
 *   pipc-peer mq-echo IN OUT COUNT    receive COUNT messages from IN and send
 *                                     each to OUT with its priority; COUNT -1:
 *                                     until a message of priority
 *                                     PIPC_MQ_PRIO_MAX - 1 (the end marker,
 *                                     not echoed)
 *   pipc-peer mq-send NAME PRIO TEXT  send one message
 *   pipc-peer mq-notify NAME MS       register for notification (socket
 *                                     route), print "registered", wait up to
 *                                     MS ms and print "notified", "removed"
 *                                     or "timeout"
 *
 * Message k of a source with seed s: bytes 0-3 hold s and bytes 4-7 hold k
 * (little-endian) when SIZE >= 8, and byte j >= 8 (or every byte, for smaller
 * messages) is mq_pattern(s, k, j) below. The sum is the wrapping 64-bit sum,
 * over the messages, of FNV-1a 64 of (the priority as 4 little-endian bytes,
 * then the message): it does not depend on the order in which several
 * producers' messages arrive, and any lost, duplicated or damaged message
 * changes it. The Java tests compute the same functions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <posixipc/posixipc.h>

int peer_mq_main(int argc, char **argv);

static unsigned char mq_pattern(uint32_t seed, uint32_t k, uint32_t j) {
  return (unsigned char)((seed * 31u + k * 7u + j * 13u + (j >> 8)) & 0xff);
}

static uint64_t mq_hash(unsigned prio, const unsigned char *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int i = 0; i < 4; i++) {
    h ^= (prio >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int mq_fail(const char *what, const char *object, int64_t err) {
  fprintf(stderr, "pipc-peer: %s %s: %s (%s)\n", what, object, pipc_errno_name((int)err),
          pipc_errno_describe((int)err));
  return 1;
}

static int mq_open_existing(const char *name, int flags, int *fd, pipc_mq_attr *attr) {
  int r = pipc_mq_open(name, flags, 0, 0, 0, fd);
  if (r < 0) return r;
  return pipc_mq_getattr(*fd, attr);
}

/* Sends, retrying when a signal interrupts the wait. */
static int mq_send_all(int fd, const void *buf, size_t n, unsigned prio) {
  int r;
  while ((r = pipc_mq_send(fd, buf, n, prio, PIPC_FOREVER)) == -EINTR) {
  }
  return r;
}

static int64_t mq_receive_one(int fd, void *buf, size_t n, unsigned *prio) {
  int64_t r;
  while ((r = pipc_mq_receive(fd, buf, n, prio, PIPC_FOREVER)) == -EINTR) {
  }
  return r;
}

static int cmd_mq_source(const char *name, long count, long size, uint32_t seed, long prio) {
  int fd, r;
  pipc_mq_attr attr;
  if ((r = mq_open_existing(name, PIPC_MQ_WRITE, &fd, &attr)) < 0) return mq_fail("open", name, r);
  if (size < 0 || size > attr.message_size) return mq_fail("size", name, -EMSGSIZE);
  unsigned char *buf = malloc((size_t)size + 1);
  if (buf == NULL) return mq_fail("malloc", name, -ENOMEM);
  uint64_t sum = 0, bytes = 0;
  for (uint32_t k = 0; k < (uint32_t)count; k++) {
    for (uint32_t j = 0; j < (uint32_t)size; j++) buf[j] = mq_pattern(seed, k, j);
    if (size >= 8) {
      for (int i = 0; i < 4; i++) {
        buf[i] = (unsigned char)(seed >> (8 * i));
        buf[4 + i] = (unsigned char)(k >> (8 * i));
      }
    }
    unsigned p = prio < 0 ? k % 8 : (unsigned)prio;
    if ((r = mq_send_all(fd, buf, (size_t)size, p)) < 0) return mq_fail("mq_send", name, r);
    sum += mq_hash(p, buf, (size_t)size);
    bytes += (uint64_t)size;
  }
  free(buf);
  pipc_mq_close(fd);
  printf("count=%ld bytes=%" PRIu64 " sum=%016" PRIx64 "\n", count, bytes, sum);
  return 0;
}

static int cmd_mq_sink(const char *name, long count, int dump) {
  int fd, r;
  pipc_mq_attr attr;
  if ((r = mq_open_existing(name, PIPC_MQ_READ, &fd, &attr)) < 0) return mq_fail("open", name, r);
  unsigned char *buf = malloc((size_t)attr.message_size + 1);
  if (buf == NULL) return mq_fail("malloc", name, -ENOMEM);
  uint64_t sum = 0, bytes = 0;
  for (long k = 0; k < count; k++) {
    unsigned prio;
    int64_t n = mq_receive_one(fd, buf, (size_t)attr.message_size, &prio);
    if (n < 0) return mq_fail("mq_receive", name, n);
    if (dump) {
      printf("%u %.*s\n", prio, (int)n, (const char *)buf);
      fflush(stdout);
    }
    sum += mq_hash(prio, buf, (size_t)n);
    bytes += (uint64_t)n;
  }
  free(buf);
  pipc_mq_close(fd);
  if (!dump) printf("count=%ld bytes=%" PRIu64 " sum=%016" PRIx64 "\n", count, bytes, sum);
  return 0;
}

static int cmd_mq_echo(const char *in_name, const char *out_name, long count) {
  int in, out, r;
  pipc_mq_attr in_attr, out_attr;
  if ((r = mq_open_existing(in_name, PIPC_MQ_READ, &in, &in_attr)) < 0)
    return mq_fail("open", in_name, r);
  if ((r = mq_open_existing(out_name, PIPC_MQ_WRITE, &out, &out_attr)) < 0)
    return mq_fail("open", out_name, r);
  unsigned char *buf = malloc((size_t)in_attr.message_size + 1);
  if (buf == NULL) return mq_fail("malloc", in_name, -ENOMEM);
  for (long k = 0; count < 0 || k < count; k++) {
    unsigned prio;
    int64_t n = mq_receive_one(in, buf, (size_t)in_attr.message_size, &prio);
    if (n < 0) return mq_fail("mq_receive", in_name, n);
    if (count < 0 && prio == PIPC_MQ_PRIO_MAX - 1) break;
    if ((r = mq_send_all(out, buf, (size_t)n, prio)) < 0) return mq_fail("mq_send", out_name, r);
  }
  free(buf);
  pipc_mq_close(out);
  pipc_mq_close(in);
  return 0;
}

static int cmd_mq_send(const char *name, long prio, const char *text) {
  int fd, r;
  pipc_mq_attr attr;
  if ((r = mq_open_existing(name, PIPC_MQ_WRITE, &fd, &attr)) < 0) return mq_fail("open", name, r);
  if ((r = mq_send_all(fd, text, strlen(text), (unsigned)prio)) < 0)
    return mq_fail("mq_send", name, r);
  pipc_mq_close(fd);
  return 0;
}

static int cmd_mq_notify(const char *name, long ms) {
  int fd, sock, r;
  pipc_mq_attr attr;
  if ((r = mq_open_existing(name, PIPC_MQ_READ, &fd, &attr)) < 0) return mq_fail("open", name, r);
  if ((r = pipc_mq_notify_socket(fd, &sock)) < 0) return mq_fail("mq_notify", name, r);
  printf("registered\n");
  fflush(stdout);
  while ((r = pipc_mq_notify_wait(sock, ms * PIPC_MSEC)) == -EINTR) {
  }
  printf("%s\n", r == PIPC_MQ_NOTIFIED         ? "notified"
                 : r == PIPC_MQ_NOTIFY_REMOVED ? "removed"
                 : r == -ETIMEDOUT             ? "timeout"
                                               : pipc_errno_name(r));
  pipc_fd_close(sock);
  pipc_mq_close(fd);
  return 0;
}

static int parse_long(const char *s, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno != 0) return -1;
  *out = v;
  return 0;
}

/* Runs an mq command; returns its exit status, or -1 when argv is not one. */
int peer_mq_main(int argc, char **argv) {
  const char *cmd = argv[1];
  if (strncmp(cmd, "mq-", 3) != 0) return -1;
  long a, b, c, d;
  if (strcmp(cmd, "mq-source") == 0 && argc == 7 && parse_long(argv[3], &a) == 0 &&
      parse_long(argv[4], &b) == 0 && parse_long(argv[5], &c) == 0 &&
      parse_long(argv[6], &d) == 0 && a >= 0 && b >= 0 && d < PIPC_MQ_PRIO_MAX)
    return cmd_mq_source(argv[2], a, b, (uint32_t)c, d);
  if ((strcmp(cmd, "mq-sink") == 0 || strcmp(cmd, "mq-dump") == 0) && argc == 4 &&
      parse_long(argv[3], &a) == 0 && a >= 0)
    return cmd_mq_sink(argv[2], a, strcmp(cmd, "mq-dump") == 0);
  if (strcmp(cmd, "mq-echo") == 0 && argc == 5 && parse_long(argv[4], &a) == 0 && a >= -1)
    return cmd_mq_echo(argv[2], argv[3], a);
  if (strcmp(cmd, "mq-send") == 0 && argc == 5 && parse_long(argv[3], &a) == 0 && a >= 0)
    return cmd_mq_send(argv[2], a, argv[4]);
  if (strcmp(cmd, "mq-notify") == 0 && argc == 4 && parse_long(argv[3], &a) == 0 && a >= 0)
    return cmd_mq_notify(argv[2], a);
  fprintf(stderr, "usage: pipc-peer mq-source NAME COUNT SIZE SEED PRIO | mq-sink NAME COUNT |"
                  " mq-dump NAME COUNT | mq-echo IN OUT COUNT | mq-send NAME PRIO TEXT |"
                  " mq-notify NAME MS\n");
  return 2;
}
