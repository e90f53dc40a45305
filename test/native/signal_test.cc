// Signals: sending, dispositions, and the self-pipe dispatcher.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "test_util.h"

namespace {

// Reads exactly n records (or fails), with a generous timeout.
std::vector<pipc_signal_info> ReadRecords(int n, int64_t timeout_ns = 10 * PIPC_SEC) {
  std::vector<pipc_signal_info> out;
  pipc_signal_info buf[64];
  int64_t deadline = pipc_test::NowMs() + timeout_ns / PIPC_MSEC;
  while (static_cast<int>(out.size()) < n && pipc_test::NowMs() < deadline) {
    int want = n - static_cast<int>(out.size());
    int r = pipc_signal_read(buf, want < 64 ? want : 64, 100 * PIPC_MSEC);
    if (r == -ETIMEDOUT || r == -EINTR) continue;
    if (r < 0) {
      ADD_FAILURE() << "pipc_signal_read: " << pipc_errno_name(r);
      break;
    }
    out.insert(out.end(), buf, buf + r);
  }
  return out;
}

TEST(Signal, BadNumbersAndReservedSignalsAreRefused) {
  for (int bad : {-1, 0, 32, pipc_sigrtmax() + 1, 1000}) {
    EXPECT_EQ(-EINVAL, pipc_signal_catch(bad)) << bad;
    EXPECT_EQ(-EINVAL, pipc_signal_ignore(bad)) << bad;
    EXPECT_EQ(-EINVAL, pipc_signal_default(bad)) << bad;
    EXPECT_EQ(-EINVAL, pipc_signal_restore(bad)) << bad;
    EXPECT_EQ(-EINVAL, pipc_signal_raise(bad)) << bad;
    EXPECT_EQ(-EINVAL, pipc_signal_reserve(bad)) << bad;
  }
  EXPECT_EQ(-EINVAL, pipc_signal_kill(getpid(), -1));
  EXPECT_EQ(-EINVAL, pipc_signal_kill(getpid(), 33));
  EXPECT_EQ(-EINVAL, pipc_signal_queue(getpid(), pipc_sigrtmax() + 1, 0));
  EXPECT_EQ(-EINVAL, pipc_signal_catch(SIGKILL));
  EXPECT_EQ(-EINVAL, pipc_signal_ignore(SIGSTOP));
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) {
    EXPECT_EQ(-EPERM, pipc_signal_catch(fault));
    EXPECT_EQ(-EPERM, pipc_signal_ignore(fault));
    EXPECT_EQ(1, pipc_signal_is_reserved(fault));
  }
  EXPECT_EQ(0, pipc_signal_is_reserved(SIGUSR1));
  EXPECT_EQ(0, pipc_signal_reserve(SIGURG));
  EXPECT_EQ(1, pipc_signal_is_reserved(SIGURG));
  EXPECT_EQ(-EPERM, pipc_signal_catch(SIGURG));
  EXPECT_EQ(-EPERM, pipc_signal_default(SIGURG));
  EXPECT_EQ(PIPC_SIGNAL_DEFAULT, pipc_signal_disposition(SIGURG)) << "left untouched";
  // Reserved signals can still be sent.
  EXPECT_EQ(0, pipc_signal_kill(getpid(), SIGURG));  // its default: ignored
  EXPECT_EQ(0, pipc_signal_kill(getpid(), 0));
  EXPECT_EQ(-EINVAL, pipc_signal_queue(0, SIGUSR1, 1));
  EXPECT_EQ(-EINVAL, pipc_signal_queue(-1, SIGUSR1, 1));
  pipc_signal_info rec;
  EXPECT_EQ(-EINVAL, pipc_signal_read(nullptr, 1, 0));
  EXPECT_EQ(-EINVAL, pipc_signal_read(&rec, 0, 0));
  EXPECT_EQ(-EAGAIN, pipc_signal_read(&rec, 1, 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_signal_read(&rec, 1, 10 * PIPC_MSEC));
  EXPECT_EQ(-EINVAL, pipc_signal_lost(-3));
  EXPECT_EQ(-EINVAL, pipc_signal_disposition(0));
}

TEST(Signal, DeadProcessGivesEsrch) {
  pid_t child = pipc_test::ForkChild([] { return 0; });
  ASSERT_EQ(0, pipc_test::WaitChild(child));
  EXPECT_EQ(-ESRCH, pipc_signal_kill(child, SIGTERM));
  EXPECT_EQ(-ESRCH, pipc_signal_queue(child, SIGTERM, 1));
  EXPECT_EQ(-ESRCH, pipc_signal_kill(child, 0));
}

TEST(Signal, RaiseIsRecordedWithItsSender) {
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));
  EXPECT_EQ(PIPC_SIGNAL_CAUGHT, pipc_signal_disposition(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_raise(SIGUSR1));
  pipc_signal_info rec[4];
  ASSERT_EQ(1, pipc_signal_read(rec, 4, 0)) << "the handler ran before raise returned";
  EXPECT_EQ(SIGUSR1, rec[0].signo);
  EXPECT_EQ(PIPC_SI_TKILL, rec[0].code);
  EXPECT_EQ(getpid(), rec[0].pid);
  EXPECT_EQ(getuid(), rec[0].uid);
  // sigqueue to ourselves carries the value.
  ASSERT_EQ(0, pipc_signal_queue(getpid(), SIGUSR1, -123456));
  std::vector<pipc_signal_info> got = ReadRecords(1);
  ASSERT_EQ(1u, got.size());
  EXPECT_EQ(PIPC_SI_QUEUE, got[0].code);
  EXPECT_EQ(-123456, got[0].value);
  EXPECT_EQ(0, pipc_signal_lost(SIGUSR1));
  EXPECT_EQ(1, pipc_signal_restore(SIGUSR1));
  EXPECT_EQ(0, pipc_signal_restore(SIGUSR1)) << "nothing left to restore";
  EXPECT_EQ(PIPC_SIGNAL_DEFAULT, pipc_signal_disposition(SIGUSR1));
}

