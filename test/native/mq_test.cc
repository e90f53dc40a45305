// POSIX message queues: the kernel semantics through the C API, across
// processes. Queues are small (RLIMIT_MSGQUEUE is per user and other suites
// may run beside this one) and are always unlinked.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::WaitChild;

namespace {

// "/pipc-test-<pid>-<n>-<random>-<tag>": unique per process, call and run.
std::string UniqueQueueName(const std::string& tag) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  char buf[128];
  snprintf(buf, sizeof buf, "/pipc-test-%d-%d-%08x-%s", static_cast<int>(getpid()), counter++,
           salt, tag.c_str());
  return buf;
}

// A unique name whose queue (if one was made) is unlinked at the end of the
// scope, even when an assertion ends the test early.
class ScopedName {
 public:
  explicit ScopedName(const std::string& tag) : name_(UniqueQueueName(tag)) {}
  ~ScopedName() { pipc_mq_unlink(name_.c_str()); }
  ScopedName(const ScopedName&) = delete;
  ScopedName& operator=(const ScopedName&) = delete;
  const char* c_str() const { return name_.c_str(); }

 private:
  std::string name_;
};

// A queue name that is unlinked (if it exists) when the object goes out of
// scope, and queue descriptors that are closed then too.
class ScopedQueue {
 public:
  explicit ScopedQueue(const std::string& tag, int64_t max_messages = 8,
                       int64_t message_size = 64)
      : name_(UniqueQueueName(tag)) {
    EXPECT_EQ(0, pipc_mq_open(name_.c_str(), PIPC_MQ_READ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_EXCLUSIVE,
                              0600, max_messages, message_size, &fd_));
  }
  ~ScopedQueue() {
    if (fd_ >= 0) pipc_mq_close(fd_);
    pipc_mq_unlink(name_.c_str());
  }
  ScopedQueue(const ScopedQueue&) = delete;
  ScopedQueue& operator=(const ScopedQueue&) = delete;
  const char* name() const { return name_.c_str(); }
  int fd() const { return fd_; }
  int Open(int flags) const {
    int fd = -1;
    EXPECT_EQ(0, pipc_mq_open(name(), flags, 0, 0, 0, &fd));
    return fd;
  }

 private:
  std::string name_;
  int fd_ = -1;
};

int Send(int fd, const std::string& s, unsigned prio) {
  return pipc_mq_send(fd, s.data(), s.size(), prio, 0);
}

std::string Receive(int fd, unsigned* prio, int64_t timeout = 0) {
  char buf[8192];
  int64_t n = pipc_mq_receive(fd, buf, sizeof buf, prio, timeout);
  if (n < 0) return std::string("error:") + pipc_errno_name(static_cast<int>(n));
  return std::string(buf, static_cast<size_t>(n));
}

