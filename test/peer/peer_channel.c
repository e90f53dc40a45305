/*
 * pipc-peer commands for channels (posixipc/channel.h).
 *
 *   chan-send CHANNEL ID COUNT SIZE     sends COUNT messages of SIZE bytes (>= 8) as
 *                                       producer ID; prints "messages=N fnv=H"
 *   chan-receive CHANNEL COUNT          receives COUNT messages, checks each one and
 *                                       the order per producer; prints "messages=N fnv=H"
 *   chan-relay IN OUT                   consumes IN and produces every message again into
 *                                       OUT, zero copy, until an empty message (the tour)
 *   chan-claim-hold CHANNEL             claims 64 bytes, prints "claimed", waits to be killed
 *   chan-consumer-hold CHANNEL          attaches as the consumer, prints "attached", waits
 *                                       to be killed
 *
 * CHANNEL is a name "/name" or fd:N, an inherited descriptor of an anonymous
 * channel. Message SEQ of producer ID: the uint32 ID, the uint32 SEQ (native
 * byte order), then SIZE - 8 bytes pattern(ID, SEQ * SIZE + k). The FNV-1a 64
 * checksum runs over every byte of every message, in the order sent (or
 * received). Every wait is bounded (30 s).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

#include "peer_channel.h"

#define CHAN_WAIT (30 * PIPC_SEC)
#define CHAN_FNV_START 0xcbf29ce484222325ULL
#define CHAN_MAX_PRODUCERS 64

static unsigned char chan_pattern(uint32_t seed, uint64_t i) {
  return (unsigned char)(((i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24)) * 0x9d + seed) & 0xff);
}

static uint64_t chan_fnv(uint64_t h, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int chan_fail(const char *what, const char *object, int64_t err) {
  fprintf(stderr, "pipc-peer: %s %s: %s (%s)\n", what, object, pipc_errno_name((int)err),
          pipc_errno_describe((int)err));
  return 1;
}

static int chan_open(const char *spec, int role, uint64_t *ch) {
  if (strncmp(spec, "fd:", 3) == 0) return pipc_channel_open_fd(atoi(spec + 3), role, ch);
  return pipc_channel_open(spec, role, ch);
}

static int chan_send(const char *spec, uint32_t id, uint64_t count, size_t size) {
  if (size < 8) return 2;
  uint64_t ch;
  int r = chan_open(spec, PIPC_CHANNEL_PRODUCER, &ch);
  if (r < 0) return chan_fail("pipc_channel_open", spec, r);
  uint64_t h = CHAN_FNV_START;
  for (uint64_t s = 0; s < count; s++) {
    /* Zero copy: the message is written in place. */
    int64_t off = pipc_channel_claim(ch, (int64_t)size, CHAN_WAIT);
    if (off < 0) return chan_fail("pipc_channel_claim", spec, off);
    unsigned char *p = (unsigned char *)(uintptr_t)(pipc_channel_data(ch) + (uint64_t)off);
    uint32_t seq = (uint32_t)s;
    memcpy(p, &id, 4);
    memcpy(p + 4, &seq, 4);
    for (size_t k = 8; k < size; k++) p[k] = chan_pattern(id, s * size + k);
    h = chan_fnv(h, p, size);
    r = pipc_channel_commit(ch, (int64_t)size);
    if (r < 0) return chan_fail("pipc_channel_commit", spec, r);
  }
  pipc_channel_close(ch);
  printf("messages=%" PRIu64 " fnv=%016" PRIx64 "\n", count, h);
  return 0;
}

