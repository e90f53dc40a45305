/*
 * pipc-bench: the C side of posixipc's benchmarks.
 *
 *   pipc-bench run SCENARIO CONTENDER [--seconds S] [--warmup S] [--cpu N] [--fill]
 *       measures one contender on one scenario and prints one JSON object.
 *       CONTENDER is "raw" (plain system calls: the limit), "capi" (the
 *       posixipc C API) or "capi-thread" (the C API on a second thread
 *       while the main thread waits in pthread_join, as in a JVM). Both
 *       sides run on CPU N (default 0; -1: on the CPUs this process may
 *       already use). An "-unpinned" scenario ignores N: both sides run on
 *       every online CPU this process may be given (see widen), and the run
 *       fails with status 3 when that is one CPU. The object also gives the
 *       CPUs each side may run on and the context switches per operation of
 *       each side over the measured time. --fill (channel streams only)
 *       also samples the ring once per 4 MiB sent and reports how full it
 *       was (see run_stream): which side held the stream back.
 *   pipc-bench serve echo IN OUT | sink IN | signal-echo SIGNO
 *                    | mq-echo QUEUE QUEUE | mq-sink QUEUE | unix-echo PATH | unix-sink PATH
 *                    | shm-echo NAME | shm-spin NAME
 *                    | sysv-msg-echo QID QID | sysv-sem-echo SEMID SHMID
 *                    | chan-echo TO FROM SPIN | chan-sink TO SPIN [untimed]
 *       the other side of every scenario, whatever the contender: plain
 *       system calls, so that every contender is measured against the same
 *       peer. Endpoints: fd:N or fifo:PATH. signal-echo answers every
 *       sigqueue value with the same value, to the sender.
 *   pipc-bench widen [PID]
 *       widens the CPU affinity of every thread of process PID (default:
 *       this one) to every online CPU its cpuset allows, and prints the
 *       CPUs it may then run on; status 3, and why on standard error, when
 *       that is still one CPU. The JMH harness's "-unpinned" runs widen
 *       their JVM with it.
 *   pipc-bench list
 *       the scenarios, one per line.
 *
 * Round-trip scenarios ("-rt") send 64 bytes and wait for them to come back,
 * timing every round trip; stream scenarios ("-stream") write chunks (64 KiB,
 * or a message-based mechanism's message size) into a sink and report MB/s.
 * Each scenario names how the raw and the C API contenders send and receive
 * (struct ops), so a mechanism that is not read/write on a descriptor adds
 * its own pair. The JMH harness (benchmarks/jmh) measures the
 * Java contenders on the same scenarios against the same server.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <semaphore.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

#define MSG 64
#define CHUNK (64 * 1024)
#define MQ_CHUNK 8192
#define MAX_SAMPLES (4 * 1000 * 1000)

static double opt_seconds = 2.0;
static double opt_warmup = 0.5;
static int opt_cpu = 0;
static int opt_fill = 0;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, int err) {
  fprintf(stderr, "pipc-bench: %s: %s (%s)\n", what, pipc_errno_name(err), pipc_errno_describe(err));
  exit(1);
}

/* ------------------------------------------------------------- contenders */

struct raw_ring;

/* A started server and what the contender uses to reach it. */
struct link {
  int to_server, from_server; /* descriptors: pipe or FIFO ends, queues, sockets */
  int pidfd;
  int pid;                    /* the server's process id */
  int stop_signal;            /* > 0: the server stops when sent this with SIGNAL_STOP */
  char dir[64];               /* a private directory to remove, or "" */
  char mq_in[64], mq_out[64]; /* message queues to stop and remove, or "" */
  char shm[64];               /* a shared memory segment to stop and remove, or "" */
  unsigned char *region;      /* its mapping (SHM_SIZE bytes) */
  int spin;                   /* 1: the segment is a spin link, 0: semaphores */
  uint64_t seq;               /* spin: the last request number */
  int sysv;                   /* 1: System V queues (to_server, from_server are
                                 their ids); 2: a System V set (sysv_sem) and
                                 segment (sysv_shm, attached at region) */
  int sysv_sem, sysv_shm;
  char chan_to[64], chan_from[64]; /* channels to stop and remove, or "" */
  uint64_t cto, cfrom;        /* their C API handles (capi contender) */
  struct raw_ring *rto, *rfrom; /* their raw mappings (raw contender) */
  int chan_spin;              /* 1: spin, never sleep; 0: sleep at once; -1: the default spin */
};

/* How one contender moves bytes over one kind of link; both return the bytes
 * moved or -errno. */
struct ops {
  int64_t (*send)(struct link *l, const void *buf, size_t len);
  int64_t (*recv)(struct link *l, void *buf, size_t len);
};

static int64_t fd_raw_send(struct link *l, const void *buf, size_t len) {
  ssize_t n = write(l->to_server, buf, len);
  return n < 0 ? -errno : n;
}

static int64_t fd_raw_recv(struct link *l, void *buf, size_t len) {
  ssize_t n = read(l->from_server, buf, len);
  return n < 0 ? -errno : n;
}

static int64_t fd_capi_send(struct link *l, const void *buf, size_t len) {
  return pipc_fd_write(l->to_server, buf, len);
}

static int64_t fd_capi_recv(struct link *l, void *buf, size_t len) {
  return pipc_fd_read(l->from_server, buf, len);
}

static const struct ops fd_raw = {fd_raw_send, fd_raw_recv};
static const struct ops fd_capi = {fd_capi_send, fd_capi_recv};

/* Signals carry no 64-byte message: a round trip sends the sigqueue value
 * (the ping's first byte) and checks the value that comes back. */
static int bench_signal(void) { return SIGRTMIN + 2; }

/* Values outside a byte's range: the server's hello, and the order to stop. */
#define SIGNAL_HELLO 1001
#define SIGNAL_STOP 1000

static int64_t sig_raw_send(struct link *l, const void *buf, size_t len) {
  union sigval v = {.sival_int = ((const signed char *)buf)[0]};
  while (sigqueue(l->pid, bench_signal(), v) < 0)
    if (errno != EAGAIN) return -errno;
  return (int64_t)len;
}

static int64_t sig_raw_recv(struct link *l, void *buf, size_t len) {
  (void)l;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, bench_signal());
  siginfo_t si;
  if (sigwaitinfo(&set, &si) < 0) return -errno;
  ((signed char *)buf)[0] = (signed char)si.si_value.sival_int;
  return (int64_t)len;
}

static int64_t sig_capi_send(struct link *l, const void *buf, size_t len) {
  int r;
  while ((r = pipc_signal_queue(l->pid, bench_signal(), ((const signed char *)buf)[0])) == -EAGAIN) {
  }
  return r < 0 ? r : (int64_t)len;
}

static int64_t sig_capi_recv(struct link *l, void *buf, size_t len) {
  (void)l;
  pipc_signal_info rec;
  int r = pipc_signal_read(&rec, 1, -1);
  if (r < 0) return r;
  if (rec.signo != bench_signal()) return -EBADMSG;
  ((signed char *)buf)[0] = (signed char)rec.value;
  return (int64_t)len;
}

static const struct ops sig_raw = {sig_raw_send, sig_raw_recv};

/* Message queues: one message per send; priority 0 (the server stops at a
 * message of priority 1). */
static int64_t mq_raw_send(struct link *l, const void *buf, size_t len) {
  return mq_send(l->to_server, buf, len, 0) < 0 ? -errno : (int64_t)len;
}

static int64_t mq_raw_recv(struct link *l, void *buf, size_t len) {
  ssize_t n = mq_receive(l->from_server, buf, len, NULL);
  return n < 0 ? -errno : n;
}

static int64_t mq_capi_send(struct link *l, const void *buf, size_t len) {
  int r = pipc_mq_send(l->to_server, buf, len, 0, -1);
  return r < 0 ? r : (int64_t)len;
}

static int64_t mq_capi_recv(struct link *l, void *buf, size_t len) {
  unsigned prio;
  return pipc_mq_receive(l->from_server, buf, len, &prio, -1);
}

static const struct ops mq_raw = {mq_raw_send, mq_raw_recv};

/* AF_UNIX stream sockets: one connected descriptor both ways. */
static int64_t sock_raw_send(struct link *l, const void *buf, size_t len) {
  ssize_t n = send(l->to_server, buf, len, MSG_NOSIGNAL);
  return n < 0 ? -errno : n;
}

static int64_t sock_raw_recv(struct link *l, void *buf, size_t len) {
  ssize_t n = recv(l->from_server, buf, len, 0);
  return n < 0 ? -errno : n;
}

