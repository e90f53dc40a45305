// System V message queues, shared memory segments and semaphore sets, across
// processes. Objects are made with IPC_PRIVATE (or a key from ftok on a
// unique file) and removed by a scope guard even when a test fails.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::ScopedPath;
using pipc_test::WaitChild;

namespace {

// An identifier removed (with the given call) when it goes out of scope.
template <int (*Remove)(int)>
struct Scoped {
  int id = -1;
  ~Scoped() {
    if (id >= 0) Remove(id);
  }
};
using ScopedMsg = Scoped<pipc_sysv_msg_remove>;
using ScopedShm = Scoped<pipc_sysv_shm_remove>;
using ScopedSem = Scoped<pipc_sysv_sem_remove>;

// A message as msgsnd takes it: the type, then the text.
struct Msg {
  long type;
  char text[256];
};

int SendText(int id, long type, const std::string& text, int64_t timeout = 0) {
  Msg m;
  m.type = type;
  memcpy(m.text, text.data(), text.size());
  return pipc_sysv_msg_send(id, &m, text.size(), timeout);
}

// Receives into m; returns the text ("" on error, with *err set).
std::string ReceiveText(int id, int64_t type, int flags, long* got_type, int* err, size_t max = 256,
                        int64_t timeout = 0) {
  Msg m;
  int64_t n = pipc_sysv_msg_receive(id, &m, max, type, flags, timeout);
  *err = n < 0 ? static_cast<int>(n) : 0;
  if (n < 0) return "";
  *got_type = m.type;
  return std::string(m.text, static_cast<size_t>(n));
}

// A file that exists for ftok, removed at the end.
struct KeyFile {
  ScopedPath path{"sysv-key"};
  KeyFile() {
    FILE* f = fopen(path.c_str(), "w");
    if (f) fclose(f);
  }
};

// ------------------------------------------------------------------- keys

TEST(SysvKey, FtokIsStableAndChecksItsArguments) {
  KeyFile file;
  int a, b, c;
  ASSERT_EQ(0, pipc_sysv_ftok(file.path.c_str(), 'A', &a));
  ASSERT_EQ(0, pipc_sysv_ftok(file.path.c_str(), 'A', &b));
  ASSERT_EQ(0, pipc_sysv_ftok(file.path.c_str(), 'B', &c));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(static_cast<int>(ftok(file.path.c_str(), 'A')), a) << "the key is ftok's";
  EXPECT_EQ(-EINVAL, pipc_sysv_ftok(file.path.c_str(), 0, &a));
  EXPECT_EQ(-EINVAL, pipc_sysv_ftok(file.path.c_str(), 256, &a));
  EXPECT_EQ(-EINVAL, pipc_sysv_ftok(nullptr, 1, &a));
  EXPECT_EQ(-EINVAL, pipc_sysv_ftok(file.path.c_str(), 1, nullptr));
  EXPECT_EQ(-ENOENT, pipc_sysv_ftok("/nonexistent/pipc-sysv", 1, &a));
  EXPECT_EQ(-ENOENT, pipc_sysv_ftok("", 1, &a));
}

TEST(SysvKey, CreateExclusiveOpenAndTheModeAsGiven) {
  KeyFile file;
  int key;
  ASSERT_EQ(0, pipc_sysv_ftok(file.path.c_str(), 'q', &key));
  ScopedMsg q;
  int again;
  EXPECT_EQ(-ENOENT, pipc_sysv_msg_get(key, 0, 0, &again));
  mode_t old = umask(077);
  int r = pipc_sysv_msg_get(key, PIPC_SYSV_CREATE | PIPC_SYSV_EXCLUSIVE, 0644, &q.id);
  umask(old);
  ASSERT_EQ(0, r);
  EXPECT_EQ(-EEXIST, pipc_sysv_msg_get(key, PIPC_SYSV_CREATE | PIPC_SYSV_EXCLUSIVE, 0600, &again));
  ASSERT_EQ(0, pipc_sysv_msg_get(key, 0, 0, &again));
  EXPECT_EQ(q.id, again);
  ASSERT_EQ(0, pipc_sysv_msg_get(key, PIPC_SYSV_CREATE, 0600, &again));
  EXPECT_EQ(q.id, again);
  pipc_sysv_msg_stat st;
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(key, static_cast<int>(st.key));
  EXPECT_EQ(0644, st.mode) << "System V takes the mode as given: no umask";
  EXPECT_EQ(static_cast<int64_t>(getuid()), st.uid);
  EXPECT_EQ(static_cast<int64_t>(getuid()), st.cuid);
}

TEST(SysvKey, PrivateAlwaysMakesANewObject) {
  ScopedMsg a, b;
  ASSERT_EQ(0, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 0600, &a.id));
  ASSERT_EQ(0, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 0600, &b.id));
  EXPECT_NE(a.id, b.id);
}

