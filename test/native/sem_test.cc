// Named and unnamed process-shared semaphores, across processes.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <climits>
#include <semaphore.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>

#include "ipc_names.h"
#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::ScopedSemName;
using pipc_test::SharedAnon;
using pipc_test::WaitChild;

namespace {

TEST(Sem, SizeAndAlignmentComeFromTheCore) {
  EXPECT_EQ(static_cast<int>(sizeof(sem_t)), pipc_sem_size());
  EXPECT_EQ(static_cast<int>(alignof(sem_t)), pipc_sem_align());
  EXPECT_EQ(SEM_VALUE_MAX, pipc_sem_value_max());
}

TEST(NamedSem, CreateOpenPostWaitUnlink) {
  ScopedSemName name("named");
  uint64_t s, again;
  EXPECT_EQ(-ENOENT, pipc_sem_open(name.c_str(), 0, 0, 0, &s));
  ASSERT_EQ(0, pipc_sem_open(name.c_str(), PIPC_SEM_CREATE | PIPC_SEM_EXCLUSIVE, 0600, 2, &s));
  EXPECT_EQ(-EEXIST, pipc_sem_open(name.c_str(), PIPC_SEM_CREATE | PIPC_SEM_EXCLUSIVE, 0600, 0, &again));
  ASSERT_EQ(0, pipc_sem_open(name.c_str(), 0, 0, 0, &again));
  EXPECT_EQ(2, pipc_sem_value(again));
  EXPECT_EQ(0, pipc_sem_wait(s, 0));
  EXPECT_EQ(0, pipc_sem_wait(again, -1));
  EXPECT_EQ(-EAGAIN, pipc_sem_wait(s, 0));
  EXPECT_EQ(0, pipc_sem_post(again));
  EXPECT_EQ(1, pipc_sem_value(s));
  EXPECT_EQ(0, pipc_sem_close(again));
  EXPECT_EQ(0, pipc_sem_close(s));
  EXPECT_EQ(0, pipc_sem_unlink(name.c_str()));
  EXPECT_EQ(-ENOENT, pipc_sem_unlink(name.c_str()));
}

TEST(NamedSem, RejectsBadInput) {
  ScopedSemName name("bad");
  uint64_t s;
  EXPECT_EQ(-EINVAL, pipc_sem_open("nope", PIPC_SEM_CREATE, 0600, 0, &s));
  EXPECT_EQ(-EINVAL, pipc_sem_open("/a/b", PIPC_SEM_CREATE, 0600, 0, &s));
  std::string longname = "/" + std::string(PIPC_SEM_NAME_MAX + 1, 's');
  EXPECT_EQ(-ENAMETOOLONG, pipc_sem_open(longname.c_str(), PIPC_SEM_CREATE, 0600, 0, &s));
  EXPECT_EQ(-EINVAL, pipc_sem_open(name.c_str(), PIPC_SEM_EXCLUSIVE, 0600, 0, &s));
  EXPECT_EQ(-EINVAL, pipc_sem_open(name.c_str(), 0x40, 0600, 0, &s));
  EXPECT_EQ(-EINVAL, pipc_sem_open(name.c_str(), PIPC_SEM_CREATE, 07777, 0, &s));
  EXPECT_EQ(-EINVAL, pipc_sem_open(name.c_str(), PIPC_SEM_CREATE, 0600,
                                   static_cast<unsigned>(SEM_VALUE_MAX) + 1u, &s));
  EXPECT_EQ(-EINVAL, pipc_sem_open(name.c_str(), PIPC_SEM_CREATE, 0600, 0, nullptr));
  EXPECT_EQ(-EINVAL, pipc_sem_post(0));
  EXPECT_EQ(-EINVAL, pipc_sem_wait(3, 0)) << "misaligned";
  EXPECT_EQ(-EINVAL, pipc_sem_close(0));
}

TEST(NamedSem, PostFromAnotherProcessWakesTheWaiter) {
  ScopedSemName name("xproc");
  uint64_t s;
  ASSERT_EQ(0, pipc_sem_open(name.c_str(), PIPC_SEM_CREATE | PIPC_SEM_EXCLUSIVE, 0600, 0, &s));
  pid_t pid = ForkChild([&] {
    uint64_t c;
    if (pipc_sem_open(name.c_str(), 0, 0, 0, &c) < 0) return 10;
    return pipc_sem_wait(c, 10 * PIPC_SEC) == 0 ? 0 : 11;
  });
  EXPECT_EQ(0, pipc_sem_post(s));
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(0, pipc_sem_value(s));
  pipc_sem_close(s);
}

TEST(UnnamedSem, InitChecksAlignmentAndValue) {
  SharedAnon m(4096);
  EXPECT_EQ(-EINVAL, pipc_sem_init(0, 0));
  EXPECT_EQ(-EINVAL, pipc_sem_init(m.addr + 1, 0));
  EXPECT_EQ(-EINVAL, pipc_sem_init(m.addr, static_cast<unsigned>(SEM_VALUE_MAX) + 1u));
  ASSERT_EQ(0, pipc_sem_init(m.addr + 64, 3));
  EXPECT_EQ(3, pipc_sem_value(m.addr + 64));
  EXPECT_EQ(0, pipc_sem_destroy(m.addr + 64));
}

TEST(UnnamedSem, TimedWaitTimesOutOnTheMonotonicClock) {
  SharedAnon m(4096);
  ASSERT_EQ(0, pipc_sem_init(m.addr, 0));
  long long start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_sem_wait(m.addr, 30 * PIPC_MSEC));
  EXPECT_GE(NowMs() - start, 29) << "never earlier than asked";
  EXPECT_EQ(-EAGAIN, pipc_sem_wait(m.addr, 0));
  EXPECT_EQ(0, pipc_sem_post(m.addr));
  EXPECT_EQ(0, pipc_sem_wait(m.addr, 30 * PIPC_MSEC));
  pipc_sem_destroy(m.addr);
}

