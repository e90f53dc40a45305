// Child processes with a descriptor map, watched through pidfds.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

const char* kPeer = PIPC_PEER_PATH;

struct Child {
  int pid = -1, pidfd = -1;
  ~Child() {
    if (pidfd >= 0) {
      pipc_spawn_signal(pidfd, SIGKILL);
      int how, value;
      pipc_spawn_wait(pidfd, 5 * PIPC_SEC, &how, &value);
      pipc_fd_close(pidfd);
    }
  }
  int Wait(int* how, int* value) { return pipc_spawn_wait(pidfd, 10 * PIPC_SEC, how, value); }
};

// Starts the peer with args, its stdout mapped to a pipe plus extra mappings;
// returns what it printed and its exit code.
std::string RunPeer(std::vector<std::string> args, std::vector<int> map = {}, int flags = 0,
                    const char* cwd = nullptr, char* const* envp = nullptr, int* exit_code = nullptr) {
  int out[2];
  EXPECT_EQ(0, pipc_pipe_create(out, 0));
  std::vector<char*> argv;
  args.insert(args.begin(), "pipc-peer");
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  map.push_back(1);
  map.push_back(out[1]);
  Child c;
  int r = pipc_spawn(kPeer, argv.data(), envp, cwd, map.data(), static_cast<int>(map.size() / 2),
                     flags, &c.pid, &c.pidfd);
  EXPECT_EQ(0, r) << pipc_errno_name(r);
  pipc_fd_close(out[1]);
  std::string text;
  char buf[512];
  int64_t n;
  while ((n = pipc_fd_read_timed(out[0], buf, sizeof buf, 10 * PIPC_SEC)) > 0) text.append(buf, n);
  pipc_fd_close(out[0]);
  int how = 0, value = -1;
  if (r == 0) {
    EXPECT_EQ(0, c.Wait(&how, &value));
    EXPECT_EQ(PIPC_CHILD_EXITED, how);
  }
  if (exit_code != nullptr) *exit_code = value;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

TEST(Spawn, ChildSeesExactlyTheMappedDescriptors) {
  int a[2], b[2];
  ASSERT_EQ(0, pipc_pipe_create(a, 0));
  ASSERT_EQ(0, pipc_pipe_create(b, 0));
  // A descriptor without close-on-exec must not leak either.
  int leaky = dup(a[0]);
  ASSERT_GE(leaky, 0);
  EXPECT_EQ("0 1 2 3 4 5", RunPeer({"fds"}, {3, a[0], 4, b[1], 5, a[1]}));
  EXPECT_EQ("0 1 2 7", RunPeer({"fds"}, {7, b[0]}));
  close(leaky);
  for (int fd : {a[0], a[1], b[0], b[1]}) pipc_fd_close(fd);
}

TEST(Spawn, MappedPipeEndCarriesDataBothWays) {
  int to_child[2], from_child[2];
  ASSERT_EQ(0, pipc_pipe_create(to_child, 0));
  ASSERT_EQ(0, pipc_pipe_create(from_child, 0));
  char* argv[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("echo"),
                  const_cast<char*>("fd:3"), const_cast<char*>("fd:4"), nullptr};
  int map[] = {3, to_child[0], 4, from_child[1]};
  Child c;
  ASSERT_EQ(0, pipc_spawn(kPeer, argv, nullptr, nullptr, map, 2, 0, &c.pid, &c.pidfd));
  pipc_fd_close(to_child[0]);
  pipc_fd_close(from_child[1]);
  for (int i = 0; i < 100; i++) {
    char msg[64], back[64];
    memset(msg, 'a' + i % 26, sizeof msg);
    ASSERT_EQ(64, pipc_fd_write(to_child[1], msg, sizeof msg));
    size_t got = 0;
    while (got < sizeof back) {
      int64_t n = pipc_fd_read_timed(from_child[0], back + got, sizeof back - got, 5 * PIPC_SEC);
      ASSERT_GT(n, 0);
      got += static_cast<size_t>(n);
    }
    ASSERT_EQ(0, memcmp(msg, back, sizeof msg));
  }
  pipc_fd_close(to_child[1]);
  char b;
  EXPECT_EQ(0, pipc_fd_read_timed(from_child[0], &b, 1, 5 * PIPC_SEC));  // echo ends at EOF
  int how, value;
  ASSERT_EQ(0, c.Wait(&how, &value));
  EXPECT_EQ(PIPC_CHILD_EXITED, how);
  EXPECT_EQ(0, value);
  pipc_fd_close(from_child[0]);
}

TEST(Spawn, SwappedMappingsAreResolved) {
  int a[2], b[2];
  ASSERT_EQ(0, pipc_pipe_create(a, 0));  // a[0]=x, a[1]=y
  ASSERT_EQ(0, pipc_pipe_create(b, 0));
  // The child gets a's write end at b's write-end number and the reverse.
  int wa = a[1], wb = b[1];
  char* argv[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("source"), nullptr, nullptr,
                  nullptr};
  std::string spec = "fd:" + std::to_string(wb);
  argv[2] = spec.data();
  argv[3] = const_cast<char*>("5");
  int map[] = {wb, wa, wa, wb};
  Child c;
  ASSERT_EQ(0, pipc_spawn(kPeer, argv, nullptr, nullptr, map, 2, 0, &c.pid, &c.pidfd));
  int how, value;
  ASSERT_EQ(0, c.Wait(&how, &value));
  EXPECT_EQ(0, value);
  char buf[8];
  EXPECT_EQ(5, pipc_fd_read_timed(a[0], buf, sizeof buf, 0));  // wrote to a, through b's number
  EXPECT_EQ(-EAGAIN, pipc_fd_read_timed(b[0], buf, sizeof buf, 0));
  for (int fd : {a[0], a[1], b[0], b[1]}) pipc_fd_close(fd);
}

TEST(Spawn, ExitCodesAndSignalsAreDecoded) {
  char* exit7[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("exit"), const_cast<char*>("7"), nullptr};
  Child c;
  ASSERT_EQ(0, pipc_spawn(kPeer, exit7, nullptr, nullptr, nullptr, 0, 0, &c.pid, &c.pidfd));
  int how, value;
  ASSERT_EQ(0, c.Wait(&how, &value));
  EXPECT_EQ(PIPC_CHILD_EXITED, how);
  EXPECT_EQ(7, value);
  EXPECT_EQ(-ECHILD, c.Wait(&how, &value));  // already reaped
  EXPECT_EQ(-ESRCH, pipc_spawn_signal(c.pidfd, 0));

  char* die[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("raise"), const_cast<char*>("15"), nullptr};
  Child d;
  ASSERT_EQ(0, pipc_spawn(kPeer, die, nullptr, nullptr, nullptr, 0, 0, &d.pid, &d.pidfd));
  ASSERT_EQ(0, d.Wait(&how, &value));
  EXPECT_EQ(PIPC_CHILD_KILLED, how);
  EXPECT_EQ(SIGTERM, value);
}

TEST(Spawn, WaitTimesOutAndSignalEndsTheChild) {
  int p[2];
  ASSERT_EQ(0, pipc_pipe_create(p, 0));
  char* argv[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("sink"), const_cast<char*>("fd:3"), nullptr};
  int map[] = {3, p[0]};
  Child c;
  ASSERT_EQ(0, pipc_spawn(kPeer, argv, nullptr, nullptr, map, 1, 0, &c.pid, &c.pidfd));
  int how, value;
  EXPECT_EQ(-EAGAIN, pipc_spawn_wait(c.pidfd, 0, &how, &value));
  long long start = pipc_test::NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_spawn_wait(c.pidfd, 50 * PIPC_MSEC, &how, &value));
  EXPECT_GE(pipc_test::NowMs() - start, 45);
  EXPECT_EQ(0, pipc_spawn_signal(c.pidfd, SIGKILL));
  ASSERT_EQ(0, c.Wait(&how, &value));
  EXPECT_EQ(PIPC_CHILD_KILLED, how);
  EXPECT_EQ(SIGKILL, value);
  pipc_fd_close(p[0]);
  pipc_fd_close(p[1]);
}

