/*
 * posixipc — shared memory: POSIX shared memory objects, memfd files with
 * seals, and mappings.
 *
 * A shared memory object (shm_open) is a file in a tmpfs (/dev/shm on Linux)
 * reached by a name "/name"; a memfd is the same kind of file with no name at
 * all, passed to other processes as a descriptor. Either is mapped with
 * pipc_mmap and the mapping is shared: a store by one process is seen by every
 * process that maps the same object.
 *
 * Semantics worth knowing (Linux):
 *  - Names are "/" followed by 1 to PIPC_SHM_NAME_MAX characters, none of them
 *    "/", and not "/." or "/..". Anything else is -EINVAL or -ENAMETOOLONG,
 *    checked before the system call.
 *  - A new object has size 0. pipc_shm_create sets the size and allocates
 *    every page (posix_fallocate), so that a full tmpfs is -ENOSPC at creation
 *    rather than a SIGBUS at the first store into a page that has no backing.
 *  - Touching a mapped page that lies beyond the object's end (because it was
 *    mapped past the end, or another process shrank the object later) raises
 *    SIGBUS in the process that touches it. The core never touches mapped
 *    memory except in the pipc_sem_*, pipc_mutex_*, pipc_cond_* and
 *    pipc_atomic_* calls that are given an address, and those return -EFAULT
 *    instead once the fault guard is installed (guard.h), which can also
 *    protect a program's own loads and stores (pipc_fault_region_add).
 *  - Mappings are addresses carried as uint64_t; they stay valid after the
 *    descriptor is closed and until pipc_munmap.
 */
#ifndef POSIXIPC_SHM_H
#define POSIXIPC_SHM_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest name after the leading '/' (the file name in /dev/shm). */
#define PIPC_SHM_NAME_MAX 255

/* Flags for pipc_shm_open. The descriptor is always close-on-exec. */
#define PIPC_SHM_READ_ONLY 0x1 /* O_RDONLY rather than O_RDWR */
#define PIPC_SHM_CREATE 0x2    /* O_CREAT: create the object if it is missing */
#define PIPC_SHM_EXCLUSIVE 0x4 /* O_EXCL: with CREATE, fail with -EEXIST */
#define PIPC_SHM_TRUNCATE 0x8  /* O_TRUNC: an existing object gets size 0 */

/*
 * Opens the shared memory object name (shm_open); *fd receives the
 * descriptor. The mode's permission bits (reduced by the umask) apply when the
 * object is created. Returns 0, -EINVAL (bad name or flags, EXCLUSIVE without
 * CREATE, TRUNCATE with READ_ONLY, mode bits outside 0777), -ENAMETOOLONG,
 * -ENOENT, -EEXIST, -EACCES, -EMFILE.
 */
int pipc_shm_open(const char *name, int flags, int mode, int *fd);

/*
 * Creates the object name exclusively with size bytes, every page allocated
 * (ftruncate + posix_fallocate), and opens it for reading and writing. If the
 * size cannot be had, the object is removed again and nothing is left behind.
 * Returns 0, -EEXIST, -EINVAL (bad name, mode, or size < 0), -ENOSPC (the
 * tmpfs is full), -EFBIG, or what pipc_shm_open returns.
 */
int pipc_shm_create(const char *name, int64_t size, int mode, int *fd);

/* Removes the name (shm_unlink). Processes that have the object open or
 * mapped keep it. Returns 0, -ENOENT, -EINVAL, -ENAMETOOLONG, -EACCES. */
int pipc_shm_unlink(const char *name);

/* The size in bytes of the object or file behind fd (fstat), or -errno. */
int64_t pipc_shm_size(int fd);

/*
 * Sets the size (ftruncate). Growing adds zero bytes whose pages are not
 * allocated yet; shrinking makes mapped pages beyond the new end raise SIGBUS
 * when touched, in every process. Returns 0, -EINVAL (size < 0, or fd not open
 * for writing), -EPERM (a seal forbids it), -EFBIG, -EBADF.
 */
int pipc_shm_truncate(int fd, int64_t size);

/*
 * Allocates the pages of [offset, offset + length) (posix_fallocate), growing
 * the object if that range ends beyond it. Returns 0, -ENOSPC, -EINVAL
 * (negative offset, length <= 0), -EBADF, -EPERM (a seal forbids growing).
 */
int pipc_shm_allocate(int fd, int64_t offset, int64_t length);

/* ------------------------------------------------------------------ memfd */

/* Flags for pipc_memfd_create. The descriptor is always close-on-exec. */
#define PIPC_MEMFD_ALLOW_SEALING 0x1 /* MFD_ALLOW_SEALING */