static int64_t sock_capi_send(struct link *l, const void *buf, size_t len) {
  return pipc_socket_send(l->to_server, buf, len, 0, -1);
}

static int64_t sock_capi_recv(struct link *l, void *buf, size_t len) {
  return pipc_socket_recv(l->from_server, buf, len, 0, -1);
}

static const struct ops sock_raw = {sock_raw_send, sock_raw_recv};

/* Shared memory. The segment's layout, shared with the server and the Java
 * contenders (benchmarks/jmh ShmLinks):
 *   0    semaphore "ping ready" (or, spinning: the request number, uint64)
 *   64   semaphore "pong ready" (or, spinning: the answered number, uint64)
 *   128  the ping, 64 bytes
 *   192  the pong, 64 bytes
 *   256  1 when the server must stop (semaphores) */
#define SHM_SIZE 4096
#define SHM_A 0
#define SHM_B 64
#define SHM_PING 128
#define SHM_PONG 192
#define SHM_STOP 256
#define SPIN_STOP UINT64_MAX
/* A spinner that sees no progress for this long gives up: never a hang. */
#define SPIN_PATIENCE_NS (10 * (int64_t)1000000000)

static int64_t shm_raw_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  return sem_post((sem_t *)(l->region + SHM_A)) < 0 ? -errno : (int64_t)len;
}

static int64_t shm_raw_recv(struct link *l, void *buf, size_t len) {
  if (sem_wait((sem_t *)(l->region + SHM_B)) < 0) return -errno;
  memcpy(buf, l->region + SHM_PONG, len);
  return (int64_t)len;
}

static int64_t shm_capi_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  int r = pipc_sem_post((uint64_t)(uintptr_t)(l->region + SHM_A));
  return r < 0 ? r : (int64_t)len;
}

static int64_t shm_capi_recv(struct link *l, void *buf, size_t len) {
  int r = pipc_sem_wait((uint64_t)(uintptr_t)(l->region + SHM_B), -1);
  if (r < 0) return r;
  memcpy(buf, l->region + SHM_PONG, len);
  return (int64_t)len;
}

static const struct ops shm_raw = {shm_raw_send, shm_raw_recv};

/* System V message queues: two private queues, one each way; the messages
 * have type 1, and one of type 2 stops the server. */
struct sysv_msg {
  long type;
  unsigned char text[MSG];
};

static int64_t sysv_msg_raw_send(struct link *l, const void *buf, size_t len) {
  static struct sysv_msg m = {.type = 1};
  memcpy(m.text, buf, len);
  return msgsnd(l->to_server, &m, len, 0) < 0 ? -errno : (int64_t)len;
}

static int64_t sysv_msg_raw_recv(struct link *l, void *buf, size_t len) {
  static struct sysv_msg m;
  ssize_t n = msgrcv(l->from_server, &m, len, 0, 0);
  if (n < 0) return -errno;
  memcpy(buf, m.text, (size_t)n);
  return n;
}

static int64_t sysv_msg_capi_send(struct link *l, const void *buf, size_t len) {
  static struct sysv_msg m = {.type = 1};
  memcpy(m.text, buf, len);
  int r = pipc_sysv_msg_send(l->to_server, &m, len, -1);
  return r < 0 ? r : (int64_t)len;
}

static int64_t sysv_msg_capi_recv(struct link *l, void *buf, size_t len) {
  static struct sysv_msg m;
  int64_t n = pipc_sysv_msg_receive(l->from_server, &m, len, 0, 0, -1);
  if (n < 0) return n;
  memcpy(buf, m.text, (size_t)n);
  return n;
}

/* System V semaphores: a private set of two ("ping ready", "pong ready")
 * and a private segment with the layout of the shared memory scenarios. */
static int64_t sysv_sem_raw_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  struct sembuf up = {0, 1, 0};
  return semop(l->sysv_sem, &up, 1) < 0 ? -errno : (int64_t)len;
}

static int64_t sysv_sem_raw_recv(struct link *l, void *buf, size_t len) {
  struct sembuf down = {1, -1, 0};
  if (semop(l->sysv_sem, &down, 1) < 0) return -errno;
  memcpy(buf, l->region + SHM_PONG, len);
  return (int64_t)len;
}

static int64_t sysv_sem_capi_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  pipc_sysv_sembuf up = {0, 1, 0};
  int r = pipc_sysv_sem_op(l->sysv_sem, &up, 1, -1);
  return r < 0 ? r : (int64_t)len;
}

static int64_t sysv_sem_capi_recv(struct link *l, void *buf, size_t len) {
  pipc_sysv_sembuf down = {1, -1, 0};
  int r = pipc_sysv_sem_op(l->sysv_sem, &down, 1, -1);
  if (r < 0) return r;
  memcpy(buf, l->region + SHM_PONG, len);
  return (int64_t)len;
}

static const struct ops sysv_msg_raw = {sysv_msg_raw_send, sysv_msg_raw_recv};
static const struct ops sysv_msg_capi = {sysv_msg_capi_send, sysv_msg_capi_recv};
static const struct ops sysv_sem_raw = {sysv_sem_raw_send, sysv_sem_raw_recv};
static const struct ops sysv_sem_capi = {sysv_sem_capi_send, sysv_sem_capi_recv};
static const struct ops shm_capi = {shm_capi_send, shm_capi_recv};

static int64_t spin_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  __atomic_store_n((uint64_t *)(l->region + SHM_A), ++l->seq, __ATOMIC_RELEASE);
  return (int64_t)len;
}

static int64_t spin_recv(struct link *l, void *buf, size_t len) {
  uint64_t *answered = (uint64_t *)(l->region + SHM_B);
  int64_t start = 0;
  for (unsigned n = 0; __atomic_load_n(answered, __ATOMIC_ACQUIRE) != l->seq; n++) {
    __builtin_ia32_pause();
    if ((n & 0xffff) == 0) {
      int64_t t = now_ns();
      if (start == 0) start = t;
      else if (t - start > SPIN_PATIENCE_NS) return -ETIMEDOUT;
    }
  }
  memcpy(buf, l->region + SHM_PONG, len);
  return (int64_t)len;
}

/* Spinning has nothing of the C API on its path: one contender, raw. */
static const struct ops spin_raw = {spin_send, spin_recv};

/* The same round trip with the request number published by compare-and-set,
 * an atomic read-modify-write, instead of a release store: what that costs. */
static int64_t cas_raw_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  uint64_t expected = l->seq;
  if (!__atomic_compare_exchange_n((uint64_t *)(l->region + SHM_A), &expected, l->seq + 1, 0, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST))
    return -EBADMSG;
  l->seq++;
  return (int64_t)len;
}

static int64_t cas_capi_send(struct link *l, const void *buf, size_t len) {
  memcpy(l->region + SHM_PING, buf, len);
  int r = pipc_atomic_cas64((uint64_t)(uintptr_t)(l->region + SHM_A), (int64_t)l->seq, (int64_t)(l->seq + 1));
  if (r != 1) return r < 0 ? r : -EBADMSG;
  l->seq++;
  return (int64_t)len;
}

/* Channels (channel.h). The C API contender uses pipc_channel_send and
 * pipc_channel_receive. The raw contender is the limit: a minimal ring on the
 * same layout, one producer and one consumer, no handle, no checks beyond
 * the wait protocol: tail moved past the claim (an exchange: the claim is
 * the protocol's sequentially consistent step), the record written, its seq
 * published with a release store; the wake-up only when the other side's
 * flag says it sleeps; a sleeper that makes the barrier (membarrier) when a
 * claim is in flight or it waits for room (docs/channels.md). As in the core, the
 * producer reads head only when the ring looks full, and the consumer looks
 * at the record at head, not at tail. */
struct raw_ring {
  pipc_channel_header *h;
  unsigned char *ring;
  uint64_t cap, mask, key;
  uint64_t head_seen; /* the producer's last look at head */
};

static void raw_futex(uint32_t *word, int op, uint32_t val) {
  /* A wait ends within 100 ms, so that raw_wait can give up on a server
   * that is gone. */
  struct timespec patience = {0, 100 * 1000 * 1000};
  syscall(SYS_futex, word, op, val, op == FUTEX_WAIT ? &patience : NULL, NULL, 0);
}

