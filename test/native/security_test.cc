// Security defaults: every descriptor the core makes is close-on-exec, seen
// by a program exec'ed the plain way (fork + execv, none of pipc_spawn's own
// closing), and objects get the permissions asked for.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <posixipc/posixipc.h>

#include "ipc_names.h"
#include "test_util.h"

namespace {

// What pipc-peer "fds" prints when exec'ed by fork + execv with its standard
// output on a pipe: the descriptors that survived the exec.
std::string FdsSeenAfterPlainExec() {
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);  // dup2 clears close-on-exec on 1 only
    char* argv[] = {const_cast<char*>("pipc-peer"), const_cast<char*>("fds"), nullptr};
    execv(PIPC_PEER_PATH, argv);
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  char buf[256];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) seen.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status;
  waitpid(pid, &status, 0);
  while (!seen.empty() && (seen.back() == '\n' || seen.back() == ' ')) seen.pop_back();
  return seen;
}

TEST(Security, EveryDescriptorOfTheCoreIsCloseOnExec) {
  std::vector<int> fds;
  int p[2];
  ASSERT_EQ(0, pipc_pipe_create(p, 0));
  fds.insert(fds.end(), {p[0], p[1]});
  ASSERT_EQ(0, pipc_pipe_create(p, PIPC_PIPE_NONBLOCK));
  fds.insert(fds.end(), {p[0], p[1]});
  pipc_test::ScopedPath fifo("sec-fifo");
  ASSERT_EQ(0, pipc_fifo_create(fifo.c_str(), 0600));
  int f;
  ASSERT_EQ(0, pipc_fifo_open(fifo.c_str(), PIPC_FIFO_READ_WRITE, &f));
  fds.push_back(f);
  // Every other kind the core opens: a queue, a segment, a memfd, sockets
  // (one alone, a pair), a poller (epoll and its eventfd), the signal
  // dispatcher's self-pipe.
  std::string queue = pipc_test::UniqueIpcName("sec-mq");
  ASSERT_EQ(0, pipc_mq_open(queue.c_str(), PIPC_MQ_READ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_EXCLUSIVE, 0600, 2, 16, &f));
  pipc_mq_unlink(queue.c_str());
  fds.push_back(f);
  pipc_test::ScopedShmName shm("sec-shm");
  ASSERT_EQ(0, pipc_shm_create(shm.c_str(), 4096, 0600, &f));
  fds.push_back(f);
  ASSERT_EQ(0, pipc_memfd_create("sec-memfd", PIPC_MEMFD_ALLOW_SEALING, &f));
  fds.push_back(f);
  ASSERT_EQ(0, pipc_socket_create(PIPC_AF_UNIX, PIPC_SOCK_STREAM, 0, &f));
  fds.push_back(f);
  ASSERT_EQ(0, pipc_socket_pair(PIPC_SOCK_SEQPACKET, 0, p));
  fds.insert(fds.end(), {p[0], p[1]});
  ASSERT_EQ(0, pipc_poller_create(p));
  fds.insert(fds.end(), {p[0], p[1]});
  int self_pipe = pipc_signal_fd();
  ASSERT_GE(self_pipe, 0);
  // Whatever else this process has open (the test runner's own) must not
  // be ours: only 0, 1 and 2 may reach the exec'ed program, with stdin and
  // stderr inherited as they are.
  for (int fd : fds) EXPECT_NE(-1, fd);
  std::string seen = FdsSeenAfterPlainExec();
  for (int fd : fds) {
    EXPECT_EQ(std::string::npos, (" " + seen + " ").find(" " + std::to_string(fd) + " "))
        << "descriptor " << fd << " survived exec: " << seen;
  }
  EXPECT_EQ(std::string::npos, (" " + seen + " ").find(" " + std::to_string(self_pipe) + " "))
      << "the signal self-pipe survived exec: " << seen;
  for (int fd : fds) pipc_fd_close(fd);
}

TEST(Security, AFifoGetsTheModeAskedFor) {
  mode_t old = umask(0);
  pipc_test::ScopedPath fifo("sec-mode");
  EXPECT_EQ(0, pipc_fifo_create(fifo.c_str(), 0600));
  struct stat st;
  ASSERT_EQ(0, stat(fifo.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 07777);
  umask(old);
}

TEST(Security, ACreateNeverReusesWhatIsThere) {
  pipc_test::ScopedPath fifo("sec-excl");
  ASSERT_EQ(0, pipc_fifo_create(fifo.c_str(), 0600));
  EXPECT_EQ(-EEXIST, pipc_fifo_create(fifo.c_str(), 0666));
  pipc_test::ScopedPath link("sec-link");
  ASSERT_EQ(0, symlink(fifo.c_str(), link.c_str()));
  EXPECT_EQ(-EEXIST, pipc_fifo_create(link.c_str(), 0600)) << "a planted symlink is not followed by create";
  EXPECT_EQ(-EINVAL, pipc_fifo_unlink(link.c_str())) << "unlink refuses a symlink rather than follow it";
}

}  // namespace