TEST(Spawn, WorkingDirectoryEnvironmentAndSession) {
  std::string d = RunPeer({"describe"}, {}, PIPC_SPAWN_SETSID, "/tmp");
  EXPECT_NE(std::string::npos, d.find("cwd=/tmp ")) << d;
  int pid = -1, sid = -2, pgid = -3;
  const char* p = strstr(d.c_str(), "pid=");
  ASSERT_NE(nullptr, p);
  ASSERT_EQ(3, sscanf(p, "pid=%d sid=%d pgid=%d", &pid, &sid, &pgid));
  EXPECT_EQ(pid, sid);
  EXPECT_EQ(pid, pgid);

  d = RunPeer({"describe"}, {}, PIPC_SPAWN_SETPGID);
  p = strstr(d.c_str(), "pid=");
  ASSERT_EQ(3, sscanf(p, "pid=%d sid=%d pgid=%d", &pid, &sid, &pgid));
  EXPECT_EQ(pid, pgid);
  EXPECT_EQ(getsid(0), sid);

  char var[] = "PIPC_TEST_VALUE=forty-two";
  char* envp[] = {var, nullptr};
  EXPECT_EQ("forty-two", RunPeer({"env", "PIPC_TEST_VALUE"}, {}, 0, nullptr, envp));
  EXPECT_EQ("", RunPeer({"env", "HOME"}, {}, 0, nullptr, envp));
}