void OtherHandler(int) {}

TEST(Signal, UncatchPutsBackWhatTheCatchReplaced) {
  // The caller ignored the signal, then caught it for a while: the end of
  // the catch gives the ignore back, and restore the disposition from before.
  ASSERT_EQ(PIPC_SIGNAL_DEFAULT, pipc_signal_disposition(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_ignore(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));  // a second catch keeps the first one's
  EXPECT_EQ(PIPC_SIGNAL_CAUGHT, pipc_signal_disposition(SIGUSR1));
  EXPECT_EQ(1, pipc_signal_uncatch(SIGUSR1));
  EXPECT_EQ(PIPC_SIGNAL_IGNORED, pipc_signal_disposition(SIGUSR1));
  EXPECT_EQ(0, pipc_signal_uncatch(SIGUSR1)) << "not caught any more";
  EXPECT_EQ(1, pipc_signal_restore(SIGUSR1));
  EXPECT_EQ(PIPC_SIGNAL_DEFAULT, pipc_signal_disposition(SIGUSR1));
  // A catch that is the first change: its end leaves nothing to restore.
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));
  EXPECT_EQ(1, pipc_signal_uncatch(SIGUSR1));
  EXPECT_EQ(PIPC_SIGNAL_DEFAULT, pipc_signal_disposition(SIGUSR1));
  EXPECT_EQ(0, pipc_signal_restore(SIGUSR1));
  EXPECT_EQ(-EINVAL, pipc_signal_uncatch(SIGKILL));
}