TEST(SysvKey, GetCallsRejectBadFlagsAndModes) {
  int id;
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_EXCLUSIVE, 0600, &id));
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, 0x40, 0600, &id));
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 01600, &id));
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 0600, nullptr));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, -1, PIPC_SYSV_CREATE, 0600, &id));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 4096, PIPC_SYSV_CREATE, -1, &id));
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_get(PIPC_SYSV_PRIVATE, -1, PIPC_SYSV_CREATE, 0600, &id));
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_get(PIPC_SYSV_PRIVATE, 1, PIPC_SYSV_EXCLUSIVE, 0600, &id));
}

// --------------------------------------------------------- message queues

class SysvMsg : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(0, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 0600, &q.id)); }
  ScopedMsg q;
};

TEST_F(SysvMsg, EveryMsgtypRule) {
  ASSERT_EQ(0, SendText(q.id, 3, "a"));
  ASSERT_EQ(0, SendText(q.id, 1, "b"));
  ASSERT_EQ(0, SendText(q.id, 2, "c"));
  ASSERT_EQ(0, SendText(q.id, 1, "d"));
  ASSERT_EQ(0, SendText(q.id, 5, "e"));
  long t = 0;
  int err = 0;
  // 0: the first message, whatever its type.
  EXPECT_EQ("a", ReceiveText(q.id, 0, 0, &t, &err));
  EXPECT_EQ(3, t);
  // > 0: the first message of that type.
  EXPECT_EQ("e", ReceiveText(q.id, 5, 0, &t, &err));
  EXPECT_EQ(5, t);
  // > 0 with MSG_EXCEPT: the first message of any other type.
  EXPECT_EQ("b", ReceiveText(q.id, 2, PIPC_SYSV_MSG_EXCEPT, &t, &err));
  EXPECT_EQ(1, t);
  // < 0: the first message of the lowest type <= |type|.
  EXPECT_EQ("d", ReceiveText(q.id, -2, 0, &t, &err));
  EXPECT_EQ(1, t);
  // Nothing of a type <= 1, nothing of type 7: the kernel's ENOMSG is -EAGAIN.
  ReceiveText(q.id, -1, 0, &t, &err);
  EXPECT_EQ(-EAGAIN, err);
  ReceiveText(q.id, 7, 0, &t, &err);
  EXPECT_EQ(-EAGAIN, err);
  EXPECT_EQ("c", ReceiveText(q.id, 2, 0, &t, &err));
  EXPECT_EQ(2, t);
  ReceiveText(q.id, 0, 0, &t, &err);
  EXPECT_EQ(-EAGAIN, err);
}

TEST_F(SysvMsg, ALongerMessageIsRefusedOrTruncatedWithNoerror) {
  ASSERT_EQ(0, SendText(q.id, 1, "0123456789"));
  long t;
  int err;
  ReceiveText(q.id, 0, 0, &t, &err, 4);
  EXPECT_EQ(-E2BIG, err);
  pipc_sysv_msg_stat st;
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(1, st.messages) << "a refused message stays queued";
  EXPECT_EQ("0123", ReceiveText(q.id, 0, PIPC_SYSV_MSG_NOERROR, &t, &err, 4));
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(0, st.messages) << "the rest of a truncated message is gone";
}

TEST_F(SysvMsg, ZeroLengthMessagesAndCopy) {
  ASSERT_EQ(0, SendText(q.id, 9, ""));
  ASSERT_EQ(0, SendText(q.id, 4, "kept"));
  Msg m;
  int64_t n = pipc_sysv_msg_receive(q.id, &m, sizeof m.text, 1, PIPC_SYSV_MSG_COPY, -1);
  if (n != -ENOSYS) {  // MSG_COPY needs CONFIG_CHECKPOINT_RESTORE
    ASSERT_EQ(4, n) << pipc_errno_name(static_cast<int>(n));
    EXPECT_EQ(4, m.type);
    EXPECT_EQ(2, [&] {
      pipc_sysv_msg_stat st;
      pipc_sysv_msg_stat_get(q.id, &st);
      return static_cast<int>(st.messages);
    }()) << "MSG_COPY leaves the message queued";
  }
  long t;
  int err;
  EXPECT_EQ("", ReceiveText(q.id, 9, 0, &t, &err));
  EXPECT_EQ(0, err);
  EXPECT_EQ(9, t);
}

