// Channels: rings of messages in shared memory, across forked processes, with
// dead producers, dead consumers, bad headers and shrunk segments.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <linux/filter.h>
#include <linux/membarrier.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "ipc_names.h"
#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::ScopedShmName;
using pipc_test::WaitChild;

namespace {

constexpr int P = PIPC_CHANNEL_PRODUCER;
constexpr int C = PIPC_CHANNEL_CONSUMER;

// A message that says who sent it and which one it is, with a body whose
// bytes depend on both, so that a torn or misplaced message is noticed.
struct Msg {
  uint32_t producer;
  uint32_t seq;
  uint32_t length;  // of the whole message
};

size_t MsgLength(uint32_t producer, uint32_t seq, size_t max) {
  return sizeof(Msg) + (seq * 7 + producer * 13) % (max - sizeof(Msg) + 1);
}

void FillMsg(unsigned char* p, uint32_t producer, uint32_t seq, size_t len) {
  Msg m{producer, seq, static_cast<uint32_t>(len)};
  std::memcpy(p, &m, sizeof m);
  for (size_t i = sizeof m; i < len; i++) p[i] = static_cast<unsigned char>(producer * 31 + seq + i);
}

// 0 when p[0, len) is a well-formed message; fills *m.
int CheckMsg(const unsigned char* p, size_t len, Msg* m) {
  if (len < sizeof(Msg)) return 1;
  std::memcpy(m, p, sizeof *m);
  if (m->length != len) return 2;
  for (size_t i = sizeof *m; i < len; i++) {
    if (p[i] != static_cast<unsigned char>(m->producer * 31 + m->seq + i)) return 3;
  }
  return 0;
}

// Sends count messages as producer id over a new handle on name.
int ProduceNamed(const char* name, uint32_t id, uint32_t count, size_t max) {
  uint64_t ch;
  if (pipc_channel_open(name, P, &ch) != 0) return 10;
  std::vector<unsigned char> buf(max);
  for (uint32_t s = 0; s < count; s++) {
    size_t len = MsgLength(id, s, max);
    FillMsg(buf.data(), id, s, len);
    if (pipc_channel_send(ch, buf.data(), len, 10 * PIPC_SEC) != 0) return 11;
  }
  return pipc_channel_close(ch) == 0 ? 0 : 12;
}

// Receives count messages from producers 0..producers-1, checking each and
// the order per producer. Returns 0 or a failure code.
int ConsumeChecked(uint64_t ch, int producers, uint32_t count_each) {
  std::vector<uint32_t> next(producers, 0);
  std::vector<unsigned char> buf(64 * 1024);
  for (uint64_t n = 0; n < static_cast<uint64_t>(producers) * count_each; n++) {
    int64_t len = pipc_channel_receive(ch, buf.data(), buf.size(), 10 * PIPC_SEC);
    if (len < 0) return 20;
    Msg m;
    if (CheckMsg(buf.data(), static_cast<size_t>(len), &m) != 0) return 21;
    if (m.producer >= static_cast<uint32_t>(producers) || m.seq != next[m.producer]) return 22;
    next[m.producer]++;
  }
  return 0;
}

pipc_channel_stats Stat(uint64_t ch) {
  pipc_channel_stats st;
  EXPECT_EQ(0, pipc_channel_stat(ch, &st));
  return st;
}

TEST(Channel, LayoutIsTheHeadersContract) {
  EXPECT_EQ(4096, PIPC_CHANNEL_HEADER_SIZE);
  EXPECT_EQ(16, PIPC_CHANNEL_RECORD_SIZE);
  EXPECT_EQ(0, PIPC_CHANNEL_OFF_MAGIC);
  EXPECT_EQ(128, PIPC_CHANNEL_OFF_TAIL);
  EXPECT_EQ(256, PIPC_CHANNEL_OFF_HEAD);
  EXPECT_EQ(0, PIPC_CHANNEL_OFF_CONSUMER_SLEEPING % 128);
  EXPECT_EQ(0, PIPC_CHANNEL_OFF_PRODUCERS_SLEEPING % 128);
  EXPECT_EQ(static_cast<int>(sizeof(pipc_channel_stats)), PIPC_CHANNEL_STAT_SLOTS * 8);
  EXPECT_EQ(1024 / 2 - 16, PIPC_CHANNEL_MAX_MESSAGE(1024));
  // The magic reads "PIPCCHAN" on a little-endian machine.
  uint64_t magic = PIPC_CHANNEL_MAGIC;
  if (*reinterpret_cast<unsigned char*>(&magic) == 'P') {
    EXPECT_EQ(0, std::memcmp(&magic, "PIPCCHAN", 8));
  }
}

TEST(Channel, RejectsBadArguments) {
  ScopedShmName name("chbad");
  uint64_t ch = 0;
  EXPECT_EQ(-EINVAL, pipc_channel_create(name.c_str(), 1000, 0600, P, &ch));   // not a power of two
  EXPECT_EQ(-EINVAL, pipc_channel_create(name.c_str(), 512, 0600, P, &ch));    // below the minimum
  EXPECT_EQ(-EINVAL, pipc_channel_create(name.c_str(), 1LL << 30, 0600, P, &ch));
  EXPECT_EQ(-EINVAL, pipc_channel_create(name.c_str(), 4096, 0600, 7, &ch));   // no such role
  EXPECT_EQ(-EINVAL, pipc_channel_create(name.c_str(), 4096, 0600, P, nullptr));
  EXPECT_EQ(-EINVAL, pipc_channel_create("no-slash", 4096, 0600, P, &ch));
  EXPECT_EQ(-EINVAL, pipc_channel_create(name.c_str(), 4096, 01777, P, &ch));
  EXPECT_EQ(-ENOENT, pipc_channel_open(name.c_str(), C, &ch));
  EXPECT_EQ(-EINVAL, pipc_channel_open_fd(-1, C, &ch));
  EXPECT_EQ(-EINVAL, pipc_channel_claim(0, 1, 0));
  EXPECT_EQ(-EINVAL, pipc_channel_read(0, 0));
  EXPECT_EQ(-EINVAL, pipc_channel_close(0));

  uint64_t prod, cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, P, &prod));
  EXPECT_EQ(-EEXIST, pipc_channel_create(name.c_str(), 4096, 0600, P, &ch));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &cons));
  EXPECT_EQ(-EBUSY, pipc_channel_open(name.c_str(), C, &ch));  // one consumer at a time
  EXPECT_EQ(-EINVAL, pipc_channel_read(prod, 0));              // wrong role
  EXPECT_EQ(-EINVAL, pipc_channel_claim(cons, 1, 0));
  EXPECT_EQ(-EMSGSIZE, pipc_channel_claim(prod, PIPC_CHANNEL_MAX_MESSAGE(4096) + 1, 0));
  EXPECT_EQ(-EINVAL, pipc_channel_claim(prod, -1, 0));
  EXPECT_EQ(-EINVAL, pipc_channel_commit(prod, 0));   // nothing claimed
  EXPECT_EQ(-EINVAL, pipc_channel_release(cons));     // nothing read
  ASSERT_GE(pipc_channel_claim(prod, 8, 0), 0);
  EXPECT_EQ(-EBUSY, pipc_channel_claim(prod, 8, 0));  // one claim at a time per handle
  EXPECT_EQ(-EINVAL, pipc_channel_commit(prod, 9));   // longer than claimed
  EXPECT_EQ(0, pipc_channel_commit(prod, 4));
  char small[2];
  EXPECT_EQ(-EMSGSIZE, pipc_channel_receive(cons, small, sizeof small, 0));
  char big[8];
  EXPECT_EQ(4, pipc_channel_receive(cons, big, sizeof big, 0));  // the message stayed for it
  EXPECT_EQ(0, pipc_channel_close(prod));
  EXPECT_EQ(0, pipc_channel_close(cons));
  EXPECT_EQ(0, pipc_channel_unlink(name.c_str()));
}

