// Pipes and FIFOs: the kernel semantics through the C API, across processes.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::ScopedPath;
using pipc_test::WaitChild;

namespace {

struct PipeFds {
  int r = -1, w = -1;
  explicit PipeFds(int flags = 0) {
    int fds[2];
    EXPECT_EQ(0, pipc_pipe_create(fds, flags));
    r = fds[0];
    w = fds[1];
  }
  ~PipeFds() {
    if (r >= 0) pipc_fd_close(r);
    if (w >= 0) pipc_fd_close(w);
  }
  void CloseRead() {
    pipc_fd_close(r);
    r = -1;
  }
  void CloseWrite() {
    pipc_fd_close(w);
    w = -1;
  }
};

bool IsCloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

TEST(Pipe, OpenGivesCloseOnExecEndsThatCarryData) {
  int before = pipc_test::CountOpenFds();
  {
    PipeFds p;
    EXPECT_TRUE(IsCloexec(p.r));
    EXPECT_TRUE(IsCloexec(p.w));
    EXPECT_EQ(0, pipc_fd_is_nonblocking(p.r));
    ASSERT_EQ(5, pipc_fd_write(p.w, "hello", 5));
    char buf[16];
    ASSERT_EQ(5, pipc_fd_read(p.r, buf, sizeof buf));
    EXPECT_EQ(0, memcmp(buf, "hello", 5));
  }
  EXPECT_EQ(before, pipc_test::CountOpenFds());
}

TEST(Pipe, OpenRejectsBadArguments) {
  int fds[2];
  EXPECT_EQ(-EINVAL, pipc_pipe_create(nullptr, 0));
  EXPECT_EQ(-EINVAL, pipc_pipe_create(fds, 0x100));
  EXPECT_EQ(-EINVAL, pipc_pipe_create(fds, -1));
}

TEST(Pipe, NonblockingEndsReportEagainAndPartialWrites) {
  PipeFds p(PIPC_PIPE_NONBLOCK);
  EXPECT_EQ(1, pipc_fd_is_nonblocking(p.r));
  EXPECT_EQ(1, pipc_fd_is_nonblocking(p.w));
  char buf[8];
  EXPECT_EQ(-EAGAIN, pipc_fd_read(p.r, buf, sizeof buf));
  ASSERT_EQ(4096, pipc_pipe_set_capacity(p.w, 4096));
  static char big[10000];
  // More than fits: a non-blocking write takes what fits and says how much.
  EXPECT_EQ(4096, pipc_fd_write(p.w, big, sizeof big));
  EXPECT_EQ(-EAGAIN, pipc_fd_write(p.w, big, 1));
}

TEST(Pipe, EndOfFileWhenEveryWriterIsGone) {
  PipeFds p;
  ASSERT_EQ(3, pipc_fd_write(p.w, "abc", 3));
  p.CloseWrite();
  char buf[8];
  EXPECT_EQ(3, pipc_fd_read(p.r, buf, sizeof buf));
  EXPECT_EQ(0, pipc_fd_read(p.r, buf, sizeof buf));
}

TEST(Pipe, WriteWithoutReaderIsEpipeWhenSigpipeIsIgnored) {
  PipeFds p;
  p.CloseRead();
  EXPECT_EQ(-EPIPE, pipc_fd_write(p.w, "x", 1));
}

// The documented choice: the core does not block SIGPIPE per call, so a
// process that keeps the default disposition dies of it, as with write(2).
TEST(Pipe, WriteWithoutReaderRaisesSigpipeUnderTheDefaultDisposition) {
  pid_t pid = ForkChild([] {
    signal(SIGPIPE, SIG_DFL);
    int fds[2];
    if (pipc_pipe_create(fds, 0) < 0) return 10;
    pipc_fd_close(fds[0]);
    pipc_fd_write(fds[1], "x", 1);
    return 11;  // not reached
  });
  EXPECT_EQ(128 + SIGPIPE, WaitChild(pid));
}

TEST(Pipe, CapacityCanBeReadAndChanged) {
  PipeFds p;
  EXPECT_EQ(65536, pipc_pipe_capacity(p.r));
  EXPECT_EQ(4096, pipc_pipe_set_capacity(p.w, 4096));
  EXPECT_EQ(4096, pipc_pipe_capacity(p.r));  // one pipe, both ends
  EXPECT_EQ(8192, pipc_pipe_set_capacity(p.w, 5000));  // rounded up to pages
  EXPECT_EQ(-EINVAL, pipc_pipe_set_capacity(p.w, 0));
  EXPECT_EQ(-EINVAL, pipc_pipe_set_capacity(p.w, -5));
  EXPECT_EQ(-EBADF, pipc_pipe_capacity(-1));
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  pipc_fd_close(fds[1]);
  EXPECT_EQ(-EBADF, pipc_pipe_capacity(fds[1]));
  pipc_fd_close(fds[0]);
}

TEST(Pipe, ShrinkingBelowTheDataHeldIsEbusy) {
  PipeFds p;
  static char block[8192];
  ASSERT_EQ(8192, pipc_fd_write(p.w, block, sizeof block));
  EXPECT_EQ(-EBUSY, pipc_pipe_set_capacity(p.w, 4096));
}

TEST(Pipe, CapacityAboveTheSystemLimitIsEpermWithoutPrivilege) {
  // As root the limit does not apply, so the check runs as "nobody".
  pid_t pid = ForkChild([] {
    if (geteuid() == 0 && setuid(65534) != 0) return 10;
    int fds[2];
    if (pipc_pipe_create(fds, 0) < 0) return 11;
    int r = pipc_pipe_set_capacity(fds[1], 1 << 30);
    return r == -EPERM ? 0 : 12;
  });
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(Pipe, AdoptChecksKindAndDirection) {
  int fds[2];
  ASSERT_EQ(0, pipe(fds));  // plain pipe(2): not close-on-exec
  EXPECT_FALSE(IsCloexec(fds[0]));
  EXPECT_EQ(0, pipc_pipe_adopt(fds[0], 0));
  EXPECT_TRUE(IsCloexec(fds[0]));
  EXPECT_EQ(0, pipc_pipe_adopt(fds[1], 1));
  EXPECT_EQ(-EINVAL, pipc_pipe_adopt(fds[0], 1));  // a read end is not a write end
  EXPECT_EQ(-EINVAL, pipc_pipe_adopt(fds[1], 0));
  EXPECT_EQ(-EBADF, pipc_pipe_adopt(-1, 0));
  ScopedPath file("adopt");
  int f = open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  EXPECT_EQ(-EINVAL, pipc_pipe_adopt(f, 0));  // not a pipe
  close(f);
  EXPECT_EQ(-EBADF, pipc_pipe_adopt(f, 0));
  close(fds[0]);
  close(fds[1]);
}

TEST(Pipe, PacketModeKeepsMessageBoundaries) {
  PipeFds p(PIPC_PIPE_PACKET);
  ASSERT_EQ(10, pipc_fd_write(p.w, "0123456789", 10));
  ASSERT_EQ(3, pipc_fd_write(p.w, "abc", 3));
  char buf[100];
  EXPECT_EQ(10, pipc_fd_read(p.r, buf, sizeof buf));  // one packet, not 13 bytes
  EXPECT_EQ(3, pipc_fd_read(p.r, buf, sizeof buf));
  // A short read takes the front of a packet and drops the rest.
  ASSERT_EQ(10, pipc_fd_write(p.w, "0123456789", 10));
  ASSERT_EQ(3, pipc_fd_write(p.w, "abc", 3));
  EXPECT_EQ(4, pipc_fd_read(p.r, buf, 4));
  EXPECT_EQ(3, pipc_fd_read(p.r, buf, sizeof buf));
  EXPECT_EQ(0, memcmp(buf, "abc", 3));
}

// Writes of at most PIPC_PIPE_BUF bytes are atomic: four writer processes
// interleave whole records, never parts of them, and none is lost.
TEST(Pipe, SmallWritesFromManyProcessesAreAtomic) {
  constexpr int kWriters = 4, kRecords = 2000, kSize = 512;
  PipeFds p;
  std::vector<pid_t> kids;
  for (int id = 0; id < kWriters; id++) {
    kids.push_back(ForkChild([&p, id] {
      pipc_fd_close(p.r);
      char rec[kSize];
      for (int i = 0; i < kRecords; i++) {
        memset(rec, 'A' + id, sizeof rec);
        memcpy(rec, &i, sizeof i);
        if (pipc_fd_write(p.w, rec, sizeof rec) != kSize) return 1;
      }
      return 0;
    }));
  }
  p.CloseWrite();
  std::vector<int> next(kWriters, 0);
  std::vector<char> stream;
  char buf[7000];  // not a multiple of the record size on purpose
  int64_t n;
  while ((n = pipc_fd_read(p.r, buf, sizeof buf)) > 0) stream.insert(stream.end(), buf, buf + n);
  ASSERT_EQ(0, n);
  ASSERT_EQ(static_cast<size_t>(kWriters * kRecords * kSize), stream.size());
  for (size_t off = 0; off < stream.size(); off += kSize) {
    const char* rec = &stream[off];
    int id = rec[kSize - 1] - 'A';
    ASSERT_TRUE(id >= 0 && id < kWriters);
    for (int k = sizeof(int); k < kSize; k++) ASSERT_EQ('A' + id, rec[k]) << "torn record";
    int seq;
    memcpy(&seq, rec, sizeof seq);
    ASSERT_EQ(next[id]++, seq) << "records of one writer out of order";
  }
  for (pid_t kid : kids) EXPECT_EQ(0, WaitChild(kid));
}

// ------------------------------------------------------------------ FIFOs

TEST(Fifo, CreateValidatesBeforeTheSystemCall) {
  ScopedPath path("fifo");
  EXPECT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  struct stat st;
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(-EEXIST, pipc_fifo_create(path.c_str(), 0600));
  EXPECT_EQ(-EINVAL, pipc_fifo_create(nullptr, 0600));
  EXPECT_EQ(-ENOENT, pipc_fifo_create("", 0600));
  EXPECT_EQ(-EINVAL, pipc_fifo_create(path.c_str(), 010000));
  EXPECT_EQ(-EINVAL, pipc_fifo_create(path.c_str(), -1));
  EXPECT_EQ(-ENOENT, pipc_fifo_create("/tmp/pipc-no-such-dir/x", 0600));
  std::string longpath = "/tmp/" + std::string(5000, 'x');
  EXPECT_EQ(-ENAMETOOLONG, pipc_fifo_create(longpath.c_str(), 0600));
}

TEST(Fifo, ModeIsReducedByTheUmask) {
  ScopedPath path("mode");
  mode_t old = umask(022);
  EXPECT_EQ(0, pipc_fifo_create(path.c_str(), 0666));
  umask(old);
  struct stat st;
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_EQ(0644u, st.st_mode & 0777);
}

TEST(Fifo, NonblockingOpenRules) {
  ScopedPath path("nb");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  int w = -1, r = -1;
  // No reader: a non-blocking write open fails with ENXIO.
  EXPECT_EQ(-ENXIO, pipc_fifo_open(path.c_str(), PIPC_FIFO_WRITE | PIPC_FIFO_NONBLOCK, &w));
  // A non-blocking read open succeeds at once, without a writer.
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &r));
  EXPECT_TRUE(IsCloexec(r));
  EXPECT_EQ(1, pipc_fd_is_nonblocking(r));
  // Now there is a reader.
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_WRITE | PIPC_FIFO_NONBLOCK, &w));
  ASSERT_EQ(2, pipc_fd_write(w, "hi", 2));
  char buf[4];
  EXPECT_EQ(2, pipc_fd_read(r, buf, sizeof buf));
  EXPECT_EQ(-EAGAIN, pipc_fd_read(r, buf, sizeof buf));
  pipc_fd_close(w);
  pipc_fd_close(r);
}