/* Waits until ready(r) by spinning, or by declaring itself asleep in word
 * and sleeping on it, after the barrier when barrier(r) says; gives up (the
 * run fails) after SPIN_PATIENCE_NS without progress: a server that died
 * never hangs the run. chan_spin says how, as the core's spin time does: 1
 * spins for ever, 0 sleeps at once, -1 spins PIPC_CHANNEL_DEFAULT_SPIN_NS
 * first (a stream: without it the producer slept, with a membarrier and two
 * futex calls, each time the consumer fell a message behind). */
static void raw_wait(struct raw_ring *r, int chan_spin, uint32_t *word, int (*ready)(struct raw_ring *),
                     int (*barrier)(struct raw_ring *)) {
  int64_t since = 0;
  for (unsigned n = 0; !ready(r); n++) {
    int spin = chan_spin == 1;
    if ((n & 4095) == 4095 || !spin) {
      int64_t now = now_ns();
      if (since == 0) since = now;
      else if (now - since > SPIN_PATIENCE_NS) die("the channel's other side (no progress for 10 s)", ETIMEDOUT);
      if (chan_spin == -1 && now - since < PIPC_CHANNEL_DEFAULT_SPIN_NS) spin = 1;
    }
    if (spin) {
      __builtin_ia32_pause();
      continue;
    }
    __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
    if (!ready(r) && barrier(r)) syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
    if (!ready(r)) raw_futex(word, FUTEX_WAIT, 1);
    __atomic_store_n(word, 0, __ATOMIC_RELAXED);
  }
}

/* After a publication made with a release store (docs/channels.md). */
static void raw_wake(uint32_t *word, int count) {
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) && __atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST))
    raw_futex(word, FUTEX_WAKE, (uint32_t)count);
}

/* A producer waiting for room always makes the barrier; the consumer when a
 * claim is in flight (tail past head). */
static int raw_always(struct raw_ring *r) {
  (void)r;
  return 1;
}

static int raw_in_flight(struct raw_ring *r) {
  return __atomic_load_n(&r->h->tail, __ATOMIC_SEQ_CST) != __atomic_load_n(&r->h->head, __ATOMIC_RELAXED);
}

static uint64_t raw_need; /* the room raw_room waits for */

static int raw_room(struct raw_ring *r) {
  uint64_t tail = __atomic_load_n(&r->h->tail, __ATOMIC_RELAXED);
  if (tail + raw_need - r->head_seen <= r->cap) return 1;
  r->head_seen = __atomic_load_n(&r->h->head, __ATOMIC_ACQUIRE);
  return tail + raw_need - r->head_seen <= r->cap;
}

static int raw_nonempty(struct raw_ring *r) {
  uint64_t head = __atomic_load_n(&r->h->head, __ATOMIC_RELAXED);
  uint64_t seq = __atomic_load_n(&((pipc_channel_record *)(r->ring + (head & r->mask)))->seq, __ATOMIC_ACQUIRE);
  return ((seq ^ PIPC_CHANNEL_SEQ(r->key, head, 0)) & ~(uint64_t)PIPC_CHANNEL_RECORD_KIND_MASK) == 0;
}

/* The bytes a record of a len-byte message takes in the ring (channel.h). */
static uint64_t chan_record_size(size_t len) {
  return (PIPC_CHANNEL_RECORD_SIZE + len + PIPC_CHANNEL_ALIGN - 1) & ~(uint64_t)(PIPC_CHANNEL_ALIGN - 1);
}

static int64_t chan_raw_send(struct link *l, const void *buf, size_t len) {
  struct raw_ring *r = l->rto;
  uint64_t tail = r->h->tail;
  uint64_t size = chan_record_size(len);
  uint64_t to_end = r->cap - (tail & r->mask);
  uint64_t pad = size > to_end ? to_end : 0;
  raw_need = pad + size;
  raw_wait(r, l->chan_spin, &r->h->producers_sleeping, raw_room, raw_always);
  /* The claim first, as the core's compare-and-set: a consumer that finds
   * nothing committed at head and looks at tail must never see head past it
   * (after the padding below, say). */
  __atomic_exchange_n(&r->h->tail, tail + pad + size, __ATOMIC_SEQ_CST);
  if (pad) {
    pipc_channel_record *p = (pipc_channel_record *)(r->ring + (tail & r->mask));
    p->size = (uint32_t)pad;
    __atomic_store_n(&p->seq, PIPC_CHANNEL_SEQ(r->key, tail, PIPC_CHANNEL_RECORD_PADDING), __ATOMIC_RELEASE);
  }
  pipc_channel_record *rec = (pipc_channel_record *)(r->ring + ((tail + pad) & r->mask));
  rec->length = (uint32_t)len;
  rec->size = (uint32_t)size;
  memcpy(rec + 1, buf, len);
  __atomic_store_n(&rec->seq, PIPC_CHANNEL_SEQ(r->key, tail + pad, PIPC_CHANNEL_RECORD_MESSAGE), __ATOMIC_RELEASE);
  raw_wake(&r->h->consumer_sleeping, 1);
  return (int64_t)len;
}

static int64_t chan_raw_recv(struct link *l, void *buf, size_t len) {
  struct raw_ring *r = l->rfrom;
  for (;;) {
    raw_wait(r, l->chan_spin, &r->h->consumer_sleeping, raw_nonempty, raw_in_flight);
    uint64_t head = r->h->head;
    pipc_channel_record *rec = (pipc_channel_record *)(r->ring + (head & r->mask));
    uint32_t size = rec->size;
    int message = (rec->seq & PIPC_CHANNEL_RECORD_KIND_MASK) == PIPC_CHANNEL_RECORD_MESSAGE;
    size_t n = rec->length < len ? rec->length : len;
    if (message) memcpy(buf, rec + 1, n);
    __atomic_store_n(&r->h->head, head + size, __ATOMIC_RELEASE);
    raw_wake(&r->h->producers_sleeping, INT32_MAX);
    if (message) return (int64_t)n;
  }
}

static int64_t chan_capi_send(struct link *l, const void *buf, size_t len) {
  int r = pipc_channel_send(l->cto, buf, len, -1);
  return r < 0 ? r : (int64_t)len;
}

static int64_t chan_capi_recv(struct link *l, void *buf, size_t len) {
  return pipc_channel_receive(l->cfrom, buf, len, -1);
}

static const struct ops chan_raw = {chan_raw_send, chan_raw_recv};
static const struct ops chan_capi = {chan_capi_send, chan_capi_recv};

static const struct ops cas_raw = {cas_raw_send, spin_recv};
static const struct ops cas_capi = {cas_capi_send, spin_recv};
static const struct ops sock_capi = {sock_capi_send, sock_capi_recv};
static const struct ops mq_capi = {mq_capi_send, mq_capi_recv};
static const struct ops sig_capi = {sig_capi_send, sig_capi_recv};

static void send_all(const struct ops *io, struct link *l, const unsigned char *p, size_t n) {
  while (n > 0) {
    int64_t w = io->send(l, p, n);
    if (w == -EINTR) continue;
    if (w < 0) die("send", (int)w);
    p += w;
    n -= (size_t)w;
  }
}

static void recv_all(const struct ops *io, struct link *l, unsigned char *p, size_t n) {
  while (n > 0) {
    int64_t r = io->recv(l, p, n);
    if (r == -EINTR) continue;
    if (r <= 0) die("receive", r == 0 ? EPIPE : (int)r);
    p += r;
    n -= (size_t)r;
  }
}

static void write_fd_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) die("write", errno);
    p += w;
    n -= (size_t)w;
  }
}

/* -------------------------------------------------------------- the server */