TEST(Spawn, SignalMaskAndIgnoredSignalsAreReset) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &block, &old));
  struct sigaction ign, old_int;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  ASSERT_EQ(0, sigaction(SIGINT, &ign, &old_int));
  std::string d = RunPeer({"describe"});
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  sigaction(SIGINT, &old_int, nullptr);
  // SIGPIPE is ignored by this suite, SIGINT by this test: neither leaks.
  EXPECT_NE(std::string::npos, d.find("blocked=0 ignored=0")) << d;
}

TEST(Spawn, RejectsBadInput) {
  char* argv[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("fds"), nullptr};
  char* empty[] = {nullptr};
  int pid, pidfd;
  EXPECT_EQ(-ENOENT, pipc_spawn("/no/such/program", argv, nullptr, nullptr, nullptr, 0, 0, &pid, &pidfd));
  EXPECT_EQ(-ENOENT, pipc_spawn("no-such-program-anywhere", argv, nullptr, nullptr, nullptr, 0, 0, &pid, &pidfd));
  EXPECT_EQ(-EACCES, pipc_spawn("/tmp", argv, nullptr, nullptr, nullptr, 0, 0, &pid, &pidfd));
  EXPECT_EQ(-EINVAL, pipc_spawn(nullptr, argv, nullptr, nullptr, nullptr, 0, 0, &pid, &pidfd));
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, nullptr, nullptr, nullptr, nullptr, 0, 0, &pid, &pidfd));
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, empty, nullptr, nullptr, nullptr, 0, 0, &pid, &pidfd));
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, argv, nullptr, nullptr, nullptr, 0, 0x80, &pid, &pidfd));
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, argv, nullptr, nullptr, nullptr, 0,
                                PIPC_SPAWN_SETSID | PIPC_SPAWN_SETPGID, &pid, &pidfd));
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, argv, nullptr, nullptr, nullptr, 1, 0, &pid, &pidfd));
  int bad[] = {3, 999};
  EXPECT_EQ(-EBADF, pipc_spawn(kPeer, argv, nullptr, nullptr, bad, 1, 0, &pid, &pidfd));
  int dup_child[] = {3, 0, 3, 1};
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, argv, nullptr, nullptr, dup_child, 2, 0, &pid, &pidfd));
  int neg[] = {-1, 0};
  EXPECT_EQ(-EINVAL, pipc_spawn(kPeer, argv, nullptr, nullptr, neg, 1, 0, &pid, &pidfd));
  EXPECT_EQ(-ENOENT, pipc_spawn(kPeer, argv, nullptr, "/no/such/dir", nullptr, 0, 0, &pid, &pidfd));
  int how, value;
  EXPECT_EQ(-EBADF, pipc_spawn_wait(-1, 0, &how, &value));
  EXPECT_EQ(-EINVAL, pipc_spawn_wait(0, 0, nullptr, &value));
  EXPECT_EQ(-EBADF, pipc_spawn_signal(-1, SIGTERM));
}

TEST(Spawn, NoDescriptorLeaksInTheParent) {
  int before = pipc_test::CountOpenFds();
  for (int i = 0; i < 50; i++) RunPeer({"exit", "0"});
  EXPECT_EQ(before, pipc_test::CountOpenFds());
}

// The case: a pipe, a socketpair end and a FIFO at 3, 4 and 5, and
// nothing else, whatever else this process has open (close-on-exec or not).
TEST(Spawn, PipeSocketpairAndFifoAtThreeFourFive) {
  int p[2], sv[2];
  ASSERT_EQ(0, pipc_pipe_create(p, 0));
  ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
  pipc_test::ScopedPath fifo("spawn-fifo");
  ASSERT_EQ(0, pipc_fifo_create(fifo.c_str(), 0600));
  int f;
  ASSERT_EQ(0, pipc_fifo_open(fifo.c_str(), PIPC_FIFO_READ | PIPC_FIFO_NONBLOCK, &f));
  int leaky = dup(sv[0]);  // no close-on-exec: must not reach the child either
  ASSERT_GE(leaky, 0);
  EXPECT_EQ("0 1 2 3 4 5", RunPeer({"fds"}, {3, p[0], 4, sv[1], 5, f}));
  std::string kinds = RunPeer({"fd-kinds"}, {3, p[0], 4, sv[1], 5, f});
  EXPECT_EQ(0u, kinds.find("3:pipe:[")) << kinds;
  EXPECT_NE(std::string::npos, kinds.find(" 4:socket:[")) << kinds;
  EXPECT_NE(std::string::npos, kinds.find(" 5:" + fifo.str())) << kinds;
  int code = -1;
  RunPeer({"exit", "0"}, {3, p[0], 4, sv[1], 5, f}, 0, nullptr, nullptr, &code);
  EXPECT_EQ(0, code);
  for (int fd : {p[0], p[1], sv[0], sv[1], f, leaky}) close(fd);
}

}  // namespace