TEST(Mq, NamesAreCheckedBeforeTheSystemCall) {
  EXPECT_EQ(0, pipc_ipc_name_check("/jobs", PIPC_MQ_NAME_MAX));
  EXPECT_EQ(0, pipc_ipc_name_check(("/" + std::string(PIPC_MQ_NAME_MAX, 'x')).c_str(), PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-ENAMETOOLONG, pipc_ipc_name_check(("/" + std::string(PIPC_MQ_NAME_MAX + 1, 'x')).c_str(), PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check(nullptr, PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("jobs", PIPC_MQ_NAME_MAX));  // no leading '/'
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/a/b", PIPC_MQ_NAME_MAX));  // an inner '/'
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("//", PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/", PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("", PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/.", PIPC_MQ_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/..", PIPC_MQ_NAME_MAX));
  int fd = -1;
  const int create = PIPC_MQ_READ_WRITE | PIPC_MQ_CREATE;
  EXPECT_EQ(-EINVAL, pipc_mq_open("pipc-no-slash", create, 0600, 0, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open("/pipc/inner", create, 0600, 0, 0, &fd));
  EXPECT_EQ(-ENAMETOOLONG,
            pipc_mq_open(("/" + std::string(300, 'q')).c_str(), create, 0600, 0, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_unlink("no-slash"));
  EXPECT_EQ(-EINVAL, pipc_mq_unlink("/a/b"));
  EXPECT_EQ(-1, fd);
}

TEST(Mq, OpenCreatesExclusivelyAndFindsExistingQueues) {
  int before = pipc_test::CountOpenFds();
  ScopedName name("open");
  int fd = -1;
  EXPECT_EQ(-ENOENT, pipc_mq_open(name.c_str(), PIPC_MQ_READ, 0, 0, 0, &fd));
  ASSERT_EQ(0, pipc_mq_open(name.c_str(), PIPC_MQ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_EXCLUSIVE, 0600,
                            4, 32, &fd));
  EXPECT_TRUE((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  pipc_mq_attr a;
  ASSERT_EQ(0, pipc_mq_getattr(fd, &a));
  EXPECT_EQ(4, a.max_messages);
  EXPECT_EQ(32, a.message_size);
  EXPECT_EQ(0, a.current_messages);
  EXPECT_EQ(0, a.nonblocking);
  int again = -1;
  EXPECT_EQ(-EEXIST, pipc_mq_open(name.c_str(), PIPC_MQ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_EXCLUSIVE,
                                  0600, 4, 32, &again));
  // Without EXCLUSIVE, CREATE opens the existing queue and ignores attributes.
  ASSERT_EQ(0, pipc_mq_open(name.c_str(), PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, 9, 99, &again));
  ASSERT_EQ(0, pipc_mq_getattr(again, &a));
  EXPECT_EQ(4, a.max_messages);
  EXPECT_EQ(32, a.message_size);
  ASSERT_EQ(0, Send(fd, "x", 1));
  unsigned prio;
  EXPECT_EQ("x", Receive(again, &prio));
  EXPECT_EQ(0, pipc_mq_close(again));
  EXPECT_EQ(0, pipc_mq_close(fd));
  EXPECT_EQ(-EBADF, pipc_mq_close(fd));
  EXPECT_EQ(0, pipc_mq_unlink(name.c_str()));
  EXPECT_EQ(-ENOENT, pipc_mq_unlink(name.c_str()));
  EXPECT_EQ(before, pipc_test::CountOpenFds());
}

TEST(Mq, OpenRejectsBadFlagsModesAndAttributes) {
  ScopedName name("bad");
  const char* n = name.c_str();
  int fd = -1;
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_CREATE, 0600, 0, 0, &fd));  // no access mode
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | 0x100, 0600, 0, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_EXCLUSIVE, 0600, 0, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_CREATE, 01777, 0, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_CREATE, -1, 0, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, 4, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, 0, 4, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, -1, 4, &fd));
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ, 0600, 4, 4, &fd));  // attributes need CREATE
  EXPECT_EQ(-EINVAL, pipc_mq_open(n, PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, 0, 0, nullptr));
  EXPECT_EQ(-1, fd);
  EXPECT_EQ(-ENOENT, pipc_mq_unlink(n));  // nothing was created
}

TEST(Mq, ModeIsReducedByTheUmask) {
  ScopedName name("mode");
  mode_t old = umask(022);
  int fd;
  ASSERT_EQ(0, pipc_mq_open(name.c_str(), PIPC_MQ_READ | PIPC_MQ_CREATE, 0666, 2, 8, &fd));
  umask(old);
  struct stat st;
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_EQ(0644u, st.st_mode & 0777);
  pipc_mq_close(fd);
  pipc_mq_unlink(name.c_str());
}

TEST(Mq, HighestPriorityFirstThenOldestFirst) {
  ScopedQueue q("prio");
  ASSERT_EQ(0, Send(q.fd(), "a0", 0));
  ASSERT_EQ(0, Send(q.fd(), "b5", 5));
  ASSERT_EQ(0, Send(q.fd(), "c0", 0));
  ASSERT_EQ(0, Send(q.fd(), "d5", 5));
  ASSERT_EQ(0, Send(q.fd(), "e-max", PIPC_MQ_PRIO_MAX - 1));
  unsigned prio = 99;
  EXPECT_EQ("e-max", Receive(q.fd(), &prio));
  EXPECT_EQ(static_cast<unsigned>(PIPC_MQ_PRIO_MAX - 1), prio);
  EXPECT_EQ("b5", Receive(q.fd(), &prio));
  EXPECT_EQ(5u, prio);
  EXPECT_EQ("d5", Receive(q.fd(), &prio));
  EXPECT_EQ("a0", Receive(q.fd(), &prio));
  EXPECT_EQ(0u, prio);
  EXPECT_EQ("c0", Receive(q.fd(), nullptr));  // the priority is optional
  EXPECT_EQ("error:EAGAIN", Receive(q.fd(), &prio));
}

TEST(Mq, ZeroLengthMessagesAreMessages) {
  ScopedQueue q("empty");
  ASSERT_EQ(0, pipc_mq_send(q.fd(), nullptr, 0, 3, PIPC_FOREVER));
  ASSERT_EQ(0, pipc_mq_send(q.fd(), "", 0, 1, 0));
  pipc_mq_attr a;
  ASSERT_EQ(0, pipc_mq_getattr(q.fd(), &a));
  EXPECT_EQ(2, a.current_messages);
  char buf[64];
  unsigned prio;
  EXPECT_EQ(0, pipc_mq_receive(q.fd(), buf, sizeof buf, &prio, PIPC_FOREVER));
  EXPECT_EQ(3u, prio);
  EXPECT_EQ(0, pipc_mq_receive(q.fd(), buf, sizeof buf, &prio, 0));
  EXPECT_EQ(1u, prio);
}

TEST(Mq, SizesPrioritiesAndPointersAreChecked) {
  ScopedQueue q("sizes", 4, 16);
  char big[17] = {0};
  EXPECT_EQ(-EMSGSIZE, pipc_mq_send(q.fd(), big, 17, 0, 0));
  EXPECT_EQ(0, pipc_mq_send(q.fd(), big, 16, 0, 0));  // exactly message_size
  EXPECT_EQ(-EINVAL, pipc_mq_send(q.fd(), "x", 1, PIPC_MQ_PRIO_MAX, 0));
  EXPECT_EQ(-EINVAL, pipc_mq_send(q.fd(), "x", 1, static_cast<unsigned>(-1), 0));
  EXPECT_EQ(-EFAULT, pipc_mq_send(q.fd(), nullptr, 1, 0, 0));
  char small[15];
  EXPECT_EQ(-EMSGSIZE, pipc_mq_receive(q.fd(), small, sizeof small, nullptr, 0));
  EXPECT_EQ(-EFAULT, pipc_mq_receive(q.fd(), nullptr, 16, nullptr, 0));
  char buf[16];
  EXPECT_EQ(16, pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, 0));  // still there
  EXPECT_EQ(-EINVAL, pipc_mq_getattr(q.fd(), nullptr));
}

TEST(Mq, DirectionAndClosedDescriptorsAreEbadf) {
  ScopedQueue q("dir");
  int r = q.Open(PIPC_MQ_READ);
  int w = q.Open(PIPC_MQ_WRITE);
  char buf[64];
  EXPECT_EQ(-EBADF, pipc_mq_send(r, "x", 1, 0, 0));
  EXPECT_EQ(-EBADF, pipc_mq_receive(w, buf, sizeof buf, nullptr, 0));
  pipc_mq_close(r);
  pipc_mq_close(w);
  EXPECT_EQ(-EBADF, pipc_mq_send(w, "x", 1, 0, 0));
  EXPECT_EQ(-EBADF, pipc_mq_receive(r, buf, sizeof buf, nullptr, PIPC_FOREVER));
  pipc_mq_attr a;
  EXPECT_EQ(-EBADF, pipc_mq_getattr(r, &a));
  // A descriptor that is not a queue.
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(-EBADF, pipc_mq_send(fds[1], "x", 1, 0, 0));
  EXPECT_EQ(-EBADF, pipc_mq_getattr(fds[0], &a));
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
}

TEST(Mq, NonblockingModeGivesEagainOnFullAndEmpty) {
  ScopedName name("nb");
  int fd;
  ASSERT_EQ(0, pipc_mq_open(name.c_str(), PIPC_MQ_READ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_NONBLOCK,
                            0600, 2, 8, &fd));
  pipc_mq_attr a;
  ASSERT_EQ(0, pipc_mq_getattr(fd, &a));
  EXPECT_EQ(1, a.nonblocking);
  char buf[8];
  EXPECT_EQ(-EAGAIN, pipc_mq_receive(fd, buf, sizeof buf, nullptr, PIPC_FOREVER));
  // Timeouts do not make a non-blocking descriptor wait (documented).
  EXPECT_EQ(-EAGAIN, pipc_mq_receive(fd, buf, sizeof buf, nullptr, 50 * PIPC_MSEC));
  ASSERT_EQ(0, pipc_mq_send(fd, "1", 1, 0, PIPC_FOREVER));
  ASSERT_EQ(0, pipc_mq_send(fd, "2", 1, 0, PIPC_FOREVER));
  EXPECT_EQ(-EAGAIN, pipc_mq_send(fd, "3", 1, 0, PIPC_FOREVER));
  // Back to blocking: the timed forms wait and time out.
  EXPECT_EQ(1, pipc_mq_set_nonblocking(fd, 0));
  ASSERT_EQ(0, pipc_mq_getattr(fd, &a));
  EXPECT_EQ(0, a.nonblocking);
  EXPECT_EQ(2, a.current_messages);
  EXPECT_EQ(-EAGAIN, pipc_mq_send(fd, "3", 1, 0, 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_mq_send(fd, "3", 1, 0, 20 * PIPC_MSEC));
  EXPECT_EQ(0, pipc_mq_set_nonblocking(fd, 1));
  EXPECT_EQ(1, pipc_mq_set_nonblocking(fd, 1));
  pipc_mq_close(fd);
  pipc_mq_unlink(name.c_str());
}

TEST(Mq, TimedCallsWaitAtMostTheirTimeout) {
  ScopedQueue q("timed", 1, 8);
  char buf[8];
  EXPECT_EQ(-EAGAIN, pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, 0));
  long long start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, 40 * PIPC_MSEC));
  EXPECT_GE(NowMs() - start, 35);
  ASSERT_EQ(0, pipc_mq_send(q.fd(), "a", 1, 0, 40 * PIPC_MSEC));  // room: no wait
  start = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_mq_send(q.fd(), "b", 1, 0, 40 * PIPC_MSEC));
  EXPECT_GE(NowMs() - start, 35);
  // A huge timeout is saturated, not wrapped into the past.
  EXPECT_EQ(1, pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, INT64_MAX));
  // A message that arrives during the wait ends it.
  pid_t pid = ForkChild([&q] {
    usleep(50 * 1000);
    return pipc_mq_send(q.fd(), "late", 4, 2, PIPC_FOREVER) == 0 ? 0 : 1;
  });
  unsigned prio;
  EXPECT_EQ(4, pipc_mq_receive(q.fd(), buf, sizeof buf, &prio, 10 * PIPC_SEC));
  EXPECT_EQ(2u, prio);
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(Mq, DescriptorCanBePolled) {
  ScopedQueue q("poll", 1, 8);
  EXPECT_EQ(PIPC_WRITABLE, pipc_fd_wait(q.fd(), PIPC_READABLE | PIPC_WRITABLE, 0));
  EXPECT_EQ(-EAGAIN, pipc_fd_wait(q.fd(), PIPC_READABLE, 0));
  ASSERT_EQ(0, Send(q.fd(), "x", 0));
  EXPECT_EQ(PIPC_READABLE, pipc_fd_wait(q.fd(), PIPC_READABLE | PIPC_WRITABLE, 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_fd_wait(q.fd(), PIPC_WRITABLE, 10 * PIPC_MSEC));
}

TEST(Mq, BlockedReceiveReturnsEintrWhenSignalled) {
  int wake = pipc_sigrtmax() - 3;
  ASSERT_EQ(0, pipc_wakeup_install(wake));
  ScopedQueue q("eintr");
  std::atomic<int64_t> self{0};
  std::atomic<int64_t> result{1};
  std::thread receiver([&] {
    self = pipc_thread_self();
    char buf[64];
    result = pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, PIPC_FOREVER);
  });
  while (self == 0) usleep(1000);
  for (int i = 0; i < 400 && result == 1; i++) {
    usleep(5000);
    pipc_thread_signal(self, wake);
  }
  receiver.join();
  EXPECT_EQ(-EINTR, result.load());
}