static int open_endpoint(const char *spec, int output) {
  if (strncmp(spec, "fd:", 3) == 0) return atoi(spec + 3);
  if (strncmp(spec, "fifo:", 5) == 0) {
    int fd = open(spec + 5, (output ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) die(spec, errno);
    return fd;
  }
  fprintf(stderr, "pipc-bench: bad endpoint %s\n", spec);
  exit(2);
}

static int serve(int argc, char **argv) {
  static unsigned char buf[CHUNK];
  if (argc == 3 && strcmp(argv[0], "echo") == 0) {
    int in = open_endpoint(argv[1], 0);
    int out = open_endpoint(argv[2], 1);
    for (;;) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n == 0 ? 0 : 1;
      write_fd_all(out, buf, (size_t)n);
    }
  }
  if (argc == 2 && strcmp(argv[0], "sink") == 0) {
    int in = open_endpoint(argv[1], 0);
    for (;;) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n == 0 ? 0 : 1;
    }
  }
  if (argc == 2 && strcmp(argv[0], "signal-echo") == 0) {
    int sig = atoi(argv[1]);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return 1;
    pid_t parent = getppid();
    if (sigqueue(parent, sig, (union sigval){.sival_int = SIGNAL_HELLO}) < 0) return 1;
    for (;;) {
      siginfo_t si;
      if (sigwaitinfo(&set, &si) < 0) {
        if (errno == EINTR) continue;
        return 1;
      }
      if (si.si_value.sival_int == SIGNAL_STOP) return 0;
      while (sigqueue(si.si_pid, sig, si.si_value) < 0)
        if (errno != EAGAIN) return 1;
    }
  }
  if ((argc == 3 && strcmp(argv[0], "mq-echo") == 0) || (argc == 2 && strcmp(argv[0], "mq-sink") == 0)) {
    int echo = argc == 3;
    mqd_t in = mq_open(argv[1], O_RDONLY | O_CLOEXEC);
    mqd_t out = echo ? mq_open(argv[2], O_WRONLY | O_CLOEXEC) : 0;
    if (in < 0 || out < 0) return 1;
    for (;;) {
      unsigned prio;
      ssize_t n = mq_receive(in, (char *)buf, sizeof buf, &prio);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return 1;
      if (prio == 1) return 0;
      while (echo && mq_send(out, (char *)buf, (size_t)n, 0) < 0)
        if (errno != EINTR) return 1;
    }
  }
  if (argc == 2 && (strcmp(argv[0], "unix-echo") == 0 || strcmp(argv[0], "unix-sink") == 0)) {
    int echo = strcmp(argv[0], "unix-echo") == 0;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 1) < 0) return 1;
    int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) return 1;
    close(ls);
    for (;;) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return n == 0 ? 0 : 1;
      if (echo) write_fd_all(c, buf, (size_t)n);
    }
  }
  if (argc == 2 && (strcmp(argv[0], "shm-echo") == 0 || strcmp(argv[0], "shm-spin") == 0)) {
    int fd = shm_open(argv[1], O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return 1;
    unsigned char *m = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return 1;
    if (strcmp(argv[0], "shm-echo") == 0) {
      for (;;) {
        if (sem_wait((sem_t *)(m + SHM_A)) < 0) {
          if (errno == EINTR) continue;
          return 1;
        }
        if (__atomic_load_n(m + SHM_STOP, __ATOMIC_ACQUIRE)) return 0;
        memcpy(m + SHM_PONG, m + SHM_PING, MSG);
        if (sem_post((sem_t *)(m + SHM_B)) < 0) return 1;
      }
    }
    /* Spinning: on another CPU than the contender's, when there is one. */
    int here = sched_getcpu();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (here >= 0 && cpus > 1) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET((here + 1) % cpus, &set);
      sched_setaffinity(0, sizeof set, &set);
    }
    uint64_t last = 0;
    int64_t idle_since = now_ns();
    for (unsigned n = 0;; n++) {
      uint64_t s = __atomic_load_n((uint64_t *)(m + SHM_A), __ATOMIC_ACQUIRE);
      if (s == SPIN_STOP) return 0;
      if (s != last) {
        memcpy(m + SHM_PONG, m + SHM_PING, MSG);
        __atomic_store_n((uint64_t *)(m + SHM_B), s, __ATOMIC_RELEASE);
        last = s;
        idle_since = 0;
        continue;
      }
      __builtin_ia32_pause();
      if ((n & 0xffff) == 0) {
        int64_t t = now_ns();
        if (idle_since == 0) idle_since = t;
        else if (t - idle_since > 6 * SPIN_PATIENCE_NS) return 1; /* the contender is gone */
      }
    }
  }
  if (argc == 3 && strcmp(argv[0], "sysv-msg-echo") == 0) {
    int in = atoi(argv[1]), out = atoi(argv[2]);
    struct sysv_msg m;
    for (;;) {
      ssize_t n = msgrcv(in, &m, sizeof m.text, 0, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return 1;
      if (m.type == 2) return 0;
      while (msgsnd(out, &m, (size_t)n, 0) < 0)
        if (errno != EINTR) return 1;
    }
  }
  if (argc == 3 && strcmp(argv[0], "sysv-sem-echo") == 0) {
    int sem = atoi(argv[1]);
    unsigned char *m = shmat(atoi(argv[2]), NULL, 0);
    if (m == (void *)-1) return 1;
    struct sembuf down = {0, -1, 0}, up = {1, 1, 0};
    for (;;) {
      if (semop(sem, &down, 1) < 0) {
        if (errno == EINTR) continue;
        return 1;
      }
      if (__atomic_load_n(m + SHM_STOP, __ATOMIC_ACQUIRE)) return 0;
      memcpy(m + SHM_PONG, m + SHM_PING, MSG);
      if (semop(sem, &up, 1) < 0) return 1;
    }
  }
  if ((argc == 4 && strcmp(argv[0], "chan-echo") == 0) || (argc == 3 && strcmp(argv[0], "chan-sink") == 0) ||
      (argc == 4 && strcmp(argv[0], "chan-sink") == 0 && strcmp(argv[3], "untimed") == 0)) {
    /* Channels, through the C API on this side for every contender: consume
     * the first channel (zero copy), echo into the second, until an empty
     * message. SPIN is 1 (spin, never sleep), 0 (sleep at once) or -1 (the
     * default spin). */
    int echo = argv[0][5] == 'e';
    int spin = atoi(argv[echo ? 3 : 2]);
    /* A sink "untimed" reads without a timeout, so without a clock read per
     * message (ChannelProbe's consumer that reads no clock). */
    int untimed = !echo && argc == 4;
    uint64_t in, out = 0;
    int opened = pipc_channel_open(argv[1], PIPC_CHANNEL_CONSUMER, &in);
    if (opened == 0 && echo) opened = pipc_channel_open(argv[2], PIPC_CHANNEL_PRODUCER, &out);
    if (opened < 0) {
      fprintf(stderr, "pipc-bench serve %s: pipc_channel_open: %s\n", argv[0], pipc_errno_name(opened));
      return 1;
    }
    int64_t spin_ns = spin == 1 ? -1 : spin == 0 ? 0 : PIPC_CHANNEL_DEFAULT_SPIN_NS;
    /* Sleeping, the server waits without a timeout, as the semaphore server
     * (shm-echo) and every client do: a timed sleep arms a kernel timer,
     * which cost the sleeping round trip about 0.15 us (1.83-2.01 us against
     * 1.68-1.72 untimed, raw C client). Spinning, it gives up after 60 s
     * rather than spin for ever after its client. */
    int64_t patience = spin == 0 || untimed ? -1 : 60 * PIPC_SEC;
    pipc_channel_set_spin(in, spin_ns);
    if (echo) pipc_channel_set_spin(out, spin_ns);
    if (spin != 0) {
      /* Spinning (and streams, whose Agrona contender spins on a CPU of its
       * own): on another CPU than the contender's, when there is one. */
      int here = sched_getcpu();
      long cpus = sysconf(_SC_NPROCESSORS_ONLN);
      if (here >= 0 && cpus > 1) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((here + 1) % cpus, &set);
        sched_setaffinity(0, sizeof set, &set);
      }
    }
    for (;;) {
      int64_t off = pipc_channel_read(in, patience);
      if (off == -EINTR) continue;
      if (off < 0) {
        fprintf(stderr, "pipc-bench serve %s: pipc_channel_read: %s\n", argv[0], pipc_errno_name((int)off));
        return 1;
      }
      int64_t len = pipc_channel_read_length(in);
      if (len == 0) return 0;
      if (echo) {
        int64_t to;
        while ((to = pipc_channel_claim(out, len, patience)) == -EINTR) {
        }
        if (to < 0) {
          fprintf(stderr, "pipc-bench serve %s: pipc_channel_claim: %s\n", argv[0], pipc_errno_name((int)to));
          return 1;
        }
        memcpy((void *)(uintptr_t)(pipc_channel_data(out) + (uint64_t)to),
               (const void *)(uintptr_t)(pipc_channel_data(in) + (uint64_t)off), (size_t)len);
        int c = pipc_channel_commit(out, len);
        if (c < 0) {
          fprintf(stderr, "pipc-bench serve %s: pipc_channel_commit: %s\n", argv[0], pipc_errno_name(c));
          return 1;
        }
      }
      int rel = pipc_channel_release(in);
      if (rel < 0) {
        fprintf(stderr, "pipc-bench serve %s: pipc_channel_release: %s\n", argv[0], pipc_errno_name(rel));
        return 1;
      }
    }
  }
  fprintf(stderr, "usage: pipc-bench serve echo IN OUT | sink IN | signal-echo SIGNO | mq-echo IN OUT | mq-sink IN"
          " | shm-echo NAME | shm-spin NAME | sysv-msg-echo QID QID | sysv-sem-echo SEMID SHMID"
          " | chan-echo TO FROM SPIN | chan-sink TO SPIN [untimed]"
          " | unix-echo PATH | unix-sink PATH\n");
  return 2;
}

