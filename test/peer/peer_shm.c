/*
 * pipc-peer commands for shared memory, semaphores and robust mutexes. The
 * Java tests and the tour place the objects and pass their offsets, computed
 * from the sizes and alignments the core reports.
 *
 *   shm-produce NAME EMPTY FULL DATA COUNT BLOCK [SEED]
 *       COUNT times: wait EMPTY, write BLOCK pattern bytes at DATA, post FULL
 *   shm-consume NAME EMPTY FULL DATA COUNT BLOCK
 *       COUNT times: wait FULL, read BLOCK bytes at DATA, post EMPTY;
 *       prints "count=N fnv=H" over everything read
 *   shm-echo NAME A B ROUNDS      ROUNDS times: wait A, post B; prints "rounds=N"
 *   shm-relay NAME IN_FULL IN_EMPTY IN_DATA OUT_FULL OUT_EMPTY OUT_DATA CHUNK
 *       echoes messages (the tour's link): wait IN_FULL, read the int64 length
 *       at IN_DATA (negative: the end), wait OUT_EMPTY, copy the length and the
 *       bytes after it to OUT_DATA, post OUT_FULL, post IN_EMPTY
 *   shm-spin-relay NAME IN OUT CHUNK
 *       the same by spinning: a direction at offset D has a sequence number
 *       (int64) at D, an acknowledgement at D + 64, the length at D + 128 and
 *       the bytes after it; a message is published by a release store of the
 *       sequence and consumed by a release store of the acknowledgement
 *   shm-count NAME MUTEX COUNTER N
 *       N times: lock MUTEX, add 1 to the int64 at COUNTER, unlock (recovers
 *       an EOWNERDEAD); prints "done"
 *   shm-cond-produce NAME MUTEX COND DATA N
 *       N times, under MUTEX: wait on COND while the int64 flag at DATA + 8 is
 *       set, store i (1..N) at DATA, set the flag, broadcast COND
 *   shm-hold NAME MUTEX           locks MUTEX, prints "locked", waits to be killed
 *   shm-truncate NAME SIZE        sets the object's size
 *   memfd-add FD OFFSET N         maps the inherited memfd FD, adds N to the
 *                                 int64 at OFFSET, prints "size=S seals=B" and
 *                                 "truncate=ERRNO" (what shrinking it gives)
 *   sem-post NAME [N]             posts the named semaphore N times (1)
 *   sem-wait NAME TIMEOUT_MS      waits on the named semaphore; prints "acquired"
 *
 * NAME is a shared memory object name; offsets are decimal. Every wait is
 * bounded (10 s), so a broken test cannot leave a peer hanging.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

#include "peer_shm.h"

#define PEER_WAIT (10 * PIPC_SEC)

/* The pattern and checksum of the peer protocol, as in pipc_peer.c. */
static unsigned char shm_pattern(uint32_t seed, uint64_t i) {
  return (unsigned char)(((i ^ (i >> 8) ^ (i >> 16) ^ (i >> 24)) * 0x9d + seed) & 0xff);
}