TEST(Channel, ZeroCopyClaimCommitReadRelease) {
  ScopedShmName name("chzc");
  uint64_t prod, cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, P, &prod));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &cons));
  EXPECT_EQ(4096, pipc_channel_capacity(cons));
  EXPECT_EQ(-EAGAIN, pipc_channel_read(cons, 0));
  long long t0 = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_channel_read(cons, 50 * PIPC_MSEC));
  EXPECT_GE(NowMs() - t0, 45);

  int64_t off = pipc_channel_claim(prod, 5, 0);
  ASSERT_GE(off, 0);
  std::memcpy(reinterpret_cast<void*>(pipc_channel_data(prod) + off), "hello", 5);
  EXPECT_EQ(-EAGAIN, pipc_channel_read(cons, 0));  // claimed, not committed yet
  ASSERT_EQ(0, pipc_channel_commit(prod, 5));
  int64_t roff = pipc_channel_read(cons, 0);
  ASSERT_GE(roff, 0);
  EXPECT_EQ(5, pipc_channel_read_length(cons));
  // The length is also in the record header, where the Java library reads it.
  uint32_t len;
  std::memcpy(&len, reinterpret_cast<void*>(pipc_channel_data(cons) + roff - PIPC_CHANNEL_RECORD_SIZE +
                                            PIPC_CHANNEL_RECORD_OFF_LENGTH), 4);
  EXPECT_EQ(5u, len);
  EXPECT_EQ(0, std::memcmp(reinterpret_cast<void*>(pipc_channel_data(cons) + roff), "hello", 5));
  EXPECT_EQ(-EBUSY, pipc_channel_read(cons, 0));
  EXPECT_EQ(0, pipc_channel_release(cons));

  // An aborted claim is skipped; the message after it arrives.
  ASSERT_GE(pipc_channel_claim(prod, 100, 0), 0);
  ASSERT_EQ(0, pipc_channel_abort(prod));
  ASSERT_EQ(0, pipc_channel_send(prod, "next", 4, 0));
  char buf[16];
  EXPECT_EQ(4, pipc_channel_receive(cons, buf, sizeof buf, 0));
  EXPECT_EQ(0, std::memcmp(buf, "next", 4));
  // A zero-length message keeps its boundary.
  ASSERT_EQ(0, pipc_channel_send(prod, nullptr, 0, 0));
  EXPECT_EQ(0, pipc_channel_receive(cons, buf, sizeof buf, 0));
  EXPECT_EQ(-EAGAIN, pipc_channel_receive(cons, buf, sizeof buf, 0));
  EXPECT_EQ(0, Stat(cons).bytes_waiting);
  pipc_channel_close(prod);
  pipc_channel_close(cons);
}

