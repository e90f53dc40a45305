// Errors, descriptor helpers, timeouts and thread wake-ups.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "test_util.h"

using pipc_test::NowMs;

namespace {

TEST(Errors, NamesComeFromTheErrnoMacros) {
  EXPECT_STREQ("EAGAIN", pipc_errno_name(EAGAIN));
  EXPECT_STREQ("ENOENT", pipc_errno_name(-ENOENT));
  EXPECT_STREQ("EOWNERDEAD", pipc_errno_name(EOWNERDEAD));
  EXPECT_STREQ("EOPNOTSUPP", pipc_errno_name(ENOTSUP));  // an alias of EOPNOTSUPP on Linux
  EXPECT_STREQ("E?", pipc_errno_name(9999));
  EXPECT_STREQ("E?", pipc_errno_name(0));
}

TEST(Errors, DescriptionsAreTheSystemsText) {
  EXPECT_STREQ(strerror(ENOENT), pipc_errno_describe(-ENOENT));
  EXPECT_GT(strlen(pipc_errno_describe(9999)), 0u);
}

TEST(Signals, NamesAndNumbersBothWays) {
  EXPECT_STREQ("SIGTERM", pipc_signal_name(SIGTERM));
  EXPECT_STREQ("SIGKILL", pipc_signal_name(9));
  EXPECT_STREQ("SIGRTMIN", pipc_signal_name(SIGRTMIN));
  EXPECT_STREQ("SIGRTMIN+3", pipc_signal_name(SIGRTMIN + 3));
  EXPECT_STREQ("SIGRTMAX-3", pipc_signal_name(SIGRTMAX - 3));
  EXPECT_STREQ("SIGRTMAX", pipc_signal_name(SIGRTMAX));
  EXPECT_STREQ("SIG?", pipc_signal_name(0));
  EXPECT_STREQ("SIG?", pipc_signal_name(SIGRTMAX + 1));
  EXPECT_EQ(SIGTERM, pipc_signal_number("SIGTERM"));
  EXPECT_EQ(SIGTERM, pipc_signal_number("TERM"));
  EXPECT_EQ(15, pipc_signal_number("15"));
  EXPECT_EQ(SIGRTMIN + 2, pipc_signal_number("SIGRTMIN+2"));
  EXPECT_EQ(SIGRTMAX - 3, pipc_signal_number("SIGRTMAX-3"));
  EXPECT_EQ(SIGRTMAX, pipc_signal_number("RTMAX"));
  for (int s = 1; s <= SIGRTMAX; s++) {
    const char* name = pipc_signal_name(s);
    if (strcmp(name, "SIG?") != 0) {
      EXPECT_EQ(s, pipc_signal_number(name)) << name;
    }
  }
  EXPECT_EQ(-EINVAL, pipc_signal_number(nullptr));
  EXPECT_EQ(-EINVAL, pipc_signal_number(""));
  EXPECT_EQ(-EINVAL, pipc_signal_number("SIGNOPE"));
  EXPECT_EQ(-EINVAL, pipc_signal_number("SIGRTMAX+1"));
  EXPECT_EQ(-EINVAL, pipc_signal_number("SIGRTMIN-1"));
  EXPECT_EQ(-EINVAL, pipc_signal_number("0"));
  EXPECT_EQ(-EINVAL, pipc_signal_number("12x"));
  EXPECT_EQ(-EINVAL, pipc_signal_number("99999999999"));
}

TEST(Version, MatchesTheBuild) { EXPECT_STRNE("", pipc_version()); }

// pipc_thread_yield gives the CPU to a thread that is ready to run on it: two
// threads pinned to one CPU, the other one spinning until told to finish; the
// caller yields until it has, which takes a few yields, not the scheduler
// tick that preemption would wait for.
TEST(Threads, YieldLetsAThreadOnTheSameCpuRun) {
  cpu_set_t saved;
  ASSERT_EQ(0, sched_getaffinity(0, sizeof saved, &saved));
  int cpu = -1;
  for (int i = 0; i < CPU_SETSIZE && cpu < 0; i++)
    if (CPU_ISSET(i, &saved)) cpu = i;
  ASSERT_GE(cpu, 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  ASSERT_EQ(0, sched_setaffinity(0, sizeof one, &one));
  std::atomic<int> stage{0};
  std::thread other([&] {
    // Inherits the one-CPU mask.
    stage.store(1);
    while (stage.load() != 2) {
    }
    stage.store(3);
  });
  while (stage.load() != 1) ASSERT_EQ(0, pipc_thread_yield());
  stage.store(2);
  long yields = 0;
  while (stage.load() != 3) {
    ASSERT_EQ(0, pipc_thread_yield());
    yields++;
  }
  other.join();
  ASSERT_EQ(0, sched_setaffinity(0, sizeof saved, &saved));
  EXPECT_LT(yields, 1000) << "the other thread ran only when preempted";
}

TEST(Fd, CloseRejectsBadDescriptorsAndIsNeverRetried) {
  EXPECT_EQ(-EBADF, pipc_fd_close(-1));
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(0, pipc_fd_close(fds[0]));
  EXPECT_EQ(-EBADF, pipc_fd_close(fds[0]));  // a second close is an error, not a retry
  EXPECT_EQ(0, pipc_fd_close(fds[1]));
}

TEST(Fd, NullBufferWithALengthIsEfault) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(-EFAULT, pipc_fd_read(fds[0], nullptr, 4));
  EXPECT_EQ(-EFAULT, pipc_fd_write(fds[1], nullptr, 4));
  EXPECT_EQ(-EFAULT, pipc_fd_read_timed(fds[0], nullptr, 4, 0));
  EXPECT_EQ(0, pipc_fd_write(fds[1], nullptr, 0));
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
}

TEST(Fd, WaitReportsReadinessTimeoutAndBadInput) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(-EAGAIN, pipc_fd_wait(fds[0], PIPC_READABLE, 0));
  long long start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_fd_wait(fds[0], PIPC_READABLE, 50 * PIPC_MSEC));
  EXPECT_GE(NowMs() - start, 45);
  EXPECT_EQ(PIPC_WRITABLE, pipc_fd_wait(fds[1], PIPC_WRITABLE, 0));
  ASSERT_EQ(1, pipc_fd_write(fds[1], "x", 1));
  EXPECT_EQ(PIPC_READABLE, pipc_fd_wait(fds[0], PIPC_READABLE, PIPC_FOREVER));
  EXPECT_EQ(1, pipc_fd_available(fds[0]));
  EXPECT_EQ(-EINVAL, pipc_fd_wait(fds[0], 0, 0));
  EXPECT_EQ(-EINVAL, pipc_fd_wait(fds[0], 0x400, 0));
  EXPECT_EQ(-EBADF, pipc_fd_wait(-1, PIPC_READABLE, 0));
  pipc_fd_close(fds[1]);
  // The write end is gone: readable (the byte), then hang-up is reported.
  EXPECT_TRUE(pipc_fd_wait(fds[0], PIPC_READABLE, 0) & PIPC_READABLE);
  int closed = fds[0];
  pipc_fd_close(fds[0]);
  EXPECT_EQ(-EBADF, pipc_fd_wait(closed, PIPC_READABLE, 0));
}

