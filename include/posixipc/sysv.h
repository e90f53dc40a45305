/*
 * posixipc — System V IPC (the XSI option of POSIX): message queues, shared
 * memory segments and semaphore sets, reached through integer keys.
 *
 * A System V object is a kernel object named by a key (an int: IPC_PRIVATE,
 * a number both sides agree on, or one made by pipc_sysv_ftok from a path
 * and a project id). A get call (msgget, shmget, semget) turns the key into
 * an identifier, an int the whole system shares: any process that knows the
 * identifier may use it, subject to the object's mode, with no open or close.
 * The object lives until it is removed explicitly (IPC_RMID), or the system
 * restarts: nothing is released when a process exits, except what SEM_UNDO
 * asks for and the attachments of shared memory.
 *
 * Conventions (those of common.h, and these):
 *  - Keys are plain ints. PIPC_SYSV_PRIVATE (IPC_PRIVATE) always makes a new
 *    object that no other key reaches.
 *  - The get calls take PIPC_SYSV_CREATE and PIPC_SYSV_EXCLUSIVE (IPC_CREAT
 *    and IPC_EXCL) and a mode of permission bits (at most 0777; 0600 is what
 *    posixipc's Java classes default to). The umask does NOT apply: System V
 *    takes the mode as given.
 *  - Timeouts are common.h's: negative waits forever, 0 tries once (the call
 *    is made with IPC_NOWAIT; nothing available is -EAGAIN, also where the
 *    kernel says ENOMSG), positive waits at most that long, then -ETIMEDOUT.
 *    A signal handler installed without SA_RESTART interrupts every blocking
 *    call here with -EINTR (the kernel never restarts these calls).
 *  - An object removed while a thread waits on it wakes the thread with
 *    -EIDRM; an identifier that no longer names an object is -EINVAL (Linux),
 *    and one this process may not use is -EACCES.
 *
 * How the timed calls are made. semtimedop is the kernel's own timed
 * semaphore operation (CLOCK_MONOTONIC, relative). Message queues have no
 * timed call in System V: a positive timeout on pipc_sysv_msg_send and
 * pipc_sysv_msg_receive is an IPC_NOWAIT attempt retried by the core's
 * timed-retry loop, which pauses 1 ms, doubling up to 50 ms, never past the
 * deadline; a message that arrives during a pause is taken at the end of it.
 * A program that needs the message at once and a deadline too blocks
 * (negative timeout) and ends the wait with a signal at the deadline (a timer,
 * or pipc_thread_signal after pipc_wakeup_install), which is what posixipc's
 * Java classes do: their timed receive is a blocking msgrcv that the library's
 * waker thread interrupts at the deadline.
 *
 * Limits (Linux, /proc/sys/kernel; see docs/sysv.md): a message is at most
 * msgmax bytes (-EINVAL beyond), a queue holds at most msgmnb bytes (a send
 * that does not fit waits), the system at most msgmni queues (-ENOSPC); a
 * segment is at most shmmax bytes (-EINVAL), the system has at most shmmni
 * segments and shmall pages of them (-ENOSPC); a set has at most semmsl
 * semaphores (-EINVAL), the system semmni sets and semmns semaphores
 * (-ENOSPC), a semop at most semopm operations (-E2BIG), and a value is at
 * most semvmx (-ERANGE). pipc_sysv_explain turns such an error into a
 * sentence that names the limit and its value.
 */
#ifndef POSIXIPC_SYSV_H
#define POSIXIPC_SYSV_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The key that always makes a new, unreachable object (IPC_PRIVATE). */
#define PIPC_SYSV_PRIVATE 0

/* Flags for the get calls. */
#define PIPC_SYSV_CREATE 0x1    /* IPC_CREAT: create the object if the key has none */
#define PIPC_SYSV_EXCLUSIVE 0x2 /* IPC_EXCL: with CREATE, -EEXIST if it exists */

/*
 * The key of path and proj_id (ftok): built from the file's inode and device
 * numbers and the low 8 bits of proj_id, so two processes that name the same
 * existing file and id get the same key. proj_id must be 1..255 (ftok ignores
 * the other bits, and 0 is unspecified by POSIX). Keys of different files can
 * collide (only the low bits of the inode are used). Returns 0, -EINVAL (NULL
 * path or key, proj_id out of range), -ENOENT, -EACCES, -ENAMETOOLONG.
 */