/* ------------------------------------------------------------- scenarios */

static void start_server(struct link *l, char *const argv[], const int *map, int n) {
  int r = pipc_spawn("/proc/self/exe", argv, NULL, NULL, map, n, 0, &l->pid, &l->pidfd);
  if (r < 0) die("spawn the server", r);
}

static void stop_server(struct link *l) {
  int sysv_q[2] = {-1, -1};
  if (l->sysv == 1) {
    /* Identifiers, not descriptors: nothing to close. */
    struct sysv_msg stop = {.type = 2};
    msgsnd(l->to_server, &stop, 0, 0);
    sysv_q[0] = l->to_server;
    sysv_q[1] = l->from_server;
    l->to_server = l->from_server = -1;
  } else if (l->sysv == 2) {
    __atomic_store_n(l->region + SHM_STOP, 1, __ATOMIC_RELEASE);
    struct sembuf up = {0, 1, 0};
    semop(l->sysv_sem, &up, 1);
  }
  if (l->from_server == l->to_server) l->from_server = -1; /* one socket: close it once */
  if (l->stop_signal > 0) sigqueue(l->pid, l->stop_signal, (union sigval){.sival_int = SIGNAL_STOP});
  if (l->mq_in[0]) mq_send(l->to_server, "", 0, 1);
  if (l->shm[0] && l->spin) {
    __atomic_store_n((uint64_t *)(l->region + SHM_A), SPIN_STOP, __ATOMIC_RELEASE);
  } else if (l->shm[0]) {
    __atomic_store_n(l->region + SHM_STOP, 1, __ATOMIC_RELEASE);
    sem_post((sem_t *)(l->region + SHM_A));
  }
  if (l->chan_to[0]) {
    /* The end: an empty message, through whichever contender ran. */
    if (l->rto != NULL) chan_raw_send(l, "", 0);
    else if (pipc_channel_send(l->cto, "", 0, 10 * PIPC_SEC) < 0) die("pipc_channel_send", EPIPE);
  }
  if (l->to_server >= 0) close(l->to_server);
  if (l->from_server >= 0) close(l->from_server);
  int how, value;
  int r = pipc_spawn_wait(l->pidfd, 10 * PIPC_SEC, &how, &value);
  if (r < 0 || how != PIPC_CHILD_EXITED || value != 0) {
    fprintf(stderr, "pipc-bench: the server did not end cleanly\n");
    exit(1);
  }
  close(l->pidfd);
  for (int i = 0; i < 2; i++)
    if (sysv_q[i] >= 0) msgctl(sysv_q[i], IPC_RMID, NULL);
  if (l->sysv == 2) {
    shmdt(l->region);
    shmctl(l->sysv_shm, IPC_RMID, NULL);
    semctl(l->sysv_sem, 0, IPC_RMID);
  }
  if (l->mq_in[0]) mq_unlink(l->mq_in);
  if (l->shm[0]) {
    munmap(l->region, SHM_SIZE);
    shm_unlink(l->shm);
  }
  if (l->mq_out[0]) mq_unlink(l->mq_out);
  if (l->chan_to[0]) {
    if (l->cto) pipc_channel_close(l->cto);
    if (l->cfrom) pipc_channel_close(l->cfrom);
    pipc_channel_unlink(l->chan_to);
    if (l->chan_from[0]) pipc_channel_unlink(l->chan_from);
  }
  if (l->dir[0]) {
    char p[128];
    snprintf(p, sizeof p, "%s/in", l->dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/out", l->dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/sock", l->dir);
    unlink(p);
    rmdir(l->dir);
  }
}

/* Pipes: the server inherits one pipe's read end (fd 3) and the other's
 * write end (fd 4); stream scenarios only use the first. */
static void setup_pipe(struct link *l, int echo, const struct ops *io) {
  (void)io;
  int a[2], b[2];
  if (pipc_pipe_create(a, 0) < 0 || pipc_pipe_create(b, 0) < 0) die("pipe", errno);
  char *echo_argv[] = {"pipc-bench", "serve", "echo", "fd:3", "fd:4", NULL};
  char *sink_argv[] = {"pipc-bench", "serve", "sink", "fd:3", NULL};
  int map[] = {3, a[0], 4, b[1]};
  start_server(l, echo ? echo_argv : sink_argv, map, echo ? 2 : 1);
  close(a[0]);
  close(b[1]);
  l->to_server = a[1];
  l->from_server = b[0];
  if (!echo) {
    close(b[0]);
    l->from_server = -1;
  }
}

/* FIFOs: two paths in a private directory. */
static void setup_fifo(struct link *l, int echo, const struct ops *io) {
  (void)io;
  snprintf(l->dir, sizeof l->dir, "/tmp/pipc-bench-XXXXXX");
  if (mkdtemp(l->dir) == NULL) die("mkdtemp", errno);
  char in[96], out[96], in_spec[112], out_spec[112];
  snprintf(in, sizeof in, "%s/in", l->dir);
  snprintf(out, sizeof out, "%s/out", l->dir);
  if (mkfifo(in, 0600) < 0 || mkfifo(out, 0600) < 0) die("mkfifo", errno);
  snprintf(in_spec, sizeof in_spec, "fifo:%s", in);
  snprintf(out_spec, sizeof out_spec, "fifo:%s", out);
  char *echo_argv[] = {"pipc-bench", "serve", "echo", in_spec, out_spec, NULL};
  char *sink_argv[] = {"pipc-bench", "serve", "sink", in_spec, NULL};
  start_server(l, echo ? echo_argv : sink_argv, NULL, 0);
  /* The server opens its input, then its output: the same order here. */
  l->to_server = open(in, O_WRONLY | O_CLOEXEC);
  if (l->to_server < 0) die("open the FIFO", errno);
  l->from_server = -1;
  if (echo) {
    l->from_server = open(out, O_RDONLY | O_CLOEXEC);
    if (l->from_server < 0) die("open the FIFO", errno);
  }
}

/* Signals: the server blocks the signal, says hello (SIGNAL_HELLO) and then
 * answers every value with the same value until it gets SIGNAL_STOP. The raw
 * contender blocks the signal and waits with sigwaitinfo; the C API
 * contender catches it through posixipc's dispatcher and its self-pipe. */
static void setup_signal(struct link *l, int echo, const struct ops *io) {
  (void)echo;
  int sig = bench_signal();
  if (io == &sig_raw) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die("sigprocmask", errno);
  } else {
    int r = pipc_signal_catch(sig);
    if (r < 0) die("pipc_signal_catch", r);
  }
  char signo[16];
  snprintf(signo, sizeof signo, "%d", sig);
  char *argv[] = {"pipc-bench", "serve", "signal-echo", signo, NULL};
  start_server(l, argv, NULL, 0);
  l->stop_signal = sig;
  /* The hello, taken apart from the byte-sized values of the round trips. */
  int hello = 0;
  if (io == &sig_raw) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    siginfo_t si;
    if (sigwaitinfo(&set, &si) == sig) hello = si.si_value.sival_int;
  } else {
    pipc_signal_info rec;
    int r;
    /* The handler runs on this thread and interrupts the wait: -EINTR, then the record. */
    while ((r = pipc_signal_read(&rec, 1, 10 * PIPC_SEC)) == -EINTR) {
    }
    if (r == 1) hello = rec.value;
  }
  if (hello != SIGNAL_HELLO) die("the server's hello", EBADMSG);
}

/* Message queues: two (or, for a stream, one) private queues with room for
 * ten messages of 64 bytes (8 KiB for streams: the default msgsize_max). */
static int open_queue(char *name, size_t size, const char *tag, long msgsize) {
  snprintf(name, size, "/pipc-bench-%d-%s", (int)getpid(), tag);
  struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = msgsize};
  mq_unlink(name);
  int q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
  if (q < 0) die("mq_open", errno);
  return q;
}

