/*
 * posixipc — channels: a bounded ring of variable-length messages in shared
 * memory, between one consumer and one or several producers, in any mix of C
 * and Java processes.
 *
 * A channel is a shared memory object (a name "/name" with the rules of
 * shm.h, or an anonymous memfd) that holds a header and a ring of records.
 * Producers claim room for a message, write it in place and commit it; the
 * consumer reads it in place and releases it. Messages keep their boundaries
 * and, from each producer, their order. There is one consumer at a time.
 *
 * Waiting: a side that finds nothing to do (an empty ring, a full ring)
 * spins briefly, then sleeps on a futex in the header after it declared so
 * in a "sleeping" word. The other side makes a system call (FUTEX_WAKE) only
 * when it finds that word set, so that two busy sides exchange messages
 * without any system call, and without a fence: a commit or a release is a
 * plain store (see docs/channels.md for what orders it against a side that
 * is falling asleep, and why no wake-up is lost).
 *
 * Faults:
 *  - A producer that dies between claim and commit leaves a record that will
 *    never be committed. The consumer notices a claim that stays uncommitted,
 *    checks the claiming process (recorded in the header) every
 *    PIPC_CHANNEL_STALE_CHECK_NS, and skips the record once that process is
 *    gone; pipc_channel_stat counts the skipped claims.
 *  - A consumer that dies is noticed by a producer waiting on a full ring:
 *    the wait fails with -EPIPE. (With no consumer attached at all, producers
 *    wait, since one may come.)
 *  - A segment that another process shrinks: once the caller installed the
 *    fault guard (guard.h), every call that meets a vanished page returns
 *    -EFAULT, and so does every later call on the handle.
 *  - Process ids are compared as they are: a process id reused by a new
 *    process while a dead producer's claim is pending keeps that claim
 *    pending until the new process ends as well.
 *
 * Handles are uint64_t values (pointers to private state) used by one thread
 * at a time: a process with several producing threads opens one handle per
 * thread. Each producer handle takes one of PIPC_CHANNEL_MAX_PRODUCERS slots
 * of the header for its whole life (a dead process's slot is reused once its
 * claims are settled).
 *
 * Timeouts follow common.h: a negative value waits forever, 0 tries once
 * (-EAGAIN), a positive value waits at most that long (-ETIMEDOUT). A wait is
 * ended early by a signal handler installed without SA_RESTART (-EINTR).
 */
#ifndef POSIXIPC_CHANNEL_H
#define POSIXIPC_CHANNEL_H

#include <stddef.h>

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- layout */

/* "PIPCCHAN" in little-endian bytes, the first eight bytes of a channel. */
#define PIPC_CHANNEL_MAGIC ((uint64_t)0x4e41484343504950ULL)
/* The layout version; a channel of another version is refused (-EPROTO). */
#define PIPC_CHANNEL_VERSION 2

/* Capacity of the ring in bytes: a power of two in [MIN, MAX]. */
#define PIPC_CHANNEL_MIN_CAPACITY ((int64_t)1024)
#define PIPC_CHANNEL_MAX_CAPACITY ((int64_t)1 << 29)

/* Producer handles that can be attached at once. */
#define PIPC_CHANNEL_MAX_PRODUCERS 48

/* How often a consumer waiting on an uncommitted claim, or a producer
 * waiting on a full ring, checks whether the other process still lives. */
#define PIPC_CHANNEL_STALE_CHECK_NS ((int64_t)10000000)

/*
 * A producer handle's slot in the header: its process, and the claim it is
 * making, written before the compare-and-set on tail, so that a claim left
 * by a process that died right after it can be found and skipped.
 */
typedef struct pipc_channel_producer {
  int32_t pid;           /* 0: free */
  uint32_t claim_length; /* the message length of the claim at claim_pos */
  uint64_t claim_pos;    /* the position being claimed; UINT64_MAX: none */
  unsigned char pad[48];
} pipc_channel_producer;

