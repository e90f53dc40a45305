/*
 * Channels: a ring of variable-length messages in shared memory, with a
 * futex wait that costs nothing while the other side is busy, and recovery
 * from a peer that died (see channel.h and docs/channels.md).
 *
 * Positions (head, tail, claim positions) count bytes since creation and
 * never wrap in practice (2^64 bytes); a position's place in the ring is
 * position & (capacity - 1).
 *
 * The wait protocol, for each of the two futex words (consumer_sleeping,
 * producers_sleeping): the waiter stores 1 into the word, then checks the
 * ring again, then sleeps with FUTEX_WAIT only if the word is still 1. The
 * other side first publishes its change (a commit, a release), then reads
 * the word, and only if it reads 1 swaps it to 0 and calls FUTEX_WAKE.
 *
 * The publication is a plain release store, with no fence before the read
 * of the word: a fence there (a locked instruction) waits for the message's
 * stores to drain, which cut a 64-byte stream to a third (docs/benchmarks.md).
 * Without it, the CPU may read the word before its store is visible, and
 * both sides could miss each other. What orders them instead:
 *  - A producer's claim is a sequentially consistent compare-and-set on tail,
 *    and its read of the consumer's word is sequentially consistent too.
 *    When the consumer, after storing 1, finds tail == head (nothing
 *    claimed), every later claim comes after that look in the single order
 *    of those operations, so its producer's read of the word sees the 1 and
 *    wakes. That is the case of every idle consumer.
 *  - When a claim is in flight (tail past head, nothing committed at head),
 *    or for a producer waiting for room (the consumer's release has no
 *    compare-and-set), the waiter calls membarrier(2)
 *    (MEMBARRIER_CMD_GLOBAL_EXPEDITED) before it sleeps. It runs a full
 *    barrier on every CPU that runs a thread of a registered process, as
 *    every attached process is; the waiter then looks again. A publication
 *    whose read of the word came before the barrier has its store visible
 *    (the barrier drained it), so the look sees it; one whose read came after
 *    sees the 1 and wakes.
 * No wake-up is lost, and none is sent to a side that is not asleep.
 *
 * A process that cannot register for membarrier (an old kernel, a seccomp
 * filter) publishes with an atomic exchange, a full barrier, before its read
 * of the word: the protocol's sequentially consistent form, which other
 * processes' sleeps need no barrier for. Its own sleeps in the two cases
 * above are the ones that last at most PIPC_CHANNEL_STALE_CHECK_NS anyway,
 * so a wake-up it misses costs it at most that.
 */
#include "internal.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <posixipc/channel.h>
#include <posixipc/guard.h>
#include <posixipc/shm.h>

/* The layout is a contract with other processes and with the Java library:
 * each hot field on a line of its own, the ring page-aligned for 4 KiB pages. */
_Static_assert(sizeof(pipc_channel_header) == 4096, "channel header: one 4 KiB page");
_Static_assert(offsetof(pipc_channel_header, tail) % 128 == 0, "tail on a line of its own");
_Static_assert(offsetof(pipc_channel_header, head) % 128 == 0, "head on a line of its own");
_Static_assert(offsetof(pipc_channel_header, head) - offsetof(pipc_channel_header, tail) == 128,
               "head and tail on separate lines");
_Static_assert(offsetof(pipc_channel_header, consumer_sleeping) % 128 == 0, "consumer flag on its own line");
_Static_assert(offsetof(pipc_channel_header, producers_sleeping) % 128 == 0, "producer flag on its own line");
_Static_assert(offsetof(pipc_channel_header, consumer_pid) % 128 == 0, "consumer line");
_Static_assert(offsetof(pipc_channel_header, producers) % 128 == 0, "producer slots start on a line");
_Static_assert(sizeof(pipc_channel_producer) == 64, "one cache line per producer slot");
_Static_assert(sizeof(pipc_channel_record) == 16, "record header of 16 bytes");
_Static_assert(offsetof(pipc_channel_record, seq) == 0 && PIPC__FIELD_IS(pipc_channel_record, seq, 8),
               "a record's seq: its first eight bytes");
_Static_assert(offsetof(pipc_channel_header, key) + sizeof(uint64_t) <= 128, "the key on the line written once");
_Static_assert(PIPC_CHANNEL_ALIGN > PIPC_CHANNEL_RECORD_KIND_MASK, "positions leave the kind's bits clear");
_Static_assert(PIPC_CHANNEL_RECORD_SIZE % PIPC_CHANNEL_ALIGN == 0, "messages stay aligned");
_Static_assert(PIPC_CHANNEL_OFF_MAGIC == 0 && PIPC_CHANNEL_OFF_VERSION == 8 && PIPC_CHANNEL_OFF_CAPACITY == 16,
               "the identifying fields never move between versions");
_Static_assert(sizeof(pipc_channel_stats) == PIPC_CHANNEL_STAT_SLOTS * sizeof(int64_t), "stat: int64_t slots");
_Static_assert(PIPC__FIELD_IS(pipc_channel_header, tail, 8) && PIPC__FIELD_IS(pipc_channel_header, head, 8),
               "positions are 64-bit");

#define PIPC__NO_CLAIM UINT64_MAX

