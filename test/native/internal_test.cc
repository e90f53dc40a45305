// The core's internal helpers (native/internal.h): deadline arithmetic, the
// one timed-retry loop every timed call runs, and the shared validators.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <posixipc/posixipc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

extern "C" {
#include "../../native/internal.h"
}

#include "test_util.h"

namespace {

using pipc_test::NowMs;

// --------------------------------------------------------------- deadlines

TEST(Deadline, ForeverNowAndAPositiveTimeout) {
  EXPECT_EQ(PIPC__DEADLINE_NEVER, pipc__deadline(-1));
  EXPECT_EQ(PIPC__DEADLINE_NEVER, pipc__deadline(INT64_MIN));
  EXPECT_EQ(PIPC__DEADLINE_NOW, pipc__deadline(0));
  int64_t before = pipc__now_ns();
  int64_t d = pipc__deadline(5 * PIPC_SEC);
  int64_t after = pipc__now_ns();
  EXPECT_GE(d, before + 5 * PIPC_SEC);
  EXPECT_LE(d, after + 5 * PIPC_SEC);
  // The smallest positive timeout is a real deadline, never mistaken for NOW.
  EXPECT_GT(pipc__deadline(1), PIPC__DEADLINE_NOW);
}

TEST(Deadline, AHugeTimeoutSaturatesInsteadOfOverflowing) {
  EXPECT_EQ(PIPC__DEADLINE_NEVER, pipc__deadline(INT64_MAX));
  EXPECT_EQ(PIPC__DEADLINE_NEVER, pipc__deadline(INT64_MAX - 1));
}

TEST(Deadline, OnlyNowExpiresAsWouldBlock) {
  EXPECT_EQ(-EAGAIN, pipc__expired(PIPC__DEADLINE_NOW));
  EXPECT_EQ(-ETIMEDOUT, pipc__expired(pipc__deadline(1)));
  EXPECT_EQ(-ETIMEDOUT, pipc__expired(PIPC__DEADLINE_NEVER));
}

TEST(Deadline, TimeLeftIsNullForeverZeroWhenPastAndShrinks) {
  struct timespec ts;
  EXPECT_EQ(nullptr, pipc__time_left(PIPC__DEADLINE_NEVER, &ts));
  ASSERT_EQ(&ts, pipc__time_left(PIPC__DEADLINE_NOW, &ts));
  EXPECT_EQ(0, ts.tv_sec);
  EXPECT_EQ(0, ts.tv_nsec);
  ASSERT_EQ(&ts, pipc__time_left(pipc__now_ns() - PIPC_SEC, &ts));  // passed: zero, not negative
  EXPECT_EQ(0, ts.tv_sec);
  EXPECT_EQ(0, ts.tv_nsec);
  ASSERT_EQ(&ts, pipc__time_left(pipc__deadline(3 * PIPC_SEC + 250 * PIPC_MSEC), &ts));
  int64_t left = (int64_t)ts.tv_sec * PIPC_SEC + ts.tv_nsec;
  EXPECT_GT(left, 3 * PIPC_SEC);
  EXPECT_LE(left, 3 * PIPC_SEC + 250 * PIPC_MSEC);
  EXPECT_LT(ts.tv_nsec, PIPC_SEC);
}

TEST(Deadline, AbsoluteTimeOnEitherClock) {
  struct timespec at = pipc__abs_time(PIPC__DEADLINE_NOW, CLOCK_REALTIME);
  EXPECT_EQ(0, at.tv_sec);  // the epoch: already past on every clock
  EXPECT_EQ(0, at.tv_nsec);
  int64_t d = pipc__now_ns() + 7 * PIPC_SEC + 123;
  at = pipc__abs_time(d, CLOCK_MONOTONIC);
  EXPECT_EQ(d / PIPC_SEC, at.tv_sec);
  EXPECT_EQ(d % PIPC_SEC, at.tv_nsec);
  // On CLOCK_REALTIME the same distance from now.
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  at = pipc__abs_time(pipc__deadline(10 * PIPC_SEC), CLOCK_REALTIME);
  int64_t ahead = ((int64_t)at.tv_sec - now.tv_sec) * PIPC_SEC + (at.tv_nsec - now.tv_nsec);
  EXPECT_GT(ahead, 9 * PIPC_SEC);
  EXPECT_LE(ahead, 10 * PIPC_SEC + 100 * PIPC_MSEC);
  EXPECT_GE(at.tv_nsec, 0);
  EXPECT_LT(at.tv_nsec, PIPC_SEC);
  // Centuries saturate: a valid, far time, never a wrapped negative one.
  at = pipc__abs_time(pipc__deadline(INT64_MAX / 2), CLOCK_REALTIME);
  EXPECT_GT(at.tv_sec, now.tv_sec);
}

TEST(Deadline, PollUntilSaysWhichWayTheTimeRanOut) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(-EAGAIN, pipc__poll_until(fds[0], POLLIN, PIPC__DEADLINE_NOW));
  long long t0 = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc__poll_until(fds[0], POLLIN, pipc__deadline(30 * PIPC_MSEC)));
  EXPECT_GE(NowMs() - t0, 25);
  ASSERT_EQ(1, pipc_fd_write(fds[1], "x", 1));
  EXPECT_EQ(POLLIN, pipc__poll_until(fds[0], POLLIN, PIPC__DEADLINE_NOW));
  EXPECT_EQ(0, pipc_fd_close(fds[0]));
  EXPECT_EQ(0, pipc_fd_close(fds[1]));
  EXPECT_EQ(-EBADF, pipc__poll_until(fds[0], POLLIN, PIPC__DEADLINE_NOW));
}