TEST(Fd, NonblockingFlagIsSetAndCleared) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(0, pipc_fd_is_nonblocking(fds[0]));
  EXPECT_EQ(0, pipc_fd_set_nonblocking(fds[0], 1));
  EXPECT_EQ(1, pipc_fd_is_nonblocking(fds[0]));
  char c;
  EXPECT_EQ(-EAGAIN, pipc_fd_read(fds[0], &c, 1));
  EXPECT_EQ(0, pipc_fd_set_nonblocking(fds[0], 0));
  EXPECT_EQ(0, pipc_fd_is_nonblocking(fds[0]));
  EXPECT_EQ(-EBADF, pipc_fd_set_nonblocking(-1, 1));
  EXPECT_EQ(-EBADF, pipc_fd_is_nonblocking(-1));
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
}

TEST(Fd, TimedReadHonoursZeroAndPositiveTimeouts) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  char buf[8];
  EXPECT_EQ(-EAGAIN, pipc_fd_read_timed(fds[0], buf, sizeof buf, 0));
  long long start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_fd_read_timed(fds[0], buf, sizeof buf, 60 * PIPC_MSEC));
  long long waited = NowMs() - start;
  EXPECT_GE(waited, 55);
  EXPECT_LT(waited, 2000);
  // Data that arrives during the wait is returned.
  std::thread writer([&] {
    usleep(30 * 1000);
    pipc_fd_write(fds[1], "abc", 3);
  });
  EXPECT_EQ(3, pipc_fd_read_timed(fds[0], buf, sizeof buf, 5 * PIPC_SEC));
  writer.join();
  // End of file is 0, not a timeout.
  pipc_fd_close(fds[1]);
  EXPECT_EQ(0, pipc_fd_read_timed(fds[0], buf, sizeof buf, 5 * PIPC_SEC));
  pipc_fd_close(fds[0]);
}