struct pipc__channel {
  pipc_channel_header *h;
  unsigned char *ring;
  uint64_t capacity;
  uint64_t mask;
  uint64_t key;               /* the header's, read once */
  int64_t size;               /* the mapping's length */
  const int32_t *faulted;     /* set by the fault guard; may be &own_faulted */
  int32_t own_faulted;
  int role;
  int slot;                   /* producer slot, or -1 */
  int32_t pid;
  int fd;                     /* owned descriptor, or -1 */
  bool owned;                 /* the mapping is ours to release */
  bool registered;            /* the mapping is in the guard's registry */
  bool barrier;               /* this process is registered for membarrier: publications need no fence */
  int64_t spin_ns;
  /* A producer's last look at head: head only grows, so a claim that fits
   * before it fits; head is read again only when the ring looks full, and
   * the consumer's line stays where it is the rest of the time. */
  uint64_t head_seen;
  int64_t stuck_since;        /* when a wait last began to see no progress, or 0 */
  int64_t last_check;         /* when it last checked the other side */
  /* The pending claim (producer) or the message being read (consumer). */
  bool busy;
  uint64_t pos;
  uint32_t rec_size;
  uint32_t length;
};

static struct pipc__channel *pipc__ch(uint64_t ch) { return (struct pipc__channel *)(uintptr_t)ch; }

/* ------------------------------------------------------------ small pieces */

static uint32_t pipc__record_size(uint64_t length) {
  return (uint32_t)((PIPC_CHANNEL_RECORD_SIZE + length + PIPC_CHANNEL_ALIGN - 1) & ~(uint64_t)(PIPC_CHANNEL_ALIGN - 1));
}

/* The bytes a claim of length at pos takes: the end-of-ring padding (*pad)
 * when the record does not fit before the end, plus the record. */
static uint64_t pipc__need(const struct pipc__channel *c, uint64_t pos, uint64_t length, uint64_t *pad) {
  uint64_t size = pipc__record_size(length);
  uint64_t to_end = c->capacity - (pos & c->mask);
  *pad = size > to_end ? to_end : 0;
  return *pad + size;
}

static pipc_channel_record *pipc__record(const struct pipc__channel *c, uint64_t pos) {
  return (pipc_channel_record *)(c->ring + (pos & c->mask));
}

static bool pipc__faulted(const struct pipc__channel *c) {
  return c->faulted != NULL && __atomic_load_n(c->faulted, __ATOMIC_ACQUIRE) != 0;
}

static inline void pipc__relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* The kind of the record committed at pos, or -1 while none is (whatever
 * an earlier lap left there says another position). */
static int pipc__committed(const struct pipc__channel *c, uint64_t pos) {
  uint64_t seq = __atomic_load_n(&pipc__record(c, pos)->seq, __ATOMIC_ACQUIRE);
  if (((seq ^ pos ^ c->key) & ~(uint64_t)PIPC_CHANNEL_RECORD_KIND_MASK) != 0) return -1;
  return (int)(seq & PIPC_CHANNEL_RECORD_KIND_MASK);
}

/* A publication (a commit, a release): a release store, or an exchange (a
 * full barrier) in a process that the waiters' barrier cannot reach. See the
 * protocol above. */
static void pipc__publish(const struct pipc__channel *c, uint64_t *word, uint64_t value) {
  if (c->barrier)
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
  else
    __atomic_exchange_n(word, value, __ATOMIC_SEQ_CST);
}

/* Registers this process for the waiters' barrier (once per process: a
 * forked child registers again). false when the kernel refuses. */
static bool pipc__register(void) {
  static int32_t registered; /* the process that registered */
  int32_t me = (int32_t)getpid();
  if (__atomic_load_n(&registered, __ATOMIC_ACQUIRE) == me) return true;
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) != 0) return false;
  __atomic_store_n(&registered, me, __ATOMIC_RELEASE);
  return true;
}

/* The waiter's barrier: makes every registered process's pending stores
 * visible. Refused (no membarrier here), the sleep that follows is one of
 * those capped at PIPC_CHANNEL_STALE_CHECK_NS. */
static void pipc__barrier(void) { syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0); }

static int pipc__futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns) {
  struct timespec ts, *tp = NULL;
  if (timeout_ns >= 0) {
    ts.tv_sec = (time_t)(timeout_ns / PIPC_SEC);
    ts.tv_nsec = (long)(timeout_ns % PIPC_SEC);
    tp = &ts;
  }
  /* Not FUTEX_PRIVATE_FLAG: the word is shared with other processes. */
  if (syscall(SYS_futex, word, FUTEX_WAIT, expected, tp, NULL, 0) < 0) return PIPC__ERR();
  return 0;
}

static void pipc__futex_wake(uint32_t *word, int count) { syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0); }

/*
 * After a publication (commit, release): wakes the other side if, and only
 * if, it declared itself sleeping. The read is sequentially consistent (a
 * plain load on x86), but the CPU may still make it before the publication
 * is visible; the protocol at the top says what makes up for that.
 */
static void pipc__wake(pipc_channel_header *h, uint32_t *word, int count) {
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 0) return;
  if (__atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST) == 0) return;
  pipc__futex_wake(word, count);
  __atomic_fetch_add(&h->wakeups, 1, __ATOMIC_RELAXED);
}

