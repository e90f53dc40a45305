/*
 * Shared memory objects, memfd files and mappings.
 */
#include "internal.h"

#include <fcntl.h>
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

/* PIPC_SEAL_* to F_SEAL_* and back; the bits are the same on Linux today,
 * but the mapping keeps the public values independent of that. */
static int pipc__seals_to_sys(int seals) {
  int sys = 0;
  if (seals & PIPC_SEAL_SEAL) sys |= F_SEAL_SEAL;
  if (seals & PIPC_SEAL_SHRINK) sys |= F_SEAL_SHRINK;
  if (seals & PIPC_SEAL_GROW) sys |= F_SEAL_GROW;
  if (seals & PIPC_SEAL_WRITE) sys |= F_SEAL_WRITE;
  if (seals & PIPC_SEAL_FUTURE_WRITE) sys |= F_SEAL_FUTURE_WRITE;
  return sys;
}

int pipc_memfd_add_seals(int fd, int seals) {
  if (seals <= 0 || (seals & ~PIPC__SEALS) != 0) return -EINVAL;
  if (fcntl(fd, F_ADD_SEALS, pipc__seals_to_sys(seals)) < 0) return PIPC__ERR();
  return 0;
}

int pipc_memfd_seals(int fd) {
  int sys = fcntl(fd, F_GET_SEALS);
  if (sys < 0) return PIPC__ERR();
  int seals = 0;
  if (sys & F_SEAL_SEAL) seals |= PIPC_SEAL_SEAL;
  if (sys & F_SEAL_SHRINK) seals |= PIPC_SEAL_SHRINK;
  if (sys & F_SEAL_GROW) seals |= PIPC_SEAL_GROW;
  if (sys & F_SEAL_WRITE) seals |= PIPC_SEAL_WRITE;
  if (sys & F_SEAL_FUTURE_WRITE) seals |= PIPC_SEAL_FUTURE_WRITE;
  return seals;
}

/* --------------------------------------------------------------- mappings */

int64_t pipc_page_size(void) { return (int64_t)sysconf(_SC_PAGESIZE); }

/* A range that fits the address space. */
static int pipc__check_range(uint64_t addr, int64_t length) {
  if (length <= 0 || (uint64_t)length > UINTPTR_MAX - addr) return -EINVAL;
  if (addr % (uint64_t)pipc_page_size() != 0) return -EINVAL;
  return 0;
}

int pipc_mmap(int fd, int64_t offset, int64_t length, int prot, uint64_t *addr) {
  if (addr == NULL || length <= 0 || offset < 0 || offset % pipc_page_size() != 0) return -EINVAL;
  if (prot != PIPC_PROT_READ && prot != (PIPC_PROT_READ | PIPC_PROT_WRITE)) return -EINVAL;
  if ((uint64_t)length > SIZE_MAX) return -EINVAL;
  int sys = PROT_READ | ((prot & PIPC_PROT_WRITE) ? PROT_WRITE : 0);
  void *p = mmap(NULL, (size_t)length, sys, MAP_SHARED, fd, (off_t)offset);
  if (p == MAP_FAILED) return PIPC__ERR();
  *addr = (uint64_t)(uintptr_t)p;
  return 0;
}

int pipc_mmap_anonymous(int64_t length, uint64_t *addr) {
  if (addr == NULL || length <= 0 || (uint64_t)length > SIZE_MAX) return -EINVAL;
  void *p = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return PIPC__ERR();
  *addr = (uint64_t)(uintptr_t)p;
  return 0;
}

int pipc_munmap(uint64_t addr, int64_t length) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  if (munmap((void *)(uintptr_t)addr, (size_t)length) < 0) return PIPC__ERR();
  return 0;
}

int pipc_mmap_detach(uint64_t addr, int64_t length) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  /* MAP_NORESERVE: pages come into being only if someone still touches them. */
  void *p = mmap((void *)(uintptr_t)addr, (size_t)length, PROT_READ | PROT_WRITE,
                 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return PIPC__ERR();
  return 0;
}

int pipc_msync(uint64_t addr, int64_t length, int flags) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  if ((flags & ~(PIPC_MSYNC_ASYNC | PIPC_MSYNC_SYNC | PIPC_MSYNC_INVALIDATE)) != 0) return -EINVAL;
  int mode = flags & (PIPC_MSYNC_ASYNC | PIPC_MSYNC_SYNC);
  if (mode != PIPC_MSYNC_ASYNC && mode != PIPC_MSYNC_SYNC) return -EINVAL;
  int sys = mode == PIPC_MSYNC_ASYNC ? MS_ASYNC : MS_SYNC;
  if (flags & PIPC_MSYNC_INVALIDATE) sys |= MS_INVALIDATE;
  if (msync((void *)(uintptr_t)addr, (size_t)length, sys) < 0) return PIPC__ERR();
  return 0;
}

int pipc_mlock(uint64_t addr, int64_t length) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  if (mlock((void *)(uintptr_t)addr, (size_t)length) < 0) return PIPC__ERR();
  return 0;
}

int pipc_munlock(uint64_t addr, int64_t length) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  if (munlock((void *)(uintptr_t)addr, (size_t)length) < 0) return PIPC__ERR();
  return 0;
}

int pipc_madvise(uint64_t addr, int64_t length, int advice) {
  int r = pipc__check_range(addr, length);
  if (r < 0) return r;
  int sys;
  switch (advice) {
    case PIPC_ADVICE_NORMAL: sys = MADV_NORMAL; break;
    case PIPC_ADVICE_RANDOM: sys = MADV_RANDOM; break;
    case PIPC_ADVICE_SEQUENTIAL: sys = MADV_SEQUENTIAL; break;
    case PIPC_ADVICE_WILLNEED: sys = MADV_WILLNEED; break;
    case PIPC_ADVICE_DONTNEED: sys = MADV_DONTNEED; break;
    default: return -EINVAL;
  }
  if (madvise((void *)(uintptr_t)addr, (size_t)length, sys) < 0) return PIPC__ERR();
  return 0;
}