TEST(Channel, FullRingWaitsAndReleaseMakesRoom) {
  ScopedShmName name("chfull");
  uint64_t prod, cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 1024, 0600, P, &prod));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &cons));
  char msg[112] = {};  // a record of 128 bytes: eight fill the ring
  int sent = 0;
  while (pipc_channel_send(prod, msg, sizeof msg, 0) == 0) sent++;
  EXPECT_EQ(8, sent);
  EXPECT_EQ(-EAGAIN, pipc_channel_send(prod, msg, sizeof msg, 0));
  // The producer's deadline is taken after its first look finds no room:
  // the wait still lasts its whole timeout.
  long long t_full = NowMs();
  EXPECT_EQ(-ETIMEDOUT, pipc_channel_send(prod, msg, sizeof msg, 30 * PIPC_MSEC));
  EXPECT_GE(NowMs() - t_full, 30);
  EXPECT_EQ(1024, Stat(cons).bytes_waiting);
  EXPECT_EQ(8, Stat(cons).messages_waiting);
  // A producer asleep on the full ring is woken by a release in another process.
  pid_t pid = ForkChild([&] {
    usleep(100 * 1000);
    // The consumer handle is the parent's, inherited through fork.
    char b[128];
    return pipc_channel_receive(cons, b, sizeof b, PIPC_SEC) == 112 ? 0 : 1;
  });
  long long t0 = NowMs();
  EXPECT_EQ(0, pipc_channel_send(prod, msg, sizeof msg, 5 * PIPC_SEC));
  EXPECT_GE(NowMs() - t0, 50);
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_GE(Stat(prod).wakeups, 1);
  pipc_channel_close(prod);
  pipc_channel_close(cons);
}

TEST(Channel, WrapsAroundManyLapsWithVaryingSizes) {
  ScopedShmName name("chwrap");
  uint64_t prod, cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 1024, 0600, P, &prod));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &cons));
  const size_t max = static_cast<size_t>(PIPC_CHANNEL_MAX_MESSAGE(1024));
  std::vector<unsigned char> buf(max), got(max);
  uint32_t sent = 0, received = 0;
  while (received < 5000) {
    // Send while there is room, then drain part of it: every offset of the
    // ring is met, with padding at the end of each lap.
    for (;;) {
      size_t len = MsgLength(0, sent, max);
      FillMsg(buf.data(), 0, sent, len);
      if (pipc_channel_send(prod, buf.data(), len, 0) != 0) break;
      sent++;
    }
    for (int k = 0; k < 3 && received < sent; k++, received++) {
      int64_t len = pipc_channel_receive(cons, got.data(), got.size(), 0);
      ASSERT_GE(len, 0);
      Msg m;
      ASSERT_EQ(0, CheckMsg(got.data(), static_cast<size_t>(len), &m));
      ASSERT_EQ(received, m.seq);
    }
  }
  EXPECT_GT(static_cast<uint64_t>(Stat(cons).head), 100u * 1024);  // laps
  pipc_channel_close(prod);
  pipc_channel_close(cons);
}

