/*
 * System V IPC: message queues, shared memory segments, semaphore sets.
 */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include <posixipc/sysv.h>

/* The public values are the kernel's where callers pass them through. */
_Static_assert(PIPC_SYSV_PRIVATE == IPC_PRIVATE, "IPC_PRIVATE");
_Static_assert(PIPC_SYSV_SEM_NOWAIT == IPC_NOWAIT, "IPC_NOWAIT");
_Static_assert(PIPC_SYSV_SEM_UNDO == SEM_UNDO, "SEM_UNDO");
/* struct msgbuf: a long type, then the text. */
_Static_assert(sizeof(long) == PIPC_SYSV_MSG_TEXT_OFFSET, "msgbuf: mtype is a 64-bit long");
/* pipc_sysv_sembuf is struct sembuf, so an array of it goes to semop as it is. */
_Static_assert(sizeof(pipc_sysv_sembuf) == sizeof(struct sembuf) &&
                   offsetof(pipc_sysv_sembuf, num) == offsetof(struct sembuf, sem_num) &&
                   offsetof(pipc_sysv_sembuf, op) == offsetof(struct sembuf, sem_op) &&
                   offsetof(pipc_sysv_sembuf, flags) == offsetof(struct sembuf, sem_flg),
               "pipc_sysv_sembuf is struct sembuf");
/* The stat structs are arrays of int64_t to their readers; the counts make a
 * new field fail here until it is listed in the header. */
_Static_assert(sizeof(pipc_sysv_msg_stat) == 14 * sizeof(int64_t), "pipc_sysv_msg_stat: int64_t fields");
_Static_assert(sizeof(pipc_sysv_shm_stat) == 15 * sizeof(int64_t), "pipc_sysv_shm_stat: int64_t fields");
_Static_assert(sizeof(pipc_sysv_sem_stat) == 9 * sizeof(int64_t), "pipc_sysv_sem_stat: int64_t fields");
_Static_assert(sizeof(pipc_sysv_limits) == 11 * sizeof(int64_t), "pipc_sysv_limits: int64_t fields");
_Static_assert(offsetof(pipc_sysv_msg_stat, mode) == PIPC_SYSV_STAT_MODE * sizeof(int64_t) &&
                   offsetof(pipc_sysv_shm_stat, mode) == PIPC_SYSV_STAT_MODE * sizeof(int64_t) &&
                   offsetof(pipc_sysv_sem_stat, mode) == PIPC_SYSV_STAT_MODE * sizeof(int64_t) &&
                   offsetof(pipc_sysv_sem_stat, key) == PIPC_SYSV_STAT_KEY * sizeof(int64_t) &&
                   offsetof(pipc_sysv_sem_stat, cgid) == PIPC_SYSV_STAT_CGID * sizeof(int64_t),
               "the ipc_perm fields come first, in the same order");

/* semctl's fourth argument, which the caller must define (POSIX). */
union pipc__semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

/* The IPC_CREAT / IPC_EXCL bits and mode of a get call, or -EINVAL. */
static int pipc__get_flags(int flags, int mode) {
  if ((flags & ~(PIPC_SYSV_CREATE | PIPC_SYSV_EXCLUSIVE)) != 0) return -EINVAL;
  if ((flags & PIPC_SYSV_EXCLUSIVE) && !(flags & PIPC_SYSV_CREATE)) return -EINVAL;
  if (pipc__check_mode(mode, 0777) < 0) return -EINVAL;
  return ((flags & PIPC_SYSV_CREATE) ? IPC_CREAT : 0) | ((flags & PIPC_SYSV_EXCLUSIVE) ? IPC_EXCL : 0) |
         mode;
}

/* The ipc_perm fields every stat struct starts with. */
#define PIPC__PERM(st, p)             \
  do {                                \
    (st)->key = (p).__key;            \
    (st)->uid = (p).uid;              \
    (st)->gid = (p).gid;              \
    (st)->cuid = (p).cuid;            \
    (st)->cgid = (p).cgid;            \
    (st)->mode = (p).mode & 0777;     \
  } while (0)