TEST(Signal, RestorePutsBackThePreviousDisposition) {
  struct sigaction mine, seen;
  memset(&mine, 0, sizeof mine);
  mine.sa_handler = OtherHandler;
  sigemptyset(&mine.sa_mask);
  mine.sa_flags = SA_RESTART;
  ASSERT_EQ(0, sigaction(SIGUSR1, &mine, nullptr));
  EXPECT_EQ(PIPC_SIGNAL_HANDLED, pipc_signal_disposition(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));  // twice is fine
  ASSERT_EQ(0, pipc_signal_ignore(SIGUSR1));  // the first previous one is kept
  EXPECT_EQ(PIPC_SIGNAL_IGNORED, pipc_signal_disposition(SIGUSR1));
  EXPECT_EQ(1, pipc_signal_restore(SIGUSR1));
  ASSERT_EQ(0, sigaction(SIGUSR1, nullptr, &seen));
  EXPECT_EQ(reinterpret_cast<void*>(OtherHandler), reinterpret_cast<void*>(seen.sa_handler));
  EXPECT_EQ(SA_RESTART, seen.sa_flags & (SA_RESTART | SA_SIGINFO));
  signal(SIGUSR1, SIG_DFL);

  // An ignored signal: default, then restore gives ignored back.
  signal(SIGHUP, SIG_IGN);
  ASSERT_EQ(0, pipc_signal_default(SIGHUP));
  EXPECT_EQ(PIPC_SIGNAL_DEFAULT, pipc_signal_disposition(SIGHUP));
  EXPECT_EQ(1, pipc_signal_restore(SIGHUP));
  EXPECT_EQ(PIPC_SIGNAL_IGNORED, pipc_signal_disposition(SIGHUP));
  signal(SIGHUP, SIG_DFL);
}

TEST(Signal, RemovedHandlerLetsTheDefaultActionHappen) {
  pid_t child = pipc_test::ForkChild([] {
    if (pipc_signal_catch(SIGUSR1) != 0) return 10;
    if (pipc_signal_raise(SIGUSR1) != 0) return 11;  // caught: survives
    if (pipc_signal_restore(SIGUSR1) != 1) return 12;
    pipc_signal_raise(SIGUSR1);  // the default action: the process ends
    return 13;
  });
  EXPECT_EQ(128 + SIGUSR1, pipc_test::WaitChild(child));
}

TEST(Signal, KillAndSigqueueBothWaysBetweenProcesses) {
  const int rt = pipc_sigrtmin() + 1;
  const int answer = pipc_sigrtmin() + 2;
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR1));
  ASSERT_EQ(0, pipc_signal_catch(rt));
  // Caught before the fork, so that the child cannot miss the parent's answer.
  ASSERT_EQ(0, pipc_signal_catch(answer));
  pid_t parent = getpid();
  pid_t child = pipc_test::ForkChild([&] {
    pipc_signal_info rec;
    if (pipc_signal_read(&rec, 1, 0) != -EAGAIN) return 20;  // a fresh, empty pipe
    if (pipc_signal_queue(parent, rt, 42) != 0) return 21;
    if (pipc_signal_kill(parent, SIGUSR1) != 0) return 22;
    int n;
    while ((n = pipc_signal_read(&rec, 1, 10 * PIPC_SEC)) == -EINTR) {
    }
    if (n != 1) return 23;
    if (rec.signo != answer || rec.value != 7 || rec.pid != parent || rec.code != PIPC_SI_QUEUE) return 24;
    return 0;
  });
  std::vector<pipc_signal_info> got = ReadRecords(2);
  ASSERT_EQ(2u, got.size());
  bool saw_queue = false, saw_kill = false;
  for (const pipc_signal_info& r : got) {
    EXPECT_EQ(child, r.pid);
    EXPECT_EQ(getuid(), r.uid);
    if (r.signo == rt) {
      saw_queue = true;
      EXPECT_EQ(PIPC_SI_QUEUE, r.code);
      EXPECT_EQ(42, r.value);
    } else if (r.signo == SIGUSR1) {
      saw_kill = true;
      EXPECT_EQ(PIPC_SI_USER, r.code);
    }
  }
  EXPECT_TRUE(saw_queue && saw_kill);
  ASSERT_EQ(0, pipc_signal_queue(child, answer, 7));
  EXPECT_EQ(0, pipc_test::WaitChild(child));
}

