// The poller: readiness of pipes and sockets, timeouts, wake-ups.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "test_util.h"

using pipc_test::CountOpenFds;
using pipc_test::ForkChild;
using pipc_test::ScopedPath;
using pipc_test::WaitChild;

namespace {

struct Poller {
  int ep = -1, wake = -1;
  Poller() {
    int fds[2];
    EXPECT_EQ(0, pipc_poller_create(fds));
    ep = fds[0];
    wake = fds[1];
  }
  ~Poller() {
    pipc_fd_close(ep);
    pipc_fd_close(wake);
  }
};

TEST(Poller, ReportsReadinessOfPipesAndSocketsWithTheirTokens) {
  int before = CountOpenFds();
  {
    Poller p;
    int pipe_fds[2], sock[2];
    ASSERT_EQ(0, pipc_pipe_create(pipe_fds, 0));
    ASSERT_EQ(0, pipc_socket_pair(PIPC_SOCK_STREAM, 0, sock));
    ASSERT_EQ(0, pipc_poller_add(p.ep, pipe_fds[0], PIPC_READABLE, 100));
    ASSERT_EQ(0, pipc_poller_add(p.ep, sock[0], PIPC_READABLE, 200));
    pipc_poll_event ev[4];
    EXPECT_EQ(-EAGAIN, pipc_poller_wait(p.ep, p.wake, ev, 4, 0));
    EXPECT_EQ(-ETIMEDOUT, pipc_poller_wait(p.ep, p.wake, ev, 4, 10 * PIPC_MSEC));
    // Another process makes the socket readable.
    pid_t pid = ForkChild([&] { return pipc_socket_send(sock[1], "x", 1, 0, -1) == 1 ? 0 : 1; });
    ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 4, 5 * PIPC_SEC));
    EXPECT_EQ(200, ev[0].token);
    EXPECT_EQ(PIPC_READABLE, ev[0].events);
    EXPECT_EQ(0, WaitChild(pid));
    ASSERT_EQ(1, pipc_fd_write(pipe_fds[1], "y", 1));
    ASSERT_EQ(2, pipc_poller_wait(p.ep, p.wake, ev, 4, 5 * PIPC_SEC));
    // Writable interest; modify and remove.
    ASSERT_EQ(0, pipc_poller_modify(p.ep, sock[0], PIPC_WRITABLE, 300));
    ASSERT_EQ(0, pipc_poller_remove(p.ep, pipe_fds[0]));
    ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 4, 0));
    EXPECT_EQ(300, ev[0].token);
    EXPECT_EQ(PIPC_WRITABLE, ev[0].events);
    // Hang-up is reported without being asked for.
    pipc_fd_close(pipe_fds[1]);
    ASSERT_EQ(0, pipc_poller_add(p.ep, pipe_fds[0], PIPC_READABLE, 400));
    ASSERT_EQ(0, pipc_poller_remove(p.ep, sock[0]));
    ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 4, 0));
    EXPECT_TRUE(ev[0].events & PIPC_HANGUP);
    pipc_fd_close(pipe_fds[0]);
    pipc_fd_close(sock[0]);
    pipc_fd_close(sock[1]);
  }
  EXPECT_EQ(before, CountOpenFds());
}