int pipc_sysv_ftok(const char *path, int proj_id, int *key) {
  if (key == NULL || proj_id < 1 || proj_id > 255) return -EINVAL;
  int r = pipc__check_path(path);
  if (r < 0) return r;
  key_t k = ftok(path, proj_id);
  if (k == (key_t)-1) return PIPC__ERR();
  *key = (int)k;
  return 0;
}

/* ---------------------------------------------------------- message queues */

int pipc_sysv_msg_get(int key, int flags, int mode, int *id) {
  int f = pipc__get_flags(flags, mode);
  if (f < 0 || id == NULL) return -EINVAL;
  int q = msgget((key_t)key, f);
  if (q < 0) return PIPC__ERR();
  *id = q;
  return 0;
}

/* One attempt of a timed send or receive, in the form pipc__retry_until takes. */
struct pipc__msg_io {
  int id;
  int receive;
  void *msg;
  size_t len;
  long type;
  int flags; /* msgrcv / msgsnd flags, IPC_NOWAIT included */
};

static int64_t pipc__msg_once(void *arg) {
  struct pipc__msg_io *io = arg;
  if (io->receive) {
    ssize_t n = msgrcv(io->id, io->msg, io->len, io->type, io->flags);
    if (n >= 0) return n;
    /* With IPC_NOWAIT the kernel says ENOMSG for "nothing matches now". */
    return errno == ENOMSG ? -EAGAIN : PIPC__ERR();
  }
  return msgsnd(io->id, io->msg, io->len, io->flags) < 0 ? PIPC__ERR() : 0;
}

/* The one way a message call waits: see "How the timed calls are made" in sysv.h. */
static int64_t pipc__msg_call(struct pipc__msg_io *io, int64_t timeout_ns) {
  if (timeout_ns < 0) return pipc__msg_once(io);
  io->flags |= IPC_NOWAIT;
  return pipc__retry_until(pipc__deadline(timeout_ns), -1, 0, pipc__msg_once, io);
}

int pipc_sysv_msg_send(int id, const void *msg, size_t len, int64_t timeout_ns) {
  if (msg == NULL) return -EFAULT;
  long type;
  memcpy(&type, msg, sizeof type);
  /* The kernel says EINVAL as well; checked here so that it is not mistaken
   * for a bad identifier. */
  if (type <= 0 || len > (size_t)LONG_MAX) return -EINVAL;
  struct pipc__msg_io io = {.id = id, .receive = 0, .msg = (void *)msg, .len = len, .type = type, .flags = 0};
  return (int)pipc__msg_call(&io, timeout_ns);
}

int64_t pipc_sysv_msg_receive(int id, void *msg, size_t max, int64_t type, int flags,
                              int64_t timeout_ns) {
  if (msg == NULL) return -EFAULT;
  const int known = PIPC_SYSV_MSG_NOERROR | PIPC_SYSV_MSG_EXCEPT | PIPC_SYSV_MSG_COPY;
  if ((flags & ~known) != 0 || max > (size_t)LONG_MAX) return -EINVAL;
  /* The kernel ignores MSG_EXCEPT for a type of 0 or below; refused here, as
   * it is surely not what the caller meant. */
  if ((flags & PIPC_SYSV_MSG_EXCEPT) && type <= 0) return -EINVAL;
  int sys = ((flags & PIPC_SYSV_MSG_NOERROR) ? MSG_NOERROR : 0) | ((flags & PIPC_SYSV_MSG_EXCEPT) ? MSG_EXCEPT : 0);
  struct pipc__msg_io io = {.id = id, .receive = 1, .msg = msg, .len = max, .type = (long)type, .flags = sys};
  if (flags & PIPC_SYSV_MSG_COPY) {
    /* MSG_COPY reads the message at an index and requires IPC_NOWAIT. */
    if (type < 0 || (flags & PIPC_SYSV_MSG_EXCEPT)) return -EINVAL;
    io.flags |= MSG_COPY | IPC_NOWAIT;
    return pipc__msg_once(&io);
  }
  return pipc__msg_call(&io, timeout_ns);
}