TEST_F(SysvMsg, BadInputGetsNamedErrors) {
  Msg m = {0, {}};
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_send(q.id, &m, 1, 0)) << "type 0";
  m.type = -3;
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_send(q.id, &m, 1, 0)) << "negative type";
  EXPECT_EQ(-EFAULT, pipc_sysv_msg_send(q.id, nullptr, 1, 0));
  EXPECT_EQ(-EFAULT, pipc_sysv_msg_receive(q.id, nullptr, 1, 0, 0, 0));
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_receive(q.id, &m, 1, 0, 0x80, 0)) << "unknown flag";
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_receive(q.id, &m, 1, 0, PIPC_SYSV_MSG_EXCEPT, 0))
      << "MSG_EXCEPT with type 0";
  m.type = 1;
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_send(-1, &m, 1, 0)) << "bad identifier";
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_set(q.id, -1, -1, 01777, -1));
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_set(q.id, -1, -1, -1, 0));
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_stat_get(q.id, nullptr));
}

TEST_F(SysvMsg, AMessageOverMsgmaxIsEinvalAndTheExplanationNamesTheLimit) {
  pipc_sysv_limits l;
  ASSERT_EQ(0, pipc_sysv_get_limits(&l));
  ASSERT_GT(l.msgmax, 0);
  std::vector<char> big(sizeof(long) + static_cast<size_t>(l.msgmax) + 1);
  long type = 1;
  memcpy(big.data(), &type, sizeof type);
  int r = pipc_sysv_msg_send(q.id, big.data(), static_cast<size_t>(l.msgmax) + 1, 0);
  EXPECT_EQ(-EINVAL, r);
  char why[256];
  ASSERT_GT(pipc_sysv_explain(PIPC_SYSV_CALL_MSG_SEND, r, l.msgmax + 1, 0, why, sizeof why), 0);
  EXPECT_NE(nullptr, strstr(why, "/proc/sys/kernel/msgmax")) << why;
  EXPECT_NE(nullptr, strstr(why, std::to_string(l.msgmax).c_str())) << why;
  EXPECT_EQ(0, pipc_sysv_explain(PIPC_SYSV_CALL_MSG_SEND, -EINVAL, 10, 0, why, sizeof why));
  EXPECT_STREQ("", why);
}

TEST_F(SysvMsg, TimedReceiveTriesOnceOrWaitsForTheTimeout) {
  long t;
  int err;
  ReceiveText(q.id, 0, 0, &t, &err, 256, 0);
  EXPECT_EQ(-EAGAIN, err);
  long long start = NowMs();
  ReceiveText(q.id, 0, 0, &t, &err, 256, 60 * PIPC_MSEC);
  long long took = NowMs() - start;
  EXPECT_EQ(-ETIMEDOUT, err);
  EXPECT_GE(took, 59);
  EXPECT_LT(took, 2000);
}

TEST_F(SysvMsg, TimedReceiveTakesAMessageSentDuringTheWait) {
  pid_t pid = ForkChild([&] {
    usleep(30 * 1000);
    return SendText(q.id, 2, "late") == 0 ? 0 : 10;
  });
  long t;
  int err;
  EXPECT_EQ("late", ReceiveText(q.id, 2, 0, &t, &err, 256, 5 * PIPC_SEC));
  EXPECT_EQ(0, err);
  EXPECT_EQ(0, WaitChild(pid));
}

TEST_F(SysvMsg, AFullQueueBlocksTheSender) {
  ASSERT_EQ(0, pipc_sysv_msg_set(q.id, -1, -1, -1, 16));
  pipc_sysv_msg_stat st;
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(16, st.max_bytes);
  ASSERT_EQ(0, SendText(q.id, 1, "0123456789abcdef"));
  EXPECT_EQ(-EAGAIN, SendText(q.id, 1, "x", 0));
  EXPECT_EQ(-ETIMEDOUT, SendText(q.id, 1, "x", 30 * PIPC_MSEC));
  // A receiver in another process makes room; the blocked send goes through.
  pid_t pid = ForkChild([&] {
    usleep(30 * 1000);
    long t;
    int err;
    return ReceiveText(q.id, 0, 0, &t, &err, 256, -1) == "0123456789abcdef" ? 0 : 10;
  });
  EXPECT_EQ(0, SendText(q.id, 1, "x", -1));
  EXPECT_EQ(0, WaitChild(pid));
}

// Forks a child that reports on a pipe just before it blocks in msgrcv, and
// returns once it has (and a little more, for the call to reach the kernel).
pid_t ForkBlockedReceiver(int q, const std::function<int(int64_t)>& check) {
  int ready[2];
  if (pipe(ready) < 0) return -1;
  pid_t pid = ForkChild([&] {
    close(ready[0]);
    Msg m;
    char c = 'r';
    if (write(ready[1], &c, 1) != 1) return 20;
    int64_t n = pipc_sysv_msg_receive(q, &m, sizeof m.text, 0, 0, -1);
    if (n >= 0 && (m.type != 7 || std::string(m.text, static_cast<size_t>(n)) != "ping")) return 21;
    return check(n);
  });
  close(ready[1]);
  char c;
  if (read(ready[0], &c, 1) != 1) pid = -1;
  close(ready[0]);
  usleep(100 * 1000);
  return pid;
}