TEST(Channel, WhatAnEarlierLapLeftIsNeverTakenForACommit) {
  // A ring laid out over bytes that are not zero, whose messages are made of
  // the seqs of their own lap's positions: a record is committed only when its
  // seq says the position being read, so none of that is ever taken for one.
  ScopedShmName name("chlap");
  const int64_t cap = 1024;
  int fd;
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), PIPC_CHANNEL_SEGMENT_SIZE(cap), 0600, &fd));
  uint64_t addr;
  ASSERT_EQ(0, pipc_mmap(fd, 0, PIPC_CHANNEL_SEGMENT_SIZE(cap), PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  std::memset(reinterpret_cast<void*>(addr), 0xa5, static_cast<size_t>(PIPC_CHANNEL_SEGMENT_SIZE(cap)));
  ASSERT_EQ(0, pipc_channel_format(addr, PIPC_CHANNEL_SEGMENT_SIZE(cap), cap));
  const uint64_t key = reinterpret_cast<pipc_channel_header*>(addr)->key;
  uint64_t prod, cons;
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), P, &prod));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &cons));
  unsigned char buf[256];
  uint64_t pos = 0;
  for (uint32_t n = 0; n < 2000; n++) {
    char probe[8];
    ASSERT_EQ(-EAGAIN, pipc_channel_receive(cons, probe, sizeof probe, 0)) << "message " << n << " at " << pos;
    // 16 to 240 bytes, each 8-byte word the seq of the position it lies at.
    size_t len = 16 + (n * 40) % 232 / 8 * 8;
    int64_t off = pipc_channel_claim(prod, static_cast<int64_t>(len), 0);
    ASSERT_GE(off, 0);
    uint64_t at = pos + static_cast<uint64_t>(off) - (pos & static_cast<uint64_t>(cap - 1));  // the message's position
    unsigned char* data = reinterpret_cast<unsigned char*>(pipc_channel_data(prod)) + off;
    for (size_t i = 0; i < len; i += 8) {
      uint64_t w = PIPC_CHANNEL_SEQ(key, at + i, PIPC_CHANNEL_RECORD_MESSAGE);
      std::memcpy(data + i, &w, 8);
    }
    ASSERT_EQ(0, pipc_channel_commit(prod, static_cast<int64_t>(len)));
    ASSERT_EQ(static_cast<int64_t>(len), pipc_channel_receive(cons, buf, sizeof buf, 0));
    pos = static_cast<uint64_t>(Stat(cons).head);
  }
  EXPECT_GT(pos, 100u * cap) << "laps";
  pipc_channel_close(prod);
  pipc_channel_close(cons);
  pipc_munmap(addr, PIPC_CHANNEL_SEGMENT_SIZE(cap));
  pipc_fd_close(fd);
}

// Makes membarrier(2) fail with ENOSYS in this process from now on, as a
// seccomp filter or an old kernel does.
bool RefuseMembarrier() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return false;
  return syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0) < 0 && errno == ENOSYS;
}