/*
 * The header, at offset 0 of the segment. Every field that one side writes
 * often sits on a 128-byte line of its own (two cache lines: the adjacent
 * line prefetcher of x86 fetches pairs), so the sides never share a line.
 * The ring follows at PIPC_CHANNEL_HEADER_SIZE; the segment is at least
 * header + capacity bytes.
 */
typedef struct pipc_channel_header {
  /* Written once, at creation. */
  uint64_t magic;
  uint32_t version;
  uint32_t header_size;
  uint64_t capacity;
  int64_t created_ns; /* CLOCK_REALTIME nanoseconds, for tools */
  /* Random, drawn at creation, top bit set, low four bits clear: what a
   * record's seq is made of (see pipc_channel_record). */
  uint64_t key;
  unsigned char pad0[128 - 40];
  /* The producers' position: bytes claimed since creation (compare-and-set). */
  uint64_t tail;
  unsigned char pad1[120];
  /* The consumer's position: bytes released since creation. */
  uint64_t head;
  unsigned char pad2[120];
  /* 1 while the consumer sleeps (or is about to) waiting for a commit; the
   * futex word of that wait. */
  uint32_t consumer_sleeping;
  unsigned char pad3[124];
  /* 1 while one or more producers sleep waiting for room; their futex word. */
  uint32_t producers_sleeping;
  unsigned char pad4[124];
  /* Written rarely: the consumer's process (0: none), and counters. */
  int32_t consumer_pid;
  uint32_t reserved;
  uint64_t skipped;      /* claims of dead producers skipped by the consumer */
  uint64_t wakeups;      /* FUTEX_WAKE calls made by either side */
  unsigned char pad5[128 - 24];
  unsigned char pad6[256];
  /* One line per producer handle (see pipc_channel_producer). */
  pipc_channel_producer producers[PIPC_CHANNEL_MAX_PRODUCERS];
} pipc_channel_header;

/*
 * A record: a 16-byte header, the message, padding to a multiple of
 * PIPC_CHANNEL_ALIGN. Its seq, stored last, commits it: the record's
 * position XOR the channel's key, with the kind in the low four bits
 * (PIPC_CHANNEL_SEQ). A record is committed at position pos only when its
 * seq says pos: what an earlier lap left there (an older record, or message
 * bytes) says another position, so the consumer never has to clear the ring
 * behind it. (Bytes of an earlier message that happen to spell this
 * position's seq, a chance of 2^-60 for a given record, are the one
 * exception.)
 */
typedef struct pipc_channel_record {
  uint64_t seq;    /* PIPC_CHANNEL_SEQ(key, position, kind), stored last */
  uint32_t length; /* the message's length in bytes */
  uint32_t size;   /* the whole record (header, message, padding) in bytes */
} pipc_channel_record;

#define PIPC_CHANNEL_RECORD_MESSAGE 1
#define PIPC_CHANNEL_RECORD_PADDING 2 /* skipped: the end of the ring, or an aborted claim */
#define PIPC_CHANNEL_RECORD_KIND_MASK 15
#define PIPC_CHANNEL_SEQ(key, pos, kind) (((uint64_t)(pos) ^ (uint64_t)(key)) | (uint64_t)(kind))
#define PIPC_CHANNEL_ALIGN 16