TEST_F(SysvMsg, BlockingReceiveInAnotherProcess) {
  pid_t pid = ForkBlockedReceiver(q.id, [](int64_t n) { return n == 4 ? 0 : 10; });
  ASSERT_GT(pid, 0);
  ASSERT_EQ(0, SendText(q.id, 7, "ping"));
  EXPECT_EQ(0, WaitChild(pid));
  pipc_sysv_msg_stat st;
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(getpid(), st.last_send_pid);
  EXPECT_EQ(0, st.messages);
  EXPECT_GT(st.send_time, 0);
  EXPECT_GT(st.receive_time, 0);
}

TEST_F(SysvMsg, StatNamesTheLastReceiver) {
  pid_t pid = ForkChild([&] {
    long t;
    int err;
    ReceiveText(q.id, 0, 0, &t, &err, 256, 5 * PIPC_SEC);
    return err;
  });
  ASSERT_EQ(0, SendText(q.id, 1, "x"));
  EXPECT_EQ(0, WaitChild(pid));
  pipc_sysv_msg_stat st;
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(pid, st.last_receive_pid);
}

TEST_F(SysvMsg, RemovalUnderAWaiterInAnotherProcessIsEidrm) {
  pid_t pid = ForkBlockedReceiver(q.id, [](int64_t n) { return n == -EIDRM ? 0 : 10; });
  ASSERT_GT(pid, 0);
  ASSERT_EQ(0, pipc_sysv_msg_remove(q.id));
  EXPECT_EQ(0, WaitChild(pid));
  Msg m = {1, {}};
  EXPECT_EQ(-EINVAL, pipc_sysv_msg_send(q.id, &m, 0, 0)) << "the identifier is gone";
  q.id = -1;
}

TEST_F(SysvMsg, RemovalUnderATimedWaiterIsEidrm) {
  std::atomic<int64_t> result{1};
  std::thread waiter([&] {
    Msg m;
    result = pipc_sysv_msg_receive(q.id, &m, sizeof m.text, 0, 0, 5 * PIPC_SEC);
  });
  usleep(30 * 1000);
  ASSERT_EQ(0, pipc_sysv_msg_remove(q.id));
  waiter.join();
  // The retry loop's next attempt finds the identifier gone.
  EXPECT_TRUE(result == -EIDRM || result == -EINVAL) << pipc_errno_name(static_cast<int>(result));
  q.id = -1;
}

TEST_F(SysvMsg, ASignalInterruptsABlockingReceive) {
  int sig = pipc_sigrtmax() - 3;
  ASSERT_EQ(0, pipc_wakeup_install(sig));
  std::atomic<int64_t> self{0};
  std::atomic<int64_t> result{1};
  std::thread waiter([&] {
    self = pipc_thread_self();
    Msg m;
    result = pipc_sysv_msg_receive(q.id, &m, sizeof m.text, 0, 0, -1);
  });
  while (self == 0) usleep(1000);
  usleep(20 * 1000);
  for (int i = 0; i < 200 && result == 1; i++) {
    ASSERT_EQ(0, pipc_thread_signal(self, sig));
    usleep(5000);
  }
  waiter.join();
  EXPECT_EQ(-EINTR, result.load());
}

// ----------------------------------------------------------- shared memory

TEST(SysvShm, AttachShareAcrossProcessesAndStat) {
  ScopedShm s;
  ASSERT_EQ(0, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 10000, PIPC_SYSV_CREATE, 0600, &s.id));
  uint64_t addr;
  ASSERT_EQ(0, pipc_sysv_shm_attach(s.id, 0, &addr));
  auto* p = reinterpret_cast<volatile int*>(addr);
  EXPECT_EQ(0, p[0]) << "a new segment is zero-filled";
  pid_t pid = ForkChild([&] {
    uint64_t a;
    if (pipc_sysv_shm_attach(s.id, 0, &a) < 0) return 10;
    reinterpret_cast<volatile int*>(a)[1] = 42;
    return pipc_sysv_shm_detach(a) == 0 ? 0 : 11;
  });
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(42, p[1]);
  pipc_sysv_shm_stat st;
  ASSERT_EQ(0, pipc_sysv_shm_stat_get(s.id, &st));
  EXPECT_EQ(10000, st.size);
  EXPECT_EQ(1, st.attaches);
  EXPECT_EQ(getpid(), st.creator_pid);
  EXPECT_EQ(pid, st.last_pid) << "the child detached last";
  EXPECT_GT(st.attach_time, 0);
  EXPECT_GT(st.detach_time, 0);
  EXPECT_EQ(0, st.removed);
  EXPECT_EQ(0600, st.mode);
  EXPECT_EQ(0, pipc_sysv_shm_detach(addr));
  ASSERT_EQ(0, pipc_sysv_shm_stat_get(s.id, &st));
  EXPECT_EQ(0, st.attaches);
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_detach(addr)) << "not attached any more";
}