int pipc_sysv_ftok(const char *path, int proj_id, int *key);

/* -------------------------------------------------------- ipc_perm fields */

/*
 * Every stat struct below begins with the same six int64_t fields, the
 * struct ipc_perm of the object (key, uid, gid, cuid, cgid, mode, at the
 * indexes PIPC_SYSV_STAT_* say), followed by its own. The structs hold only
 * int64_t fields, so a caller may pass an int64_t array (a Java long[]) of
 * the struct's SLOTS elements; each field's index in it follows the struct.
 */
#define PIPC_SYSV_STAT_KEY 0
#define PIPC_SYSV_STAT_UID 1
#define PIPC_SYSV_STAT_GID 2
#define PIPC_SYSV_STAT_CUID 3
#define PIPC_SYSV_STAT_CGID 4
#define PIPC_SYSV_STAT_MODE 5

/* ---------------------------------------------------------- message queues */

/*
 * A message, as msgsnd and msgrcv see it (struct msgbuf): a long type
 * followed by the text. Callers pass the address of the type; the text
 * starts PIPC_SYSV_MSG_TEXT_OFFSET bytes after it.
 */
#define PIPC_SYSV_MSG_TEXT_OFFSET 8

/* Flags for pipc_sysv_msg_receive. */
#define PIPC_SYSV_MSG_NOERROR 0x1 /* MSG_NOERROR: truncate a longer message instead of -E2BIG */
#define PIPC_SYSV_MSG_EXCEPT 0x2  /* MSG_EXCEPT: with type > 0, the first message NOT of that type */
#define PIPC_SYSV_MSG_COPY 0x4    /* MSG_COPY: copy the message at index type, leave it queued
                                     (needs a kernel with CONFIG_CHECKPOINT_RESTORE;
                                     implies trying once) */

/* Gets (or creates) the queue of key (msgget); *id receives its identifier.
 * Returns 0, -EINVAL (bad flags or mode), -ENOENT, -EEXIST, -EACCES,
 * -ENOSPC (msgmni queues), -ENOMEM. */
int pipc_sysv_msg_get(int key, int flags, int mode, int *id);

/*
 * Sends one message (msgsnd): msg points at its type, a long greater than 0,
 * followed by len bytes of text (len may be 0). Waits for room (the queue
 * holds at most its max_bytes, msgmnb by default) as the timeout says.
 * Returns 0, -EINVAL (type <= 0, len > msgmax, a bad identifier), -EFAULT
 * (msg NULL), -EAGAIN, -ETIMEDOUT, -EINTR, -EIDRM (removed while waiting),
 * -EACCES, -ENOMEM.
 */
int pipc_sysv_msg_send(int id, const void *msg, size_t len, int64_t timeout_ns);

/*
 * Receives one message (msgrcv) into msg: the type is written at msg and at
 * most max bytes of text after it (msg must have room for
 * PIPC_SYSV_MSG_TEXT_OFFSET + max bytes). type selects the message:
 *   0          the first message in the queue;
 *   > 0        the first message of that type (with MSG_EXCEPT: the first
 *              of any other type);
 *   < 0        the first message of the lowest type <= |type|.
 * Waits for a matching message as the timeout says. Returns the length of
 * the text (>= 0), -E2BIG (the message is longer than max and NOERROR was
 * not given; it stays in the queue), -EAGAIN (also the kernel's ENOMSG),
 * -ETIMEDOUT, -EINTR, -EIDRM, -EINVAL (bad flags, a bad identifier, EXCEPT
 * with type <= 0), -EFAULT, -EACCES, -ENOSYS (COPY without kernel support).
 */
int64_t pipc_sysv_msg_receive(int id, void *msg, size_t max, int64_t type, int flags,
                              int64_t timeout_ns);