int pipc_sysv_msg_stat_get(int id, pipc_sysv_msg_stat *st) {
  if (st == NULL) return -EINVAL;
  struct msqid_ds ds;
  if (msgctl(id, IPC_STAT, &ds) < 0) return PIPC__ERR();
  PIPC__PERM(st, ds.msg_perm);
  st->bytes = (int64_t)ds.__msg_cbytes;
  st->messages = (int64_t)ds.msg_qnum;
  st->max_bytes = (int64_t)ds.msg_qbytes;
  st->last_send_pid = ds.msg_lspid;
  st->last_receive_pid = ds.msg_lrpid;
  st->send_time = ds.msg_stime;
  st->receive_time = ds.msg_rtime;
  st->change_time = ds.msg_ctime;
  return 0;
}

int pipc_sysv_msg_set(int id, int64_t uid, int64_t gid, int mode, int64_t max_bytes) {
  if (uid < -1 || gid < -1 || uid > UINT32_MAX || gid > UINT32_MAX) return -EINVAL;
  if (mode != -1 && pipc__check_mode(mode, 0777) < 0) return -EINVAL;
  if (max_bytes == 0 || max_bytes < -1) return -EINVAL;
  struct msqid_ds ds;
  if (msgctl(id, IPC_STAT, &ds) < 0) return PIPC__ERR();
  if (uid != -1) ds.msg_perm.uid = (uid_t)uid;
  if (gid != -1) ds.msg_perm.gid = (gid_t)gid;
  if (mode != -1) ds.msg_perm.mode = (unsigned short)mode;
  if (max_bytes != -1) ds.msg_qbytes = (msglen_t)max_bytes;
  return msgctl(id, IPC_SET, &ds) < 0 ? PIPC__ERR() : 0;
}

int pipc_sysv_msg_remove(int id) { return msgctl(id, IPC_RMID, NULL) < 0 ? PIPC__ERR() : 0; }

/* ---------------------------------------------------------- shared memory */

int pipc_sysv_shm_get(int key, int64_t size, int flags, int mode, int *id) {
  int f = pipc__get_flags(flags, mode);
  if (f < 0 || id == NULL || size < 0) return -EINVAL;
  int s = shmget((key_t)key, (size_t)size, f);
  if (s < 0) return PIPC__ERR();
  *id = s;
  return 0;
}

int pipc_sysv_shm_attach(int id, int flags, uint64_t *addr) {
  if (addr == NULL || (flags & ~PIPC_SYSV_SHM_READ_ONLY) != 0) return -EINVAL;
  void *p = shmat(id, NULL, (flags & PIPC_SYSV_SHM_READ_ONLY) ? SHM_RDONLY : 0);
  if (p == (void *)-1) return PIPC__ERR();
  *addr = (uint64_t)(uintptr_t)p;
  return 0;
}

int pipc_sysv_shm_detach(uint64_t addr) {
  if (addr == 0) return -EINVAL;
  return shmdt((const void *)(uintptr_t)addr) < 0 ? PIPC__ERR() : 0;
}

int pipc_sysv_shm_stat_get(int id, pipc_sysv_shm_stat *st) {
  if (st == NULL) return -EINVAL;
  struct shmid_ds ds;
  if (shmctl(id, IPC_STAT, &ds) < 0) return PIPC__ERR();
  PIPC__PERM(st, ds.shm_perm);
  st->size = (int64_t)ds.shm_segsz;
  st->attaches = (int64_t)ds.shm_nattch;
  st->creator_pid = ds.shm_cpid;
  st->last_pid = ds.shm_lpid;
  st->attach_time = ds.shm_atime;
  st->detach_time = ds.shm_dtime;
  st->change_time = ds.shm_ctime;
  st->removed = (ds.shm_perm.mode & SHM_DEST) != 0;
  st->locked = (ds.shm_perm.mode & SHM_LOCKED) != 0;
  return 0;
}

int pipc_sysv_shm_remove(int id) { return shmctl(id, IPC_RMID, NULL) < 0 ? PIPC__ERR() : 0; }

int pipc_sysv_shm_lock(int id, int lock) {
  return shmctl(id, lock ? SHM_LOCK : SHM_UNLOCK, NULL) < 0 ? PIPC__ERR() : 0;
}

/* --------------------------------------------------------- semaphore sets */

