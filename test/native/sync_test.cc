// Process-shared robust mutexes and condition variables, across processes.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "ipc_names.h"
#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::SharedAnon;
using pipc_test::WaitChild;

namespace {

// A shared page with a mutex at 0, a condition at 128 and data at 256.
struct SyncPage {
  SharedAnon m{4096};
  uint64_t mutex() const { return m.addr; }
  uint64_t cond() const { return m.addr + 128; }
  volatile long* data(int i = 0) const { return m.at<volatile long>(256 + 8 * i); }
  SyncPage() {
    EXPECT_EQ(0, pipc_mutex_init(mutex()));
    EXPECT_EQ(0, pipc_cond_init(cond()));
  }
};

TEST(Sync, SizesAndAlignmentsComeFromTheCore) {
  EXPECT_EQ(static_cast<int>(sizeof(pthread_mutex_t)), pipc_mutex_size());
  EXPECT_EQ(static_cast<int>(alignof(pthread_mutex_t)), pipc_mutex_align());
  EXPECT_EQ(static_cast<int>(sizeof(pthread_cond_t)), pipc_cond_size());
  EXPECT_EQ(static_cast<int>(alignof(pthread_cond_t)), pipc_cond_align());
}

TEST(Mutex, RejectsBadAddresses) {
  EXPECT_EQ(-EINVAL, pipc_mutex_init(0));
  EXPECT_EQ(-EINVAL, pipc_mutex_init(4097));
  EXPECT_EQ(-EINVAL, pipc_mutex_lock(0, -1));
  EXPECT_EQ(-EINVAL, pipc_mutex_unlock(2));
  EXPECT_EQ(-EINVAL, pipc_cond_init(0));
  EXPECT_EQ(-EINVAL, pipc_cond_wait(0, 8, -1));
  EXPECT_EQ(-EINVAL, pipc_cond_signal(1));
}

TEST(Mutex, TwoProcessesCountToAMillionExactly) {
  SyncPage page;
  const long each = 500000;
  auto work = [&] {
    for (long i = 0; i < each; i++) {
      if (pipc_mutex_lock(page.mutex(), -1) != 0) return 10;
      *page.data() = *page.data() + 1;
      if (pipc_mutex_unlock(page.mutex()) != 0) return 11;
    }
    return 0;
  };
  pid_t pid = ForkChild(work);
  EXPECT_EQ(0, work());
  EXPECT_EQ(0, WaitChild(pid, 60000));
  EXPECT_EQ(2 * each, *page.data());
}

TEST(Mutex, HolderKilledGivesEownerdeadThenConsistentRecovers) {
  SyncPage page;
  int ready[2];
  ASSERT_EQ(0, pipc_pipe_create(ready, 0));
  pid_t pid = ForkChild([&] {
    if (pipc_mutex_lock(page.mutex(), -1) != 0) return 10;
    *page.data() = 1;  // half-done work, as a crash would leave it
    pipc_fd_write(ready[1], "x", 1);
    pause();
    return 0;
  });
  char c;
  ASSERT_EQ(1, pipc_fd_read(ready[0], &c, 1));
  EXPECT_EQ(-EAGAIN, pipc_mutex_lock(page.mutex(), 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_mutex_lock(page.mutex(), 20 * PIPC_MSEC));
  kill(pid, SIGKILL);
  EXPECT_EQ(128 + SIGKILL, WaitChild(pid));
  ASSERT_EQ(-EOWNERDEAD, pipc_mutex_lock(page.mutex(), 5 * PIPC_SEC));
  // The caller owns it now, repairs the data and makes it consistent.
  *page.data() = 0;
  EXPECT_EQ(0, pipc_mutex_consistent(page.mutex()));
  EXPECT_EQ(0, pipc_mutex_unlock(page.mutex()));
  EXPECT_EQ(0, pipc_mutex_lock(page.mutex(), -1));
  EXPECT_EQ(-EINVAL, pipc_mutex_consistent(page.mutex())) << "nothing to recover";
  EXPECT_EQ(0, pipc_mutex_unlock(page.mutex()));
  pipc_fd_close(ready[0]);
  pipc_fd_close(ready[1]);
}

TEST(Mutex, UnlockWithoutConsistentMakesItUnrecoverable) {
  SyncPage page;
  pid_t pid = ForkChild([&] {
    // Ends while holding it: the kernel's robust list hands it on.
    return pipc_mutex_lock(page.mutex(), -1) == 0 ? 0 : 10;
  });
  ASSERT_EQ(0, WaitChild(pid));
  ASSERT_EQ(-EOWNERDEAD, pipc_mutex_lock(page.mutex(), -1));
  EXPECT_EQ(0, pipc_mutex_unlock(page.mutex()));
  EXPECT_EQ(-ENOTRECOVERABLE, pipc_mutex_lock(page.mutex(), -1));
  EXPECT_EQ(-ENOTRECOVERABLE, pipc_mutex_lock(page.mutex(), 0));
}

TEST(Mutex, ErrorCheckingCatchesRelockAndForeignUnlock) {
  SyncPage page;
  ASSERT_EQ(0, pipc_mutex_lock(page.mutex(), -1));
  EXPECT_EQ(-EDEADLK, pipc_mutex_lock(page.mutex(), -1));
  int other = 0;
  std::thread t([&] { other = pipc_mutex_unlock(page.mutex()); });
  t.join();
  EXPECT_EQ(-EPERM, other);
  EXPECT_EQ(0, pipc_mutex_unlock(page.mutex()));
  EXPECT_EQ(-EPERM, pipc_mutex_unlock(page.mutex()));
  EXPECT_EQ(0, pipc_mutex_destroy(page.mutex()));
}

TEST(Cond, ProducerConsumerAcrossProcesses) {
  SyncPage page;
  const long items = 500;
  // data(0): the slot, data(1): 1 when the slot is full.
  pid_t pid = ForkChild([&] {
    for (long i = 1; i <= items; i++) {
      if (pipc_mutex_lock(page.mutex(), -1) != 0) return 10;
      while (*page.data(1) != 0) {
        if (pipc_cond_wait(page.cond(), page.mutex(), 10 * PIPC_SEC) != 0) return 11;
      }
      *page.data(0) = i;
      *page.data(1) = 1;
      pipc_cond_broadcast(page.cond());
      pipc_mutex_unlock(page.mutex());
    }
    return 0;
  });
  long sum = 0;
  for (long i = 1; i <= items; i++) {
    ASSERT_EQ(0, pipc_mutex_lock(page.mutex(), -1));
    while (*page.data(1) == 0) ASSERT_EQ(0, pipc_cond_wait(page.cond(), page.mutex(), 10 * PIPC_SEC));
    EXPECT_EQ(i, *page.data(0));
    sum += *page.data(0);
    *page.data(1) = 0;
    pipc_cond_broadcast(page.cond());
    pipc_mutex_unlock(page.mutex());
  }
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(items * (items + 1) / 2, sum);
}

TEST(Cond, TimedWaitsAndOwnership) {
  SyncPage page;
  EXPECT_EQ(-EPERM, pipc_cond_wait(page.cond(), page.mutex(), 10 * PIPC_MSEC)) << "not the owner";
  ASSERT_EQ(0, pipc_mutex_lock(page.mutex(), -1));
  long long start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_cond_wait(page.cond(), page.mutex(), 30 * PIPC_MSEC));
  EXPECT_GE(NowMs() - start, 29);
  EXPECT_EQ(-EAGAIN, pipc_cond_wait(page.cond(), page.mutex(), 0));
  // Still owned after every kind of return.
  EXPECT_EQ(-EDEADLK, pipc_mutex_lock(page.mutex(), -1));
  EXPECT_EQ(0, pipc_mutex_unlock(page.mutex()));
  EXPECT_EQ(0, pipc_cond_signal(page.cond()));
  EXPECT_EQ(0, pipc_cond_destroy(page.cond()));
}

}  // namespace