// Messages sent by another process come out by priority, then in order.
TEST(Mq, PriorityOrderAcrossProcesses) {
  // At most msg_max (10 by default) messages fit without privilege.
  constexpr int kCount = 10;
  ScopedQueue q("xprio", kCount, 16);
  pid_t pid = ForkChild([&q] {
    int w;
    if (pipc_mq_open(q.name(), PIPC_MQ_WRITE, 0, 0, 0, &w) < 0) return 1;
    for (int i = 0; i < kCount; i++) {
      char msg[16];
      int n = snprintf(msg, sizeof msg, "%d", i);
      if (pipc_mq_send(w, msg, static_cast<size_t>(n), static_cast<unsigned>((i * 7) % 5), PIPC_FOREVER) < 0)
        return 2;
    }
    return 0;
  });
  ASSERT_EQ(0, WaitChild(pid));
  unsigned last_prio = PIPC_MQ_PRIO_MAX;
  int last_seq = -1;
  for (int k = 0; k < kCount; k++) {
    unsigned prio;
    std::string m = Receive(q.fd(), &prio);
    ASSERT_EQ(std::string::npos, m.find("error")) << m;
    int seq = std::stoi(m);
    EXPECT_EQ(static_cast<unsigned>((seq * 7) % 5), prio);
    ASSERT_LE(prio, last_prio);
    if (prio == last_prio) {
      ASSERT_GT(seq, last_seq) << "FIFO within a priority";
    }
    last_prio = prio;
    last_seq = seq;
  }
}