// ------------------------------------------------------- the retry loop

// An attempt that reads one byte from a non-blocking pipe, counting calls.
struct Reader {
  int fd;
  int calls;
};

int64_t ReadOne(void* arg) {
  auto* r = static_cast<Reader*>(arg);
  r->calls++;
  char c;
  ssize_t n = read(r->fd, &c, 1);
  return n < 0 ? -errno : n;
}

// An attempt that always says "not yet".
int64_t NeverReady(void* arg) {
  static_cast<Reader*>(arg)->calls++;
  return -EAGAIN;
}

struct Pipe {
  int fds[2];
  Pipe() { EXPECT_EQ(0, pipc_pipe_create(fds, PIPC_PIPE_NONBLOCK)); }
  ~Pipe() {
    pipc_fd_close(fds[0]);
    pipc_fd_close(fds[1]);
  }
};

TEST(RetryUntil, ZeroTimeoutAttemptsExactlyOnce) {
  Pipe p;
  Reader r{p.fds[0], 0};
  long long t0 = NowMs();
  EXPECT_EQ(-EAGAIN, pipc__retry_until(PIPC__DEADLINE_NOW, p.fds[0], POLLIN, ReadOne, &r));
  EXPECT_EQ(1, r.calls);
  r.calls = 0;
  EXPECT_EQ(-EAGAIN, pipc__retry_until(PIPC__DEADLINE_NOW, -1, 0, NeverReady, &r));
  EXPECT_EQ(1, r.calls);  // no pause either
  EXPECT_LT(NowMs() - t0, 20);
  ASSERT_EQ(1, pipc_fd_write(p.fds[1], "x", 1));
  r.calls = 0;
  EXPECT_EQ(1, pipc__retry_until(PIPC__DEADLINE_NOW, p.fds[0], POLLIN, ReadOne, &r));
  EXPECT_EQ(1, r.calls);
}

TEST(RetryUntil, AnErrorOrASuccessEndsTheLoopAtOnce) {
  Pipe p;
  Reader r{p.fds[0], 0};
  ASSERT_EQ(0, pipc_fd_close(p.fds[1]));
  p.fds[1] = -1;
  // End of file is a result (0), not "not yet".
  EXPECT_EQ(0, pipc__retry_until(PIPC__DEADLINE_NEVER, p.fds[0], POLLIN, ReadOne, &r));
  EXPECT_EQ(1, r.calls);
  Reader bad{-1, 0};
  EXPECT_EQ(-EBADF, pipc__retry_until(pipc__deadline(PIPC_SEC), -1, 0, ReadOne, &bad));
  EXPECT_EQ(1, bad.calls);
}

TEST(RetryUntil, WaitsForReadinessThenAttemptsAgain) {
  Pipe p;
  Reader r{p.fds[0], 0};
  std::thread writer([&] {
    usleep(50 * 1000);
    pipc_fd_write(p.fds[1], "x", 1);
  });
  long long t0 = NowMs();
  EXPECT_EQ(1, pipc__retry_until(pipc__deadline(5 * PIPC_SEC), p.fds[0], POLLIN, ReadOne, &r));
  long long took = NowMs() - t0;
  writer.join();
  EXPECT_EQ(2, r.calls);  // once before the wait, once after it: no spinning
  EXPECT_GE(took, 40);
  EXPECT_LT(took, 4000);
}

TEST(RetryUntil, APositiveTimeoutRunsOutAsTimedOut) {
  Pipe p;
  Reader r{p.fds[0], 0};
  long long t0 = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc__retry_until(pipc__deadline(60 * PIPC_MSEC), p.fds[0], POLLIN, ReadOne, &r));
  long long took = NowMs() - t0;
  EXPECT_GE(took, 55);
  EXPECT_LT(took, 2000);
  EXPECT_EQ(1, r.calls);
}