// Round trips between this process and a forked one over two channels, both
// sides sleeping at once (spin 0): every exchange is a sleep and a wake-up.
// no_barrier: the child cannot use membarrier (it publishes with a fence).
void SleepingRoundTrips(bool no_barrier) {
  ScopedShmName ping(no_barrier ? "chpingf" : "chping"), pong(no_barrier ? "chpongf" : "chpong");
  uint64_t to, from;
  ASSERT_EQ(0, pipc_channel_create(ping.c_str(), 4096, 0600, P, &to));
  ASSERT_EQ(0, pipc_channel_create(pong.c_str(), 4096, 0600, C, &from));
  ASSERT_EQ(0, pipc_channel_set_spin(to, 0));
  ASSERT_EQ(0, pipc_channel_set_spin(from, 0));
  const uint32_t rounds = 20000;
  pid_t pid = ForkChild([&] {
    if (no_barrier && !RefuseMembarrier()) return 9;
    uint64_t in, out;
    if (pipc_channel_open(ping.c_str(), C, &in) != 0 || pipc_channel_open(pong.c_str(), P, &out) != 0) return 1;
    pipc_channel_set_spin(in, 0);
    pipc_channel_set_spin(out, 0);
    for (uint32_t i = 0; i < rounds; i++) {
      uint32_t v;
      if (pipc_channel_receive(in, &v, sizeof v, 10 * PIPC_SEC) != sizeof v) return 2;
      v = ~v;
      if (pipc_channel_send(out, &v, sizeof v, 10 * PIPC_SEC) != 0) return 3;
    }
    return 0;
  });
  int64_t start = NowMs();
  for (uint32_t i = 0; i < rounds; i++) {
    ASSERT_EQ(0, pipc_channel_send(to, &i, sizeof i, 10 * PIPC_SEC));
    uint32_t v = 0;
    ASSERT_EQ(static_cast<int64_t>(sizeof v), pipc_channel_receive(from, &v, sizeof v, 10 * PIPC_SEC)) << "round " << i;
    ASSERT_EQ(~i, v);
  }
  // A lost wake-up hangs a receive until its 10 s timeout.
  EXPECT_LT(NowMs() - start, 20000);
  EXPECT_EQ(0, WaitChild(pid, 30000));
  EXPECT_GT(Stat(from).wakeups, 0);
  pipc_channel_close(to);
  pipc_channel_close(from);
}

TEST(Channel, SleepingRoundTripsAcrossProcessesLoseNoWakeUp) { SleepingRoundTrips(false); }

TEST(Channel, SleepingRoundTripsWithAProcessWithoutMembarrierLoseNoWakeUp) { SleepingRoundTrips(true); }

// A full ring: the producer sleeps (after the barrier) until the consumer in
// another process releases; and an idle consumer sleeps until a commit. Many
// times over, each side in turn, in a ring of two messages.
TEST(Channel, AProducerOnAFullRingIsWokenByReleasesInAnotherProcess) {
  ScopedShmName name("chfullwake");
  uint64_t prod;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 1024, 0600, P, &prod));
  ASSERT_EQ(0, pipc_channel_set_spin(prod, 0));
  const uint32_t count = 20000;
  pid_t pid = ForkChild([&] {
    uint64_t cons;
    if (pipc_channel_open(name.c_str(), C, &cons) != 0) return 1;
    pipc_channel_set_spin(cons, 0);
    unsigned char got[400];
    for (uint32_t i = 0; i < count; i++) {
      int64_t n = pipc_channel_receive(cons, got, sizeof got, 10 * PIPC_SEC);
      uint32_t v;
      std::memcpy(&v, got, sizeof v);
      if (n != (i % 2 ? 400 : 4) || v != i) return 2;
    }
    return 0;
  });
  unsigned char big[400] = {0};
  for (uint32_t i = 0; i < count; i++) {
    std::memcpy(big, &i, sizeof i);
    // 400 bytes in a 1024-byte ring: two fit, the third waits for room.
    ASSERT_EQ(0, pipc_channel_send(prod, big, i % 2 ? sizeof big : sizeof i, 10 * PIPC_SEC)) << i;
  }
  EXPECT_EQ(0, WaitChild(pid, 30000));
  pipc_channel_close(prod);
}

TEST(Channel, OneToOneAcrossProcesses) {
  ScopedShmName name("ch11");
  uint64_t cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 16384, 0600, C, &cons));
  const uint32_t count = 100000;
  pid_t pid = ForkChild([&] { return ProduceNamed(name.c_str(), 0, count, 300); });
  EXPECT_EQ(0, ConsumeChecked(cons, 1, count));
  EXPECT_EQ(0, WaitChild(pid, 30000));
  EXPECT_EQ(0, Stat(cons).bytes_waiting);
  EXPECT_EQ(0, Stat(cons).skipped);
  pipc_channel_close(cons);
}

