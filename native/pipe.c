/*
 * Pipes and FIFOs.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <posixipc/pipe.h>

/* common.c cuts FIFO writes at the kernel's PIPE_BUF; the header promises it. */
_Static_assert(PIPC_PIPE_BUF == PIPE_BUF, "the atomic write size");

int pipc_pipe_create(int fds[2], int flags) {
  if (fds == NULL) return -EINVAL;
  if ((flags & ~(PIPC_PIPE_NONBLOCK | PIPC_PIPE_PACKET)) != 0) return -EINVAL;
  int sys = O_CLOEXEC;
  if (flags & PIPC_PIPE_NONBLOCK) sys |= O_NONBLOCK;
  if (flags & PIPC_PIPE_PACKET) sys |= O_DIRECT;
  int pair[2];
  if (pipe2(pair, sys) < 0) return PIPC__ERR();
  fds[0] = pair[0];
  fds[1] = pair[1];
  return 0;
}

int pipc_pipe_capacity(int fd) {
  int n = fcntl(fd, F_GETPIPE_SZ);
  return n < 0 ? PIPC__ERR() : n;
}

int pipc_pipe_set_capacity(int fd, int size) {
  if (size <= 0) return -EINVAL;
  int n = fcntl(fd, F_SETPIPE_SZ, size);
  return n < 0 ? PIPC__ERR() : n;
}

int pipc_pipe_adopt(int fd, int writing) {
  if (fd < 0) return -EBADF;
  struct stat st;
  if (fstat(fd, &st) < 0) return PIPC__ERR();
  if (!S_ISFIFO(st.st_mode)) return -EINVAL;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return PIPC__ERR();
  int acc = fl & O_ACCMODE;
  if (acc != O_RDWR && acc != (writing ? O_WRONLY : O_RDONLY)) return -EINVAL;
  return pipc__set_cloexec(fd);
}

int pipc_fifo_create(const char *path, int mode) {
  int r = pipc__check_path(path);
  if (r < 0) return r;
  if (pipc__check_mode(mode, 07777) < 0) return -EINVAL;
  if (mkfifo(path, (mode_t)mode) < 0) return PIPC__ERR();
  return 0;
}

/* -EINVAL when path names something that exists and is not a FIFO. */
static int pipc__check_fifo(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return PIPC__ERR();
  return S_ISFIFO(st.st_mode) ? 0 : -EINVAL;
}

int pipc_fifo_open(const char *path, int flags, int *fd) {
  int r = pipc__check_path(path);
  if (r < 0) return r;
  if (fd == NULL || (flags & ~(PIPC_FIFO_READ_WRITE | PIPC_FIFO_NONBLOCK)) != 0) return -EINVAL;
  int sys = pipc__access_mode(flags & PIPC_FIFO_READ_WRITE);
  if (sys < 0) return sys;
  sys |= O_CLOEXEC;
  if (flags & PIPC_FIFO_NONBLOCK) sys |= O_NONBLOCK;
  /*
   * Checked before opening: opening a device or a regular file by mistake can
   * have effects of its own. The check after opening closes the window in
   * which the path could be replaced between the two calls.
   */
  r = pipc__check_fifo(path);
  if (r < 0) return r;
  int opened = open(path, sys);
  if (opened < 0) return PIPC__ERR();
  struct stat st;
  if (fstat(opened, &st) < 0 || !S_ISFIFO(st.st_mode)) {
    close(opened);
    return -EINVAL;
  }
  *fd = opened;
  return 0;
}

int pipc_fifo_unlink(const char *path) {
  int r = pipc__check_path(path);
  if (r < 0) return r;
  struct stat st;
  /* lstat: a symbolic link is not a FIFO, so it is refused, not followed. */
  if (lstat(path, &st) < 0) return PIPC__ERR();
  if (!S_ISFIFO(st.st_mode)) return -EINVAL;
  if (unlink(path) < 0) return PIPC__ERR();
  return 0;
}