/* Offsets and sizes that readers of the layout use (the Java library, tools). */
#define PIPC_CHANNEL_HEADER_SIZE ((int)sizeof(pipc_channel_header))
#define PIPC_CHANNEL_RECORD_SIZE ((int)sizeof(pipc_channel_record))
#define PIPC_CHANNEL_OFF_MAGIC ((int)offsetof(pipc_channel_header, magic))
#define PIPC_CHANNEL_OFF_VERSION ((int)offsetof(pipc_channel_header, version))
#define PIPC_CHANNEL_OFF_CAPACITY ((int)offsetof(pipc_channel_header, capacity))
#define PIPC_CHANNEL_OFF_KEY ((int)offsetof(pipc_channel_header, key))
#define PIPC_CHANNEL_OFF_TAIL ((int)offsetof(pipc_channel_header, tail))
#define PIPC_CHANNEL_OFF_HEAD ((int)offsetof(pipc_channel_header, head))
#define PIPC_CHANNEL_OFF_CONSUMER_SLEEPING ((int)offsetof(pipc_channel_header, consumer_sleeping))
#define PIPC_CHANNEL_OFF_PRODUCERS_SLEEPING ((int)offsetof(pipc_channel_header, producers_sleeping))
#define PIPC_CHANNEL_OFF_CONSUMER_PID ((int)offsetof(pipc_channel_header, consumer_pid))
#define PIPC_CHANNEL_OFF_SKIPPED ((int)offsetof(pipc_channel_header, skipped))
#define PIPC_CHANNEL_RECORD_OFF_SEQ ((int)offsetof(pipc_channel_record, seq))
#define PIPC_CHANNEL_RECORD_OFF_LENGTH ((int)offsetof(pipc_channel_record, length))
#define PIPC_CHANNEL_RECORD_OFF_SIZE ((int)offsetof(pipc_channel_record, size))

/* The longest message of a ring of capacity bytes: half the ring less a
 * record header, so that a message always fits after the padding that ends
 * a lap. */
#define PIPC_CHANNEL_MAX_MESSAGE(capacity) ((int64_t)(capacity) / 2 - PIPC_CHANNEL_RECORD_SIZE)

/* The segment size for a capacity: header + ring. */
#define PIPC_CHANNEL_SEGMENT_SIZE(capacity) ((int64_t)PIPC_CHANNEL_HEADER_SIZE + (int64_t)(capacity))

/* ----------------------------------------------------------------- roles */

#define PIPC_CHANNEL_PRODUCER 1
#define PIPC_CHANNEL_CONSUMER 2
/* Neither: a handle that only reads pipc_channel_stat (tools). */
#define PIPC_CHANNEL_OBSERVER 3

/* ------------------------------------------------------------- lifecycle */

/*
 * Creates the shared memory object name exclusively (mode's permission bits,
 * usually 0600, reduced by the umask), lays out a channel of capacity bytes
 * in it and attaches to it as role. Returns 0, -EINVAL (bad name, capacity
 * not a power of two within the limits, bad role or mode, NULL ch), -EEXIST,
 * -ENOSPC, or what pipc_shm_create and pipc_channel_open return.
 */
int pipc_channel_create(const char *name, int64_t capacity, int mode, int role, uint64_t *ch);

/*
 * Opens the channel name and attaches as role. Returns 0, -ENOENT, -EACCES,
 * -EPROTO (a channel of another layout version), -EBADMSG (the object is not
 * a channel: no magic, or a header that does not fit its size), -EBUSY (a
 * live consumer is attached and role is CONSUMER), -EUSERS (every producer
 * slot taken), -EINVAL, -ENAMETOOLONG.
 */
int pipc_channel_open(const char *name, int role, uint64_t *ch);

/*
 * A channel in a new anonymous memfd (label shows in /proc/PID/fd), attached
 * as role. pipc_channel_fd gives the descriptor to hand to a child or send
 * over SCM_RIGHTS; the other process attaches with pipc_channel_open_fd.
 */
int pipc_channel_create_anonymous(const char *label, int64_t capacity, int role, uint64_t *ch);

/*
 * Attaches as role to the channel in the segment behind fd (a duplicate of fd
 * is kept: the caller still owns fd). Errors as pipc_channel_open.
 */
int pipc_channel_open_fd(int fd, int role, uint64_t *ch);

/* The descriptor of the segment (owned by the handle), or -EINVAL for a
 * handle from pipc_channel_attach. */
int pipc_channel_fd(uint64_t ch);