TEST(Channel, ManyToOneKeepsEachProducersOrder) {
  ScopedShmName name("chmany");
  uint64_t cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 8192, 0600, C, &cons));
  const int producers = 4;
  const uint32_t count = 25000;
  std::vector<pid_t> pids;
  for (int i = 0; i < producers; i++) {
    pids.push_back(ForkChild([&, i] { return ProduceNamed(name.c_str(), static_cast<uint32_t>(i), count, 200); }));
  }
  EXPECT_EQ(0, ConsumeChecked(cons, producers, count));
  for (pid_t pid : pids) EXPECT_EQ(0, WaitChild(pid, 30000));
  EXPECT_EQ(0, Stat(cons).bytes_waiting);
  pipc_channel_close(cons);
}

TEST(Channel, AnonymousChannelSharedWithAChildThroughItsDescriptor) {
  uint64_t cons;
  ASSERT_EQ(0, pipc_channel_create_anonymous("pipc-test-chanon", 4096, C, &cons));
  int fd = pipc_channel_fd(cons);
  ASSERT_GE(fd, 0);
  pid_t pid = ForkChild([&] {
    uint64_t prod;
    if (pipc_channel_open_fd(fd, P, &prod) != 0) return 1;
    return pipc_channel_send(prod, "from the child", 14, PIPC_SEC) == 0 ? 0 : 2;
  });
  char buf[32];
  EXPECT_EQ(14, pipc_channel_receive(cons, buf, sizeof buf, 5 * PIPC_SEC));
  EXPECT_EQ(0, std::memcmp(buf, "from the child", 14));
  EXPECT_EQ(0, WaitChild(pid));
  pipc_channel_close(cons);
}

TEST(Channel, SleepingConsumerIsWokenByACommitInAnotherProcess) {
  ScopedShmName name("chsleep");
  uint64_t cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, C, &cons));
  ASSERT_EQ(0, pipc_channel_set_spin(cons, 0));
  pid_t pid = ForkChild([&] {
    uint64_t prod;
    if (pipc_channel_open(name.c_str(), P, &prod) != 0) return 1;
    // Wait until the consumer declared itself asleep, then send.
    for (int i = 0; i < 500; i++) {
      pipc_channel_stats st;
      if (pipc_channel_stat(prod, &st) != 0) return 2;
      if (st.consumer_sleeping) return pipc_channel_send(prod, "wake", 4, 0) == 0 ? 0 : 3;
      usleep(2000);
    }
    return 4;
  });
  char buf[8];
  EXPECT_EQ(4, pipc_channel_receive(cons, buf, sizeof buf, 10 * PIPC_SEC));
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(1, Stat(cons).wakeups);
  EXPECT_EQ(0, Stat(cons).consumer_sleeping);
  pipc_channel_close(cons);
}

TEST(Channel, AProducerKilledBetweenClaimAndCommitIsSkipped) {
  ScopedShmName name("chkillp");
  uint64_t cons, prod;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, C, &cons));
  int ready[2];
  ASSERT_EQ(0, pipc_pipe_create(ready, 0));
  pid_t pid = ForkChild([&] {
    uint64_t p;
    if (pipc_channel_open(name.c_str(), P, &p) != 0) return 1;
    if (pipc_channel_claim(p, 100, 0) < 0) return 2;
    pipc_fd_write(ready[1], "x", 1);
    pause();
    return 0;
  });
  char c;
  ASSERT_EQ(1, pipc_fd_read(ready[0], &c, 1));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), P, &prod));
  ASSERT_EQ(0, pipc_channel_send(prod, "after", 5, 0));
  char buf[16];
  // The claim blocks the ring while its process lives.
  EXPECT_EQ(-ETIMEDOUT, pipc_channel_receive(cons, buf, sizeof buf, 50 * PIPC_MSEC));
  kill(pid, SIGKILL);
  EXPECT_EQ(128 + SIGKILL, WaitChild(pid));
  long long t0 = NowMs();
  EXPECT_EQ(5, pipc_channel_receive(cons, buf, sizeof buf, 5 * PIPC_SEC));
  EXPECT_LT(NowMs() - t0, 1000);
  EXPECT_EQ(0, std::memcmp(buf, "after", 5));
  EXPECT_EQ(1, Stat(cons).skipped);
  // The dead process's slot is free again.
  EXPECT_EQ(1, Stat(cons).producers);
  pipc_channel_close(prod);
  pipc_channel_close(cons);
  pipc_fd_close(ready[0]);
  pipc_fd_close(ready[1]);
}