static void setup_mq(struct link *l, int echo, const struct ops *io) {
  (void)io;
  l->to_server = open_queue(l->mq_in, sizeof l->mq_in, "in", echo ? MSG : MQ_CHUNK);
  char *echo_argv[] = {"pipc-bench", "serve", "mq-echo", l->mq_in, l->mq_out, NULL};
  char *sink_argv[] = {"pipc-bench", "serve", "mq-sink", l->mq_in, NULL};
  if (echo) l->from_server = open_queue(l->mq_out, sizeof l->mq_out, "out", MSG);
  start_server(l, echo ? echo_argv : sink_argv, NULL, 0);
}

/* AF_UNIX stream: the server listens on a path in a private directory and
 * serves one connection; every contender connects to it (the JDK can only
 * reach a socket by address). */
static void setup_unix(struct link *l, int echo, const struct ops *io) {
  (void)io;
  snprintf(l->dir, sizeof l->dir, "/tmp/pipc-bench-XXXXXX");
  if (mkdtemp(l->dir) == NULL) die("mkdtemp", errno);
  char path[96];
  snprintf(path, sizeof path, "%s/sock", l->dir);
  char *argv[] = {"pipc-bench", "serve", echo ? "unix-echo" : "unix-sink", path, NULL};
  start_server(l, argv, NULL, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket", errno);
  int64_t deadline = now_ns() + 10 * (int64_t)1000000000;
  while (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    if ((errno != ENOENT && errno != ECONNREFUSED) || now_ns() > deadline) die("connect", errno);
    usleep(1000);
  }
  l->to_server = l->from_server = fd;
}

/* Shared memory: the contender creates the segment (and, for semaphores,
 * initializes both); the server maps it by name. */
static void setup_shm_common(struct link *l, int spin) {
  snprintf(l->shm, sizeof l->shm, "/pipc-bench-%d-shm", (int)getpid());
  shm_unlink(l->shm);
  int fd = shm_open(l->shm, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ftruncate(fd, SHM_SIZE) < 0) die("shm_open", errno);
  l->region = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (l->region == MAP_FAILED) die("mmap", errno);
  l->spin = spin;
  if (!spin && (sem_init((sem_t *)(l->region + SHM_A), 1, 0) < 0 || sem_init((sem_t *)(l->region + SHM_B), 1, 0) < 0))
    die("sem_init", errno);
  char *argv[] = {"pipc-bench", "serve", spin ? "shm-spin" : "shm-echo", l->shm, NULL};
  start_server(l, argv, NULL, 0);
}

static void setup_shm_sem(struct link *l, int echo, const struct ops *io) {
  (void)echo;
  (void)io;
  setup_shm_common(l, 0);
}

static void setup_shm_spin(struct link *l, int echo, const struct ops *io) {
  (void)echo;
  (void)io;
  setup_shm_common(l, 1);
}

/* System V queues: the contender makes two private queues and passes their
 * identifiers to the server. */
static void setup_sysv_msg(struct link *l, int echo, const struct ops *io) {
  (void)echo;
  (void)io;
  l->to_server = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  l->from_server = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  if (l->to_server < 0 || l->from_server < 0) die("msgget", errno);
  l->sysv = 1;
  char in[16], out[16];
  snprintf(in, sizeof in, "%d", l->to_server);
  snprintf(out, sizeof out, "%d", l->from_server);
  char *argv[] = {"pipc-bench", "serve", "sysv-msg-echo", in, out, NULL};
  start_server(l, argv, NULL, 0);
}

/* System V semaphores: a private set of two at 0 and a private segment. */
static void setup_sysv_sem(struct link *l, int echo, const struct ops *io) {
  (void)echo;
  (void)io;
  l->sysv_sem = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  l->sysv_shm = shmget(IPC_PRIVATE, SHM_SIZE, IPC_CREAT | 0600);
  if (l->sysv_sem < 0 || l->sysv_shm < 0) die("semget/shmget", errno);
  l->region = shmat(l->sysv_shm, NULL, 0);
  if (l->region == (void *)-1) die("shmat", errno);
  l->sysv = 2;
  char sem[16], shm[16];
  snprintf(sem, sizeof sem, "%d", l->sysv_sem);
  snprintf(shm, sizeof shm, "%d", l->sysv_shm);
  char *argv[] = {"pipc-bench", "serve", "sysv-sem-echo", sem, shm, NULL};
  start_server(l, argv, NULL, 0);
}

/* Channels: the contender creates both (1 MiB rings) and attaches through
 * the C API, or maps them for the raw ring; the server opens them by name. */
#define CHAN_CAPACITY (1 << 20)

static struct raw_ring *raw_map(const char *name) {
  int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) die("shm_open", errno);
  unsigned char *m = mmap(NULL, (size_t)PIPC_CHANNEL_SEGMENT_SIZE(CHAN_CAPACITY), PROT_READ | PROT_WRITE,
                          MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) die("mmap", errno);
  struct raw_ring *r = calloc(1, sizeof *r);
  if (r == NULL) die("calloc", ENOMEM);
  r->h = (pipc_channel_header *)m;
  r->ring = m + PIPC_CHANNEL_HEADER_SIZE;
  r->cap = CHAN_CAPACITY;
  r->mask = CHAN_CAPACITY - 1;
  r->key = r->h->key;
  /* A participant without a fence on its publications: the core's sleepers
   * count on this process taking their barrier. */
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) != 0) die("membarrier", errno);
  return r;
}

static void setup_channel(struct link *l, int echo, const struct ops *io, int spin) {
  l->chan_spin = spin;
  snprintf(l->chan_to, sizeof l->chan_to, "/pipc-bench-%d-chan-to", (int)getpid());
  pipc_channel_unlink(l->chan_to);
  int raw = io == &chan_raw;
  uint64_t h;
  int r = pipc_channel_create(l->chan_to, CHAN_CAPACITY, 0600, raw ? PIPC_CHANNEL_OBSERVER : PIPC_CHANNEL_PRODUCER, &h);
  if (r < 0) die("pipc_channel_create", r);
  if (raw) {
    pipc_channel_close(h);
    l->rto = raw_map(l->chan_to);
  } else {
    l->cto = h;
  }
  if (echo) {
    snprintf(l->chan_from, sizeof l->chan_from, "/pipc-bench-%d-chan-from", (int)getpid());
    pipc_channel_unlink(l->chan_from);
    r = pipc_channel_create(l->chan_from, CHAN_CAPACITY, 0600, raw ? PIPC_CHANNEL_OBSERVER : PIPC_CHANNEL_CONSUMER, &h);
    if (r < 0) die("pipc_channel_create", r);
    if (raw) {
      pipc_channel_close(h);
      l->rfrom = raw_map(l->chan_from);
    } else {
      l->cfrom = h;
    }
  }
  int64_t spin_ns = spin == 1 ? -1 : spin == 0 ? 0 : PIPC_CHANNEL_DEFAULT_SPIN_NS;
  if (l->cto) pipc_channel_set_spin(l->cto, spin_ns);
  if (l->cfrom) pipc_channel_set_spin(l->cfrom, spin_ns);
  char spin_arg[8];
  snprintf(spin_arg, sizeof spin_arg, "%d", spin);
  char *echo_argv[] = {"pipc-bench", "serve", "chan-echo", l->chan_to, l->chan_from, spin_arg, NULL};
  char *sink_argv[] = {"pipc-bench", "serve", "chan-sink", l->chan_to, spin_arg, NULL};
  start_server(l, echo ? echo_argv : sink_argv, NULL, 0);
}

static void setup_chan_spin(struct link *l, int echo, const struct ops *io) { setup_channel(l, echo, io, 1); }
static void setup_chan_sleep(struct link *l, int echo, const struct ops *io) { setup_channel(l, echo, io, 0); }
static void setup_chan_stream(struct link *l, int echo, const struct ops *io) { setup_channel(l, echo, io, -1); }

/* ------------------------------------------------- affinity and switches */

/* The CPUs of a set as a list ("0-3,6"), as Cpus_allowed_list in /proc. */
static void cpu_list(const cpu_set_t *set, char *out, size_t size) {
  size_t n = 0;
  out[0] = '\0';
  for (int c = 0; c < CPU_SETSIZE; c++) {
    if (!CPU_ISSET(c, set)) continue;
    int last = c;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set)) last++;
    int w = last > c ? snprintf(out + n, size - n, "%s%d-%d", n ? "," : "", c, last)
                     : snprintf(out + n, size - n, "%s%d", n ? "," : "", c);
    if (w < 0 || (size_t)w >= size - n) return;
    n += (size_t)w;
    c = last;
  }
}

/* Widens the affinity of thread TID to every CPU configured; the kernel
 * keeps those online that the thread's cpuset allows. 0 or -errno. */