static uint64_t shm_fnv1a(uint64_t h, const volatile unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static int shm_fail(const char *what, const char *object, int64_t err) {
  fprintf(stderr, "pipc-peer: %s %s: %s (%s)\n", what, object, pipc_errno_name((int)err),
          pipc_errno_describe((int)err));
  return 1;
}

static int64_t num(const char *s) {
  char *end;
  long long v = strtoll(s, &end, 10);
  return *end == '\0' && end != s ? (int64_t)v : -1;
}

/* Opens and maps the whole object NAME read-write. */
static int map_object(const char *name, uint64_t *addr, int64_t *size) {
  int fd;
  int r = pipc_shm_open(name, 0, 0, &fd);
  if (r < 0) return shm_fail("shm_open", name, r);
  *size = pipc_shm_size(fd);
  if (*size <= 0) return shm_fail("fstat", name, *size < 0 ? *size : -EINVAL);
  r = pipc_mmap(fd, 0, *size, PIPC_PROT_READ | PIPC_PROT_WRITE, addr);
  pipc_fd_close(fd);
  if (r < 0) return shm_fail("mmap", name, r);
  return 0;
}

/* Checks that [off, off + len) lies inside the object. */
static int inside(int64_t off, int64_t len, int64_t size) {
  return off >= 0 && len >= 0 && off <= size - len;
}

static int cmd_transfer(int produce, char **a, int n) {
  if (n != 6 && !(produce && n == 7)) return 2;
  int64_t empty = num(a[1]), full = num(a[2]), data = num(a[3]), count = num(a[4]),
          block = num(a[5]);
  uint32_t seed = n == 7 ? (uint32_t)num(a[6]) : 0;
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  if (count < 0 || block <= 0 || !inside(data, block, size) ||
      !inside(empty, pipc_sem_size(), size) || !inside(full, pipc_sem_size(), size))
    return 2;
  volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)(base + (uint64_t)data);
  uint64_t h = 0xcbf29ce484222325ULL, pos = 0;
  for (int64_t i = 0; i < count; i++) {
    int r = pipc_sem_wait(base + (uint64_t)(produce ? empty : full), PEER_WAIT);
    if (r < 0) return shm_fail("sem_wait", a[0], r);
    if (produce) {
      for (int64_t k = 0; k < block; k++) p[k] = shm_pattern(seed, pos + (uint64_t)k);
    } else {
      h = shm_fnv1a(h, p, (size_t)block);
    }
    pos += (uint64_t)block;
    r = pipc_sem_post(base + (uint64_t)(produce ? full : empty));
    if (r < 0) return shm_fail("sem_post", a[0], r);
  }
  if (!produce) printf("count=%" PRIu64 " fnv=%016" PRIx64 "\n", pos, h);
  return 0;
}

static int cmd_echo(char **a, int n) {
  if (n != 4) return 2;
  int64_t sa = num(a[1]), sb = num(a[2]), rounds = num(a[3]);
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  if (rounds < 0 || !inside(sa, pipc_sem_size(), size) || !inside(sb, pipc_sem_size(), size)) return 2;
  int64_t i;
  for (i = 0; i < rounds; i++) {
    int r = pipc_sem_wait(base + (uint64_t)sa, PEER_WAIT);
    if (r < 0) return shm_fail("sem_wait", a[0], r);
    if ((r = pipc_sem_post(base + (uint64_t)sb)) < 0) return shm_fail("sem_post", a[0], r);
  }
  printf("rounds=%" PRId64 "\n", i);
  return 0;
}

static int cmd_relay(char **a, int n) {
  if (n != 8) return 2;
  int64_t in_full = num(a[1]), in_empty = num(a[2]), in_data = num(a[3]);
  int64_t out_full = num(a[4]), out_empty = num(a[5]), out_data = num(a[6]), chunk = num(a[7]);
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  int64_t sems[] = {in_full, in_empty, out_full, out_empty};
  for (int i = 0; i < 4; i++) {
    if (!inside(sems[i], pipc_sem_size(), size) || sems[i] % pipc_sem_align() != 0) return 2;
  }
  if (chunk <= 0 || in_data % 8 != 0 || out_data % 8 != 0 || !inside(in_data, 8 + chunk, size) ||
      !inside(out_data, 8 + chunk, size))
    return 2;
  volatile int64_t *in_len = (volatile int64_t *)(uintptr_t)(base + (uint64_t)in_data);
  volatile int64_t *out_len = (volatile int64_t *)(uintptr_t)(base + (uint64_t)out_data);
  for (;;) {
    /* The tour may pause between its phases: a generous bound. */
    int r = pipc_sem_wait(base + (uint64_t)in_full, 6 * PEER_WAIT);
    if (r < 0) return shm_fail("sem_wait", a[0], r);
    int64_t len = *in_len;
    if (len < 0) break;
    if (len > chunk) return shm_fail("relay", a[0], -EMSGSIZE);
    if ((r = pipc_sem_wait(base + (uint64_t)out_empty, 6 * PEER_WAIT)) < 0) return shm_fail("sem_wait", a[0], r);
    memcpy((void *)(uintptr_t)(base + (uint64_t)out_data + 8), (const void *)(uintptr_t)(base + (uint64_t)in_data + 8),
           (size_t)len);
    *out_len = len;
    if ((r = pipc_sem_post(base + (uint64_t)out_full)) < 0) return shm_fail("sem_post", a[0], r);
    if ((r = pipc_sem_post(base + (uint64_t)in_empty)) < 0) return shm_fail("sem_post", a[0], r);
  }
  return 0;
}

/* Tells the CPU that this is a spin-wait loop, so that a sibling hardware
 * thread gets the core; each architecture spells the hint differently. */