TEST(Fifo, ReadWriteOpenNeverWaits) {
  ScopedPath path("rw");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  int fd;
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_READ_WRITE, &fd));
  ASSERT_EQ(3, pipc_fd_write(fd, "abc", 3));
  char buf[4];
  EXPECT_EQ(3, pipc_fd_read(fd, buf, sizeof buf));
  pipc_fd_close(fd);
}

TEST(Fifo, BlockingReadOpenWaitsForAWriter) {
  ScopedPath path("wait-r");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  pid_t pid = ForkChild([&path] {
    usleep(100 * 1000);
    int fd;
    if (pipc_fifo_open(path.c_str(), PIPC_FIFO_WRITE, &fd) < 0) return 1;
    return pipc_fd_write(fd, "from child", 10) == 10 ? 0 : 2;
  });
  long long start = NowMs();
  int fd;
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_READ, &fd));
  EXPECT_GE(NowMs() - start, 80);
  char buf[16];
  EXPECT_EQ(10, pipc_fd_read_timed(fd, buf, sizeof buf, 5 * PIPC_SEC));
  pipc_fd_close(fd);
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(Fifo, BlockingWriteOpenWaitsForAReader) {
  ScopedPath path("wait-w");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  pid_t pid = ForkChild([&path] {
    usleep(100 * 1000);
    int fd;
    if (pipc_fifo_open(path.c_str(), PIPC_FIFO_READ, &fd) < 0) return 1;
    char buf[8];
    return pipc_fd_read(fd, buf, sizeof buf) == 4 ? 0 : 2;
  });
  long long start = NowMs();
  int fd;
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_WRITE, &fd));
  EXPECT_GE(NowMs() - start, 80);
  EXPECT_EQ(4, pipc_fd_write(fd, "ping", 4));
  pipc_fd_close(fd);
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(Fifo, BlockedOpenReturnsEintrWhenSignalled) {
  int wake = pipc_sigrtmax() - 3;
  ASSERT_EQ(0, pipc_wakeup_install(wake));
  ScopedPath path("eintr");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  std::atomic<int64_t> self{0};
  std::atomic<int> result{1};
  std::thread opener([&] {
    self = pipc_thread_self();
    int fd;
    result = pipc_fifo_open(path.c_str(), PIPC_FIFO_READ, &fd);
  });
  while (self == 0) usleep(1000);
  for (int i = 0; i < 200 && result == 1; i++) {
    usleep(5000);
    pipc_thread_signal(self, wake);
  }
  opener.join();
  EXPECT_EQ(-EINTR, result.load());
}

