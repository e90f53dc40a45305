/*
 * Shared memory objects, memfd files and mappings.
 */
#include "internal.h"

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <posixipc/shm.h>

int pipc_shm_open(const char *name, int flags, int mode, int *fd) {
  int r = pipc__check_ipc_name(name, PIPC_SHM_NAME_MAX);
  if (r < 0) return r;
  if (fd == NULL) return -EINVAL;
  if ((flags & ~(PIPC_SHM_READ_ONLY | PIPC_SHM_CREATE | PIPC_SHM_EXCLUSIVE | PIPC_SHM_TRUNCATE)) != 0)
    return -EINVAL;
  if ((flags & PIPC_SHM_EXCLUSIVE) && !(flags & PIPC_SHM_CREATE)) return -EINVAL;
  /* O_TRUNC with O_RDONLY is undefined by POSIX: refused. */
  if ((flags & PIPC_SHM_TRUNCATE) && (flags & PIPC_SHM_READ_ONLY)) return -EINVAL;
  if (pipc__check_mode(mode, 0777) < 0) return -EINVAL;
  int sys = (flags & PIPC_SHM_READ_ONLY) ? O_RDONLY : O_RDWR;
  if (flags & PIPC_SHM_CREATE) sys |= O_CREAT;
  if (flags & PIPC_SHM_EXCLUSIVE) sys |= O_EXCL;
  if (flags & PIPC_SHM_TRUNCATE) sys |= O_TRUNC;
  /* shm_open always sets FD_CLOEXEC. */
  int opened = shm_open(name, sys, (mode_t)mode);
  if (opened < 0) return PIPC__ERR();
  *fd = opened;
  return 0;
}

int pipc_shm_create(const char *name, int64_t size, int mode, int *fd) {
  if (size < 0) return -EINVAL;
  int opened;
  int r = pipc_shm_open(name, PIPC_SHM_CREATE | PIPC_SHM_EXCLUSIVE, mode, &opened);
  if (r < 0) return r;
  if (size > 0) {
    r = pipc_shm_allocate(opened, 0, size);
    if (r < 0) goto fail;
  }
  *fd = opened;
  return 0;
fail:
  /* The object is ours (EXCL): nobody else can rely on it yet. */
  shm_unlink(name);
  close(opened);
  return r;
}

int pipc_shm_unlink(const char *name) {
  int r = pipc__check_ipc_name(name, PIPC_SHM_NAME_MAX);
  if (r < 0) return r;
  if (shm_unlink(name) < 0) return PIPC__ERR();
  return 0;
}

int64_t pipc_shm_size(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return PIPC__ERR();
  return (int64_t)st.st_size;
}

int pipc_shm_truncate(int fd, int64_t size) {
  if (size < 0) return -EINVAL;
  if (ftruncate(fd, (off_t)size) < 0) return PIPC__ERR();
  return 0;
}

int pipc_shm_allocate(int fd, int64_t offset, int64_t length) {
  if (offset < 0 || length <= 0 || offset > INT64_MAX - length) return -EINVAL;
  /* posix_fallocate returns the error number rather than setting errno. */
  int e = posix_fallocate(fd, (off_t)offset, (off_t)length);
  return e == 0 ? 0 : -e;
}

/* ------------------------------------------------------------------ memfd */

#define PIPC__SEALS \
  (PIPC_SEAL_SEAL | PIPC_SEAL_SHRINK | PIPC_SEAL_GROW | PIPC_SEAL_WRITE | PIPC_SEAL_FUTURE_WRITE)

int pipc_memfd_create(const char *name, int flags, int *fd) {
  if (name == NULL || fd == NULL || strlen(name) > 249) return -EINVAL;
  if ((flags & ~PIPC_MEMFD_ALLOW_SEALING) != 0) return -EINVAL;
  unsigned sys = MFD_CLOEXEC;
  if (flags & PIPC_MEMFD_ALLOW_SEALING) sys |= MFD_ALLOW_SEALING;
  int opened = memfd_create(name, sys);
  if (opened < 0) return PIPC__ERR();
  *fd = opened;
  return 0;
}

/* PIPC_SEAL_* beside F_SEAL_*: the bits are the same on Linux today, but the
 * table keeps the public values independent of that, one way and back. */
static const struct {
  int pub;
  int sys;
} pipc__seal_bits[] = {
    {PIPC_SEAL_SEAL, F_SEAL_SEAL},   {PIPC_SEAL_SHRINK, F_SEAL_SHRINK},
    {PIPC_SEAL_GROW, F_SEAL_GROW},   {PIPC_SEAL_WRITE, F_SEAL_WRITE},
    {PIPC_SEAL_FUTURE_WRITE, F_SEAL_FUTURE_WRITE},
};

/* Translates a set of seals: to the system's bits when to_sys, else back. */
static int pipc__seals_translate(int seals, bool to_sys) {
  int out = 0;
  for (size_t i = 0; i < sizeof pipc__seal_bits / sizeof pipc__seal_bits[0]; i++) {
    int from = to_sys ? pipc__seal_bits[i].pub : pipc__seal_bits[i].sys;
    if (seals & from) out |= to_sys ? pipc__seal_bits[i].sys : pipc__seal_bits[i].pub;
  }
  return out;
}

int pipc_memfd_add_seals(int fd, int seals) {
  if (seals <= 0 || (seals & ~PIPC__SEALS) != 0) return -EINVAL;
  if (fcntl(fd, F_ADD_SEALS, pipc__seals_translate(seals, true)) < 0) return PIPC__ERR();
  return 0;
}