// 10,000 queued real-time signals from another process: none lost, in order.
// The reader drains while the burst arrives; the sender retries on EAGAIN
// (RLIMIT_SIGPENDING is per user, shared with whatever else runs).
TEST(Signal, BurstOfTenThousandRealTimeSignalsLosesNone) {
  const int rt = pipc_sigrtmin() + 3;
  const int count = 10000;
  ASSERT_EQ(0, pipc_signal_catch(rt));
  const int64_t lost_before = pipc_signal_lost(0);
  pid_t parent = getpid();
  pid_t child = pipc_test::ForkChild([&] {
    for (int i = 0; i < count; i++) {
      int r;
      while ((r = pipc_signal_queue(parent, rt, i)) == -EAGAIN) usleep(50);
      if (r != 0) return 30;
    }
    return 0;
  });
  std::vector<pipc_signal_info> got = ReadRecords(count, 30 * PIPC_SEC);
  EXPECT_EQ(0, pipc_test::WaitChild(child));
  ASSERT_EQ(static_cast<size_t>(count), got.size());
  for (int i = 0; i < count; i++) {
    ASSERT_EQ(i, got[i].value) << "in order";
    ASSERT_EQ(rt, got[i].signo);
  }
  EXPECT_EQ(0, pipc_signal_lost(rt));
  EXPECT_EQ(lost_before, pipc_signal_lost(0));
}

// When nobody reads, the pipe fills and every dropped record is counted.
TEST(Signal, AFullPipeCountsEveryLoss) {
  const int rt = pipc_sigrtmin() + 4;
  ASSERT_EQ(0, pipc_signal_catch(rt));
  int capacity = pipc_signal_capacity();
  ASSERT_GT(capacity, 0);
  const int extra = 100;
  // The counters never go back: a run of several tests in one process sees earlier losses.
  const int64_t before = pipc_signal_lost(rt), before_all = pipc_signal_lost(0);
  const int64_t before_usr1 = pipc_signal_lost(SIGUSR1);
  for (int i = 0; i < capacity + extra; i++) ASSERT_EQ(0, pipc_signal_raise(rt));
  EXPECT_EQ(before + extra, pipc_signal_lost(rt));
  EXPECT_EQ(before_all + extra, pipc_signal_lost(0));
  EXPECT_EQ(before_usr1, pipc_signal_lost(SIGUSR1));
  std::vector<pipc_signal_info> got = ReadRecords(capacity);
  EXPECT_EQ(static_cast<size_t>(capacity), got.size());
  pipc_signal_info rec;
  EXPECT_EQ(-EAGAIN, pipc_signal_read(&rec, 1, 0));
  // Room again: nothing more is lost.
  ASSERT_EQ(0, pipc_signal_raise(rt));
  EXPECT_EQ(1, pipc_signal_read(&rec, 1, 0));
  EXPECT_EQ(before + extra, pipc_signal_lost(rt));
}

TEST(Signal, ForkedChildNeverSeesTheParentsRecords) {
  ASSERT_EQ(0, pipc_signal_catch(SIGUSR2));
  ASSERT_EQ(0, pipc_signal_raise(SIGUSR2));  // waits in the parent's pipe
  int fd = pipc_signal_fd();
  pid_t child = pipc_test::ForkChild([fd] {
    pipc_signal_info rec;
    if (pipc_signal_fd() != fd) return 40;
    if (pipc_signal_read(&rec, 1, 0) != -EAGAIN) return 41;
    if (pipc_signal_raise(SIGUSR2) != 0) return 42;
    if (pipc_signal_read(&rec, 1, 0) != 1 || rec.pid != getpid()) return 43;
    return 0;
  });
  EXPECT_EQ(0, pipc_test::WaitChild(child));
  pipc_signal_info rec[4];
  ASSERT_EQ(1, pipc_signal_read(rec, 4, 0)) << "only the parent's own record";
  EXPECT_EQ(getpid(), rec[0].pid);
}

TEST(Signal, NamesAndNumbers) {
  EXPECT_EQ(SIGUSR1, pipc_signal_number("SIGUSR1"));
  EXPECT_EQ(pipc_sigrtmin() + 3, pipc_signal_number("SIGRTMIN+3"));
  EXPECT_STREQ("SIGRTMIN+3", pipc_signal_name(pipc_sigrtmin() + 3));
}

}  // namespace
