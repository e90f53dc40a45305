/*
 * posixipc — safe access to shared memory that another process may shrink:
 * the fault guard, the registry of guarded regions, the atomics that run
 * under the guard, and a probe for vanished pages.
 *
 * Any process with write access to a shared memory object can shrink it
 * (ftruncate). Every other process that maps it then gets SIGBUS when it
 * touches a page beyond the new end, which ends the process by default. The
 * guard turns that into an error the program can handle:
 *
 *  - A guarded call (the pipc_sem_*, pipc_mutex_*, pipc_cond_* and
 *    pipc_atomic_* calls on an address) returns -EFAULT. The rest of the
 *    mapping is left as it is.
 *  - A plain load or store, in a region registered with
 *    pipc_fault_region_add, is retried on a private zero page: the handler
 *    replaces the page that faulted at the same address, sets the region's
 *    faulted word and returns, so the faulting instruction completes. The
 *    program reads the word after its accesses to learn that what it read
 *    may be zeros and its stores may be lost. The page stays that way; the
 *    region's other pages stay shared.
 *
 * Faults elsewhere (in no registered region, outside a guarded call) are
 * passed on unchanged to the handler that was installed before the guard.
 */
#ifndef POSIXIPC_GUARD_H
#define POSIXIPC_GUARD_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Installs the guard: one handler for SIGBUS and SIGABRT, in front of the
 * handlers already there. Signals that are not the guard's (see above) are
 * passed on to them with the same arguments, or given the default action
 * when that is what was there. Install it after any other handler for those
 * two signals, once; a later sigaction for them removes it. The Java library
 * installs it when it first maps shared memory or opens a named semaphore.
 * Idempotent, thread-safe. Returns 0, -ENOSYS (not glibc: the guard needs
 * glibc's cleanup chain), or -errno from sigaction.
 *
 * A guarded call returns -EFAULT whether the page was already gone when it
 * began or vanished while it waited, and -ENOTRECOVERABLE when glibc judged
 * the object's state impossible (another process wrote over it) and would
 * have called abort(). The object stays gone (every later call on it fails
 * the same way), and a thread that held a robust mutex in the vanished memory
 * may see its other robust mutexes fail too, because glibc links the mutexes
 * a thread holds through their own memory.
 */
int pipc_fault_guard_install(void);

/* 1 once pipc_fault_guard_install has succeeded in this process, else 0. */
int pipc_fault_guard_installed(void);

/*
 * Registers the mapping [addr, addr + length) with the guard. When a plain
 * access (not a guarded call) in it raises SIGBUS, the guard's handler
 * replaces the page that faulted with a private zero page (writable when
 * writable is nonzero, read-only otherwise), stores 1 into the int32_t at
 * address flag, and returns: the access completes on the zero page, and so
 * do later accesses to it from any thread. Pages still inside the object
 * stay shared (a sync object there keeps working). Read the flag after every
 * access that must not silently read zeros (an acquire load or a compiler
 * barrier between the access and the read: the store is made by this thread,
 * in the handler, before the faulting instruction completes).
 *
 * The flag must stay valid until pipc_fault_region_remove returns. Regions
 * must not overlap. Registering does not install the guard; without it the
 * registry is never consulted. Returns 0, -EINVAL (addr not page-aligned,
 * length <= 0, a range that wraps, flag NULL or not aligned to 4), -EEXIST
 * (overlaps a registered region), -ENOMEM (1,048,576 regions registered).
 */
int pipc_fault_region_add(uint64_t addr, int64_t length, int writable, uint64_t flag);

/*
 * Removes the region that starts at addr. Call it before unmapping the range
 * (the handler must never remap addresses that could belong to something
 * else by then), or once the range was replaced with pipc_mmap_detach (a
 * fault there cannot happen any more); it waits for a handler that is
 * replacing a page of the region in another thread. Returns 0 or -ENOENT.
 */
int pipc_fault_region_remove(uint64_t addr);

/*
 * Checks that every page of [addr, addr + length) can be read without a
 * fault, by asking the kernel to map them in (madvise MADV_POPULATE_READ):
 * a page beyond the end of a shrunk object is reported as -EFAULT instead of
 * raising SIGBUS. The pages may still vanish right after the check: to make
 * the calls that touch an object safe, install the fault guard instead.
 * Returns 0, -EFAULT, -ENOMEM (not mapped), -EINVAL (kernels before 5.14,
 * which lack the advice, or a bad range).
 */
int pipc_mem_probe(uint64_t addr, int64_t length);

/*
 * Atomic read-modify-write operations on mapped memory, sequentially
 * consistent (as C11's atomic_compare_exchange_strong and atomic_fetch_add),
 * so that C and Java processes that use either see the same semantics. They
 * are guarded calls: with the guard installed, a page that another process
 * cut off is -EFAULT rather than SIGBUS. addr must be aligned to the size.
 *
 * pipc_atomic_cas32/64 store desired if the value equals expected: 1 when
 * they did, 0 when not; -EINVAL (NULL or misaligned), -EFAULT.
 *
 * pipc_atomic_add32/64 add delta and return the previous value. INT64_MIN is
 * returned both for a genuine previous value (64-bit only) and for an error:
 * pipc_atomic_error then tells them apart.
 */
int pipc_atomic_cas32(uint64_t addr, int32_t expected, int32_t desired);
int pipc_atomic_cas64(uint64_t addr, int64_t expected, int64_t desired);
int64_t pipc_atomic_add32(uint64_t addr, int32_t delta);
int64_t pipc_atomic_add64(uint64_t addr, int64_t delta);

/*
 * After a pipc_atomic_add32/64 in this thread returned INT64_MIN: 0 when that
 * was the previous value, else -EINVAL or -EFAULT.
 */
int pipc_atomic_error(void);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_GUARD_H */