// FIFOs opened by path do not support RWF_NOWAIT: the timed calls fall back
// to readiness first, and must still honour zero and positive timeouts.
TEST(Fifo, TimedTransfersWithoutRwfNowait) {
  ScopedPath path("timed");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  int r, w;
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &r));
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_WRITE, &w));
  ASSERT_EQ(0, pipc_fd_set_nonblocking(r, 0));  // both ends blocking now
  char buf[16];
  EXPECT_EQ(-EAGAIN, pipc_fd_read_timed(r, buf, sizeof buf, 0));
  long long start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_fd_read_timed(r, buf, sizeof buf, 40 * PIPC_MSEC));
  EXPECT_GE(NowMs() - start, 35);
  ASSERT_EQ(3, pipc_fd_write_timed(w, "abc", 3, 0));
  EXPECT_EQ(3, pipc_fd_read_timed(r, buf, sizeof buf, 0));
  // A large timed write takes what surely fits instead of blocking.
  ASSERT_EQ(4096, pipc_pipe_set_capacity(w, 4096));
  static char big[20000];
  EXPECT_EQ(4096, pipc_fd_write_timed(w, big, sizeof big, 5 * PIPC_SEC));
  start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_fd_write_timed(w, big, sizeof big, 30 * PIPC_MSEC));
  EXPECT_LT(NowMs() - start, 2000);
  EXPECT_EQ(-EAGAIN, pipc_fd_write_timed(w, big, sizeof big, 0));
  pipc_fd_close(w);
  pipc_fd_close(r);
}