/*
 * Whether a process lives. A zombie (killed, not yet reaped by its parent)
 * counts as dead: it will never write to the ring again.
 */
static bool pipc__alive(int32_t pid) {
  if (pid <= 0) return false;
  if (pid == (int32_t)getpid()) return true;
  if (kill(pid, 0) < 0 && errno == ESRCH) return false;
  char path[32];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno != ENOENT;
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return true;
  buf[n] = '\0';
  /* "pid (comm) S ...": comm may hold ')' itself, so take the last one. */
  char *paren = strrchr(buf, ')');
  if (paren == NULL || paren[1] == '\0' || paren[2] == '\0') return true;
  return paren[2] != 'Z' && paren[2] != 'X';
}

/* ----------------------------------------------------------------- layout */

static bool pipc__capacity_ok(int64_t capacity) {
  return capacity >= PIPC_CHANNEL_MIN_CAPACITY && capacity <= PIPC_CHANNEL_MAX_CAPACITY &&
         (capacity & (capacity - 1)) == 0;
}

int pipc_channel_probe(uint64_t addr, int64_t size) {
  if (addr == 0 || size < 0) return -EINVAL;
  if (size < PIPC_CHANNEL_HEADER_SIZE) return -EBADMSG;
  const pipc_channel_header *h = (const pipc_channel_header *)(uintptr_t)addr;
  if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != PIPC_CHANNEL_MAGIC) return -EBADMSG;
  if (h->version != PIPC_CHANNEL_VERSION) return -EPROTO;
  if (h->header_size != (uint32_t)PIPC_CHANNEL_HEADER_SIZE) return -EBADMSG;
  if (!pipc__capacity_ok((int64_t)h->capacity)) return -EBADMSG;
  if ((h->key >> 63) == 0 || (h->key & PIPC_CHANNEL_RECORD_KIND_MASK) != 0) return -EBADMSG;
  if ((int64_t)h->capacity > size - PIPC_CHANNEL_HEADER_SIZE) return -EBADMSG;
  return 0;
}

int pipc_channel_format(uint64_t addr, int64_t size, int64_t capacity) {
  if (addr == 0 || !pipc__capacity_ok(capacity) || size < PIPC_CHANNEL_SEGMENT_SIZE(capacity)) return -EINVAL;
  pipc_channel_header *h = (pipc_channel_header *)(uintptr_t)addr;
  memset(h, 0, sizeof *h);
  h->version = PIPC_CHANNEL_VERSION;
  h->header_size = (uint32_t)PIPC_CHANNEL_HEADER_SIZE;
  h->capacity = (uint64_t)capacity;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  h->created_ns = (int64_t)ts.tv_sec * PIPC_SEC + ts.tv_nsec;
  uint64_t key = 0;
  if (getrandom(&key, sizeof key, GRND_NONBLOCK) != (ssize_t)sizeof key)
    key = (uint64_t)h->created_ns * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32 ^ (uint64_t)addr;
  /* Top bit set: no seq of a position below 2^63 is 0, as a fresh ring is. */
  h->key = (key | (uint64_t)1 << 63) & ~(uint64_t)PIPC_CHANNEL_RECORD_KIND_MASK;
  for (int i = 0; i < PIPC_CHANNEL_MAX_PRODUCERS; i++) h->producers[i].claim_pos = PIPC__NO_CLAIM;
  /* The magic last: a process that sees it sees a complete header. */
  __atomic_store_n(&h->magic, PIPC_CHANNEL_MAGIC, __ATOMIC_RELEASE);
  return 0;
}

/* ------------------------------------------------------------- attaching */