static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Spins until the int64 at p reaches at least want; gives the CPU away after
 * a while and gives up after a minute without progress. */
static int spin_until(volatile int64_t *p, int64_t want) {
  long spins = 0;
  struct timespec start = {0, 0}, now;
  while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < want) {
    if (++spins < 10000) {
      cpu_relax();
      continue;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (start.tv_sec == 0) start = now;
    if (now.tv_sec - start.tv_sec > 60) return -ETIMEDOUT;
    sched_yield();
  }
  return 0;
}

static int cmd_spin_relay(char **a, int n) {
  if (n != 4) return 2;
  int64_t in = num(a[1]), out = num(a[2]), chunk = num(a[3]);
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  if (chunk <= 0 || in % 64 != 0 || out % 64 != 0 || !inside(in, 136 + chunk, size) ||
      !inside(out, 136 + chunk, size))
    return 2;
  volatile int64_t *in_seq = (volatile int64_t *)(uintptr_t)(base + (uint64_t)in);
  volatile int64_t *in_ack = in_seq + 8, *in_len = in_seq + 16;
  volatile int64_t *out_seq = (volatile int64_t *)(uintptr_t)(base + (uint64_t)out);
  volatile int64_t *out_ack = out_seq + 8, *out_len = out_seq + 16;
  for (int64_t k = 1;; k++) {
    if (spin_until(in_seq, k) < 0) return shm_fail("spin", a[0], -ETIMEDOUT);
    int64_t len = *in_len;
    if (len < 0) break;
    if (len > chunk) return shm_fail("relay", a[0], -EMSGSIZE);
    if (spin_until(out_ack, k - 1) < 0) return shm_fail("spin", a[0], -ETIMEDOUT);
    memcpy((void *)(out_len + 1), (const void *)(in_len + 1), (size_t)len);
    *out_len = len;
    __atomic_store_n(out_seq, k, __ATOMIC_RELEASE);
    __atomic_store_n(in_ack, k, __ATOMIC_RELEASE);
  }
  return 0;
}

static int cmd_count(char **a, int n) {
  if (n != 4) return 2;
  int64_t m = num(a[1]), c = num(a[2]), count = num(a[3]);
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  if (count < 0 || !inside(m, pipc_mutex_size(), size) || !inside(c, 8, size) || c % 8 != 0) return 2;
  volatile int64_t *counter = (volatile int64_t *)(uintptr_t)(base + (uint64_t)c);
  for (int64_t i = 0; i < count; i++) {
    int r = pipc_mutex_lock(base + (uint64_t)m, PEER_WAIT);
    if (r == -EOWNERDEAD) r = pipc_mutex_consistent(base + (uint64_t)m);
    if (r < 0) return shm_fail("pthread_mutex_lock", a[0], r);
    *counter = *counter + 1;
    if ((r = pipc_mutex_unlock(base + (uint64_t)m)) < 0) return shm_fail("pthread_mutex_unlock", a[0], r);
  }
  printf("done\n");
  return 0;
}

static int cmd_cond_produce(char **a, int n) {
  if (n != 5) return 2;
  int64_t m = num(a[1]), c = num(a[2]), d = num(a[3]), count = num(a[4]);
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  if (count < 0 || !inside(m, pipc_mutex_size(), size) || !inside(c, pipc_cond_size(), size) ||
      !inside(d, 16, size) || d % 8 != 0)
    return 2;
  uint64_t mutex = base + (uint64_t)m, cond = base + (uint64_t)c;
  volatile int64_t *value = (volatile int64_t *)(uintptr_t)(base + (uint64_t)d);
  volatile int64_t *flag = value + 1;
  for (int64_t i = 1; i <= count; i++) {
    int r = pipc_mutex_lock(mutex, PEER_WAIT);
    if (r < 0) return shm_fail("pthread_mutex_lock", a[0], r);
    while (*flag != 0) {
      r = pipc_cond_wait(cond, mutex, PEER_WAIT);
      if (r < 0) return shm_fail("pthread_cond_timedwait", a[0], r);
    }
    *value = i;
    *flag = 1;
    if ((r = pipc_cond_broadcast(cond)) < 0) return shm_fail("pthread_cond_broadcast", a[0], r);
    if ((r = pipc_mutex_unlock(mutex)) < 0) return shm_fail("pthread_mutex_unlock", a[0], r);
  }
  printf("done\n");
  return 0;
}