/* A queue's state (msgctl IPC_STAT). */
typedef struct pipc_sysv_msg_stat {
  int64_t key;  /* the key it was made with (PIPC_SYSV_PRIVATE once removed) */
  int64_t uid;  /* owner */
  int64_t gid;
  int64_t cuid; /* creator */
  int64_t cgid;
  int64_t mode; /* the permission bits */
  int64_t bytes;        /* __msg_cbytes: bytes of text queued now */
  int64_t messages;     /* msg_qnum: messages queued now */
  int64_t max_bytes;    /* msg_qbytes: the capacity in bytes */
  int64_t last_send_pid; /* msg_lspid */
  int64_t last_receive_pid; /* msg_lrpid */
  int64_t send_time;    /* msg_stime, seconds since the epoch; 0: never */
  int64_t receive_time; /* msg_rtime */
  int64_t change_time;  /* msg_ctime */
} pipc_sysv_msg_stat;

#define PIPC_SYSV_MSG_STAT_SLOTS ((int)(sizeof(pipc_sysv_msg_stat) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_BYTES ((int)(offsetof(pipc_sysv_msg_stat, bytes) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_MESSAGES ((int)(offsetof(pipc_sysv_msg_stat, messages) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_MAX_BYTES ((int)(offsetof(pipc_sysv_msg_stat, max_bytes) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_LAST_SEND_PID ((int)(offsetof(pipc_sysv_msg_stat, last_send_pid) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_LAST_RECEIVE_PID ((int)(offsetof(pipc_sysv_msg_stat, last_receive_pid) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_SEND_TIME ((int)(offsetof(pipc_sysv_msg_stat, send_time) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_RECEIVE_TIME ((int)(offsetof(pipc_sysv_msg_stat, receive_time) / sizeof(int64_t)))
#define PIPC_SYSV_MSG_STAT_CHANGE_TIME ((int)(offsetof(pipc_sysv_msg_stat, change_time) / sizeof(int64_t)))

/* msgctl IPC_STAT. Returns 0, -EINVAL, -EACCES. */
int pipc_sysv_msg_stat_get(int id, pipc_sysv_msg_stat *st);

/*
 * msgctl IPC_SET: changes the owner, the mode and the capacity; -1 keeps a
 * value as it is. Only the owner, the creator or a privileged process may;
 * raising max_bytes above msgmnb needs CAP_SYS_RESOURCE. Returns 0, -EPERM,
 * -EINVAL (mode outside 0777, max_bytes 0 or below -1), -EACCES.
 */
int pipc_sysv_msg_set(int id, int64_t uid, int64_t gid, int mode, int64_t max_bytes);

/* msgctl IPC_RMID: removes the queue at once, its messages with it; threads
 * waiting on it get -EIDRM. Returns 0, -EINVAL, -EPERM. */
int pipc_sysv_msg_remove(int id);

/* ---------------------------------------------------------- shared memory */

/* Flags for pipc_sysv_shm_attach. */
#define PIPC_SYSV_SHM_READ_ONLY 0x1 /* SHM_RDONLY */

/* Gets (or creates) the segment of key with at least size bytes (shmget);
 * size 0 for an existing segment of any size. A new segment is zero-filled.
 * Returns 0, -EINVAL (size below shmmin or above shmmax, or above the size
 * of the existing segment), -ENOENT, -EEXIST, -EACCES, -ENOSPC (shmmni,
 * shmall), -ENOMEM, -EPERM. */
int pipc_sysv_shm_get(int key, int64_t size, int flags, int mode, int *id);

/*
 * Attaches the segment (shmat at an address the kernel picks); *addr
 * receives it. The mapping is shared like any pipc_mmap one, and stays until
 * pipc_sysv_shm_detach (or pipc_munmap over its whole range, or exit). On
 * Linux a segment that was removed (IPC_RMID) can still be attached by its
 * identifier while any process has it attached: it is destroyed after the
 * last detach. Returns 0, -EINVAL (bad flags or identifier), -EACCES,
 * -ENOMEM, -EIDRM.
 */
int pipc_sysv_shm_attach(int id, int flags, uint64_t *addr);

/* Detaches the segment attached at addr (shmdt). Returns 0 or -EINVAL. */
int pipc_sysv_shm_detach(uint64_t addr);

