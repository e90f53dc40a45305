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
 */
#include "internal.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <posixipc/shm.h>

#ifdef __GLIBC__

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