int pipc_sysv_sem_get(int key, int nsems, int flags, int mode, int *id) {
  int f = pipc__get_flags(flags, mode);
  if (f < 0 || id == NULL || nsems < 0) return -EINVAL;
  int s = semget((key_t)key, nsems, f);
  if (s < 0) return PIPC__ERR();
  *id = s;
  return 0;
}

int pipc_sysv_sem_op(int id, const pipc_sysv_sembuf *ops, size_t nops, int64_t timeout_ns) {
  if (ops == NULL) return -EFAULT;
  if (nops == 0) return -EINVAL;
  int any_nowait = 0;
  for (size_t i = 0; i < nops; i++) {
    if ((ops[i].flags & ~(PIPC_SYSV_SEM_NOWAIT | PIPC_SYSV_SEM_UNDO)) != 0) return -EINVAL;
    any_nowait |= (ops[i].flags & PIPC_SYSV_SEM_NOWAIT) != 0;
  }
  struct sembuf *sops = (struct sembuf *)(uintptr_t)ops;
  if (timeout_ns < 0) return semop(id, sops, nops) < 0 ? PIPC__ERR() : 0;
  int64_t deadline = pipc__deadline(timeout_ns);
  struct timespec ts;
  /* A zero timeout makes the kernel try once and say EAGAIN. */
  if (semtimedop(id, sops, nops, pipc__time_left(deadline, &ts)) == 0) return 0;
  int e = errno;
  if (e != EAGAIN || timeout_ns == 0) return -e;
  /* The kernel says EAGAIN for an expired timeout and for an operation with
   * IPC_NOWAIT alike: the clock tells them apart. */
  if (!any_nowait || pipc__now_ns() >= deadline) return -ETIMEDOUT;
  return -EAGAIN;
}

int pipc_sysv_sem_value(int id, int num) {
  if (num < 0) return -EINVAL;
  int v = semctl(id, num, GETVAL);
  return v < 0 ? PIPC__ERR() : v;
}

int pipc_sysv_sem_set_value(int id, int num, int value) {
  if (num < 0) return -EINVAL;
  if (value < 0 || value > PIPC_SYSV_SEMVMX) return -ERANGE;
  union pipc__semun arg = {.val = value};
  return semctl(id, num, SETVAL, arg) < 0 ? PIPC__ERR() : 0;
}

/* The number of semaphores in the set, or -errno. */
static int pipc__sem_count(int id) {
  struct semid_ds ds;
  union pipc__semun arg = {.buf = &ds};
  if (semctl(id, 0, IPC_STAT, arg) < 0) return PIPC__ERR();
  return (int)ds.sem_nsems;
}

int pipc_sysv_sem_get_all(int id, int *values, int count) {
  if (values == NULL || count <= 0) return -EINVAL;
  /* GETALL writes the whole set: the size is checked first so that it can
   * never write past the caller's array. */
  int n = pipc__sem_count(id);
  if (n < 0) return n;
  if (n != count) return -EINVAL;
  unsigned short *a = malloc(sizeof *a * (size_t)n);
  if (a == NULL) return -ENOMEM;
  union pipc__semun arg = {.array = a};
  int r = semctl(id, 0, GETALL, arg) < 0 ? PIPC__ERR() : 0;
  if (r == 0)
    for (int i = 0; i < n; i++) values[i] = a[i];
  free(a);
  return r;
}

int pipc_sysv_sem_set_all(int id, const int *values, int count) {
  if (values == NULL || count <= 0) return -EINVAL;
  for (int i = 0; i < count; i++)
    if (values[i] < 0 || values[i] > PIPC_SYSV_SEMVMX) return -ERANGE;
  int n = pipc__sem_count(id);
  if (n < 0) return n;
  if (n != count) return -EINVAL;
  unsigned short *a = malloc(sizeof *a * (size_t)n);
  if (a == NULL) return -ENOMEM;
  for (int i = 0; i < n; i++) a[i] = (unsigned short)values[i];
  union pipc__semun arg = {.array = a};
  int r = semctl(id, 0, SETALL, arg) < 0 ? PIPC__ERR() : 0;
  free(a);
  return r;
}