/*
 * Detaches and frees the handle: a pending claim is aborted (the consumer
 * skips it), a producer slot is given back, a consumer lets go of its place
 * (an unreleased message is read again by the next consumer); then the
 * mapping and the descriptor are released. Returns 0 or -EINVAL.
 */
int pipc_channel_close(uint64_t ch);

/* Removes the name (shm_unlink); attached processes keep the channel. */
int pipc_channel_unlink(const char *name);

/*
 * For callers that map the segment themselves (the Java library): lays out a
 * new channel of capacity bytes in the writable mapping [addr, addr + size),
 * which must be at least PIPC_CHANNEL_SEGMENT_SIZE(capacity) bytes (what
 * the ring holds does not matter: no record there says its position).
 * Returns 0 or -EINVAL.
 */
int pipc_channel_format(uint64_t addr, int64_t size, int64_t capacity);

/*
 * Attaches as role to the channel in the mapping [addr, addr + size), which
 * the caller keeps mapped until pipc_channel_detach. faulted is the address
 * of the int32_t that the fault guard sets for that mapping
 * (pipc_fault_region_add), or 0. Errors as pipc_channel_open.
 */
int pipc_channel_attach(uint64_t addr, int64_t size, uint64_t faulted, int role, uint64_t *ch);

/* pipc_channel_close for a handle from pipc_channel_attach: the mapping is
 * the caller's to release afterwards. */
int pipc_channel_detach(uint64_t ch);

/* The ring's capacity in bytes, or -EINVAL. */
int64_t pipc_channel_capacity(uint64_t ch);

/* The longest message this channel takes, or -EINVAL. */
int64_t pipc_channel_max_message(uint64_t ch);

/* The address of the ring (offset 0 of the offsets below), or 0 for a bad handle. */
uint64_t pipc_channel_data(uint64_t ch);

/* How long a wait of this handle spins before it sleeps. */
#define PIPC_CHANNEL_DEFAULT_SPIN_NS ((int64_t)20000)

/*
 * Sets how long a wait of this handle spins (checking the ring, with the
 * CPU's pause hint) before it declares itself sleeping and sleeps on the
 * futex: 0 sleeps at once, a negative value never sleeps (the lowest
 * latency, a whole CPU while waiting). Returns 0 or -EINVAL.
 */
int pipc_channel_set_spin(uint64_t ch, int64_t spin_ns);

/* -------------------------------------------------------------- producer */

/*
 * Claims room for a message of length bytes (0 to pipc_channel_max_message),
 * waiting for room as timeout says. Returns the offset of the message in the
 * ring (write it at pipc_channel_data(ch) + offset), then call commit or
 * abort. Returns -EINVAL (not a producer, bad length), -EBUSY (a claim is
 * already pending on this handle), -EMSGSIZE (longer than the maximum),
 * -EAGAIN, -ETIMEDOUT, -EINTR, -EPIPE (the consumer died), -EFAULT.
 */
int64_t pipc_channel_claim(uint64_t ch, int64_t length, int64_t timeout_ns);

/*
 * Commits the pending claim as a message of length bytes (at most the
 * claimed length), waking the consumer if it sleeps. Returns 0, -EINVAL (no
 * claim pending, length too long), -EFAULT.
 */
int pipc_channel_commit(uint64_t ch, int64_t length);

/* Gives up the pending claim: the consumer skips it. Returns 0, -EINVAL, -EFAULT. */
int pipc_channel_abort(uint64_t ch);

/* Claim, copy, commit: one message of len bytes from buf. */
int pipc_channel_send(uint64_t ch, const void *buf, size_t len, int64_t timeout_ns);

/* -------------------------------------------------------------- consumer */