// Several producer processes, one consumer: every message arrives once, and
// each producer's messages of one priority keep their order.
TEST(Mq, SeveralProducersOneConsumerLoseNothing) {
  constexpr int kProducers = 4, kEach = 5000;
  ScopedQueue q("many", 10, 16);
  std::vector<pid_t> kids;
  for (int id = 0; id < kProducers; id++) {
    kids.push_back(ForkChild([&q, id] {
      int w;
      if (pipc_mq_open(q.name(), PIPC_MQ_WRITE, 0, 0, 0, &w) < 0) return 1;
      for (int i = 0; i < kEach; i++) {
        int rec[2] = {id, i};
        int r;
        while ((r = pipc_mq_send(w, rec, sizeof rec, 1, PIPC_FOREVER)) == -EINTR) {
        }
        if (r < 0) return 2;
      }
      return 0;
    }));
  }
  std::vector<int> next(kProducers, 0);
  for (int k = 0; k < kProducers * kEach; k++) {
    int rec[4];
    unsigned prio;
    int64_t n = pipc_mq_receive(q.fd(), rec, 16, &prio, 10 * PIPC_SEC);
    ASSERT_EQ(8, n) << pipc_errno_name(static_cast<int>(n));
    ASSERT_TRUE(rec[0] >= 0 && rec[0] < kProducers);
    ASSERT_EQ(next[rec[0]]++, rec[1]) << "lost, duplicated or reordered";
  }
  for (pid_t kid : kids) EXPECT_EQ(0, WaitChild(kid));
  char buf[16];
  EXPECT_EQ(-EAGAIN, pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, 0));
}