int pipc_sysv_sem_pid(int id, int num) {
  if (num < 0) return -EINVAL;
  int v = semctl(id, num, GETPID);
  return v < 0 ? PIPC__ERR() : v;
}

int pipc_sysv_sem_waiting(int id, int num, int zero) {
  if (num < 0) return -EINVAL;
  int v = semctl(id, num, zero ? GETZCNT : GETNCNT);
  return v < 0 ? PIPC__ERR() : v;
}

int pipc_sysv_sem_stat_get(int id, pipc_sysv_sem_stat *st) {
  if (st == NULL) return -EINVAL;
  struct semid_ds ds;
  union pipc__semun arg = {.buf = &ds};
  if (semctl(id, 0, IPC_STAT, arg) < 0) return PIPC__ERR();
  PIPC__PERM(st, ds.sem_perm);
  st->count = (int64_t)ds.sem_nsems;
  st->op_time = ds.sem_otime;
  st->change_time = ds.sem_ctime;
  return 0;
}

int pipc_sysv_sem_remove(int id) { return semctl(id, 0, IPC_RMID) < 0 ? PIPC__ERR() : 0; }

/* One look at sem_otime, in the form pipc__retry_until takes: -EAGAIN while
 * the creator has not made its first semop. */
static int64_t pipc__sem_initialized(void *arg) {
  int id = *(int *)arg;
  pipc_sysv_sem_stat st;
  int r = pipc_sysv_sem_stat_get(id, &st);
  if (r < 0) return r;
  return st.op_time != 0 ? 0 : -EAGAIN;
}

int pipc_sysv_sem_get_initialized(int key, int nsems, int mode, const int *values,
                                  int64_t timeout_ns, int *id, int *created) {
  if (values == NULL || id == NULL || created == NULL || nsems <= 0 || key == PIPC_SYSV_PRIVATE)
    return -EINVAL;
  int64_t deadline = pipc__deadline(timeout_ns);
  /* A set removed between our EEXIST and our open: try again, a few times. */
  for (int attempt = 0; attempt < 8; attempt++) {
    int s;
    int r = pipc_sysv_sem_get(key, nsems, PIPC_SYSV_EXCLUSIVE | PIPC_SYSV_CREATE, mode, &s);
    if (r == 0) {
      r = pipc_sysv_sem_set_all(s, values, nsems);
      if (r == 0) {
        /* A semop that changes nothing, to set sem_otime: the sign for
         * everyone else that the values are in place. */
        pipc_sysv_sembuf ops[2] = {{0, values[0] > 0 ? -1 : 1, 0}, {0, values[0] > 0 ? 1 : -1, 0}};
        r = pipc_sysv_sem_op(s, ops, 2, 0);
      }
      if (r < 0) {
        pipc_sysv_sem_remove(s);
        return r;
      }
      *id = s;
      *created = 1;
      return 0;
    }
    if (r != -EEXIST) return r;
    r = pipc_sysv_sem_get(key, nsems, 0, 0, &s);
    if (r == -ENOENT) continue;
    if (r < 0) return r;
    int64_t w = pipc__retry_until(deadline, -1, 0, pipc__sem_initialized, &s);
    if (w == -EINVAL || w == -EIDRM) continue; /* removed meanwhile */
    if (w < 0) return (int)w;
    *id = s;
    *created = 0;
    return 0;
  }
  return -EAGAIN;
}

/* ---------------------------------------------------------------- limits */

/* The sysctl limits: a field is the number in the file of its name, but for
 * sem, whose four numbers (semmsl semmns semopm semmni) are four fields in
 * that order. */
#define PIPC__SYSV_LIMIT(field) {"/proc/sys/kernel/" #field, offsetof(pipc_sysv_limits, field), 1}
static const pipc__number_file pipc__sysv_limit_files[] = {
    PIPC__SYSV_LIMIT(msgmax), PIPC__SYSV_LIMIT(msgmnb), PIPC__SYSV_LIMIT(msgmni),
    PIPC__SYSV_LIMIT(shmmax), PIPC__SYSV_LIMIT(shmall), PIPC__SYSV_LIMIT(shmmni),
    {"/proc/sys/kernel/sem", offsetof(pipc_sysv_limits, semmsl), 4},
};
#undef PIPC__SYSV_LIMIT
_Static_assert(offsetof(pipc_sysv_limits, semmns) == offsetof(pipc_sysv_limits, semmsl) + sizeof(int64_t) &&
                   offsetof(pipc_sysv_limits, semopm) == offsetof(pipc_sysv_limits, semmsl) + 2 * sizeof(int64_t) &&
                   offsetof(pipc_sysv_limits, semmni) == offsetof(pipc_sysv_limits, semmsl) + 3 * sizeof(int64_t),
               "the fields of /proc/sys/kernel/sem follow each other in its order");