TEST(Poller, WakeUpFromAnotherThreadEndsAWait) {
  Poller p;
  pipc_poll_event ev[2];
  int result = -1;
  std::thread t([&] { result = pipc_poller_wait(p.ep, p.wake, ev, 2, -1); });
  usleep(20000);
  ASSERT_EQ(0, pipc_poller_wake(p.wake));
  t.join();
  EXPECT_EQ(0, result);
  // The wake-up was consumed: the next wait times out.
  EXPECT_EQ(-EAGAIN, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
  // A wake-up before the wait is not lost.
  ASSERT_EQ(0, pipc_poller_wake(p.wake));
  ASSERT_EQ(0, pipc_poller_wake(p.wake));
  EXPECT_EQ(0, pipc_poller_wait(p.ep, p.wake, ev, 2, 5 * PIPC_SEC));
  EXPECT_EQ(-EAGAIN, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
}

TEST(Poller, BadInputsAreErrors) {
  Poller p;
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  pipc_poll_event ev[1];
  EXPECT_EQ(-EINVAL, pipc_poller_create(nullptr));
  EXPECT_EQ(-EINVAL, pipc_poller_add(p.ep, fds[0], 0, 1));
  EXPECT_EQ(-EINVAL, pipc_poller_add(p.ep, fds[0], 0x100, 1));
  EXPECT_EQ(-EINVAL, pipc_poller_add(p.ep, fds[0], PIPC_ONESHOT, 1));
  EXPECT_EQ(-EINVAL, pipc_poller_add(p.ep, fds[0], PIPC_READABLE, PIPC_POLLER_WAKE_TOKEN));
  EXPECT_EQ(-EBADF, pipc_poller_add(p.ep, -1, PIPC_READABLE, 1));
  ASSERT_EQ(0, pipc_poller_add(p.ep, fds[0], PIPC_READABLE, 1));
  EXPECT_EQ(-EEXIST, pipc_poller_add(p.ep, fds[0], PIPC_READABLE, 1));
  EXPECT_EQ(-ENOENT, pipc_poller_remove(p.ep, fds[1]));
  EXPECT_EQ(-ENOENT, pipc_poller_modify(p.ep, fds[1], PIPC_WRITABLE, 1));
  EXPECT_EQ(-EINVAL, pipc_poller_wait(p.ep, p.wake, ev, 0, 0));
  EXPECT_EQ(-EINVAL, pipc_poller_wait(p.ep, p.wake, nullptr, 1, 0));
  ScopedPath file("regular");
  int f = open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  EXPECT_EQ(-EPERM, pipc_poller_add(p.ep, f, PIPC_READABLE, 2));
  close(f);
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
}

TEST(Poller, AOneShotWatchReportsOnceUntilModifiedAgain) {
  Poller p;
  int a[2], b[2];
  ASSERT_EQ(0, pipc_pipe_create(a, 0));
  ASSERT_EQ(0, pipc_pipe_create(b, 0));
  ASSERT_EQ(0, pipc_poller_add(p.ep, a[0], PIPC_READABLE | PIPC_ONESHOT, 10));
  ASSERT_EQ(0, pipc_poller_add(p.ep, b[0], PIPC_READABLE | PIPC_ONESHOT, 20));
  pipc_poll_event ev[2];
  // Another process makes both readable; with room for one event, the other
  // is not fetched and lost but reported by the next wait.
  pid_t pid = ForkChild([&] { return pipc_fd_write(a[1], "x", 1) == 1 && pipc_fd_write(b[1], "y", 1) == 1 ? 0 : 1; });
  EXPECT_EQ(0, WaitChild(pid));
  ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 1, 5 * PIPC_SEC));
  int64_t first = ev[0].token;
  ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 1, 5 * PIPC_SEC));
  EXPECT_EQ(30, first + ev[0].token) << "each watch reported once";
  EXPECT_EQ(PIPC_READABLE, ev[0].events) << "the one-shot bit is not an event";
  // Both still readable, but disarmed: silent, with no call to end them.
  EXPECT_EQ(-EAGAIN, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
  // Still watched (add says so); modify arms one again, for one report.
  EXPECT_EQ(-EEXIST, pipc_poller_add(p.ep, a[0], PIPC_READABLE | PIPC_ONESHOT, 10));
  ASSERT_EQ(0, pipc_poller_modify(p.ep, a[0], PIPC_READABLE | PIPC_ONESHOT, 11));
  ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
  EXPECT_EQ(11, ev[0].token);
  EXPECT_EQ(-EAGAIN, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
  // Without the bit, modify makes it level-triggered again: reported every time.
  ASSERT_EQ(0, pipc_poller_modify(p.ep, b[0], PIPC_READABLE, 21));
  ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
  ASSERT_EQ(1, pipc_poller_wait(p.ep, p.wake, ev, 2, 0));
  EXPECT_EQ(21, ev[0].token);
  for (int fd : {a[0], a[1], b[0], b[1]}) pipc_fd_close(fd);
}

TEST(Poller, MoreReadyThanRoomIsReportedOnTheNextWait) {
  Poller p;
  int socks[6][2];
  for (int i = 0; i < 6; i++) {
    ASSERT_EQ(0, pipc_socket_pair(PIPC_SOCK_DGRAM, 0, socks[i]));
    ASSERT_EQ(0, pipc_poller_add(p.ep, socks[i][0], PIPC_WRITABLE, i));
  }
  pipc_poll_event ev[4];
  EXPECT_EQ(4, pipc_poller_wait(p.ep, p.wake, ev, 4, 0));
  EXPECT_EQ(4, pipc_poller_wait(p.ep, p.wake, ev, 4, 0));  // level-triggered: still ready
  for (auto& s : socks) {
    pipc_fd_close(s[0]);
    pipc_fd_close(s[1]);
  }
  // Closed descriptors leave the poller by themselves.
  EXPECT_EQ(-EAGAIN, pipc_poller_wait(p.ep, p.wake, ev, 4, 0));
}

}  // namespace