int pipc_memfd_seals(int fd) {
  int sys = fcntl(fd, F_GET_SEALS);
  if (sys < 0) return PIPC__ERR();
  return pipc__seals_translate(sys, false);
}

/* --------------------------------------------------------------- mappings */

int64_t pipc_page_size(void) { return (int64_t)sysconf(_SC_PAGESIZE); }

/* A range that fits the address space. */
static int pipc__check_range(uint64_t addr, int64_t length) {
  if (length <= 0 || (uint64_t)length > UINTPTR_MAX - addr) return -EINVAL;
  if (addr % (uint64_t)pipc_page_size() != 0) return -EINVAL;
  return 0;
}

/* Hands a new mapping back through *addr, or the failure of the mmap that
 * made it. */
static int pipc__mapped(void *p, uint64_t *addr) {
  if (p == MAP_FAILED) return PIPC__ERR();
  *addr = (uint64_t)(uintptr_t)p;
  return 0;
}

int pipc_mmap(int fd, int64_t offset, int64_t length, int prot, uint64_t *addr) {
  if (addr == NULL || length <= 0 || offset < 0 || offset % pipc_page_size() != 0) return -EINVAL;
  if (prot != PIPC_PROT_READ && prot != (PIPC_PROT_READ | PIPC_PROT_WRITE)) return -EINVAL;
  if ((uint64_t)length > SIZE_MAX) return -EINVAL;
  int sys = PROT_READ | ((prot & PIPC_PROT_WRITE) ? PROT_WRITE : 0);
  return pipc__mapped(mmap(NULL, (size_t)length, sys, MAP_SHARED, fd, (off_t)offset), addr);
}

int pipc_mmap_anonymous(int64_t length, uint64_t *addr) {
  if (addr == NULL || length <= 0 || (uint64_t)length > SIZE_MAX) return -EINVAL;
  return pipc__mapped(
      mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0), addr);
}

/* The calls that act on a range of this process's mappings. */
enum pipc__range_call {
  PIPC__MUNMAP,
  PIPC__DETACH,
  PIPC__MSYNC,
  PIPC__MLOCK,
  PIPC__MUNLOCK,
  PIPC__MADVISE,
};

/*
 * Checks a caller's range and makes one call on it: the one place where a
 * public (addr, length) pair becomes a pointer and a size. sys is the call's
 * flags, already translated to the system's values (msync, madvise), or 0.
 */
static int pipc__on_range(uint64_t addr, int64_t length, enum pipc__range_call call, int sys) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  void *p = (void *)(uintptr_t)addr;
  size_t n = (size_t)length;
  switch (call) {
    case PIPC__MUNMAP: r = munmap(p, n); break;
    case PIPC__DETACH:
      /* MAP_NORESERVE: pages come into being only if someone still touches them. */
      r = mmap(p, n, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
               -1, 0) == MAP_FAILED ? -1 : 0;
      break;
    case PIPC__MSYNC: r = msync(p, n, sys); break;
    case PIPC__MLOCK: r = mlock(p, n); break;
    case PIPC__MUNLOCK: r = munlock(p, n); break;
    case PIPC__MADVISE: r = madvise(p, n, sys); break;
  }
  return r < 0 ? PIPC__ERR() : 0;
}

int pipc_munmap(uint64_t addr, int64_t length) { return pipc__on_range(addr, length, PIPC__MUNMAP, 0); }

int pipc_mmap_detach(uint64_t addr, int64_t length) {
  return pipc__on_range(addr, length, PIPC__DETACH, 0);
}

int pipc_msync(uint64_t addr, int64_t length, int flags) {
  if ((flags & ~(PIPC_MSYNC_ASYNC | PIPC_MSYNC_SYNC | PIPC_MSYNC_INVALIDATE)) != 0) return -EINVAL;
  int mode = flags & (PIPC_MSYNC_ASYNC | PIPC_MSYNC_SYNC);
  if (mode != PIPC_MSYNC_ASYNC && mode != PIPC_MSYNC_SYNC) return -EINVAL;
  int sys = mode == PIPC_MSYNC_ASYNC ? MS_ASYNC : MS_SYNC;
  if (flags & PIPC_MSYNC_INVALIDATE) sys |= MS_INVALIDATE;
  return pipc__on_range(addr, length, PIPC__MSYNC, sys);
}

int pipc_mlock(uint64_t addr, int64_t length) { return pipc__on_range(addr, length, PIPC__MLOCK, 0); }

int pipc_munlock(uint64_t addr, int64_t length) {
  return pipc__on_range(addr, length, PIPC__MUNLOCK, 0);
}

int pipc_madvise(uint64_t addr, int64_t length, int advice) {
  int sys;
  switch (advice) {
    case PIPC_ADVICE_NORMAL: sys = MADV_NORMAL; break;
    case PIPC_ADVICE_RANDOM: sys = MADV_RANDOM; break;
    case PIPC_ADVICE_SEQUENTIAL: sys = MADV_SEQUENTIAL; break;
    case PIPC_ADVICE_WILLNEED: sys = MADV_WILLNEED; break;
    case PIPC_ADVICE_DONTNEED: sys = MADV_DONTNEED; break;
    default: return -EINVAL;
  }
  return pipc__on_range(addr, length, PIPC__MADVISE, sys);
}