static int chan_receive(const char *spec, uint64_t count) {
  uint64_t ch;
  int r = chan_open(spec, PIPC_CHANNEL_CONSUMER, &ch);
  if (r < 0) return chan_fail("pipc_channel_open", spec, r);
  uint32_t next[CHAN_MAX_PRODUCERS] = {0};
  static unsigned char buf[1 << 20];
  uint64_t h = CHAN_FNV_START;
  for (uint64_t n = 0; n < count; n++) {
    int64_t len = pipc_channel_receive(ch, buf, sizeof buf, CHAN_WAIT);
    if (len < 0) return chan_fail("pipc_channel_receive", spec, len);
    uint32_t id, seq;
    if (len < 8) return chan_fail("a short message on", spec, -EBADMSG);
    memcpy(&id, buf, 4);
    memcpy(&seq, buf + 4, 4);
    if (id >= CHAN_MAX_PRODUCERS || seq != next[id]) {
      fprintf(stderr, "pipc-peer: message %u of producer %u out of order (expected %u)\n", seq, id,
              id < CHAN_MAX_PRODUCERS ? next[id] : 0);
      return 1;
    }
    next[id]++;
    for (int64_t k = 8; k < len; k++) {
      if (buf[k] != chan_pattern(id, (uint64_t)seq * (uint64_t)len + (uint64_t)k)) {
        fprintf(stderr, "pipc-peer: message %u of producer %u: byte %" PRId64 " is wrong\n", seq, id, k);
        return 1;
      }
    }
    h = chan_fnv(h, buf, (size_t)len);
  }
  pipc_channel_close(ch);
  printf("messages=%" PRIu64 " fnv=%016" PRIx64 "\n", count, h);
  return 0;
}

static int chan_relay(const char *in_spec, const char *out_spec) {
  uint64_t in, out;
  int r = chan_open(in_spec, PIPC_CHANNEL_CONSUMER, &in);
  if (r < 0) return chan_fail("pipc_channel_open", in_spec, r);
  r = chan_open(out_spec, PIPC_CHANNEL_PRODUCER, &out);
  if (r < 0) return chan_fail("pipc_channel_open", out_spec, r);
  for (;;) {
    int64_t off = pipc_channel_read(in, CHAN_WAIT);
    if (off < 0) return chan_fail("pipc_channel_read", in_spec, off);
    int64_t len = pipc_channel_read_length(in);
    if (len == 0) break;
    int64_t to = pipc_channel_claim(out, len, CHAN_WAIT);
    if (to < 0) return chan_fail("pipc_channel_claim", out_spec, to);
    memcpy((void *)(uintptr_t)(pipc_channel_data(out) + (uint64_t)to),
           (const void *)(uintptr_t)(pipc_channel_data(in) + (uint64_t)off), (size_t)len);
    if ((r = pipc_channel_commit(out, len)) < 0) return chan_fail("pipc_channel_commit", out_spec, r);
    if ((r = pipc_channel_release(in)) < 0) return chan_fail("pipc_channel_release", in_spec, r);
  }
  pipc_channel_release(in);
  pipc_channel_close(in);
  pipc_channel_close(out);
  return 0;
}

static int chan_hold(const char *spec, int role) {
  uint64_t ch;
  int r = chan_open(spec, role, &ch);
  if (r < 0) return chan_fail("pipc_channel_open", spec, r);
  if (role == PIPC_CHANNEL_PRODUCER) {
    int64_t off = pipc_channel_claim(ch, 64, CHAN_WAIT);
    if (off < 0) return chan_fail("pipc_channel_claim", spec, off);
    printf("claimed\n");
  } else {
    printf("attached\n");
  }
  fflush(stdout);
  sleep(60); /* killed by the test long before */
  return 1;
}

int peer_channel_command(const char *cmd, char **args, int nargs) {
  if (strcmp(cmd, "chan-send") == 0 && nargs == 4)
    return chan_send(args[0], (uint32_t)strtoul(args[1], NULL, 10), strtoull(args[2], NULL, 10),
                     (size_t)strtoul(args[3], NULL, 10));
  if (strcmp(cmd, "chan-receive") == 0 && nargs == 2) return chan_receive(args[0], strtoull(args[1], NULL, 10));
  if (strcmp(cmd, "chan-relay") == 0 && nargs == 2) return chan_relay(args[0], args[1]);
  if (strcmp(cmd, "chan-claim-hold") == 0 && nargs == 1) return chan_hold(args[0], PIPC_CHANNEL_PRODUCER);
  if (strcmp(cmd, "chan-consumer-hold") == 0 && nargs == 1) return chan_hold(args[0], PIPC_CHANNEL_CONSUMER);
  return -1;
}