/* Takes the consumer's place, or a free producer slot. */
static int pipc__join(struct pipc__channel *c) {
  pipc_channel_header *h = c->h;
  if (c->role == PIPC_CHANNEL_OBSERVER) return 0;
  if (c->role == PIPC_CHANNEL_CONSUMER) {
    for (;;) {
      int32_t cur = __atomic_load_n(&h->consumer_pid, __ATOMIC_ACQUIRE);
      if (cur != 0 && (cur == c->pid || pipc__alive(cur))) return -EBUSY;
      if (__atomic_compare_exchange_n(&h->consumer_pid, &cur, c->pid, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return 0;
    }
  }
  uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
  for (int i = 0; i < PIPC_CHANNEL_MAX_PRODUCERS; i++) {
    pipc_channel_producer *s = &h->producers[i];
    int32_t cur = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);
    if (cur != 0) {
      /* A dead process's slot, once the consumer settled its last claim. */
      if (pipc__alive(cur)) continue;
      uint64_t pos = __atomic_load_n(&s->claim_pos, __ATOMIC_ACQUIRE);
      uint64_t pad;
      if (pos != PIPC__NO_CLAIM && pos + pipc__need(c, pos, s->claim_length, &pad) > head) continue;
    }
    if (__atomic_compare_exchange_n(&s->pid, &cur, c->pid, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
      __atomic_store_n(&s->claim_pos, PIPC__NO_CLAIM, __ATOMIC_RELEASE);
      c->slot = i;
      return 0;
    }
  }
  return -EUSERS;
}

/* Binds c to the mapping [addr, addr + size): checks the header and joins. */
static int pipc__bind(struct pipc__channel *c, uint64_t addr, int64_t size, int role) {
  c->h = (pipc_channel_header *)(uintptr_t)addr;
  c->size = size;
  c->role = role;
  c->slot = -1;
  c->pid = (int32_t)getpid();
  c->spin_ns = PIPC_CHANNEL_DEFAULT_SPIN_NS;
  int r = pipc_channel_probe(addr, size);
  if (r == 0 && pipc__faulted(c)) r = -EFAULT;
  if (r < 0) return r;
  /* Read once: a process that writes over the header later cannot make us
   * touch memory outside the mapping. */
  c->capacity = c->h->capacity;
  c->mask = c->capacity - 1;
  c->key = c->h->key;
  c->barrier = role != PIPC_CHANNEL_OBSERVER && pipc__register();
  c->ring = (unsigned char *)c->h + PIPC_CHANNEL_HEADER_SIZE;
  r = pipc__join(c);
  if (r == 0 && pipc__faulted(c)) r = -EFAULT;
  return r;
}

static bool pipc__role_ok(int role) {
  return role == PIPC_CHANNEL_PRODUCER || role == PIPC_CHANNEL_CONSUMER || role == PIPC_CHANNEL_OBSERVER;
}

int pipc_channel_attach(uint64_t addr, int64_t size, uint64_t faulted, int role, uint64_t *ch) {
  if (addr == 0 || ch == NULL || !pipc__role_ok(role) || faulted % sizeof(int32_t) != 0) return -EINVAL;
  struct pipc__channel *c = calloc(1, sizeof *c);
  if (c == NULL) return -ENOMEM;
  c->fd = -1;
  c->faulted = (const int32_t *)(uintptr_t)faulted;
  int r = pipc__bind(c, addr, size, role);
  if (r < 0) {
    free(c);
    return r;
  }
  *ch = (uint64_t)(uintptr_t)c;
  return 0;
}

/* Maps the segment behind fd (which c then owns) and binds to it. */
static int pipc__open_mapped(int fd, int64_t capacity, int role, uint64_t *ch) {
  int r;
  struct pipc__channel *c = calloc(1, sizeof *c);
  if (c == NULL) {
    r = -ENOMEM;
    goto fail_fd;
  }
  c->fd = fd;
  c->owned = true;
  c->faulted = &c->own_faulted;
  int64_t size = pipc_shm_size(fd);
  if (size < 0) {
    r = (int)size;
    goto fail_c;
  }
  if (size < PIPC_CHANNEL_HEADER_SIZE) {
    r = -EBADMSG;
    goto fail_c;
  }
  uint64_t addr;
  r = pipc_mmap(fd, 0, size, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr);
  if (r < 0) goto fail_c;
  /* With the guard installed, a shrink by another process turns our loads
   * and stores into zero-page accesses and sets own_faulted, which every
   * call checks; without it, SIGBUS ends the process, as for any mapping. */
  c->registered = pipc_fault_region_add(addr, size, 1, (uint64_t)(uintptr_t)&c->own_faulted) == 0;
  if (capacity > 0) {
    r = pipc_channel_format(addr, size, capacity);
    if (r < 0) goto fail_map;
  }
  r = pipc__bind(c, addr, size, role);
  if (r < 0) goto fail_map;
  *ch = (uint64_t)(uintptr_t)c;
  return 0;
fail_map:
  if (c->registered) pipc_fault_region_remove(addr);
  pipc_munmap(addr, size);
fail_c:
  free(c);
fail_fd:
  pipc_fd_close(fd);
  return r;
}

int pipc_channel_create(const char *name, int64_t capacity, int mode, int role, uint64_t *ch) {
  int r = pipc__check_ipc_name(name, PIPC_SHM_NAME_MAX);
  if (r < 0) return r;
  if (ch == NULL || !pipc__role_ok(role) || !pipc__capacity_ok(capacity)) return -EINVAL;
  int fd;
  r = pipc_shm_create(name, PIPC_CHANNEL_SEGMENT_SIZE(capacity), mode, &fd);
  if (r < 0) return r;
  r = pipc__open_mapped(fd, capacity, role, ch);
  if (r < 0) shm_unlink(name); /* ours (created exclusively): nobody relies on it yet */
  return r;
}

int pipc_channel_open(const char *name, int role, uint64_t *ch) {
  if (ch == NULL || !pipc__role_ok(role)) return -EINVAL;
  int fd;
  int r = pipc_shm_open(name, 0, 0, &fd);
  if (r < 0) return r;
  return pipc__open_mapped(fd, 0, role, ch);
}

int pipc_channel_create_anonymous(const char *label, int64_t capacity, int role, uint64_t *ch) {
  if (ch == NULL || !pipc__role_ok(role) || !pipc__capacity_ok(capacity)) return -EINVAL;
  int fd;
  int r = pipc_memfd_create(label, 0, &fd);
  if (r < 0) return r;
  r = pipc_shm_allocate(fd, 0, PIPC_CHANNEL_SEGMENT_SIZE(capacity));
  if (r < 0) {
    pipc_fd_close(fd);
    return r;
  }
  return pipc__open_mapped(fd, capacity, role, ch);
}

int pipc_channel_open_fd(int fd, int role, uint64_t *ch) {
  if (ch == NULL || !pipc__role_ok(role) || fd < 0) return -EINVAL;
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return PIPC__ERR();
  return pipc__open_mapped(dup, 0, role, ch);
}

int pipc_channel_unlink(const char *name) { return pipc_shm_unlink(name); }

int pipc_channel_fd(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || c->fd < 0) return -EINVAL;
  return c->fd;
}

/* Undoes the join: aborts a pending claim, gives the slot or the place back. */
static void pipc__leave(struct pipc__channel *c) {
  if (pipc__faulted(c) || c->role == PIPC_CHANNEL_OBSERVER) return;
  pipc_channel_header *h = c->h;
  if (c->role == PIPC_CHANNEL_PRODUCER) {
    if (c->busy) pipc_channel_abort((uint64_t)(uintptr_t)c);
    pipc_channel_producer *s = &h->producers[c->slot];
    __atomic_store_n(&s->claim_pos, PIPC__NO_CLAIM, __ATOMIC_RELEASE);
    __atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
  } else {
    int32_t me = c->pid;
    __atomic_compare_exchange_n(&h->consumer_pid, &me, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  }
}

int pipc_channel_detach(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL) return -EINVAL;
  pipc__leave(c);
  if (c->owned) {
    uint64_t addr = (uint64_t)(uintptr_t)c->h;
    if (c->registered) pipc_fault_region_remove(addr);
    pipc_munmap(addr, c->size);
    pipc_fd_close(c->fd);
  }
  free(c);
  return 0;
}

int pipc_channel_close(uint64_t ch) { return pipc_channel_detach(ch); }

int64_t pipc_channel_capacity(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  return c == NULL ? -EINVAL : (int64_t)c->capacity;
}

int64_t pipc_channel_max_message(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  return c == NULL ? -EINVAL : PIPC_CHANNEL_MAX_MESSAGE(c->capacity);
}

uint64_t pipc_channel_data(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  return c == NULL ? 0 : (uint64_t)(uintptr_t)c->ring;
}

int pipc_channel_set_spin(uint64_t ch, int64_t spin_ns) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL) return -EINVAL;
  c->spin_ns = spin_ns;
  return 0;
}