TEST(RetryUntil, WithNoDescriptorItPausesAndNeverOverstays) {
  Reader r{-1, 0};
  long long t0 = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc__retry_until(pipc__deadline(120 * PIPC_MSEC), -1, 0, NeverReady, &r));
  long long took = NowMs() - t0;
  EXPECT_GE(took, 115);
  EXPECT_LT(took, 2000);
  // 1, 2, 4, 8, 16, 32, 50 ms...: a few attempts, not a busy loop.
  EXPECT_GE(r.calls, 4);
  EXPECT_LE(r.calls, 12);
}

int WakeSignal() { return pipc_sigrtmax() - 3; }

// A signal handler installed without SA_RESTART ends the wait with -EINTR:
// the loop does not resume it, so that the Java layer can wake a thread.
void ExpectInterrupted(int fd, short events, pipc__attempt attempt, void* arg) {
  ASSERT_EQ(0, pipc_wakeup_install(WakeSignal()));
  std::atomic<int64_t> self{0};
  std::atomic<int64_t> result{1};
  std::thread waiter([&] {
    self = pipc_thread_self();
    result = pipc__retry_until(PIPC__DEADLINE_NEVER, fd, events, attempt, arg);
  });
  while (self == 0) usleep(1000);
  usleep(20 * 1000);
  for (int i = 0; i < 1000 && result == 1; i++) {
    ASSERT_EQ(0, pipc_thread_signal(self, WakeSignal()));
    usleep(1000);
  }
  waiter.join();
  EXPECT_EQ(-EINTR, result.load());
}

TEST(RetryUntil, ASignalEndsAWaitOnADescriptorWithEintr) {
  Pipe p;
  Reader r{p.fds[0], 0};
  ExpectInterrupted(p.fds[0], POLLIN, ReadOne, &r);
  EXPECT_EQ(1, r.calls);  // interrupted in the wait, not attempted again
}

TEST(RetryUntil, ASignalEndsAPauseWithEintr) {
  Reader r{-1, 0};
  ExpectInterrupted(-1, 0, NeverReady, &r);
  EXPECT_GE(r.calls, 1);
}

// ------------------------------------------------------------ validators

TEST(Validators, IpcNames) {
  EXPECT_EQ(0, pipc__check_ipc_name("/a", 1));
  EXPECT_EQ(-ENAMETOOLONG, pipc__check_ipc_name("/ab", 1));
  EXPECT_EQ(-EINVAL, pipc__check_ipc_name("/a", 0));  // no name fits
  EXPECT_EQ(-EINVAL, pipc__check_ipc_name("/a/", 10));
  EXPECT_EQ(0, pipc__check_ipc_name("/.a", 10));
  // Every mechanism checks through the same function.
  EXPECT_EQ(pipc__check_ipc_name("/x/y", PIPC_SEM_NAME_MAX), pipc_ipc_name_check("/x/y", PIPC_SEM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_sem_unlink("/x/y"));
  EXPECT_EQ(-EINVAL, pipc_shm_unlink("/x/y"));
  EXPECT_EQ(-EINVAL, pipc_mq_unlink("/x/y"));
}

TEST(Validators, AccessModesAndPermissionBits) {
  EXPECT_EQ(O_RDONLY, pipc__access_mode(PIPC_MQ_READ));
  EXPECT_EQ(O_WRONLY, pipc__access_mode(PIPC_FIFO_WRITE));
  EXPECT_EQ(O_RDWR, pipc__access_mode(PIPC_MQ_READ_WRITE));
  EXPECT_EQ(-EINVAL, pipc__access_mode(0));
  EXPECT_EQ(-EINVAL, pipc__access_mode(4));
  static_assert(PIPC_MQ_READ == PIPC_FIFO_READ && PIPC_MQ_WRITE == PIPC_FIFO_WRITE &&
                    PIPC_MQ_READ_WRITE == PIPC_FIFO_READ_WRITE,
                "queues and FIFOs share the access bits");
  EXPECT_EQ(0, pipc__check_mode(0640, 0777));
  EXPECT_EQ(-EINVAL, pipc__check_mode(01777, 0777));
  EXPECT_EQ(0, pipc__check_mode(01777, 07777));
  EXPECT_EQ(-EINVAL, pipc__check_mode(-1, 07777));
}

TEST(Validators, CloexecAndCatchableSignals) {
  int fds[2];
  ASSERT_EQ(0, pipe(fds));  // plain pipe(2): not close-on-exec
  EXPECT_EQ(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(0, pipc__set_cloexec(fds[0]));
  EXPECT_NE(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(-EBADF, pipc__set_cloexec(fds[0]));
  EXPECT_EQ(0, pipc__check_catchable(SIGTERM));
  EXPECT_EQ(0, pipc__check_catchable(pipc_sigrtmax()));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(0));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(SIGKILL));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(SIGSTOP));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(pipc_sigrtmax() + 1));
}

}  // namespace