// ---------------------------------------------------------- notification

// Waits (up to 5 s) until thread tid of this process sleeps inside system call
// number nr: it is then on the kernel's wait queue, not just about to be.
bool SleepsInSyscall(pid_t tid, long nr) {
  char path[64];
  for (int i = 0; i < 5000; i++) {
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", static_cast<int>(tid));
    long current = -1;
    if (FILE* f = fopen(path, "re")) {
      if (fscanf(f, "%ld", &current) != 1) current = -1;
      fclose(f);
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
    char state = '?';
    if (FILE* f = fopen(path, "re")) {
      // "tid (comm) S ...": the state follows the last ')'.
      char line[512];
      if (fgets(line, sizeof line, f) != nullptr) {
        const char* paren = strrchr(line, ')');
        if (paren != nullptr && paren[1] == ' ') state = paren[2];
      }
      fclose(f);
    }
    if (current == nr && state == 'S') return true;
    usleep(1000);
  }
  return false;
}

TEST(MqNotify, SignalRouteCarriesTheValue) {
  ScopedQueue q("sig");
  pid_t pid = ForkChild([&q] {
    int signo = pipc_sigrtmin() + 5;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    int fd;
    if (pipc_mq_open(q.name(), PIPC_MQ_READ, 0, 0, 0, &fd) < 0) return 1;
    if (pipc_mq_notify_signal(fd, signo, 0x1234) < 0) return 2;
    if (pipc_mq_notify_signal(fd, -1, 0) != -EINVAL) return 3;
    int w;
    if (pipc_mq_open(q.name(), PIPC_MQ_WRITE, 0, 0, 0, &w) < 0) return 4;
    if (pipc_mq_send(w, "x", 1, 0, 0) < 0) return 5;
    siginfo_t info;
    struct timespec ts = {5, 0};
    if (sigtimedwait(&set, &info, &ts) != signo) return 6;
    if (info.si_code != SI_MESGQ || info.si_value.sival_ptr != reinterpret_cast<void*>(0x1234))
      return 7;
    // One-shot: a second message into the non-empty queue sends nothing, and
    // neither does one after it was drained, until registered again.
    char buf[64];
    if (pipc_mq_receive(fd, buf, sizeof buf, nullptr, 0) != 1) return 8;
    if (pipc_mq_send(w, "y", 1, 0, 0) < 0) return 9;
    struct timespec short_wait = {0, 50 * 1000 * 1000};
    if (sigtimedwait(&set, &info, &short_wait) != -1) return 10;
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(MqNotify, SocketRouteIsOneShotAndExclusive) {
  ScopedQueue q("sock");
  int before = pipc_test::CountOpenFds();
  int sock = -1;
  ASSERT_EQ(0, pipc_mq_notify_socket(q.fd(), &sock));
  EXPECT_TRUE((fcntl(sock, F_GETFD) & FD_CLOEXEC) != 0);
  EXPECT_EQ(-EAGAIN, pipc_mq_notify_wait(sock, 0));
  // Another process cannot register while this one is.
  pid_t pid = ForkChild([&q] {
    int fd, s;
    if (pipc_mq_open(q.name(), PIPC_MQ_READ, 0, 0, 0, &fd) < 0) return 1;
    if (pipc_mq_notify_socket(fd, &s) != -EBUSY) return 2;
    if (pipc_mq_notify_signal(fd, SIGUSR1, 0) != -EBUSY) return 3;
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
  ASSERT_EQ(0, Send(q.fd(), "m", 0));
  EXPECT_EQ(PIPC_MQ_NOTIFIED, pipc_mq_notify_wait(sock, 5 * PIPC_SEC));
  // Fired: the registration is gone, so the next message sends nothing.
  unsigned prio;
  EXPECT_EQ("m", Receive(q.fd(), &prio));
  ASSERT_EQ(0, Send(q.fd(), "n", 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_mq_notify_wait(sock, 20 * PIPC_MSEC));
  pipc_fd_close(sock);
  EXPECT_EQ(before, pipc_test::CountOpenFds());
}

TEST(MqNotify, NoNotificationWhileAReceiverWaits) {
  ScopedQueue q("waiting");
  int sock;
  ASSERT_EQ(0, pipc_mq_notify_socket(q.fd(), &sock));
  std::atomic<int64_t> got{-1};
  std::atomic<pid_t> tid{0};
  std::thread receiver([&] {
    tid = gettid();
    char buf[64];
    got = pipc_mq_receive(q.fd(), buf, sizeof buf, nullptr, 5 * PIPC_SEC);
  });
  while (tid == 0) usleep(1000);
  ASSERT_TRUE(SleepsInSyscall(tid, SYS_mq_timedreceive)) << "the receiver never blocked";
  int w = q.Open(PIPC_MQ_WRITE);
  ASSERT_EQ(0, Send(w, "x", 0));
  receiver.join();
  EXPECT_EQ(1, got.load());
  EXPECT_EQ(-EAGAIN, pipc_mq_notify_wait(sock, 0));
  pipc_mq_close(w);
  pipc_fd_close(sock);
}

TEST(MqNotify, CancelAndCloseRemoveTheRegistration) {
  ScopedQueue q("cancel");
  int sock;
  ASSERT_EQ(0, pipc_mq_notify_socket(q.fd(), &sock));
  EXPECT_EQ(0, pipc_mq_notify_cancel(q.fd()));
  EXPECT_EQ(PIPC_MQ_NOTIFY_REMOVED, pipc_mq_notify_wait(sock, 5 * PIPC_SEC));
  EXPECT_EQ(0, pipc_mq_notify_cancel(q.fd()));  // nothing registered: fine
  pipc_fd_close(sock);
  // Closing the descriptor it was registered through removes it too.
  int fd = q.Open(PIPC_MQ_READ);
  ASSERT_EQ(0, pipc_mq_notify_socket(fd, &sock));
  pipc_mq_close(fd);
  EXPECT_EQ(PIPC_MQ_NOTIFY_REMOVED, pipc_mq_notify_wait(sock, 5 * PIPC_SEC));
  pipc_fd_close(sock);
  EXPECT_EQ(-EBADF, pipc_mq_notify_cancel(fd));
  // Linux removes it on the close of any descriptor of the queue in the
  // registered process, not only the one it registered through.
  ASSERT_EQ(0, pipc_mq_notify_socket(q.fd(), &sock));
  int other = q.Open(PIPC_MQ_READ);
  pipc_mq_close(other);
  EXPECT_EQ(PIPC_MQ_NOTIFY_REMOVED, pipc_mq_notify_wait(sock, 5 * PIPC_SEC));
  pipc_fd_close(sock);
  // A child closing its inherited copy does not.
  ASSERT_EQ(0, pipc_mq_notify_socket(q.fd(), &sock));
  pid_t pid = ForkChild([&q] { return pipc_mq_close(q.fd()) == 0 ? 0 : 1; });
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(-EAGAIN, pipc_mq_notify_wait(sock, 0));
  EXPECT_EQ(0, pipc_mq_notify_cancel(q.fd()));
  EXPECT_EQ(PIPC_MQ_NOTIFY_REMOVED, pipc_mq_notify_wait(sock, 5 * PIPC_SEC));
  pipc_fd_close(sock);
  EXPECT_EQ(-EBADF, pipc_mq_notify_socket(-1, &sock));
  EXPECT_EQ(-EINVAL, pipc_mq_notify_socket(q.fd(), nullptr));
  EXPECT_EQ(-EBADF, pipc_mq_notify_wait(-1, 0));
}

// ---------------------------------------------------------------- limits

TEST(MqLimits, AreReadFromTheSystem) {
  pipc_mq_limits l;
  ASSERT_EQ(0, pipc_mq_get_limits(&l));
  EXPECT_GT(l.msg_max, 0);
  EXPECT_GT(l.msgsize_max, 0);
  EXPECT_GT(l.msg_default, 0);
  EXPECT_GT(l.msgsize_default, 0);
  EXPECT_GT(l.queues_max, 0);
  EXPECT_TRUE(l.privileged == 0 || l.privileged == 1);
  // Each field is its own file's number.
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/fs/mqueue/msg_max"), l.msg_max);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/fs/mqueue/msgsize_max"), l.msgsize_max);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/fs/mqueue/msg_default"), l.msg_default);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/fs/mqueue/msgsize_default"), l.msgsize_default);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/fs/mqueue/queues_max"), l.queues_max);
  EXPECT_EQ(-EINVAL, pipc_mq_get_limits(nullptr));
  char buf[4];
  EXPECT_EQ(-EINVAL, pipc_mq_explain(-EINVAL, 1, 1, nullptr, 10));
  EXPECT_EQ(0, pipc_mq_explain(-EBADF, 1, 1, buf, sizeof buf));
  EXPECT_STREQ("", buf);
}

// Without CAP_SYS_RESOURCE the sysctl limits apply; the explanation names
// the one that refused and its value.
TEST(MqLimits, AttributesAboveTheSysctlLimitsAreExplained) {
  ScopedName name("limit");
  pid_t pid = ForkChild([&name] {
    if (geteuid() == 0 && setuid(65534) != 0) return 10;
    pipc_mq_limits l;
    pipc_mq_get_limits(&l);
    if (l.privileged != 0) return 11;
    int fd;
    int r = pipc_mq_open(name.c_str(), PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, l.msg_max + 1, 8, &fd);
    if (r != -EINVAL) return 12;
    char text[256];
    if (pipc_mq_explain(r, l.msg_max + 1, 8, text, sizeof text) <= 0) return 13;
    if (strstr(text, "/proc/sys/fs/mqueue/msg_max") == nullptr) return 14;
    r = pipc_mq_open(name.c_str(), PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, 1, l.msgsize_max + 1, &fd);
    if (r != -EINVAL) return 15;
    pipc_mq_explain(r, 1, l.msgsize_max + 1, text, sizeof text);
    if (strstr(text, "msgsize_max") == nullptr) return 16;
    // RLIMIT_MSGQUEUE: far too small for the queue asked for.
    struct rlimit rl = {1000, 1000};
    if (setrlimit(RLIMIT_MSGQUEUE, &rl) < 0) return 17;
    r = pipc_mq_open(name.c_str(), PIPC_MQ_READ | PIPC_MQ_CREATE, 0600, 8, 1024, &fd);
    if (r != -EMFILE) return 18;
    pipc_mq_explain(r, 8, 1024, text, sizeof text);
    if (strstr(text, "RLIMIT_MSGQUEUE (1000 bytes)") == nullptr) return 19;
    // A truncated explanation is still terminated.
    char tiny[8];
    if (pipc_mq_explain(r, 8, 1024, tiny, sizeof tiny) != 7 || strlen(tiny) != 7) return 20;
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
  pipc_mq_unlink(name.c_str());
}

}  // namespace