int pipc_sysv_get_limits(pipc_sysv_limits *l) {
  if (l == NULL) return -EINVAL;
  pipc__read_number_files(l, pipc__sysv_limit_files,
                          sizeof pipc__sysv_limit_files / sizeof pipc__sysv_limit_files[0]);
  l->semvmx = PIPC_SYSV_SEMVMX;
  return 0;
}

int pipc_sysv_explain(int call, int err, int64_t size, int64_t count, char *buf, size_t len) {
  if (buf == NULL || len == 0) return -EINVAL;
  buf[0] = '\0';
  if (err > 0) err = -err;
  pipc_sysv_limits l;
  pipc_sysv_get_limits(&l);
  long long s = (long long)size, c = (long long)count;
  int n = 0;
  switch (call) {
    case PIPC_SYSV_CALL_MSG_GET:
      if (err == -ENOSPC && l.msgmni >= 0)
        n = snprintf(buf, len, "the system has /proc/sys/kernel/msgmni (%lld) queues already",
                     (long long)l.msgmni);
      break;
    case PIPC_SYSV_CALL_MSG_SEND:
      if (err == -EINVAL && l.msgmax >= 0 && size > l.msgmax)
        n = snprintf(buf, len, "a message of %lld bytes is above /proc/sys/kernel/msgmax (%lld)", s,
                     (long long)l.msgmax);
      break;
    case PIPC_SYSV_CALL_SHM_GET:
      if (err == -EINVAL && l.shmmax >= 0 && size > l.shmmax)
        n = snprintf(buf, len, "a segment of %lld bytes is above /proc/sys/kernel/shmmax (%lld)", s,
                     (long long)l.shmmax);
      else if (err == -EINVAL && size == 0)
        n = snprintf(buf, len, "a new segment needs a size of at least 1 byte (shmmin)");
      else if (err == -ENOSPC)
        n = snprintf(buf, len,
                     "the system has /proc/sys/kernel/shmmni (%lld) segments already, or the pages"
                     " of all segments would pass /proc/sys/kernel/shmall (%lld)",
                     (long long)l.shmmni, (long long)l.shmall);
      break;
    case PIPC_SYSV_CALL_SEM_GET:
      if (err == -EINVAL && l.semmsl >= 0 && count > l.semmsl)
        n = snprintf(buf, len, "a set of %lld semaphores is above semmsl (%lld, the first field of"
                     " /proc/sys/kernel/sem)", c, (long long)l.semmsl);
      else if (err == -ENOSPC)
        n = snprintf(buf, len,
                     "the system has semmni (%lld) sets, or semmns (%lld) semaphores, already"
                     " (fields 4 and 2 of /proc/sys/kernel/sem)",
                     (long long)l.semmni, (long long)l.semmns);
      break;
    case PIPC_SYSV_CALL_SEM_OP:
      if (err == -E2BIG && l.semopm >= 0)
        n = snprintf(buf, len, "%lld operations are above semopm (%lld, the third field of"
                     " /proc/sys/kernel/sem)", c, (long long)l.semopm);
      else if (err == -ERANGE)
        n = snprintf(buf, len, "a value would pass semvmx (%lld)", (long long)l.semvmx);
      break;
    case PIPC_SYSV_CALL_SEM_SET:
      if (err == -ERANGE)
        n = snprintf(buf, len, "the value %lld is outside 0..semvmx (%lld)", s, (long long)l.semvmx);
      break;
    default:
      break;
  }
  if (n < 0) {
    buf[0] = '\0';
    return 0;
  }
  return (size_t)n >= len ? (int)len - 1 : n;
}