/* --------------------------------------------------------------- waiting */

/* One attempt of a wait: >= 0 done, -EAGAIN nothing yet, -EINPROGRESS a
 * claim that is not committed yet (consumer), or an error. */
/* careful: the look before sleeping, which may read more of the other
 * side's lines (the consumer reads tail, to tell an empty ring from a claim
 * not committed yet); the spinning looks read only what they must. */
typedef int64_t (*pipc__try)(struct pipc__channel *c, int64_t arg, bool careful);

/* Called while a wait sees no progress, every PIPC_CHANNEL_STALE_CHECK_NS:
 * true when it changed something (and the attempt should be made again), or
 * an error in *err. */
typedef bool (*pipc__check)(struct pipc__channel *c, int64_t *err);

/* Leaves a wait with r: the consumer takes back its declaration (a producer
 * leaves the word to the others that may have set it too: the consumer's
 * next release clears it, with one needless wake-up at most). */
static int64_t pipc__leave_wait(struct pipc__channel *c, uint32_t *word, bool declared, int64_t r) {
  if (declared && c->role == PIPC_CHANNEL_CONSUMER) __atomic_store_n(word, 0, __ATOMIC_RELAXED);
  if (r >= 0) c->stuck_since = 0;
  return pipc__faulted(c) ? -EFAULT : r;
}

/* Not a deadline yet: no clock reading is negative. */
#define PIPC__DEADLINE_UNSET ((int64_t)-1)

static bool pipc__waits(int64_t r) { return r == -EAGAIN || r == -EINPROGRESS; }

/*
 * The one wait of the channel: attempt; spin for the handle's spin time;
 * then declare sleeping in word, look again (with the barrier where the
 * protocol at the top needs it) and sleep until woken, the deadline, or the
 * next stale check. Stale checks run while the consumer sees an uncommitted
 * claim (-EINPROGRESS) and while a producer sees a full ring (-EAGAIN),
 * whose wait must notice a dead consumer.
 */