TEST(SysvShm, AttachingAfterRemovalWorksOnLinuxUntilTheLastDetach) {
  ScopedShm s;
  ASSERT_EQ(0, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 4096, PIPC_SYSV_CREATE, 0600, &s.id));
  uint64_t a, b;
  ASSERT_EQ(0, pipc_sysv_shm_attach(s.id, 0, &a));
  ASSERT_EQ(0, pipc_sysv_shm_remove(s.id));
  pipc_sysv_shm_stat st;
  ASSERT_EQ(0, pipc_sysv_shm_stat_get(s.id, &st));
  EXPECT_EQ(1, st.removed);
  EXPECT_EQ(PIPC_SYSV_PRIVATE, st.key) << "the key is free at once";
  ASSERT_EQ(0, pipc_sysv_shm_attach(s.id, PIPC_SYSV_SHM_READ_ONLY, &b)) << "Linux allows it";
  reinterpret_cast<volatile char*>(a)[0] = 'x';
  EXPECT_EQ('x', reinterpret_cast<volatile char*>(b)[0]);
  EXPECT_EQ(0, pipc_sysv_shm_detach(a));
  EXPECT_EQ(0, pipc_sysv_shm_detach(b));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_stat_get(s.id, &st)) << "destroyed at the last detach";
  s.id = -1;
}

TEST(SysvShm, BadInputAndSizes) {
  int id;
  uint64_t addr;
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 0, PIPC_SYSV_CREATE, 0600, &id)) << "size 0";
  ScopedShm s;
  ASSERT_EQ(0, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 4096, PIPC_SYSV_CREATE, 0600, &s.id));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_attach(s.id, 0x10, &addr));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_attach(s.id, 0, nullptr));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_attach(-1, 0, &addr));
  EXPECT_EQ(-EINVAL, pipc_sysv_shm_detach(0));
  char why[256];
  EXPECT_GT(pipc_sysv_explain(PIPC_SYSV_CALL_SHM_GET, -EINVAL, 0, 0, why, sizeof why), 0);
  pipc_sysv_limits l;
  ASSERT_EQ(0, pipc_sysv_get_limits(&l));
  if (l.shmmax < INT64_MAX / 2) {
    int r = pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, l.shmmax + 1, PIPC_SYSV_CREATE, 0600, &id);
    EXPECT_EQ(-EINVAL, r);
    ASSERT_GT(pipc_sysv_explain(PIPC_SYSV_CALL_SHM_GET, r, l.shmmax + 1, 0, why, sizeof why), 0);
    EXPECT_NE(nullptr, strstr(why, "shmmax")) << why;
  }
}

TEST(SysvShm, LockWherePermitted) {
  ScopedShm s;
  ASSERT_EQ(0, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 4096, PIPC_SYSV_CREATE, 0600, &s.id));
  int r = pipc_sysv_shm_lock(s.id, 1);
  ASSERT_TRUE(r == 0 || r == -EPERM || r == -ENOMEM) << pipc_errno_name(r);
  pipc_sysv_shm_stat st;
  ASSERT_EQ(0, pipc_sysv_shm_stat_get(s.id, &st));
  EXPECT_EQ(r == 0 ? 1 : 0, st.locked);
  if (r == 0) {
    EXPECT_EQ(0, pipc_sysv_shm_lock(s.id, 0));
    ASSERT_EQ(0, pipc_sysv_shm_stat_get(s.id, &st));
    EXPECT_EQ(0, st.locked);
  }
}

// --------------------------------------------------------- semaphore sets

class SysvSem : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(0, pipc_sysv_sem_get(PIPC_SYSV_PRIVATE, 3, PIPC_SYSV_CREATE, 0600, &s.id)); }
  ScopedSem s;
};

TEST_F(SysvSem, ValuesOneAndAll) {
  int v[3] = {9, 9, 9};
  ASSERT_EQ(0, pipc_sysv_sem_get_all(s.id, v, 3));
  EXPECT_EQ(0, v[0] + v[1] + v[2]) << "Linux starts a set at 0";
  int set[3] = {1, 2, 32767};
  ASSERT_EQ(0, pipc_sysv_sem_set_all(s.id, set, 3));
  ASSERT_EQ(0, pipc_sysv_sem_get_all(s.id, v, 3));
  EXPECT_EQ(1, v[0]);
  EXPECT_EQ(2, v[1]);
  EXPECT_EQ(32767, v[2]);
  ASSERT_EQ(0, pipc_sysv_sem_set_value(s.id, 1, 5));
  EXPECT_EQ(5, pipc_sysv_sem_value(s.id, 1));
  pipc_sysv_sem_stat st;
  ASSERT_EQ(0, pipc_sysv_sem_stat_get(s.id, &st));
  EXPECT_EQ(3, st.count);
  EXPECT_EQ(0, st.op_time) << "no semop yet";
  EXPECT_GT(st.change_time, 0);
}

