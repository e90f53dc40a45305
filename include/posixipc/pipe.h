/*
 * posixipc — pipes and FIFOs.
 *
 * A pipe is an anonymous one-way byte channel between a read end and a write
 * end; a FIFO is the same kernel object reached through a path in the file
 * system, so that unrelated processes can open it. Data is read and written
 * with pipc_fd_read / pipc_fd_write and their timed forms (common.h); this
 * header adds what is particular to pipes and FIFOs.
 *
 * Semantics worth knowing (Linux):
 *  - A write of at most PIPC_PIPE_BUF bytes is atomic: it is never interleaved
 *    with another writer's data. A larger write may be split; a blocking one
 *    returns only when everything is written (or a signal interrupts it after
 *    part of it went, and it returns that part).
 *  - A read returns 0 (end of file) once every write end is closed and the
 *    pipe is empty; a write to a pipe with no read end fails with EPIPE (see
 *    pipc_fd_write about SIGPIPE).
 *  - The capacity is 64 KiB by default; pipc_pipe_set_capacity changes it.
 */
#ifndef POSIXIPC_PIPE_H
#define POSIXIPC_PIPE_H

#include <posixipc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest write the kernel guarantees to be atomic. */
#define PIPC_PIPE_BUF 4096

/* Flags for pipc_pipe_create. Both ends are always close-on-exec. */
#define PIPC_PIPE_NONBLOCK 0x1 /* O_NONBLOCK on both ends */
#define PIPC_PIPE_PACKET 0x2   /* O_DIRECT: every write is one packet of at
                                  most PIPC_PIPE_BUF bytes; a read takes one
                                  packet and drops what does not fit */

/*
 * Creates a pipe (pipe2). fds[0] receives the read end, fds[1] the write end.
 * Returns 0, -EINVAL for unknown flags, -EMFILE / -ENFILE when out of
 * descriptors.
 */
int pipc_pipe_create(int fds[2], int flags);

/* The capacity of the pipe behind fd in bytes (F_GETPIPE_SZ), or -errno. */
int pipc_pipe_capacity(int fd);

/*
 * Sets the capacity (F_SETPIPE_SZ). The kernel rounds it up to a power-of-two
 * number of pages; the capacity obtained is returned. -EINVAL for a size <= 0,
 * -EPERM above /proc/sys/fs/pipe-max-size without CAP_SYS_RESOURCE, -EBUSY
 * when the pipe holds more data than the new size.
 */
int pipc_pipe_set_capacity(int fd, int size);

/*
 * Takes over a descriptor this process inherited (or got from elsewhere) as
 * a pipe end: checks that fd is an open pipe or FIFO usable in the wanted
 * direction (writing != 0 for a write end) and makes it close-on-exec.
 * Returns 0, -EBADF when fd is not open, -EINVAL when it is not a pipe or
 * FIFO or is open in the other direction only.
 */
int pipc_pipe_adopt(int fd, int writing);

/* ------------------------------------------------------------------ FIFOs */

/*
 * Creates a FIFO at path (mkfifo). The mode's permission bits are reduced by
 * the process umask, as for any file. Returns 0, -EEXIST when the path exists,
 * -EINVAL for mode bits outside 07777 or a NULL path, -ENAMETOOLONG, -ENOENT
 * (missing directory), -EACCES.
 */
int pipc_fifo_create(const char *path, int mode);

/* Flags for pipc_fifo_open: exactly one access mode, optionally NONBLOCK. */
#define PIPC_FIFO_READ 0x1       /* O_RDONLY */
#define PIPC_FIFO_WRITE 0x2      /* O_WRONLY */
#define PIPC_FIFO_READ_WRITE 0x3 /* O_RDWR: Linux only, never waits */
#define PIPC_FIFO_NONBLOCK 0x4   /* O_NONBLOCK, kept on the descriptor */

/*
 * Opens the FIFO at path; *fd receives the close-on-exec descriptor.
 *
 * Without PIPC_FIFO_NONBLOCK an open for reading waits until some process
 * opens the FIFO for writing, and the reverse (returns -EINTR if a signal
 * handler interrupts the wait). With it, a read open succeeds at once and a
 * write open fails with -ENXIO when no process has it open for reading.
 *
 * Returns 0, -EINVAL for bad flags or a path that exists but is not a FIFO
 * (it is checked before opening, so that opening a device never has side
 * effects), -ENOENT, -ENXIO, -EACCES, -ENAMETOOLONG, -EINTR.
 */
int pipc_fifo_open(const char *path, int flags, int *fd);

/* Removes the FIFO's name (unlink). Processes that have it open keep using
 * it. Returns 0, -ENOENT, -EINVAL when path is not a FIFO, or -errno. */
int pipc_fifo_unlink(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* POSIXIPC_PIPE_H */