static int64_t pipc__wait(struct pipc__channel *c, pipc__try attempt, int64_t arg, int64_t timeout_ns,
                          uint32_t *word, pipc__check check) {
  /* A producer's positive timeout gets its deadline from the clock read
   * after the first attempt that finds no room, so that a claim on a ring
   * with room, nearly every claim of a stream, reads no clock (it ends later
   * by that attempt's length at most, never earlier). The consumer reads the
   * clock first, as measured: a stream's consumer is usually waiting for the
   * record being written, and looking at it straight after its release
   * halved the 64-byte stream (1,750-2,200 MB/s to 940-1,060 in the C
   * harness), where the Java producer's stream went from about 500 to 760
   * with the producer's clock read gone. */
  int64_t deadline = timeout_ns > 0 && c->role == PIPC_CHANNEL_PRODUCER ? PIPC__DEADLINE_UNSET : pipc__deadline(timeout_ns);
  int64_t start = -1;
  for (;;) {
    int64_t r = attempt(c, arg, false);
    /* A poll (timeout 0) that finds nothing looks again carefully: it does
     * not spin, and it reports what is there. */
    if (r == -EAGAIN && deadline == PIPC__DEADLINE_NOW) r = attempt(c, arg, true);
    if (!pipc__waits(r)) return pipc__leave_wait(c, word, false, r);
    if (pipc__faulted(c)) return -EFAULT;
    int64_t now = pipc__now_ns();
    if (deadline == PIPC__DEADLINE_UNSET) deadline = pipc__deadline_from(now, timeout_ns);
    /* The stale check: the consumer on a ring with nothing committed at head
     * (the check reads tail: an uncommitted claim there, whose process may be
     * dead), a producer on a ring that stays full. The time is kept in the
     * handle, across calls, so that callers that only poll (timeout 0) get
     * it too. */
    if (c->stuck_since == 0) {
      c->stuck_since = c->last_check = now;
    } else if (now - c->last_check >= PIPC_CHANNEL_STALE_CHECK_NS) {
      c->last_check = now;
      int64_t err = 0;
      if (check(c, &err)) continue;
      if (err < 0) return err;
    }
    if (deadline == PIPC__DEADLINE_NOW) return -EAGAIN;
    if (now >= deadline) return pipc__expired(deadline);
    if (start < 0) start = now;
    if (c->spin_ns < 0 || now - start < c->spin_ns) {
      pipc__relax();
      continue;
    }
    __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
    r = attempt(c, arg, true);
    /* An idle consumer (tail == head) needs no barrier; a claim in flight,
     * or a full ring, does (see the protocol at the top). */
    if (r == -EINPROGRESS || (r == -EAGAIN && c->role == PIPC_CHANNEL_PRODUCER)) {
      pipc__barrier();
      r = attempt(c, arg, true);
    }
    if (!pipc__waits(r)) return pipc__leave_wait(c, word, true, r);
    int64_t left = deadline == PIPC__DEADLINE_NEVER ? -1 : deadline - now;
    /* A dead peer wakes nobody: sleep one check interval at a time while
     * there is something to check. */
    if (r == -EINPROGRESS || c->role == PIPC_CHANNEL_PRODUCER) {
      if (left < 0 || left > PIPC_CHANNEL_STALE_CHECK_NS) left = PIPC_CHANNEL_STALE_CHECK_NS;
    }
    int w = pipc__futex_wait(word, 1, left);
    if (c->role == PIPC_CHANNEL_CONSUMER) __atomic_store_n(word, 0, __ATOMIC_RELAXED);
    if (w == -EINTR) return -EINTR;
    if (w == -EFAULT) return -EFAULT;
  }
}

/* -------------------------------------------------------------- producer */

static int64_t pipc__try_claim(struct pipc__channel *c, int64_t length, bool careful) {
  (void)careful;
  pipc_channel_header *h = c->h;
  pipc_channel_producer *s = &h->producers[c->slot];
  uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
  uint64_t pad, need;
  for (;;) {
    need = pipc__need(c, tail, (uint64_t)length, &pad);
    uint64_t head = c->head_seen;
    if (tail - head > c->capacity || tail + need - head > c->capacity) {
      /* Full by the last look (or that look is older than the ring): look
       * again. */
      head = c->head_seen = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
      if (tail - head > c->capacity) {
        /* head past tail, or further apart than the ring: reread both, which
         * may have moved between the two loads; garbage twice is garbage. */
        tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
        head = c->head_seen = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
        if (tail - head > c->capacity) return -EBADMSG;
        need = pipc__need(c, tail, (uint64_t)length, &pad);
      }
      if (tail + need - head > c->capacity) return -EAGAIN;
    }
    /* The intent first (the CAS below orders it before the claim), so that
     * the consumer can find a claim whose process died right after the CAS. */
    __atomic_store_n(&s->claim_length, (uint32_t)length, __ATOMIC_RELAXED);
    __atomic_store_n(&s->claim_pos, tail, __ATOMIC_RELAXED);
    if (__atomic_compare_exchange_n(&h->tail, &tail, tail + need, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
      break;
  }
  if (pad != 0) {
    pipc_channel_record *p = pipc__record(c, tail);
    p->length = 0;
    p->size = (uint32_t)pad;
    __atomic_store_n(&p->seq, PIPC_CHANNEL_SEQ(c->key, tail, PIPC_CHANNEL_RECORD_PADDING), __ATOMIC_RELEASE);
  }
  /* The record's header is written at commit, all at once: a store to it
   * here would have to take its line from a consumer polling it, and a JNI
   * caller's return would wait for that. */
  uint64_t pos = tail + pad;
  c->busy = true;
  c->pos = pos;
  c->rec_size = pipc__record_size((uint64_t)length);
  c->length = (uint32_t)length;
  return (int64_t)(pos & c->mask) + PIPC_CHANNEL_RECORD_SIZE;
}

/* A producer waiting on a full ring: is the consumer still there? */
static bool pipc__check_consumer(struct pipc__channel *c, int64_t *err) {
  int32_t pid = __atomic_load_n(&c->h->consumer_pid, __ATOMIC_ACQUIRE);
  if (pid != 0 && !pipc__alive(pid)) *err = -EPIPE;
  return false;
}

int64_t pipc_channel_claim(uint64_t ch, int64_t length, int64_t timeout_ns) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || c->role != PIPC_CHANNEL_PRODUCER || length < 0) return -EINVAL;
  if (pipc__faulted(c)) return -EFAULT;
  if (c->busy) return -EBUSY;
  if (length > PIPC_CHANNEL_MAX_MESSAGE(c->capacity)) return -EMSGSIZE;
  return pipc__wait(c, pipc__try_claim, length, timeout_ns, &c->h->producers_sleeping, pipc__check_consumer);
}