static int widen_thread(pid_t tid) {
  cpu_set_t all;
  CPU_ZERO(&all);
  long n = sysconf(_SC_NPROCESSORS_CONF);
  for (long c = 0; c < n && c < CPU_SETSIZE; c++) CPU_SET((int)c, &all);
  return sched_setaffinity(tid, sizeof all, &all) < 0 ? -errno : 0;
}

/* Widens every thread of process PID (0: this one) and gives the affinity
 * of its main thread then in *set; 0 or -errno. A thread started during a
 * pass by a thread not yet widened inherits the narrow affinity, so passes
 * repeat until one sees the same threads as the one before. */
static int widen_process(pid_t pid, cpu_set_t *set) {
  if (pid == 0) pid = getpid();
  char dir[64];
  snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
  int before = -1;
  for (int pass = 0; pass < 8; pass++) {
    DIR *d = opendir(dir);
    if (d == NULL) return -errno;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      int r = widen_thread((pid_t)atoi(e->d_name));
      if (r < 0 && r != -ESRCH) { /* ESRCH: the thread has ended */
        closedir(d);
        return r;
      }
      count++;
    }
    closedir(d);
    if (count == before) break;
    before = count;
  }
  CPU_ZERO(set);
  return sched_getaffinity(pid, sizeof *set, set) < 0 ? -errno : 0;
}

/* Why an affinity widened as far as it goes is still one CPU. */
static void why_one_cpu(const cpu_set_t *set, char *out, size_t size) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  char list[64];
  cpu_list(set, list, sizeof list);
  if (online <= 1)
    snprintf(out, size, "only one CPU is online (CPU %s)", list);
  else
    snprintf(out, size, "%ld CPUs are online, but the cpuset allows this process CPU %s only", online, list);
}

static int widen(int argc, char **argv) {
  if (argc > 1) return 2;
  pid_t pid = argc == 1 ? (pid_t)atoi(argv[0]) : 0;
  cpu_set_t set;
  int r = widen_process(pid, &set);
  if (r < 0) {
    fprintf(stderr, "pipc-bench: cannot widen the CPU affinity: %s (%s)\n", pipc_errno_name(r),
            pipc_errno_describe(r));
    return 3;
  }
  char list[256];
  cpu_list(&set, list, sizeof list);
  if (CPU_COUNT(&set) < 2) {
    char why[160];
    why_one_cpu(&set, why, sizeof why);
    fprintf(stderr, "pipc-bench: cannot widen the CPU affinity: %s\n", why);
    return 3;
  }
  printf("%s\n", list);
  return 0;
}

/* The value of one line of /proc/PID/status (0: this process), or "". */
static void proc_status(int pid, const char *key, char *out, size_t size) {
  char path[64];
  if (pid > 0)
    snprintf(path, sizeof path, "/proc/%d/status", pid);
  else
    snprintf(path, sizeof path, "/proc/self/status");
  out[0] = '\0';
  FILE *f = fopen(path, "re");
  if (f == NULL) return;
  char line[512];
  size_t k = strlen(key);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, key, k) != 0 || line[k] != ':') continue;
    char *v = line + k + 1;
    v += strspn(v, " \t");
    v[strcspn(v, "\n")] = '\0';
    snprintf(out, size, "%s", v);
    break;
  }
  fclose(f);
}

static long proc_counter(int pid, const char *key) {
  char v[32];
  proc_status(pid, key, v, sizeof v);
  return v[0] ? atol(v) : -1;
}

/* Context switches of both sides (single-threaded processes, so the main
 * thread's counters are the process's): what a blocking side pays. */
struct switches {
  long server_voluntary, server_involuntary, voluntary, involuntary;
};

static struct switches count_switches(const struct link *l) {
  struct switches s = {proc_counter(l->pid, "voluntary_ctxt_switches"),
                       proc_counter(l->pid, "nonvoluntary_ctxt_switches"),
                       proc_counter(0, "voluntary_ctxt_switches"), proc_counter(0, "nonvoluntary_ctxt_switches")};
  return s;
}

/* The end of a run's JSON object: where both sides ran and their switches
 * per operation (a round trip, or a chunk written) over the measured time. */
static void print_run_tail(const struct link *l, struct switches before, double ops) {
  struct switches after = count_switches(l);
  char cpus[256], server_cpus[256];
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  cpu_list(&set, cpus, sizeof cpus);
  proc_status(l->pid, "Cpus_allowed_list", server_cpus, sizeof server_cpus);
  printf(", \"cpus\": \"%s\", \"server_cpus\": \"%s\"", cpus, server_cpus);
  const char *keys[] = {"server_voluntary", "server_involuntary", "voluntary", "involuntary"};
  long b[] = {before.server_voluntary, before.server_involuntary, before.voluntary, before.involuntary};
  long a[] = {after.server_voluntary, after.server_involuntary, after.voluntary, after.involuntary};
  for (int i = 0; i < 4; i++)
    if (b[i] >= 0 && a[i] >= 0 && ops > 0)
      printf(", \"%s_switches_per_op\": %.3f", keys[i], (double)(a[i] - b[i]) / ops);
  printf("}\n");
}

struct scenario {
  const char *name;
  int round_trip; /* 1: 64-byte round trips; 0: a stream of chunk-byte writes */
  size_t chunk;
  void (*setup)(struct link *, int echo, const struct ops *io);
  const struct ops *raw, *capi;
  int unpinned; /* 1: both sides on every online CPU allowed, whatever --cpu says */
};

static const struct scenario scenarios[] = {
    {"pipe-rt", 1, MSG, setup_pipe, &fd_raw, &fd_capi, 0},
    {"pipe-stream", 0, CHUNK, setup_pipe, &fd_raw, &fd_capi, 0},
    {"fifo-rt", 1, MSG, setup_fifo, &fd_raw, &fd_capi, 0},
    {"fifo-stream", 0, CHUNK, setup_fifo, &fd_raw, &fd_capi, 0},
    {"mq-rt", 1, MSG, setup_mq, &mq_raw, &mq_capi, 0},
    {"mq-stream", 0, MQ_CHUNK, setup_mq, &mq_raw, &mq_capi, 0},
    /* The same stream with both sides free to run on different CPUs: the
     * pinned figure shows how the scheduler interleaves two processes on one
     * CPU, this one the mechanism when nothing makes them share it. */
    {"mq-stream-unpinned", 0, MQ_CHUNK, setup_mq, &mq_raw, &mq_capi, 1},
    {"unix-rt", 1, MSG, setup_unix, &sock_raw, &sock_capi, 0},
    {"unix-stream", 0, CHUNK, setup_unix, &sock_raw, &sock_capi, 0},
    {"shm-sem-rt", 1, MSG, setup_shm_sem, &shm_raw, &shm_capi, 0},
    {"shm-spin-rt", 1, MSG, setup_shm_spin, &spin_raw, NULL, 0},
    {"shm-cas-rt", 1, MSG, setup_shm_spin, &cas_raw, &cas_capi, 0},
    {"signal-rt", 1, MSG, setup_signal, &sig_raw, &sig_capi, 0},
    {"sysv-msg-rt", 1, MSG, setup_sysv_msg, &sysv_msg_raw, &sysv_msg_capi, 0},
    {"sysv-sem-rt", 1, MSG, setup_sysv_sem, &sysv_sem_raw, &sysv_sem_capi, 0},
    {"channel-rt", 1, MSG, setup_chan_spin, &chan_raw, &chan_capi, 0},
    {"channel-rt-sleep", 1, MSG, setup_chan_sleep, &chan_raw, &chan_capi, 0},
    {"channel-stream", 0, MSG, setup_chan_stream, &chan_raw, &chan_capi, 0},
    {"channel-stream-4k", 0, 4096, setup_chan_stream, &chan_raw, &chan_capi, 0},
};