TEST(Fd, TimedWriteWaitsForRoomAndTimesOutWhenFull) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  ASSERT_EQ(4096, pipc_pipe_set_capacity(fds[1], 4096));
  static char block[4096];
  ASSERT_EQ(4096, pipc_fd_write_timed(fds[1], block, sizeof block, 0));
  EXPECT_EQ(-EAGAIN, pipc_fd_write_timed(fds[1], block, 1, 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_fd_write_timed(fds[1], block, 1, 30 * PIPC_MSEC));
  std::thread reader([&] {
    usleep(30 * 1000);
    static char sink[4096];
    pipc_fd_read(fds[0], sink, sizeof sink);
  });
  EXPECT_EQ(100, pipc_fd_write_timed(fds[1], block, 100, 5 * PIPC_SEC));
  reader.join();
  pipc_fd_close(fds[0]);
  EXPECT_EQ(-EPIPE, pipc_fd_write_timed(fds[1], block, 1, PIPC_FOREVER));  // SIGPIPE: see main
  pipc_fd_close(fds[1]);
}

// The timed read must not block past its deadline when another reader takes
// the data between the readiness report and the read: the read is RWF_NOWAIT.
TEST(Fd, TimedReadOnBlockingDescriptorNeverOverstaysItsDeadline) {
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  std::atomic<bool> stop{false};
  std::thread thief([&] {
    char b[1];
    while (!stop) {
      if (pipc_fd_read_timed(fds[0], b, 1, 10 * PIPC_MSEC) == 1) continue;
    }
  });
  std::thread feeder([&] {
    while (!stop) {
      pipc_fd_write(fds[1], "z", 1);
      usleep(200);
    }
  });
  for (int i = 0; i < 200; i++) {
    char b[1];
    long long start = NowMs();
    int64_t r = pipc_fd_read_timed(fds[0], b, 1, 5 * PIPC_MSEC);
    EXPECT_TRUE(r == 1 || r == -ETIMEDOUT) << r;
    EXPECT_LT(NowMs() - start, 1000);
  }
  stop = true;
  feeder.join();
  pipc_fd_write(fds[1], "z", 1);
  thief.join();
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
}

// --------------------------------------------------------- thread wake-ups

int WakeSignal() { return pipc_sigrtmax() - 3; }

TEST(Wakeup, InstallValidatesAndRefusesForeignHandlers) {
  EXPECT_EQ(-EINVAL, pipc_wakeup_install(0));
  EXPECT_EQ(-EINVAL, pipc_wakeup_install(SIGKILL));
  EXPECT_EQ(-EINVAL, pipc_wakeup_install(SIGSTOP));
  EXPECT_EQ(-EINVAL, pipc_wakeup_install(pipc_sigrtmax() + 1));
  EXPECT_EQ(0, pipc_wakeup_install(WakeSignal()));
  EXPECT_EQ(0, pipc_wakeup_install(WakeSignal()));  // idempotent
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) {};
  struct sigaction old;
  ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
  EXPECT_EQ(-EBUSY, pipc_wakeup_install(SIGUSR1));
  ASSERT_EQ(0, sigaction(SIGUSR1, &old, nullptr));
  EXPECT_GE(pipc_thread_self(), 0);
}

// A thread blocked in read is woken by the wake-up signal (EINTR); after
// pipc_fd_preclose, a thread entering a call on the number returns at once
// and writes fail instead of vanishing.
TEST(Wakeup, SignalInterruptsBlockedReadAndPrecloseKeepsTheNumber) {
  ASSERT_EQ(0, pipc_wakeup_install(WakeSignal()));
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  std::atomic<int64_t> self{0};
  std::atomic<int64_t> result{1};
  std::thread reader([&] {
    self = pipc_thread_self();
    char b[4];
    result = pipc_fd_read(fds[0], b, sizeof b);
  });
  while (self == 0) usleep(1000);
  usleep(20 * 1000);  // let it block
  ASSERT_EQ(0, pipc_fd_preclose(fds[0]));
  for (int i = 0; i < 100 && result == 1; i++) {
    ASSERT_EQ(0, pipc_thread_signal(self, WakeSignal()));
    usleep(1000);
  }
  reader.join();
  EXPECT_EQ(-EINTR, result.load());
  char b[4];
  EXPECT_EQ(0, pipc_fd_read(fds[0], b, sizeof b));         // dead socket: end of file
  EXPECT_EQ(-EPIPE, pipc_fd_write(fds[0], "x", 1));         // and writes fail
  EXPECT_EQ(-EPIPE, pipc_fd_write(fds[1], "x", 1));         // the pipe lost its reader
  EXPECT_EQ(0, pipc_fd_close(fds[0]));
  EXPECT_EQ(0, pipc_fd_close(fds[1]));
  EXPECT_EQ(-EBADF, pipc_fd_preclose(-1));
}

}  // namespace