/* Seals for pipc_memfd_add_seals, the F_SEAL_* bits. */
#define PIPC_SEAL_SEAL 0x1   /* no more seals can be added */
#define PIPC_SEAL_SHRINK 0x2 /* the size cannot shrink */
#define PIPC_SEAL_GROW 0x4   /* the size cannot grow */
#define PIPC_SEAL_WRITE 0x8  /* the contents cannot change */
#define PIPC_SEAL_FUTURE_WRITE 0x10 /* no new writable mapping or write() */

/*
 * Creates an anonymous memory file (memfd_create); name (at most 249 bytes) is
 * only shown in /proc/PID/fd. Returns 0, -EINVAL (bad flags, NULL or too long
 * name, NULL fd), -EMFILE, -ENOMEM.
 */
int pipc_memfd_create(const char *name, int flags, int *fd);

/*
 * Adds seals (F_ADD_SEALS). Returns 0, -EPERM (sealing not allowed, or the
 * SEAL seal is set), -EBUSY (SEAL_WRITE while a writable shared mapping
 * exists), -EINVAL (unknown bits, or fd is not a memfd).
 */
int pipc_memfd_add_seals(int fd, int seals);

/* The seals of fd (F_GET_SEALS) as PIPC_SEAL_* bits, or -errno. */
int pipc_memfd_seals(int fd);

/* --------------------------------------------------------------- mappings */

/* Protection for pipc_mmap. */
#define PIPC_PROT_READ 0x1
#define PIPC_PROT_WRITE 0x2

/* The page size: offsets given to pipc_mmap are multiples of it. */
int64_t pipc_page_size(void);

/*
 * Maps length bytes of fd from offset, shared with every other mapping of the
 * same object (MAP_SHARED); *addr receives the address. prot is PIPC_PROT_READ
 * optionally with PIPC_PROT_WRITE (which needs fd open for writing). The range
 * may extend past the object's end, but touching a page beyond it raises
 * SIGBUS; callers that must not die check pipc_shm_size first.
 * Returns 0, -EINVAL (length <= 0, offset < 0 or not a multiple of the page
 * size, bad prot), -EACCES (fd not open for the protection), -ENODEV,
 * -ENOMEM, -EPERM (a seal forbids a writable mapping), -EBADF.
 */
int pipc_mmap(int fd, int64_t offset, int64_t length, int prot, uint64_t *addr);

/*
 * A shared anonymous mapping of length zeroed bytes (MAP_SHARED |
 * MAP_ANONYMOUS), read-write: shared with children forked after the call.
 * Returns 0, -EINVAL, -ENOMEM.
 */
int pipc_mmap_anonymous(int64_t length, uint64_t *addr);

/* Unmaps [addr, addr + length). addr must be page-aligned. Returns 0 or
 * -EINVAL. */
int pipc_munmap(uint64_t addr, int64_t length);

/*
 * Replaces [addr, addr + length) with private zero pages, at the same address,
 * in one step (mmap MAP_FIXED): the shared memory is no longer reached, yet
 * the addresses stay valid, so that a thread still using them reads zeros and
 * writes into memory that is thrown away instead of faulting. The range is
 * freed later with pipc_munmap. Returns 0, -EINVAL, -ENOMEM.
 */
int pipc_mmap_detach(uint64_t addr, int64_t length);

/* Flags for pipc_msync: exactly one of ASYNC or SYNC, optionally INVALIDATE. */
#define PIPC_MSYNC_ASYNC 0x1
#define PIPC_MSYNC_SYNC 0x2
#define PIPC_MSYNC_INVALIDATE 0x4

/* msync(2) on a page-aligned range. Returns 0, -EINVAL, -ENOMEM (not
 * mapped), -EBUSY. */
int pipc_msync(uint64_t addr, int64_t length, int flags);

/* Locks the pages of a range in memory (mlock), or unlocks them. Returns 0,
 * -ENOMEM (over RLIMIT_MEMLOCK or not mapped), -EPERM, -EINVAL. */
int pipc_mlock(uint64_t addr, int64_t length);
int pipc_munlock(uint64_t addr, int64_t length);

/* Advice for pipc_madvise. */
#define PIPC_ADVICE_NORMAL 0
#define PIPC_ADVICE_RANDOM 1
#define PIPC_ADVICE_SEQUENTIAL 2
#define PIPC_ADVICE_WILLNEED 3
#define PIPC_ADVICE_DONTNEED 4 /* shared pages are reread from the object */

/* madvise(2) on a page-aligned range. Returns 0, -EINVAL, -ENOMEM. */
int pipc_madvise(uint64_t addr, int64_t length, int advice);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_SHM_H */
