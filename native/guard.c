/*
 * The fault guard: semaphore, mutex, condition and atomic calls on shared
 * memory that another process shrank return -EFAULT instead of ending the
 * process.
 *
 * A guarded call records a jump buffer in a thread-local slot and runs the
 * operation. The handler, installed for SIGBUS and SIGABRT over whatever
 * handler was there, jumps back to that buffer when the signal belongs to the
 * guarded call of its own thread: a SIGBUS raised by the kernel (a page that
 * is gone), or a SIGABRT the thread raised itself (glibc aborts when a futex
 * call reports EFAULT, which is what a page vanishing between the operation's
 * load and its system call looks like, and on internal assertions about the
 * object's state). Every other signal goes on to the previous handler with
 * the same arguments, so a JVM's own SIGBUS handling keeps working.
 *
 * The jump leaves the glibc call midway. That is sound for the object, whose
 * memory is gone (or whose state glibc already judged broken), and the thread
 * is put back as it was before the call:
 *  - the signal mask: restored from the one the kernel saved for the handler;
 *  - glibc's chain of cancellation cleanup records, which the waits extend
 *    while they block: a record of our own is pushed before the operation and
 *    popped before the jump, which drops the records the call left behind
 *    without running them (they would touch the vanished memory again, and
 *    siglongjmp runs the records it jumps over). _pthread_cleanup_push and
 *    _pthread_cleanup_pop are glibc's exported functions for exactly that
 *    chain (what the pthread_cleanup_push macro of old headers called);
 *  - a robust mutex's pending-operation pointer may be left pointing at the
 *    vanished memory: glibc overwrites it at the next robust mutex operation,
 *    and the kernel, which reads it when the thread ends, ignores a bad one.
 *
 * The registry of regions (pipc_fault_region_add) extends the guard to plain
 * loads and stores, which no jump can undo: a JIT-compiled access in a JVM,
 * or a memcpy, has no point to jump back to. For a SIGBUS in a registered
 * region that is not a guarded call, the handler replaces the page that
 * faulted with a private zero page at the same address (one mmap MAP_FIXED,
 * a system call that is safe in a handler), sets the region's faulted word
 * and returns: the kernel retries the instruction, which now succeeds, and
 * no other handler (HotSpot's) ever sees the signal. The caller reads the
 * word after its access and reports the fault itself, synchronously. Only
 * that page is replaced: the pages still inside the object stay shared, so
 * that a semaphore or a robust mutex there, which other processes still
 * use, can still be posted or unlocked (a mutex held in a page replaced
 * under it could never be unlocked, nor marked dead by the kernel).
 *
 * The registry is read by the handler, so it takes no lock there: slots live
 * in blocks that are never freed, published with release stores, and each
 * slot has a state word. The handler moves a slot from LIVE to BUSY while it
 * remaps, and pipc_fault_region_remove, which runs before munmap, moves it
 * from LIVE to LEAVING and so waits out a handler in another thread: the
 * handler can never remap addresses that were unmapped and reused meanwhile.
 * Adding and removing take a mutex between themselves (never in a handler).
 */
#include "internal.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <posixipc/guard.h>

/* ------------------------------------------------------------ the registry */

#define PIPC__SLOTS_PER_BLOCK 256
/* 1,048,576 regions, sixteen times the kernel's default vm.max_map_count;
 * the array of block pointers costs 32 KiB of zero pages until used. */
#define PIPC__BLOCKS 4096

enum { PIPC__FREE, PIPC__LIVE, PIPC__BUSY, PIPC__LEAVING };

/* start, length, writable and flag change only while the slot is FREE, under
 * pipc__regions_lock; the handler relies on them once it made the slot BUSY.
 * They are atomics so that a handler that reads a slot being reused never
 * sees a torn value, only an old or a new one, which it checks again after
 * the CAS. */
struct pipc__slot {
  atomic_int state;
  _Atomic uint64_t start;
  _Atomic uint64_t length;
  _Atomic uint64_t flag;
  atomic_int writable;
};

static _Atomic(struct pipc__slot *) pipc__blocks[PIPC__BLOCKS];
static pthread_mutex_t pipc__regions_lock = PTHREAD_MUTEX_INITIALIZER;

/* Set by the first pipc_fault_region_add: the handler cannot call sysconf. */
static _Atomic uint64_t pipc__page_size;