/* Ends the pending claim as kind: a message of length bytes, or padding. */
static int pipc__finish(struct pipc__channel *c, uint32_t kind, int64_t length) {
  if (c == NULL || c->role != PIPC_CHANNEL_PRODUCER) return -EINVAL;
  if (pipc__faulted(c)) {
    c->busy = false; /* the ring is gone: there is nothing to commit into */
    return -EFAULT;
  }
  if (!c->busy || length < 0 || length > (int64_t)c->length) return -EINVAL;
  pipc_channel_record *rec = pipc__record(c, c->pos);
  rec->length = (uint32_t)length;
  rec->size = c->rec_size;
  pipc__publish(c, &rec->seq, PIPC_CHANNEL_SEQ(c->key, c->pos, kind));
  c->busy = false;
  pipc__wake(c->h, &c->h->consumer_sleeping, 1);
  return pipc__faulted(c) ? -EFAULT : 0;
}

int pipc_channel_commit(uint64_t ch, int64_t length) {
  return pipc__finish(pipc__ch(ch), PIPC_CHANNEL_RECORD_MESSAGE, length);
}

int pipc_channel_abort(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  return pipc__finish(c, PIPC_CHANNEL_RECORD_PADDING, 0);
}

int pipc_channel_send(uint64_t ch, const void *buf, size_t len, int64_t timeout_ns) {
  if (buf == NULL && len > 0) return -EINVAL;
  if (len > (size_t)INT64_MAX) return -EMSGSIZE;
  int64_t off = pipc_channel_claim(ch, (int64_t)len, timeout_ns);
  if (off < 0) return (int)off;
  struct pipc__channel *c = pipc__ch(ch);
  if (len > 0) memcpy(c->ring + off, buf, len);
  return pipc_channel_commit(ch, (int64_t)len);
}

/* -------------------------------------------------------------- consumer */

/* Moves head past n bytes from head and wakes sleeping producers. */
static void pipc__advance(struct pipc__channel *c, uint64_t head, uint64_t n) {
  pipc__publish(c, &c->h->head, head + n);
  pipc__wake(c->h, &c->h->producers_sleeping, INT32_MAX);
}

/*
 * The record at head tells whether there is a message: one committed there
 * has the seq of head's position. Only the careful look reads tail, to tell
 * an empty ring (-EAGAIN) from a claim not committed yet (-EINPROGRESS):
 * while spinning, the consumer leaves the producers' line alone.
 */
static int64_t pipc__try_read(struct pipc__channel *c, int64_t unused, bool careful) {
  (void)unused;
  pipc_channel_header *h = c->h;
  for (;;) {
    uint64_t head = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
    pipc_channel_record *rec = pipc__record(c, head);
    int kind = pipc__committed(c, head);
    if (kind < 0) {
      if (!careful) return -EAGAIN;
      /* Sequentially consistent: the look after the declaration, which the
       * protocol at the top orders before every later claim. */
      uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_SEQ_CST);
      if (tail == head) return -EAGAIN;
      if (tail - head > c->capacity) return -EBADMSG;
      return -EINPROGRESS;
    }
    uint64_t idx = head & c->mask;
    uint32_t size = rec->size;
    /* Within the ring whatever the header says: a record that claims more
     * than tail allows moves head past tail, which the producers' next claim
     * reports (-EBADMSG). */
    if (size < PIPC_CHANNEL_RECORD_SIZE || size % PIPC_CHANNEL_ALIGN != 0 || size > c->capacity - idx)
      return -EBADMSG;
    if (kind == PIPC_CHANNEL_RECORD_PADDING) {
      pipc__advance(c, head, size);
      continue;
    }
    uint32_t length = rec->length;
    if (kind != PIPC_CHANNEL_RECORD_MESSAGE || length > size - PIPC_CHANNEL_RECORD_SIZE) return -EBADMSG;
    c->busy = true;
    c->pos = head;
    c->rec_size = size;
    c->length = length;
    return (int64_t)idx + PIPC_CHANNEL_RECORD_SIZE;
  }
}

/*
 * The consumer waiting on an uncommitted claim at head: skips it when the
 * process that made it is dead. The claim is found through the producer
 * slots: each says which position its process was claiming. A claim is
 * skipped only when a dead process's slot covers head and no live process's
 * slot does (a producer that died before its compare-and-set left an intent
 * for a position that a live producer then claimed).
 */