static int cmd_hold(char **a, int n) {
  if (n != 2) return 2;
  int64_t m = num(a[1]);
  uint64_t base;
  int64_t size;
  if (map_object(a[0], &base, &size) != 0) return 1;
  if (!inside(m, pipc_mutex_size(), size)) return 2;
  int r = pipc_mutex_lock(base + (uint64_t)m, PEER_WAIT);
  if (r < 0) return shm_fail("pthread_mutex_lock", a[0], r);
  printf("locked\n");
  fflush(stdout);
  sleep(30); /* the test kills the peer long before */
  return 3;
}

static int cmd_memfd_add(char **a, int n) {
  if (n != 3) return 2;
  int fd = (int)num(a[0]);
  int64_t off = num(a[1]), add = num(a[2]);
  int64_t size = pipc_shm_size(fd);
  if (size < 0) return shm_fail("fstat", a[0], size);
  if (!inside(off, 8, size) || off % 8 != 0) return 2;
  uint64_t base;
  int r = pipc_mmap(fd, 0, size, PIPC_PROT_READ | PIPC_PROT_WRITE, &base);
  if (r < 0) return shm_fail("mmap", a[0], r);
  __atomic_fetch_add((int64_t *)(uintptr_t)(base + (uint64_t)off), add, __ATOMIC_SEQ_CST);
  printf("size=%" PRId64 " seals=%d\n", size, pipc_memfd_seals(fd));
  r = pipc_shm_truncate(fd, 0);
  printf("truncate=%s\n", r == 0 ? "0" : pipc_errno_name(r));
  return 0;
}

static int cmd_truncate(char **a, int n) {
  if (n != 2) return 2;
  int fd;
  int r = pipc_shm_open(a[0], 0, 0, &fd);
  if (r < 0) return shm_fail("shm_open", a[0], r);
  r = pipc_shm_truncate(fd, num(a[1]));
  pipc_fd_close(fd);
  if (r < 0) return shm_fail("ftruncate", a[0], r);
  printf("size=%" PRId64 "\n", num(a[1]));
  return 0;
}

static int cmd_sem(int post, char **a, int n) {
  if (n != 1 && n != 2) return 2;
  uint64_t sem;
  int r = pipc_sem_open(a[0], 0, 0, 0, &sem);
  if (r < 0) return shm_fail("sem_open", a[0], r);
  if (post) {
    int64_t times = n == 2 ? num(a[1]) : 1;
    for (int64_t i = 0; i < times; i++) {
      if ((r = pipc_sem_post(sem)) < 0) return shm_fail("sem_post", a[0], r);
    }
    printf("posted\n");
  } else {
    if (n != 2) return 2;
    r = pipc_sem_wait(sem, num(a[1]) * PIPC_MSEC);
    if (r < 0) return shm_fail("sem_wait", a[0], r);
    printf("acquired\n");
  }
  pipc_sem_close(sem);
  return 0;
}

int peer_shm_command(const char *cmd, char **args, int nargs) {
  int r;
  if (strcmp(cmd, "shm-produce") == 0) r = cmd_transfer(1, args, nargs);
  else if (strcmp(cmd, "shm-consume") == 0) r = cmd_transfer(0, args, nargs);
  else if (strcmp(cmd, "shm-echo") == 0) r = cmd_echo(args, nargs);
  else if (strcmp(cmd, "shm-relay") == 0) r = cmd_relay(args, nargs);
  else if (strcmp(cmd, "shm-spin-relay") == 0) r = cmd_spin_relay(args, nargs);
  else if (strcmp(cmd, "shm-count") == 0) r = cmd_count(args, nargs);
  else if (strcmp(cmd, "shm-hold") == 0) r = cmd_hold(args, nargs);
  else if (strcmp(cmd, "shm-cond-produce") == 0) r = cmd_cond_produce(args, nargs);
  else if (strcmp(cmd, "shm-truncate") == 0) r = cmd_truncate(args, nargs);
  else if (strcmp(cmd, "memfd-add") == 0) r = cmd_memfd_add(args, nargs);
  else if (strcmp(cmd, "sem-post") == 0) r = cmd_sem(1, args, nargs);
  else if (strcmp(cmd, "sem-wait") == 0) r = cmd_sem(0, args, nargs);
  else return -1;
  if (r == 2) fprintf(stderr, "pipc-peer: bad arguments for %s (see test/peer/peer_shm.c)\n", cmd);
  return r;
}