TEST(Fifo, OpenRejectsBadInput) {
  ScopedPath fifo("bad");
  ASSERT_EQ(0, pipc_fifo_create(fifo.c_str(), 0600));
  int fd = -1;
  EXPECT_EQ(-EINVAL, pipc_fifo_open(fifo.c_str(), 0, &fd));  // no access mode
  EXPECT_EQ(-EINVAL, pipc_fifo_open(fifo.c_str(), PIPC_FIFO_NONBLOCK, &fd));
  EXPECT_EQ(-EINVAL, pipc_fifo_open(fifo.c_str(), 0x40, &fd));
  EXPECT_EQ(-EINVAL, pipc_fifo_open(fifo.c_str(), PIPC_FIFO_READ, nullptr));
  EXPECT_EQ(-EINVAL, pipc_fifo_open(nullptr, PIPC_FIFO_READ, &fd));
  EXPECT_EQ(-ENOENT, pipc_fifo_open("", PIPC_FIFO_READ, &fd));
  EXPECT_EQ(-ENOENT, pipc_fifo_open("/tmp/pipc-no-such-fifo", PIPC_FIFO_READ, &fd));
  // A regular file is refused before it is opened.
  ScopedPath file("regular");
  int f = open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(f, 0);
  close(f);
  EXPECT_EQ(-EINVAL, pipc_fifo_open(file.c_str(), PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &fd));
  EXPECT_EQ(-EINVAL, pipc_fifo_open("/tmp", PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &fd));
  EXPECT_EQ(-1, fd);
}