/* A segment's state (shmctl IPC_STAT). */
typedef struct pipc_sysv_shm_stat {
  int64_t key;  /* the key it was made with (PIPC_SYSV_PRIVATE once removed) */
  int64_t uid;  /* owner */
  int64_t gid;
  int64_t cuid; /* creator */
  int64_t cgid;
  int64_t mode; /* the permission bits */
  int64_t size;        /* shm_segsz: bytes */
  int64_t attaches;    /* shm_nattch: attachments now, in all processes */
  int64_t creator_pid; /* shm_cpid */
  int64_t last_pid;    /* shm_lpid: the last to attach or detach */
  int64_t attach_time; /* shm_atime, seconds since the epoch; 0: never */
  int64_t detach_time; /* shm_dtime */
  int64_t change_time; /* shm_ctime */
  int64_t removed;     /* 1 once IPC_RMID was done (SHM_DEST): gone at the last detach */
  int64_t locked;      /* 1 while SHM_LOCK holds its pages in memory */
} pipc_sysv_shm_stat;

#define PIPC_SYSV_SHM_STAT_SLOTS ((int)(sizeof(pipc_sysv_shm_stat) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_SIZE ((int)(offsetof(pipc_sysv_shm_stat, size) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_ATTACHES ((int)(offsetof(pipc_sysv_shm_stat, attaches) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_CREATOR_PID ((int)(offsetof(pipc_sysv_shm_stat, creator_pid) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_LAST_PID ((int)(offsetof(pipc_sysv_shm_stat, last_pid) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_ATTACH_TIME ((int)(offsetof(pipc_sysv_shm_stat, attach_time) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_DETACH_TIME ((int)(offsetof(pipc_sysv_shm_stat, detach_time) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_CHANGE_TIME ((int)(offsetof(pipc_sysv_shm_stat, change_time) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_REMOVED ((int)(offsetof(pipc_sysv_shm_stat, removed) / sizeof(int64_t)))
#define PIPC_SYSV_SHM_STAT_LOCKED ((int)(offsetof(pipc_sysv_shm_stat, locked) / sizeof(int64_t)))

/* shmctl IPC_STAT. Returns 0, -EINVAL, -EACCES. */
int pipc_sysv_shm_stat_get(int id, pipc_sysv_shm_stat *st);

/* shmctl IPC_RMID: the key is freed at once, the segment after its last
 * detach. Returns 0, -EINVAL, -EPERM. */
int pipc_sysv_shm_remove(int id);

/* shmctl SHM_LOCK (lock nonzero) or SHM_UNLOCK: keeps the pages in memory.
 * Needs CAP_IPC_LOCK, or the owner within RLIMIT_MEMLOCK. Returns 0, -EPERM,
 * -ENOMEM (over RLIMIT_MEMLOCK), -EINVAL. */
int pipc_sysv_shm_lock(int id, int lock);

/* --------------------------------------------------------- semaphore sets */

/*
 * One operation of pipc_sysv_sem_op (struct sembuf): on semaphore num, op > 0
 * adds op, op < 0 waits until the value is at least |op| and takes it, op 0
 * waits until the value is 0. flags: PIPC_SYSV_SEM_UNDO, PIPC_SYSV_SEM_NOWAIT.
 */
typedef struct pipc_sysv_sembuf {
  uint16_t num;
  int16_t op;
  int16_t flags;
} pipc_sysv_sembuf;

#define PIPC_SYSV_SEMBUF_SIZE ((int)sizeof(pipc_sysv_sembuf))
#define PIPC_SYSV_SEMBUF_NUM ((int)offsetof(pipc_sysv_sembuf, num))
#define PIPC_SYSV_SEMBUF_OP ((int)offsetof(pipc_sysv_sembuf, op))
#define PIPC_SYSV_SEMBUF_FLAGS ((int)offsetof(pipc_sysv_sembuf, flags))

/* The largest semaphore value (Linux's SEMVMX). */
#define PIPC_SYSV_SEMVMX 32767

/* Operation flags, the kernel's values. */
#define PIPC_SYSV_SEM_NOWAIT 04000  /* IPC_NOWAIT: this operation never waits */
#define PIPC_SYSV_SEM_UNDO 0x1000   /* SEM_UNDO: undone when the process exits */