TEST(UnnamedSem, PingPongBetweenTwoProcesses) {
  SharedAnon m(4096);
  uint64_t ping = m.addr, pong = m.addr + 64;
  auto* counter = m.at<volatile long>(128);
  ASSERT_EQ(0, pipc_sem_init(ping, 0));
  ASSERT_EQ(0, pipc_sem_init(pong, 0));
  const int rounds = 2000;
  pid_t pid = ForkChild([&] {
    for (int i = 0; i < rounds; i++) {
      if (pipc_sem_wait(ping, 10 * PIPC_SEC) != 0) return 10;
      *counter = *counter + 1;
      if (pipc_sem_post(pong) != 0) return 11;
    }
    return 0;
  });
  for (int i = 0; i < rounds; i++) {
    *counter = *counter + 1;
    ASSERT_EQ(0, pipc_sem_post(ping));
    ASSERT_EQ(0, pipc_sem_wait(pong, 10 * PIPC_SEC));
  }
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(2 * rounds, *counter);
}

TEST(UnnamedSem, ASignalWithoutRestartInterruptsAWait) {
  int signo = pipc_sigrtmin() + 4;
  ASSERT_EQ(0, pipc_wakeup_install(signo));
  SharedAnon m(4096);
  ASSERT_EQ(0, pipc_sem_init(m.addr, 0));
  std::atomic<int64_t> self{-1};
  std::atomic<int> result{1};
  std::thread waiter([&] {
    self = pipc_thread_self();
    result = pipc_sem_wait(m.addr, -1);
  });
  while (self < 0) std::this_thread::yield();
  // Repeated: a signal that lands before the thread is in the wait is lost.
  for (int i = 0; i < 500 && result == 1; i++) {
    pipc_thread_signal(self, signo);
    usleep(2000);
  }
  waiter.join();
  EXPECT_EQ(-EINTR, result.load());
  pipc_sem_destroy(m.addr);
}

TEST(UnnamedSem, PostAtTheMaximumIsEoverflow) {
  SharedAnon m(4096);
  ASSERT_EQ(0, pipc_sem_init(m.addr, static_cast<unsigned>(SEM_VALUE_MAX)));
  EXPECT_EQ(-EOVERFLOW, pipc_sem_post(m.addr));
  EXPECT_EQ(SEM_VALUE_MAX, pipc_sem_value(m.addr));
}

}  // namespace