TEST(Channel, AZombieProducerCountsAsDead) {
  ScopedShmName name("chzomb");
  uint64_t cons, prod;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, C, &cons));
  pid_t pid = ForkChild([&] {
    uint64_t p;
    if (pipc_channel_open(name.c_str(), P, &p) != 0) return 1;
    if (pipc_channel_claim(p, 10, 0) < 0) return 2;
    kill(getpid(), SIGKILL);
    return 3;
  });
  // Not reaped yet: the child is a zombie while the consumer checks it.
  usleep(100 * 1000);
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), P, &prod));
  ASSERT_EQ(0, pipc_channel_send(prod, "z", 1, 0));
  char buf[4];
  EXPECT_EQ(1, pipc_channel_receive(cons, buf, sizeof buf, 5 * PIPC_SEC));
  EXPECT_EQ(1, Stat(cons).skipped);
  EXPECT_EQ(128 + SIGKILL, WaitChild(pid));
  pipc_channel_close(prod);
  pipc_channel_close(cons);
}

TEST(Channel, AProducerKilledRightAfterItsCompareAndSetIsSkipped) {
  // The narrowest window: the tail moved, no record header was written. The
  // child makes the claim by hand, as the core does up to its CAS, and dies.
  ScopedShmName name("chkillcas");
  uint64_t cons, prod;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, C, &cons));
  int fd;
  ASSERT_EQ(0, pipc_shm_open(name.c_str(), 0, 0, &fd));
  uint64_t addr;
  ASSERT_EQ(0, pipc_mmap(fd, 0, PIPC_CHANNEL_SEGMENT_SIZE(4096), PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  auto* h = reinterpret_cast<pipc_channel_header*>(addr);
  pid_t pid = ForkChild([&] {
    uint64_t p;
    if (pipc_channel_open(name.c_str(), P, &p) != 0) return 1;
    for (auto& s : h->producers) {
      if (s.pid == getpid()) {
        uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
        s.claim_length = 40;
        s.claim_pos = tail;
        __atomic_fetch_add(&h->tail, 64, __ATOMIC_SEQ_CST);  // a record of 16 + 40 -> 64 bytes
        kill(getpid(), SIGKILL);
      }
    }
    return 2;
  });
  EXPECT_EQ(128 + SIGKILL, WaitChild(pid));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), P, &prod));
  ASSERT_EQ(0, pipc_channel_send(prod, "ok", 2, 0));
  char buf[4];
  EXPECT_EQ(2, pipc_channel_receive(cons, buf, sizeof buf, 5 * PIPC_SEC));
  EXPECT_EQ(1, Stat(cons).skipped);
  pipc_munmap(addr, PIPC_CHANNEL_SEGMENT_SIZE(4096));
  pipc_fd_close(fd);
  pipc_channel_close(prod);
  pipc_channel_close(cons);
}

TEST(Channel, ADeadConsumerIsAnErrorForAProducerOnAFullRing) {
  ScopedShmName name("chkillc");
  uint64_t prod;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 1024, 0600, P, &prod));
  int ready[2];
  ASSERT_EQ(0, pipc_pipe_create(ready, 0));
  pid_t pid = ForkChild([&] {
    uint64_t c;
    if (pipc_channel_open(name.c_str(), C, &c) != 0) return 1;
    pipc_fd_write(ready[1], "x", 1);
    pause();
    return 0;
  });
  char c;
  ASSERT_EQ(1, pipc_fd_read(ready[0], &c, 1));
  char msg[200] = {};
  while (pipc_channel_send(prod, msg, sizeof msg, 0) == 0) {
  }
  EXPECT_EQ(pid, Stat(prod).consumer_pid);
  EXPECT_EQ(-ETIMEDOUT, pipc_channel_send(prod, msg, sizeof msg, 30 * PIPC_MSEC));  // alive: it waits
  kill(pid, SIGKILL);
  EXPECT_EQ(128 + SIGKILL, WaitChild(pid));
  long long t0 = NowMs();
  EXPECT_EQ(-EPIPE, pipc_channel_send(prod, msg, sizeof msg, 10 * PIPC_SEC));
  EXPECT_LT(NowMs() - t0, 1000);
  EXPECT_EQ(0, Stat(prod).consumer_alive);
  // A new consumer takes the dead one's place and gets the waiting messages.
  uint64_t cons;
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &cons));
  char buf[256];
  EXPECT_EQ(200, pipc_channel_receive(cons, buf, sizeof buf, 0));
  pipc_channel_close(cons);
  pipc_channel_close(prod);
  pipc_fd_close(ready[0]);
  pipc_fd_close(ready[1]);
}