/* Gets (or creates) the set of key with nsems semaphores (semget); nsems 0
 * for an existing set of any size. The values of a new set are 0 on Linux
 * (POSIX leaves them unspecified: see pipc_sysv_sem_get_initialized).
 * Returns 0, -EINVAL (nsems < 0 or above semmsl, or above the size of the
 * existing set), -ENOENT, -EEXIST, -EACCES, -ENOSPC (semmni, semmns). */
int pipc_sysv_sem_get(int key, int nsems, int flags, int mode, int *id);

/*
 * The safe way to create-or-open an initialized set, against the race that
 * System V semaphores are known for (the creator's semget and its SETALL are
 * two steps; a process that opens the set between them sees zeros). The
 * creator (IPC_CREAT|IPC_EXCL succeeds) sets every value from values, then
 * does one semop (+1 and -1 on semaphore 0, nothing changes), which sets
 * sem_otime; a process that finds the set existing waits until sem_otime is
 * nonzero, so it never uses the set before it was initialized. *created
 * receives 1 for the creator, 0 otherwise. The wait is a loop of IPC_STAT
 * reads, pausing 1 ms doubling to 50 ms, within timeout_ns (-ETIMEDOUT: the
 * creator died before it was done). Returns 0, -EINVAL (NULL pointers,
 * nsems <= 0, or IPC_PRIVATE, which needs no protocol), -EAGAIN (the set
 * vanished under this call eight times), or what pipc_sysv_sem_get,
 * pipc_sysv_sem_set_all and pipc_sysv_sem_op return.
 */
int pipc_sysv_sem_get_initialized(int key, int nsems, int mode, const int *values,
                                  int64_t timeout_ns, int *id, int *created);

/*
 * Applies nops operations (semtimedop) atomically: all of them, or none while
 * the call waits. Waits as the timeout says (a semtimedop timeout, on
 * CLOCK_MONOTONIC). An operation that has PIPC_SYSV_SEM_NOWAIT and cannot
 * proceed ends the call with -EAGAIN. Returns 0, -EAGAIN, -ETIMEDOUT, -EINTR,
 * -EIDRM, -E2BIG (nops above semopm), -EFBIG (num not below the set's size),
 * -ERANGE (a value would pass semvmx, or an undo value its limit), -EINVAL
 * (nops 0, bad flags, a bad identifier), -EFAULT (ops NULL), -EACCES.
 */
int pipc_sysv_sem_op(int id, const pipc_sysv_sembuf *ops, size_t nops, int64_t timeout_ns);

/* semctl GETVAL: the value (>= 0) of semaphore num, or -EINVAL, -EACCES. */
int pipc_sysv_sem_value(int id, int num);

/* semctl SETVAL; clears every process's undo for it. Returns 0, -ERANGE
 * (value < 0 or above semvmx), -EINVAL, -EACCES. */
int pipc_sysv_sem_set_value(int id, int num, int value);

/* semctl GETALL into values[0..count): count must be the set's size.
 * Returns 0, -EINVAL (count differs, NULL values), -EACCES. */
int pipc_sysv_sem_get_all(int id, int *values, int count);

/* semctl SETALL from values[0..count): count must be the set's size.
 * Returns 0, -ERANGE, -EINVAL, -EACCES. */
int pipc_sysv_sem_set_all(int id, const int *values, int count);

/* semctl GETPID: the pid of the last process that operated on num (0:
 * none), or -errno. */
int pipc_sysv_sem_pid(int id, int num);

/* semctl GETNCNT (zero 0: threads waiting for the value to grow) or GETZCNT
 * (zero nonzero: waiting for it to be 0); >= 0 or -errno. */
int pipc_sysv_sem_waiting(int id, int num, int zero);

/* A set's state (semctl IPC_STAT). */
typedef struct pipc_sysv_sem_stat {
  int64_t key;  /* the key it was made with (PIPC_SYSV_PRIVATE once removed) */
  int64_t uid;  /* owner */
  int64_t gid;
  int64_t cuid; /* creator */
  int64_t cgid;
  int64_t mode; /* the permission bits */
  int64_t count;       /* sem_nsems */
  int64_t op_time;     /* sem_otime, seconds since the epoch; 0: no semop yet */
  int64_t change_time; /* sem_ctime */
} pipc_sysv_sem_stat;