static uint64_t pipc__page(void) {
  uint64_t page = atomic_load_explicit(&pipc__page_size, memory_order_relaxed);
  if (page == 0) {
    page = (uint64_t)sysconf(_SC_PAGESIZE);
    atomic_store_explicit(&pipc__page_size, page, memory_order_relaxed);
  }
  return page;
}

static bool pipc__within(uint64_t addr, uint64_t start, uint64_t length) { return addr - start < length; }

/* Calls visit on every slot in use until it returns true; returns that slot. */
static struct pipc__slot *pipc__find(bool (*visit)(struct pipc__slot *slot, uint64_t a, uint64_t b), uint64_t a,
                                     uint64_t b) {
  for (int i = 0; i < PIPC__BLOCKS; i++) {
    struct pipc__slot *block = atomic_load_explicit(&pipc__blocks[i], memory_order_acquire);
    if (block == NULL) return NULL;
    for (int k = 0; k < PIPC__SLOTS_PER_BLOCK; k++) {
      struct pipc__slot *slot = &block[k];
      if (atomic_load_explicit(&slot->state, memory_order_acquire) == PIPC__FREE) continue;
      if (visit(slot, a, b)) return slot;
    }
  }
  return NULL;
}

static bool pipc__overlaps(struct pipc__slot *slot, uint64_t start, uint64_t length) {
  uint64_t s = atomic_load_explicit(&slot->start, memory_order_relaxed);
  uint64_t n = atomic_load_explicit(&slot->length, memory_order_relaxed);
  return start < s + n && s < start + length;
}

static bool pipc__starts_at(struct pipc__slot *slot, uint64_t start, uint64_t unused) {
  (void)unused;
  return atomic_load_explicit(&slot->start, memory_order_relaxed) == start;
}

static bool pipc__contains(struct pipc__slot *slot, uint64_t addr, uint64_t unused) {
  (void)unused;
  return pipc__within(addr, atomic_load_explicit(&slot->start, memory_order_relaxed),
                      atomic_load_explicit(&slot->length, memory_order_relaxed));
}