#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static void run_round_trips(const struct ops *io, const char *contender, struct link *l, const char *name) {
  static unsigned char ping[MSG], pong[MSG];
  int64_t *samples = malloc(sizeof(int64_t) * MAX_SAMPLES);
  if (samples == NULL) die("malloc", ENOMEM);
  int64_t end = now_ns() + (int64_t)(opt_warmup * 1e9);
  while (now_ns() < end) {
    send_all(io, l, ping, MSG);
    recv_all(io, l, pong, MSG);
  }
  size_t n = 0;
  struct switches before = count_switches(l);
  int64_t start = now_ns();
  end = start + (int64_t)(opt_seconds * 1e9);
  for (int64_t t = start; t < end && n < MAX_SAMPLES;) {
    ping[0] = (unsigned char)n;
    send_all(io, l, ping, MSG);
    recv_all(io, l, pong, MSG);
    int64_t t2 = now_ns();
    samples[n++] = t2 - t;
    t = t2;
    if (pong[0] != ping[0]) die("echo", EBADMSG);
  }
  double total = (double)(now_ns() - start);
  qsort(samples, n, sizeof *samples, cmp_i64);
  printf("{\"scenario\": \"%s\", \"contender\": \"%s\", \"unit\": \"ns\", \"ops\": %zu, "
         "\"p50\": %lld, \"p99\": %lld, \"mean\": %.1f",
         name, contender, n, (long long)samples[n / 2], (long long)samples[(size_t)(n * 0.99)],
         total / (double)n);
  print_run_tail(l, before, (double)n);
  free(samples);
}

#define STREAM_CLOCK_BYTES ((size_t)64 * 1024)
/* --fill: a look at the ring every FILL_EVERY clock looks (4 MiB sent;
 * pipc_channel_stat checks that the consumer lives, in /proc, so looking
 * often would slow the stream); "near empty" is at most two records waiting
 * (the look follows a send, whose record may still be there). */
#define FILL_EVERY 64

static void run_stream(const struct ops *io, const char *contender, struct link *l, const char *name, size_t len) {
  static unsigned char chunk[CHUNK];
  memset(chunk, 0x5a, sizeof chunk);
  /* The clock once per STREAM_CLOCK_BYTES sent, not once per chunk: a clock
   * read costs 20-35 ns, as much as sending a 64-byte message, and JMH's
   * loop reads none per operation. */
  size_t per_look = len >= STREAM_CLOCK_BYTES ? 1 : STREAM_CLOCK_BYTES / len;
  int64_t end = now_ns() + (int64_t)(opt_warmup * 1e9);
  while (now_ns() < end)
    for (size_t k = 0; k < per_look; k++) send_all(io, l, chunk, len);
  /* --fill: an observer's look at the ring after every FILL_EVERY clock
   * looks. A ring that is nearly always empty held a consumer that
   * waited for the producer; a ring that holds messages, a producer that
   * ran ahead of its consumer. */
  uint64_t observer = 0;
  if (opt_fill) {
    int r = pipc_channel_open(l->chan_to, PIPC_CHANNEL_OBSERVER, &observer);
    if (r < 0) die("pipc_channel_open (observer)", r);
  }
  uint64_t samples = 0, near_empty = 0;
  uint64_t near_empty_bytes = 2 * chan_record_size(len);
  double fill = 0;
  uint64_t bytes = 0;
  struct switches before = count_switches(l);
  int64_t start = now_ns();
  end = start + (int64_t)(opt_seconds * 1e9);
  for (uint64_t n = 1; now_ns() < end; n++) {
    for (size_t k = 0; k < per_look; k++) send_all(io, l, chunk, len);
    bytes += per_look * len;
    if (observer != 0 && n % FILL_EVERY == 0) {
      pipc_channel_stats st;
      int r = pipc_channel_stat(observer, &st);
      if (r < 0) die("pipc_channel_stat", r);
      samples++;
      fill += (double)st.bytes_waiting / (double)st.capacity;
      if ((uint64_t)st.bytes_waiting <= near_empty_bytes) near_empty++;
    }
  }
  double seconds = (double)(now_ns() - start) / 1e9;
  printf("{\"scenario\": \"%s\", \"contender\": \"%s\", \"unit\": \"MB/s\", \"bytes\": %llu, "
         "\"mb_per_s\": %.1f",
         name, contender, (unsigned long long)bytes, (double)bytes / seconds / 1e6);
  if (observer != 0) {
    printf(", \"fill_samples\": %llu, \"fill_mean\": %.3f, \"fill_near_empty_share\": %.3f",
           (unsigned long long)samples, samples ? fill / (double)samples : 0.0,
           samples ? (double)near_empty / (double)samples : 0.0);
    pipc_channel_close(observer);
  }
  print_run_tail(l, before, (double)(bytes / len));
}

/* One contender's run: set-up, the measurement, the server's stop. */
struct measurement {
  const struct scenario *s;
  const struct ops *io;
  const char *contender;
};

static void measure(const struct measurement *m) {
  struct link l;
  memset(&l, 0, sizeof l);
  l.to_server = l.from_server = -1;
  m->s->setup(&l, m->s->round_trip, m->io);
  if (m->s->round_trip)
    run_round_trips(m->io, m->contender, &l, m->s->name);
  else
    run_stream(m->io, m->contender, &l, m->s->name, m->s->chunk);
  stop_server(&l);
}

static void *measure_thread(void *arg) {
  measure(arg);
  return NULL;
}

static int run(int argc, char **argv) {
  if (argc < 2) return 2;
  const struct scenario *s = NULL;
  const struct ops *io = NULL;
  for (size_t i = 0; i < NSCENARIOS; i++)
    if (strcmp(scenarios[i].name, argv[0]) == 0) s = &scenarios[i];
  if (s != NULL && strcmp(argv[1], "raw") == 0) io = s->raw;
  if (s != NULL && strcmp(argv[1], "capi") == 0) io = s->capi;
  /* The C API measured from a second thread while the main thread waits in
   * pthread_join, signals unblocked in both: the threads of a JVM, whose
   * launcher's main thread waits so while the program runs on another. */
  int threaded = s != NULL && strcmp(argv[1], "capi-thread") == 0;
  if (threaded) io = s->capi;
  if (s == NULL || io == NULL) {
    fprintf(stderr, "pipc-bench: unknown scenario or contender (see pipc-bench list)\n");
    return 2;
  }
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--fill") == 0) {
      opt_fill = 1;
      continue;
    }
    if (i + 1 >= argc) return 2;
    if (strcmp(argv[i], "--seconds") == 0) opt_seconds = atof(argv[++i]);
    else if (strcmp(argv[i], "--warmup") == 0) opt_warmup = atof(argv[++i]);
    else if (strcmp(argv[i], "--cpu") == 0) opt_cpu = atoi(argv[++i]);
    else return 2;
  }
  if (opt_fill && (s->round_trip || s->setup != setup_chan_stream)) {
    fprintf(stderr, "pipc-bench: --fill is for the channel streams only\n");
    return 2;
  }
  if (s->unpinned) {
    /* Both sides on every CPU allowed: the server inherits this affinity. */
    cpu_set_t set;
    int r = widen_process(0, &set);
    if (r < 0) die("widen the CPU affinity", r);
    if (CPU_COUNT(&set) < 2) {
      char why[160];
      why_one_cpu(&set, why, sizeof why);
      fprintf(stderr, "pipc-bench: %s is not measured: %s\n", s->name, why);
      return 3;
    }
  } else if (opt_cpu >= 0) {
    /* Both sides on one CPU: the server inherits this affinity. */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(opt_cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0) die("sched_setaffinity", errno);
  }
  struct measurement m = {s, io, argv[1]};
  if (!threaded) {
    measure(&m);
    return 0;
  }
  pthread_t t;
  int e = pthread_create(&t, NULL, measure_thread, &m);
  if (e != 0) die("pthread_create", e);
  pthread_join(t, NULL);
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  /* As the Java library does: the C API's semaphore calls then run under the
   * fault guard, and its cost is in the C API figures. Raw C never sees it. */
  if (pipc_fault_guard_install() < 0) fprintf(stderr, "pipc-bench: no fault guard\n");
  if (argc >= 2 && strcmp(argv[1], "run") == 0) {
    int r = run(argc - 2, argv + 2);
    if (r == 2) fprintf(stderr, "usage: pipc-bench run SCENARIO raw|capi [--seconds S] [--warmup S] [--cpu N] [--fill]\n");
    return r;
  }
  if (argc >= 2 && strcmp(argv[1], "serve") == 0) return serve(argc - 2, argv + 2);
  if (argc >= 2 && strcmp(argv[1], "widen") == 0) {
    int r = widen(argc - 2, argv + 2);
    if (r == 2) fprintf(stderr, "usage: pipc-bench widen [PID]\n");
    return r;
  }
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (size_t i = 0; i < NSCENARIOS; i++)
      printf("%s raw%s\n", scenarios[i].name, scenarios[i].capi ? " capi" : "");
    return 0;
  }
  fprintf(stderr, "usage: pipc-bench run SCENARIO raw|capi [options] | serve ... | widen [PID] | list\n");
  return 2;
}