TEST(Fifo, OpenWithoutPermissionIsEacces) {
  ScopedPath path("perm");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  pid_t pid = ForkChild([&path] {
    if (geteuid() == 0 && setuid(65534) != 0) return 10;
    int fd;
    return pipc_fifo_open(path.c_str(), PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &fd) == -EACCES ? 0 : 1;
  });
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(Fifo, UnlinkRemovesOnlyFifos) {
  ScopedPath path("unlink");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  int r;
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &r));
  EXPECT_EQ(0, pipc_fifo_unlink(path.c_str()));
  EXPECT_EQ(-ENOENT, pipc_fifo_unlink(path.c_str()));
  char buf[1];
  EXPECT_EQ(0, pipc_fd_read(r, buf, 1));  // still usable after unlink: no writer, EOF
  pipc_fd_close(r);
  ScopedPath file("notfifo");
  int f = open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  close(f);
  EXPECT_EQ(-EINVAL, pipc_fifo_unlink(file.c_str()));
  EXPECT_EQ(0, access(file.c_str(), F_OK));  // untouched
  EXPECT_EQ(-EINVAL, pipc_fifo_unlink(nullptr));
}

TEST(Fifo, StreamsBetweenUnrelatedOpenersInOrder) {
  ScopedPath path("stream");
  ASSERT_EQ(0, pipc_fifo_create(path.c_str(), 0600));
  constexpr int kTotal = 1 << 20;
  pid_t pid = ForkChild([&path] {
    int fd;
    if (pipc_fifo_open(path.c_str(), PIPC_FIFO_WRITE, &fd) < 0) return 1;
    static unsigned char buf[65536];
    for (int off = 0; off < kTotal; off += sizeof buf) {
      for (size_t i = 0; i < sizeof buf; i++) buf[i] = static_cast<unsigned char>((off + i) * 7);
      size_t done = 0;
      while (done < sizeof buf) {
        int64_t n = pipc_fd_write(fd, buf + done, sizeof buf - done);
        if (n < 0) return 2;
        done += static_cast<size_t>(n);
      }
    }
    return 0;
  });
  int fd;
  ASSERT_EQ(0, pipc_fifo_open(path.c_str(), PIPC_FIFO_READ, &fd));
  static unsigned char buf[40000];
  long long got = 0;
  int64_t n;
  while ((n = pipc_fd_read(fd, buf, sizeof buf)) > 0) {
    for (int64_t i = 0; i < n; i++)
      ASSERT_EQ(static_cast<unsigned char>((got + i) * 7), buf[i]) << "at " << got + i;
    got += n;
  }
  EXPECT_EQ(0, n);
  EXPECT_EQ(kTotal, got);
  pipc_fd_close(fd);
  EXPECT_EQ(0, WaitChild(pid));
}

}  // namespace