/*
 * Waits for the next message as timeout says and returns its offset in the
 * ring; its length is the record's length field, PIPC_CHANNEL_RECORD_SIZE
 * bytes before it at PIPC_CHANNEL_RECORD_OFF_LENGTH, also given by
 * pipc_channel_read_length. Call pipc_channel_release when done with it.
 * Returns -EINVAL (not the consumer), -EBUSY (a message is already being
 * read), -EAGAIN, -ETIMEDOUT, -EINTR, -EBADMSG (a record that breaks the
 * layout: another process wrote over the ring), -EFAULT.
 */
int64_t pipc_channel_read(uint64_t ch, int64_t timeout_ns);

/* The length of the message being read, or -EINVAL when none is. */
int64_t pipc_channel_read_length(uint64_t ch);

/* Releases the message being read: its room goes back to the producers. */
int pipc_channel_release(uint64_t ch);

/* Puts the message being read back: the next read returns it again (for a
 * caller whose buffer turned out too small). Returns 0 or -EINVAL. */
int pipc_channel_unread(uint64_t ch);

/*
 * Read, copy, release: the next message into buf. Returns its length;
 * -EMSGSIZE when it is longer than len (it stays, for a larger buffer), or
 * the errors of pipc_channel_read.
 */
int64_t pipc_channel_receive(uint64_t ch, void *buf, size_t len, int64_t timeout_ns);

/* ----------------------------------------------------------------- stats */

/* What pipc_channel_stat reports: int64_t fields only (a Java long[]). */
typedef struct pipc_channel_stats {
  int64_t capacity;
  int64_t max_message;
  int64_t head;
  int64_t tail;
  int64_t bytes_waiting;     /* tail - head */
  int64_t messages_waiting;  /* committed messages from head up to the first uncommitted claim */
  int64_t consumer_pid;      /* 0: none attached */
  int64_t consumer_alive;    /* 1 when consumer_pid is a live process */
  int64_t consumer_sleeping; /* 1 while the consumer sleeps */
  int64_t producers_sleeping;
  int64_t producers;         /* producer slots in use */
  int64_t skipped;           /* claims of dead producers skipped */
  int64_t wakeups;
  int64_t version;
} pipc_channel_stats;

#define PIPC_CHANNEL_STAT_SLOTS ((int)(sizeof(pipc_channel_stats) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_CAPACITY ((int)(offsetof(pipc_channel_stats, capacity) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_MAX_MESSAGE ((int)(offsetof(pipc_channel_stats, max_message) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_HEAD ((int)(offsetof(pipc_channel_stats, head) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_TAIL ((int)(offsetof(pipc_channel_stats, tail) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_BYTES_WAITING ((int)(offsetof(pipc_channel_stats, bytes_waiting) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_MESSAGES_WAITING \
  ((int)(offsetof(pipc_channel_stats, messages_waiting) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_CONSUMER_PID ((int)(offsetof(pipc_channel_stats, consumer_pid) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_CONSUMER_ALIVE ((int)(offsetof(pipc_channel_stats, consumer_alive) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_CONSUMER_SLEEPING \
  ((int)(offsetof(pipc_channel_stats, consumer_sleeping) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_PRODUCERS_SLEEPING \
  ((int)(offsetof(pipc_channel_stats, producers_sleeping) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_PRODUCERS ((int)(offsetof(pipc_channel_stats, producers) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_SKIPPED ((int)(offsetof(pipc_channel_stats, skipped) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_WAKEUPS ((int)(offsetof(pipc_channel_stats, wakeups) / sizeof(int64_t)))
#define PIPC_CHANNEL_STAT_VERSION ((int)(offsetof(pipc_channel_stats, version) / sizeof(int64_t)))

/* Fills st from the header (a snapshot: the sides keep moving). 0, -EINVAL, -EFAULT. */
int pipc_channel_stat(uint64_t ch, pipc_channel_stats *st);

/*
 * Checks a segment without attaching: 0 for a channel this library can use,
 * -EPROTO (another version), -EBADMSG (not a channel), -EINVAL. For tools
 * that list segments.
 */
int pipc_channel_probe(uint64_t addr, int64_t size);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_CHANNEL_H */