TEST_F(SysvSem, BadInputGetsNamedErrors) {
  int v[4] = {0, 0, 0, 0};
  EXPECT_EQ(-ERANGE, pipc_sysv_sem_set_value(s.id, 0, 32768));
  EXPECT_EQ(-ERANGE, pipc_sysv_sem_set_value(s.id, 0, -1));
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_set_value(s.id, 3, 1)) << "number out of range";
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_value(s.id, 3));
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_value(s.id, -1));
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_get_all(s.id, v, 4)) << "count is not the set's size";
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_set_all(s.id, v, 2));
  v[1] = 40000;
  EXPECT_EQ(-ERANGE, pipc_sysv_sem_set_all(s.id, v, 3));
  pipc_sysv_sembuf op = {3, 1, 0};
  EXPECT_EQ(-EFBIG, pipc_sysv_sem_op(s.id, &op, 1, 0)) << "semaphore number out of range";
  op = {0, 1, 0x10};
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_op(s.id, &op, 1, 0)) << "unknown flag";
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_op(s.id, &op, 0, 0)) << "no operations";
  EXPECT_EQ(-EFAULT, pipc_sysv_sem_op(s.id, nullptr, 1, 0));
  ASSERT_EQ(0, pipc_sysv_sem_set_value(s.id, 0, 32767));
  op = {0, 1, 0};
  int r = pipc_sysv_sem_op(s.id, &op, 1, 0);
  EXPECT_EQ(-ERANGE, r) << "past semvmx";
  char why[256];
  ASSERT_GT(pipc_sysv_explain(PIPC_SYSV_CALL_SEM_OP, r, 0, 1, why, sizeof why), 0);
  EXPECT_NE(nullptr, strstr(why, "semvmx")) << why;
}

TEST_F(SysvSem, TooManyOperationsIsE2bigNamingSemopm) {
  pipc_sysv_limits l;
  ASSERT_EQ(0, pipc_sysv_get_limits(&l));
  ASSERT_GT(l.semopm, 0);
  std::vector<pipc_sysv_sembuf> ops(static_cast<size_t>(l.semopm) + 1, pipc_sysv_sembuf{0, 1, 0});
  int r = pipc_sysv_sem_op(s.id, ops.data(), ops.size(), 0);
  EXPECT_EQ(-E2BIG, r);
  char why[256];
  ASSERT_GT(pipc_sysv_explain(PIPC_SYSV_CALL_SEM_OP, r, 0, l.semopm + 1, why, sizeof why), 0);
  EXPECT_NE(nullptr, strstr(why, "semopm")) << why;
  EXPECT_NE(nullptr, strstr(why, std::to_string(l.semopm).c_str())) << why;
}

TEST(SysvSemGet, MoreThanSemmslIsEinvalNamingTheLimit) {
  pipc_sysv_limits l;
  ASSERT_EQ(0, pipc_sysv_get_limits(&l));
  ASSERT_GT(l.semmsl, 0);
  int id;
  int r = pipc_sysv_sem_get(PIPC_SYSV_PRIVATE, static_cast<int>(l.semmsl) + 1, PIPC_SYSV_CREATE, 0600, &id);
  EXPECT_EQ(-EINVAL, r);
  char why[256];
  ASSERT_GT(pipc_sysv_explain(PIPC_SYSV_CALL_SEM_GET, r, 0, l.semmsl + 1, why, sizeof why), 0);
  EXPECT_NE(nullptr, strstr(why, "semmsl")) << why;
}