/* A FREE slot, in a new block if every block is full; NULL when all are. */
static struct pipc__slot *pipc__free_slot(void) {
  for (int i = 0; i < PIPC__BLOCKS; i++) {
    struct pipc__slot *block = atomic_load_explicit(&pipc__blocks[i], memory_order_relaxed);
    if (block == NULL) {
      /* mmap rather than malloc: the block is never freed, and zero pages
       * are FREE slots already. */
      void *p = mmap(NULL, PIPC__SLOTS_PER_BLOCK * sizeof(struct pipc__slot), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return NULL;
      block = p;
      atomic_store_explicit(&pipc__blocks[i], block, memory_order_release);
    }
    for (int k = 0; k < PIPC__SLOTS_PER_BLOCK; k++) {
      if (atomic_load_explicit(&block[k].state, memory_order_relaxed) == PIPC__FREE) return &block[k];
    }
  }
  return NULL;
}

int pipc_fault_region_add(uint64_t addr, int64_t length, int writable, uint64_t flag) {
  if (addr == 0 || addr % pipc__page() != 0 || length <= 0 || (uint64_t)length > UINTPTR_MAX - addr)
    return -EINVAL;
  if (flag == 0 || flag % sizeof(int32_t) != 0) return -EINVAL;
  pthread_mutex_lock(&pipc__regions_lock);
  int r = 0;
  struct pipc__slot *slot = NULL;
  if (pipc__find(pipc__overlaps, addr, (uint64_t)length) != NULL) {
    r = -EEXIST;
  } else if ((slot = pipc__free_slot()) == NULL) {
    r = -ENOMEM;
  } else {
    atomic_store_explicit(&slot->start, addr, memory_order_relaxed);
    atomic_store_explicit(&slot->length, (uint64_t)length, memory_order_relaxed);
    atomic_store_explicit(&slot->flag, flag, memory_order_relaxed);
    atomic_store_explicit(&slot->writable, writable != 0, memory_order_relaxed);
    atomic_store_explicit(&slot->state, PIPC__LIVE, memory_order_release);
  }
  pthread_mutex_unlock(&pipc__regions_lock);
  return r;
}

int pipc_fault_region_remove(uint64_t addr) {
  pthread_mutex_lock(&pipc__regions_lock);
  struct pipc__slot *slot = pipc__find(pipc__starts_at, addr, 0);
  if (slot != NULL) {
    int live = PIPC__LIVE;
    /* A BUSY slot belongs to a handler in another thread for a few
     * microseconds (one mmap): wait it out, it never blocks. */
    while (!atomic_compare_exchange_weak(&slot->state, &live, PIPC__LEAVING)) live = PIPC__LIVE;
    atomic_store_explicit(&slot->start, 0, memory_order_relaxed);
    atomic_store_explicit(&slot->length, 0, memory_order_relaxed);
    atomic_store_explicit(&slot->state, PIPC__FREE, memory_order_release);
  }
  pthread_mutex_unlock(&pipc__regions_lock);
  return slot != NULL ? 0 : -ENOENT;
}

#ifdef __GLIBC__
/*
 * In the handler: when addr lies in a registered region, replaces its page
 * with a private zero page, sets the region's flag and returns true (the
 * instruction can be retried). False when addr is in no region, or the page
 * cannot be replaced (ENOMEM), so that the signal takes its ordinary course.
 */
static bool pipc__region_fault(uint64_t addr) {
  for (;;) {
    struct pipc__slot *slot = pipc__find(pipc__contains, addr, 0);
    if (slot == NULL) return false;
    int live = PIPC__LIVE;
    if (!atomic_compare_exchange_strong(&slot->state, &live, PIPC__BUSY)) {
      /* Another thread's handler is replacing a page of it, or the region
       * is being removed or reused: look again once that settled. */
      continue;
    }
    uint64_t start = atomic_load_explicit(&slot->start, memory_order_relaxed);
    uint64_t length = atomic_load_explicit(&slot->length, memory_order_relaxed);
    bool ours = pipc__within(addr, start, length);
    bool replaced = false;
    if (ours) {
      /* The region starts on a page boundary, and the kernel maps its last
       * page whole: the page of addr lies within the mapping. A thread that
       * faulted on it before another thread's handler replaced it replaces
       * it again: harmless, its contents are lost anyway. */
      uint64_t page = atomic_load_explicit(&pipc__page_size, memory_order_relaxed);
      int prot = PROT_READ | (atomic_load_explicit(&slot->writable, memory_order_relaxed) ? PROT_WRITE : 0);
      replaced = mmap((void *)(uintptr_t)(addr & ~(page - 1)), (size_t)page, prot,
                      MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) != MAP_FAILED;
      if (replaced) {
        int32_t *flag = (int32_t *)(uintptr_t)atomic_load_explicit(&slot->flag, memory_order_relaxed);
        __atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
      }
    }
    atomic_store_explicit(&slot->state, PIPC__LIVE, memory_order_release);
    if (ours) return replaced;
  }
}

/* Exported by glibc (see above); no header declares them any more. */
extern void _pthread_cleanup_push(struct _pthread_cleanup_buffer *buffer, void (*routine)(void *), void *arg);
extern void _pthread_cleanup_pop(struct _pthread_cleanup_buffer *buffer, int execute);

struct pipc__guard {
  sigjmp_buf env;
  struct _pthread_cleanup_buffer cleanup;
  bool glibc; /* the operation runs glibc code: the cleanup record is pushed */
  volatile sig_atomic_t signo;
};

/* initial-exec: the handler reads it without any call into the TLS machinery. */
static __thread struct pipc__guard *pipc__active __attribute__((tls_model("initial-exec")));

static atomic_bool pipc__installed;
static pthread_mutex_t pipc__install_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction pipc__prev_bus;
static struct sigaction pipc__prev_abrt;

/* Hands a signal that is not ours to the handler that was there before. */
static void pipc__chain(int signo, siginfo_t *si, void *context, const struct sigaction *prev) {
  if (prev->sa_flags & SA_SIGINFO) {
    prev->sa_sigaction(signo, si, context);
    return;
  }
  void (*h)(int) = prev->sa_handler;
  if (h == SIG_IGN && signo == SIGABRT) return;
  if (h == SIG_DFL || h == SIG_IGN) {
    /* The default action (the kernel overrides an ignored fault too): put it
     * back and let the signal come again. A fault recurs when the instruction
     * is retried; a sent signal is raised again, and arrives once this
     * handler returns. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signo, &dfl, NULL);
    if (si == NULL || si->si_code <= 0) raise(signo);
    return;
  }
  h(signo);
}

static bool pipc__ours(int signo, const siginfo_t *si) {
  if (si == NULL) return false;
  if (signo == SIGBUS) return si->si_code > 0; /* raised by the kernel for a fault */
  return si->si_code == SI_TKILL && si->si_pid == getpid(); /* abort() in this thread */
}

static void pipc__on_signal(int signo, siginfo_t *si, void *context) {
  struct pipc__guard *g = pipc__active;
  if (g != NULL && pipc__ours(signo, si)) {
    pipc__active = NULL;
    g->signo = signo;
    if (g->glibc) _pthread_cleanup_pop(&g->cleanup, 0);
    /* The jump keeps the current mask (sigsetjmp saved none): restore the
     * one from before the signal, which the kernel saved in the context. */
    if (context != NULL) pthread_sigmask(SIG_SETMASK, &((ucontext_t *)context)->uc_sigmask, NULL);
    siglongjmp(g->env, 1);
  }
  /* Only a page that is not there (BUS_ADRERR): retrying an access that is
   * misaligned (BUS_ADRALN, on arm64 for atomics) would fault for ever. */
  if (signo == SIGBUS && si != NULL && si->si_code == BUS_ADRERR) {
    int saved = errno;
    uint64_t addr = (uint64_t)(uintptr_t)si->si_addr;
    bool retry = pipc__region_fault(addr);
    /* In no region: maybe one that was closed (pipc_mmap_detach, then
     * pipc_fault_region_remove) between the fault and this handler. Its
     * page is a private zero page now, and the access can be retried. */
    if (!retry && pipc__page_size != 0) retry = pipc_mem_probe(addr, 1) == 0;
    errno = saved;
    if (retry) return;
  }
  pipc__chain(signo, si, context, signo == SIGBUS ? &pipc__prev_bus : &pipc__prev_abrt);
}

static int pipc__take_over(int signo, struct sigaction *prev) {
  struct sigaction old;
  if (sigaction(signo, NULL, &old) < 0) return PIPC__ERR();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = pipc__on_signal;
  /* The previous handler's mask and flags, so that it runs as it expects when
   * a signal is passed on to it. */
  sa.sa_mask = old.sa_mask;
  sa.sa_flags = (old.sa_flags & (SA_ONSTACK | SA_RESTART)) | SA_SIGINFO;
  *prev = old;
  if (sigaction(signo, &sa, NULL) < 0) return PIPC__ERR();
  return 0;
}

int pipc_fault_guard_install(void) {
  pthread_mutex_lock(&pipc__install_lock);
  int r = 0;
  if (!atomic_load(&pipc__installed)) {
    r = pipc__take_over(SIGBUS, &pipc__prev_bus);
    if (r == 0) {
      r = pipc__take_over(SIGABRT, &pipc__prev_abrt);
      if (r < 0) sigaction(SIGBUS, &pipc__prev_bus, NULL);
    }
    if (r == 0) atomic_store(&pipc__installed, true);
  }
  pthread_mutex_unlock(&pipc__install_lock);
  return r;
}

int pipc_fault_guard_installed(void) { return atomic_load(&pipc__installed) ? 1 : 0; }

static void pipc__nothing(void *arg) { (void)arg; }

static int pipc__guard_run(int (*op)(void *arg), void *arg, uint64_t addr, size_t length, bool glibc) {
  if (!atomic_load_explicit(&pipc__installed, memory_order_relaxed)) return op(arg);
  struct pipc__guard g;
  g.signo = 0;
  g.glibc = glibc;
  struct pipc__guard *outer = pipc__active;
  if (glibc) _pthread_cleanup_push(&g.cleanup, pipc__nothing, NULL);
  if (sigsetjmp(g.env, 0) != 0) {
    /* The handler popped the cleanup record. */
    pipc__active = outer;
    if (g.signo == SIGBUS) return -EFAULT;
    /* glibc gave up on the object: because its page is gone, or because its
     * state makes no sense (another process wrote over it). */
    return pipc_mem_probe(addr, (int64_t)length) == -EFAULT ? -EFAULT : -ENOTRECOVERABLE;
  }
  pipc__active = &g;
  atomic_signal_fence(memory_order_seq_cst);
  int r = op(arg);
  atomic_signal_fence(memory_order_seq_cst);
  pipc__active = outer;
  if (glibc) _pthread_cleanup_pop(&g.cleanup, 0);
  return r;
}

int pipc__guarded(int (*op)(void *arg), void *arg, uint64_t addr, size_t length) {
  return pipc__guard_run(op, arg, addr, length, true);
}

int pipc__guarded_plain(int (*op)(void *arg), void *arg, uint64_t addr, size_t length) {
  return pipc__guard_run(op, arg, addr, length, false);
}

#else /* not glibc: the cleanup chain cannot be restored, so no guard. */

int pipc_fault_guard_install(void) { return -ENOSYS; }

int pipc_fault_guard_installed(void) { return 0; }

int pipc__guarded(int (*op)(void *arg), void *arg, uint64_t addr, size_t length) {
  (void)addr;
  (void)length;
  return op(arg);
}

int pipc__guarded_plain(int (*op)(void *arg), void *arg, uint64_t addr, size_t length) {
  return pipc__guarded(op, arg, addr, length);
}

#endif

/* ------------------------------------------------------------- the probe */

int pipc_mem_probe(uint64_t addr, int64_t length) {
  if (length <= 0) return -EINVAL;
  uint64_t start = addr & ~(pipc__page() - 1);
  if ((uint64_t)length > UINTPTR_MAX - addr) return -EINVAL;
  uint64_t end = addr + (uint64_t)length;
#ifdef MADV_POPULATE_READ
  if (madvise((void *)(uintptr_t)start, (size_t)(end - start), MADV_POPULATE_READ) < 0) return PIPC__ERR();
  return 0;
#else
  (void)start;
  (void)end;
  return -EINVAL;
#endif
}

/* ------------------------------------------------------------- atomics */

/* One record per atomic operation, so that it can run under the fault guard. */
struct pipc__atomic_op {
  uint64_t addr;
  int64_t a, b;
  int64_t result;
  int size;
  bool add;
};

static int pipc__atomic_run(void *arg) {
  struct pipc__atomic_op *op = arg;
  if (op->size == 4) {
    int32_t *p = (int32_t *)(uintptr_t)op->addr;
    if (op->add) {
      op->result = __atomic_fetch_add(p, (int32_t)op->a, __ATOMIC_SEQ_CST);
      return 0;
    }
    int32_t expected = (int32_t)op->a;
    return __atomic_compare_exchange_n(p, &expected, (int32_t)op->b, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  }
  int64_t *p = (int64_t *)(uintptr_t)op->addr;
  if (op->add) {
    op->result = __atomic_fetch_add(p, op->a, __ATOMIC_SEQ_CST);
    return 0;
  }
  int64_t expected = op->a;
  return __atomic_compare_exchange_n(p, &expected, op->b, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static int pipc__atomic(struct pipc__atomic_op *op) {
  if (op->addr == 0 || op->addr % (uint64_t)op->size != 0) return -EINVAL;
  return pipc__guarded_plain(pipc__atomic_run, op, op->addr, (size_t)op->size);
}

int pipc_atomic_cas32(uint64_t addr, int32_t expected, int32_t desired) {
  struct pipc__atomic_op op = {.addr = addr, .a = expected, .b = desired, .size = 4};
  return pipc__atomic(&op);
}

int pipc_atomic_cas64(uint64_t addr, int64_t expected, int64_t desired) {
  struct pipc__atomic_op op = {.addr = addr, .a = expected, .b = desired, .size = 8};
  return pipc__atomic(&op);
}

static __thread int pipc__atomic_last_error;

static int64_t pipc__atomic_add(uint64_t addr, int64_t delta, int size) {
  struct pipc__atomic_op op = {.addr = addr, .a = delta, .size = size, .add = true};
  int r = pipc__atomic(&op);
  pipc__atomic_last_error = r;
  return r < 0 ? INT64_MIN : op.result;
}

int64_t pipc_atomic_add32(uint64_t addr, int32_t delta) { return pipc__atomic_add(addr, delta, 4); }

int64_t pipc_atomic_add64(uint64_t addr, int64_t delta) { return pipc__atomic_add(addr, delta, 8); }

int pipc_atomic_error(void) { return pipc__atomic_last_error; }