#define PIPC_SYSV_SEM_STAT_SLOTS ((int)(sizeof(pipc_sysv_sem_stat) / sizeof(int64_t)))
#define PIPC_SYSV_SEM_STAT_COUNT ((int)(offsetof(pipc_sysv_sem_stat, count) / sizeof(int64_t)))
#define PIPC_SYSV_SEM_STAT_OP_TIME ((int)(offsetof(pipc_sysv_sem_stat, op_time) / sizeof(int64_t)))
#define PIPC_SYSV_SEM_STAT_CHANGE_TIME ((int)(offsetof(pipc_sysv_sem_stat, change_time) / sizeof(int64_t)))

/* semctl IPC_STAT. Returns 0, -EINVAL, -EACCES. */
int pipc_sysv_sem_stat_get(int id, pipc_sysv_sem_stat *st);

/* semctl IPC_RMID: removes the set at once; waiters get -EIDRM. Returns 0,
 * -EINVAL, -EPERM. */
int pipc_sysv_sem_remove(int id);

/* ---------------------------------------------------------------- limits */

/* The kernel's System V limits (/proc/sys/kernel/...); -1: unreadable. */
typedef struct pipc_sysv_limits {
  int64_t msgmax; /* the longest message, bytes */
  int64_t msgmnb; /* the default capacity of a queue, bytes */
  int64_t msgmni; /* queues in the system */
  int64_t shmmax; /* the largest segment, bytes */
  int64_t shmall; /* pages of all segments together */
  int64_t shmmni; /* segments in the system */
  int64_t semmsl; /* semaphores in one set (sem field 1) */
  int64_t semmns; /* semaphores in the system (sem field 2) */
  int64_t semopm; /* operations in one semop (sem field 3) */
  int64_t semmni; /* sets in the system (sem field 4) */
  int64_t semvmx; /* the largest value (SEMVMX, 32767) */
} pipc_sysv_limits;

#define PIPC_SYSV_LIMITS_SLOTS ((int)(sizeof(pipc_sysv_limits) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_MSGMAX ((int)(offsetof(pipc_sysv_limits, msgmax) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_MSGMNB ((int)(offsetof(pipc_sysv_limits, msgmnb) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_MSGMNI ((int)(offsetof(pipc_sysv_limits, msgmni) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SHMMAX ((int)(offsetof(pipc_sysv_limits, shmmax) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SHMALL ((int)(offsetof(pipc_sysv_limits, shmall) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SHMMNI ((int)(offsetof(pipc_sysv_limits, shmmni) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SEMMSL ((int)(offsetof(pipc_sysv_limits, semmsl) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SEMMNS ((int)(offsetof(pipc_sysv_limits, semmns) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SEMOPM ((int)(offsetof(pipc_sysv_limits, semopm) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SEMMNI ((int)(offsetof(pipc_sysv_limits, semmni) / sizeof(int64_t)))
#define PIPC_SYSV_LIMITS_SEMVMX ((int)(offsetof(pipc_sysv_limits, semvmx) / sizeof(int64_t)))

/* Reads the limits. Returns 0 or -EINVAL (NULL). */
int pipc_sysv_get_limits(pipc_sysv_limits *limits);

/* The calls pipc_sysv_explain knows. */
#define PIPC_SYSV_CALL_MSG_GET 1  /* count: unused */
#define PIPC_SYSV_CALL_MSG_SEND 2 /* size: the text length */
#define PIPC_SYSV_CALL_SHM_GET 3  /* size: the segment size */
#define PIPC_SYSV_CALL_SEM_GET 4  /* count: nsems */
#define PIPC_SYSV_CALL_SEM_OP 5   /* count: nops */
#define PIPC_SYSV_CALL_SEM_SET 6  /* size: the value set */

/*
 * Explains an error of call that a limit may cause: writes a NUL-terminated
 * sentence ("a message of 9000 bytes is above /proc/sys/kernel/msgmax
 * (8192)") and returns its length, or 0 with an empty buf when no limit
 * explains it. Returns -EINVAL when buf is NULL or len is 0.
 */
int pipc_sysv_explain(int call, int err, int64_t size, int64_t count, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SYSV_H */