TEST(Channel, BadHeadersAreRefused) {
  ScopedShmName name("chhdr");
  uint64_t ch;
  // Not a channel: an empty object, and one of the right size full of zeros.
  int fd;
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), 0, 0600, &fd));
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  ASSERT_EQ(0, pipc_shm_allocate(fd, 0, PIPC_CHANNEL_SEGMENT_SIZE(4096)));
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  // A channel, then its fields spoiled one by one.
  uint64_t addr;
  ASSERT_EQ(0, pipc_mmap(fd, 0, PIPC_CHANNEL_SEGMENT_SIZE(4096), PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  auto* h = reinterpret_cast<pipc_channel_header*>(addr);
  ASSERT_EQ(0, pipc_channel_format(addr, PIPC_CHANNEL_SEGMENT_SIZE(4096), 4096));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &ch));
  pipc_channel_close(ch);
  h->version = PIPC_CHANNEL_VERSION + 1;
  EXPECT_EQ(-EPROTO, pipc_channel_open(name.c_str(), C, &ch));
  h->version = PIPC_CHANNEL_VERSION;
  h->capacity = 3000;
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  h->capacity = 8192;  // more than the segment holds
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  h->capacity = 4096;
  h->header_size = 64;
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  h->header_size = PIPC_CHANNEL_HEADER_SIZE;
  const uint64_t key = h->key;
  h->key = key & ~(uint64_t{1} << 63);  // a key a record's seq could be 0 with
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  h->key = key | 1;  // a key that spoils the kind's bits
  EXPECT_EQ(-EBADMSG, pipc_channel_open(name.c_str(), C, &ch));
  h->key = key;
  // A record that breaks the layout is reported, never followed.
  uint64_t prod;
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), C, &ch));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), P, &prod));
  ASSERT_EQ(0, pipc_channel_send(prod, "abc", 3, 0));
  auto* rec = reinterpret_cast<pipc_channel_record*>(addr + PIPC_CHANNEL_HEADER_SIZE);
  rec->size = 1 << 20;
  char buf[8];
  EXPECT_EQ(-EBADMSG, pipc_channel_receive(ch, buf, sizeof buf, 0));
  rec->size = 32;
  rec->length = 100;
  EXPECT_EQ(-EBADMSG, pipc_channel_receive(ch, buf, sizeof buf, 0));
  rec->length = 3;
  EXPECT_EQ(3, pipc_channel_receive(ch, buf, sizeof buf, 0));
  h->tail = h->head + 1u * (1 << 20);  // positions further apart than the ring
  EXPECT_EQ(-EBADMSG, pipc_channel_receive(ch, buf, sizeof buf, 0));
  EXPECT_EQ(-EBADMSG, pipc_channel_send(prod, "x", 1, 0));
  pipc_channel_close(prod);
  pipc_channel_close(ch);
  EXPECT_EQ(-EBADMSG, pipc_channel_probe(addr, 100));
  pipc_munmap(addr, PIPC_CHANNEL_SEGMENT_SIZE(4096));
  pipc_fd_close(fd);
}

TEST(Channel, AShrunkSegmentIsEfaultWithTheGuard) {
  ScopedShmName name("chshrink");
  pid_t pid = ForkChild([&] {
    if (pipc_fault_guard_install() != 0) return 1;
    uint64_t prod, cons;
    if (pipc_channel_create(name.c_str(), 65536, 0600, P, &prod) != 0) return 2;
    if (pipc_channel_open(name.c_str(), C, &cons) != 0) return 3;
    if (pipc_channel_send(prod, "a", 1, 0) != 0) return 4;
    // Another process cuts the ring off, leaving the header.
    int fd;
    if (pipc_shm_open(name.c_str(), 0, 0, &fd) != 0) return 5;
    if (pipc_shm_truncate(fd, PIPC_CHANNEL_HEADER_SIZE) != 0) return 6;
    std::vector<char> big(30000, 'x');
    int r = pipc_channel_send(prod, big.data(), big.size(), 0);
    if (r != -EFAULT) return 7;
    if (pipc_channel_send(prod, "b", 1, 0) != -EFAULT) return 8;  // and from then on
    char buf[4];
    if (pipc_channel_receive(cons, buf, sizeof buf, 0) != -EFAULT) return 9;
    pipc_channel_close(prod);
    pipc_channel_close(cons);
    pipc_fd_close(fd);
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
}

}  // namespace