static bool pipc__check_claim(struct pipc__channel *c, int64_t *err) {
  pipc_channel_header *h = c->h;
  uint64_t head = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
  uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
  if (tail - head > c->capacity) {
    *err = -EBADMSG;
    return false;
  }
  uint64_t end = 0;
  for (int i = 0; i < PIPC_CHANNEL_MAX_PRODUCERS; i++) {
    pipc_channel_producer *s = &h->producers[i];
    int32_t pid = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);
    uint64_t pos = __atomic_load_n(&s->claim_pos, __ATOMIC_ACQUIRE);
    if (pid == 0 || pos == PIPC__NO_CLAIM || pos > head) continue;
    uint64_t pad;
    uint64_t e = pos + pipc__need(c, pos, __atomic_load_n(&s->claim_length, __ATOMIC_RELAXED), &pad);
    if (e <= head) continue;
    if (pipc__alive(pid)) return false;
    /* The nearest end: two dead slots can cover head (one died before its
     * compare-and-set, one after, from the same position). Skipping to the
     * nearer never skips past the real claim; what is left of it, if
     * anything, is covered by the other slot and skipped at the next check. */
    if (e <= tail && (end == 0 || e < end)) end = e;
  }
  if (end == 0) return false;
  /* Still uncommitted? A last look, now that the owner is known dead. */
  if (pipc__committed(c, head) >= 0) return true;
  pipc__advance(c, head, end - head);
  __atomic_fetch_add(&h->skipped, 1, __ATOMIC_RELAXED);
  return true;
}

int64_t pipc_channel_read(uint64_t ch, int64_t timeout_ns) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || c->role != PIPC_CHANNEL_CONSUMER) return -EINVAL;
  if (pipc__faulted(c)) return -EFAULT;
  if (c->busy) return -EBUSY;
  return pipc__wait(c, pipc__try_read, 0, timeout_ns, &c->h->consumer_sleeping, pipc__check_claim);
}

int64_t pipc_channel_read_length(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || c->role != PIPC_CHANNEL_CONSUMER || !c->busy) return -EINVAL;
  return c->length;
}

int pipc_channel_release(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || c->role != PIPC_CHANNEL_CONSUMER || !c->busy) return -EINVAL;
  if (pipc__faulted(c)) return -EFAULT;
  c->busy = false;
  pipc__advance(c, c->pos, c->rec_size);
  return pipc__faulted(c) ? -EFAULT : 0;
}

int pipc_channel_unread(uint64_t ch) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || c->role != PIPC_CHANNEL_CONSUMER || !c->busy) return -EINVAL;
  c->busy = false;
  return 0;
}

int64_t pipc_channel_receive(uint64_t ch, void *buf, size_t len, int64_t timeout_ns) {
  if (buf == NULL && len > 0) return -EINVAL;
  int64_t off = pipc_channel_read(ch, timeout_ns);
  if (off < 0) return off;
  struct pipc__channel *c = pipc__ch(ch);
  if (c->length > len) {
    pipc_channel_unread(ch); /* the message stays, for a larger buffer */
    return -EMSGSIZE;
  }
  uint32_t n = c->length;
  if (n > 0) memcpy(buf, c->ring + off, n);
  int r = pipc_channel_release(ch);
  return r < 0 ? r : (int64_t)n;
}

/* ----------------------------------------------------------------- stats */

int pipc_channel_stat(uint64_t ch, pipc_channel_stats *st) {
  struct pipc__channel *c = pipc__ch(ch);
  if (c == NULL || st == NULL) return -EINVAL;
  if (pipc__faulted(c)) return -EFAULT;
  pipc_channel_header *h = c->h;
  memset(st, 0, sizeof *st);
  st->capacity = (int64_t)c->capacity;
  st->max_message = PIPC_CHANNEL_MAX_MESSAGE(c->capacity);
  st->head = (int64_t)__atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
  st->tail = (int64_t)__atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
  st->bytes_waiting = st->tail - st->head;
  /* Walk the records from head: a snapshot, which stops at the first
   * uncommitted claim, at a record the consumer is releasing meanwhile, or
   * at anything that breaks the layout. */
  uint64_t pos = (uint64_t)st->head;
  for (uint64_t i = 0; pos < (uint64_t)st->tail && pos - (uint64_t)st->head <= c->capacity && i < c->capacity; i++) {
    int kind = pipc__committed(c, pos);
    uint32_t size = pipc__record(c, pos)->size;
    if (kind < 0 || size < PIPC_CHANNEL_RECORD_SIZE || size % PIPC_CHANNEL_ALIGN != 0 ||
        size > c->capacity - (pos & c->mask))
      break;
    if (kind == PIPC_CHANNEL_RECORD_MESSAGE) st->messages_waiting++;
    pos += size;
  }
  int32_t pid = __atomic_load_n(&h->consumer_pid, __ATOMIC_ACQUIRE);
  st->consumer_pid = pid;
  st->consumer_alive = pipc__alive(pid) ? 1 : 0;
  st->consumer_sleeping = __atomic_load_n(&h->consumer_sleeping, __ATOMIC_ACQUIRE) != 0;
  st->producers_sleeping = __atomic_load_n(&h->producers_sleeping, __ATOMIC_ACQUIRE) != 0;
  for (int i = 0; i < PIPC_CHANNEL_MAX_PRODUCERS; i++) {
    int32_t p = __atomic_load_n(&h->producers[i].pid, __ATOMIC_ACQUIRE);
    if (p != 0 && pipc__alive(p)) st->producers++;
  }
  st->skipped = (int64_t)__atomic_load_n(&h->skipped, __ATOMIC_RELAXED);
  st->wakeups = (int64_t)__atomic_load_n(&h->wakeups, __ATOMIC_RELAXED);
  st->version = h->version;
  return pipc__faulted(c) ? -EFAULT : 0;
}