TEST_F(SysvSem, SeveralOperationsApplyAtomicallyOrNotAtAll) {
  int set[3] = {1, 0, 0};
  ASSERT_EQ(0, pipc_sysv_sem_set_all(s.id, set, 3));
  pipc_sysv_sembuf both[2] = {{0, -1, 0}, {1, -1, 0}};
  EXPECT_EQ(-EAGAIN, pipc_sysv_sem_op(s.id, both, 2, 0));
  EXPECT_EQ(1, pipc_sysv_sem_value(s.id, 0)) << "nothing was applied";
  EXPECT_EQ(-ETIMEDOUT, pipc_sysv_sem_op(s.id, both, 2, 40 * PIPC_MSEC));
  // An operation with IPC_NOWAIT ends even a timed call at once.
  pipc_sysv_sembuf nowait[2] = {{0, -1, 0}, {1, -1, PIPC_SYSV_SEM_NOWAIT}};
  long long start = NowMs();
  EXPECT_EQ(-EAGAIN, pipc_sysv_sem_op(s.id, nowait, 2, 5 * PIPC_SEC));
  EXPECT_LT(NowMs() - start, 2000);
  // Another process posts semaphore 1; both operations then go through at once.
  pid_t pid = ForkChild([&] {
    usleep(30 * 1000);
    pipc_sysv_sembuf up = {1, 1, 0};
    return pipc_sysv_sem_op(s.id, &up, 1, -1) == 0 ? 0 : 10;
  });
  EXPECT_EQ(0, pipc_sysv_sem_op(s.id, both, 2, 5 * PIPC_SEC));
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(0, pipc_sysv_sem_value(s.id, 0));
  EXPECT_EQ(0, pipc_sysv_sem_value(s.id, 1));
  EXPECT_EQ(getpid(), pipc_sysv_sem_pid(s.id, 0));
  EXPECT_EQ(getpid(), pipc_sysv_sem_pid(s.id, 1));
}

// Waits until count threads wait on semaphore num (GETNCNT, or GETZCNT).
bool WaitForWaiters(int id, int num, int zero, int count) {
  for (int i = 0; i < 5000; i++) {
    if (pipc_sysv_sem_waiting(id, num, zero) == count) return true;
    usleep(1000);
  }
  return false;
}

TEST_F(SysvSem, WaiterCountsAndPidOfAnotherProcess) {
  pid_t down = ForkChild([&] {
    pipc_sysv_sembuf op = {0, -1, 0};
    return pipc_sysv_sem_op(s.id, &op, 1, -1) == 0 ? 0 : 10;
  });
  ASSERT_EQ(0, pipc_sysv_sem_set_value(s.id, 2, 1));
  pid_t zero = ForkChild([&] {
    pipc_sysv_sembuf op = {2, 0, 0};
    return pipc_sysv_sem_op(s.id, &op, 1, -1) == 0 ? 0 : 10;
  });
  ASSERT_TRUE(WaitForWaiters(s.id, 0, 0, 1));
  ASSERT_TRUE(WaitForWaiters(s.id, 2, 1, 1));
  EXPECT_EQ(0, pipc_sysv_sem_waiting(s.id, 1, 0));
  pipc_sysv_sembuf ops[2] = {{0, 1, 0}, {2, -1, 0}};
  ASSERT_EQ(0, pipc_sysv_sem_op(s.id, ops, 2, 0));
  EXPECT_EQ(0, WaitChild(down));
  EXPECT_EQ(0, WaitChild(zero));
  EXPECT_EQ(down, pipc_sysv_sem_pid(s.id, 0));
}

TEST_F(SysvSem, UndoAfterSigkill) {
  ASSERT_EQ(0, pipc_sysv_sem_set_value(s.id, 0, 1));
  ASSERT_EQ(0, pipc_sysv_sem_set_value(s.id, 1, 1));
  int ready[2];
  ASSERT_EQ(0, pipe(ready));
  pid_t pid = ForkChild([&] {
    pipc_sysv_sembuf ops[2] = {{0, -1, PIPC_SYSV_SEM_UNDO}, {1, -1, 0}};
    if (pipc_sysv_sem_op(s.id, ops, 2, 0) < 0) return 10;
    char c = 'r';
    if (write(ready[1], &c, 1) != 1) return 11;
    pause();
    return 12;
  });
  char c;
  ASSERT_EQ(1, read(ready[0], &c, 1));
  EXPECT_EQ(0, pipc_sysv_sem_value(s.id, 0));
  EXPECT_EQ(0, pipc_sysv_sem_value(s.id, 1));
  ASSERT_EQ(0, kill(pid, SIGKILL));
  EXPECT_EQ(128 + SIGKILL, WaitChild(pid));
  EXPECT_EQ(1, pipc_sysv_sem_value(s.id, 0)) << "SEM_UNDO gave it back";
  EXPECT_EQ(0, pipc_sysv_sem_value(s.id, 1)) << "without SEM_UNDO it stays taken";
  close(ready[0]);
  close(ready[1]);
}

TEST_F(SysvSem, RemovalUnderAWaiterIsEidrm) {
  pid_t pid = ForkChild([&] {
    pipc_sysv_sembuf op = {1, -1, 0};
    return pipc_sysv_sem_op(s.id, &op, 1, -1) == -EIDRM ? 0 : 10;
  });
  std::atomic<int> timed{1};
  std::thread waiter([&] {
    pipc_sysv_sembuf op = {2, -1, 0};
    timed = pipc_sysv_sem_op(s.id, &op, 1, 10 * PIPC_SEC);
  });
  ASSERT_TRUE(WaitForWaiters(s.id, 1, 0, 1));
  ASSERT_TRUE(WaitForWaiters(s.id, 2, 0, 1));
  ASSERT_EQ(0, pipc_sysv_sem_remove(s.id));
  EXPECT_EQ(0, WaitChild(pid));
  waiter.join();
  EXPECT_EQ(-EIDRM, timed.load());
  s.id = -1;
}

TEST(SysvSemInit, GetInitializedIsSafeAgainstTheRace) {
  KeyFile file;
  int key;
  ASSERT_EQ(0, pipc_sysv_ftok(file.path.c_str(), 's', &key));
  ScopedSem guard;
  const int kChildren = 4;
  std::vector<pid_t> pids;
  for (int i = 0; i < kChildren; i++) {
    pids.push_back(ForkChild([&] {
      int values[2] = {5, 7};
      int id, created;
      if (pipc_sysv_sem_get_initialized(key, 2, 0600, values, 5 * PIPC_SEC, &id, &created) < 0) return 10;
      // Whoever returns first, the values are in place.
      if (pipc_sysv_sem_value(id, 0) != 5 || pipc_sysv_sem_value(id, 1) != 7) return 11;
      return created ? 1 : 0;
    }));
  }
  int creators = 0;
  for (pid_t p : pids) {
    int code = WaitChild(p);
    ASSERT_TRUE(code == 0 || code == 1) << code;
    creators += code;
  }
  EXPECT_EQ(1, creators);
  ASSERT_EQ(0, pipc_sysv_sem_get(key, 0, 0, 0, &guard.id));
  pipc_sysv_sem_stat st;
  ASSERT_EQ(0, pipc_sysv_sem_stat_get(guard.id, &st));
  EXPECT_NE(0, st.op_time);
}

TEST(SysvSemInit, WaitsForACreatorThatHasNotInitializedYet) {
  KeyFile file;
  int key;
  ASSERT_EQ(0, pipc_sysv_ftok(file.path.c_str(), 'w', &key));
  ScopedSem guard;
  // A creator that made the set but never did its first semop (it died).
  ASSERT_EQ(0, pipc_sysv_sem_get(key, 1, PIPC_SYSV_CREATE | PIPC_SYSV_EXCLUSIVE, 0600, &guard.id));
  int values[1] = {3};
  int id, created;
  EXPECT_EQ(-ETIMEDOUT, pipc_sysv_sem_get_initialized(key, 1, 0600, values, 50 * PIPC_MSEC, &id, &created));
  EXPECT_EQ(-EAGAIN, pipc_sysv_sem_get_initialized(key, 1, 0600, values, 0, &id, &created));
  EXPECT_EQ(-EINVAL, pipc_sysv_sem_get_initialized(PIPC_SYSV_PRIVATE, 1, 0600, values, 0, &id, &created));
}

// ----------------------------------------------------------------- limits

TEST(SysvLimits, AreTheKernelsValues) {
  pipc_sysv_limits l;
  ASSERT_EQ(0, pipc_sysv_get_limits(&l));
  EXPECT_EQ(-EINVAL, pipc_sysv_get_limits(nullptr));
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/kernel/msgmax"), l.msgmax);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/kernel/msgmnb"), l.msgmnb);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/kernel/msgmni"), l.msgmni);
  EXPECT_EQ(pipc_test::ReadNumberFile("/proc/sys/kernel/shmmni"), l.shmmni);
  EXPECT_GT(l.shmmax, 0);  // saturated at INT64_MAX where the file says more
  EXPECT_GT(l.shmall, 0);
  // The four numbers of sem, in their order.
  long long sem[4] = {-1, -1, -1, -1};
  FILE* f = fopen("/proc/sys/kernel/sem", "r");
  ASSERT_NE(nullptr, f);
  EXPECT_EQ(4, fscanf(f, "%lld %lld %lld %lld", &sem[0], &sem[1], &sem[2], &sem[3]));
  fclose(f);
  EXPECT_EQ(sem[0], l.semmsl);
  EXPECT_EQ(sem[1], l.semmns);
  EXPECT_EQ(sem[2], l.semopm);
  EXPECT_EQ(sem[3], l.semmni);
  EXPECT_EQ(32767, l.semvmx);
  // A new queue has msgmnb as its capacity.
  ScopedMsg q;
  ASSERT_EQ(0, pipc_sysv_msg_get(PIPC_SYSV_PRIVATE, PIPC_SYSV_CREATE, 0600, &q.id));
  pipc_sysv_msg_stat st;
  ASSERT_EQ(0, pipc_sysv_msg_stat_get(q.id, &st));
  EXPECT_EQ(l.msgmnb, st.max_bytes);
}

}  // namespace
