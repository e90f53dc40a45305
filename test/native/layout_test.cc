// The layout constants of the public headers, used the way the Java layer
// uses them: a struct the core filled is read back as raw bytes at the
// exported offsets (or int64_t slots), and must give the fields' values.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "ipc_names.h"

namespace {

int32_t Int32At(const void* base, int offset) {
  int32_t v;
  std::memcpy(&v, static_cast<const unsigned char*>(base) + offset, sizeof v);
  return v;
}

int64_t Int64At(const void* base, int offset) {
  int64_t v;
  std::memcpy(&v, static_cast<const unsigned char*>(base) + offset, sizeof v);
  return v;
}

TEST(Layout, SizesAreTheStructsAndOffsetsFitInside) {
  EXPECT_EQ(static_cast<int>(sizeof(pipc_msg_info)), PIPC_MSG_INFO_SIZE);
  EXPECT_EQ(32, PIPC_SIGNAL_RECORD_SIZE);  // documented as fixed
  EXPECT_EQ(static_cast<int>(sizeof(pipc_poll_event)), PIPC_POLL_EVENT_SIZE);
  EXPECT_EQ(static_cast<int>(sizeof(pipc_mq_attr)), PIPC_MQ_ATTR_SLOTS * 8);
  EXPECT_EQ(static_cast<int>(sizeof(pipc_mq_limits)), PIPC_MQ_LIMITS_SLOTS * 8);
  for (int off : {PIPC_MSG_INFO_NFDS, PIPC_MSG_INFO_FLAGS, PIPC_MSG_INFO_ADDRLEN,
                  PIPC_MSG_INFO_HAS_CREDENTIALS, PIPC_MSG_INFO_PID, PIPC_MSG_INFO_UID,
                  PIPC_MSG_INFO_GID}) {
    EXPECT_LE(off + 4, PIPC_MSG_INFO_SIZE);
    EXPECT_EQ(0, off % 4);
  }
  for (int off : {PIPC_SIGNAL_INFO_SIGNO, PIPC_SIGNAL_INFO_CODE, PIPC_SIGNAL_INFO_PID,
                  PIPC_SIGNAL_INFO_UID, PIPC_SIGNAL_INFO_VALUE}) {
    EXPECT_LE(off + 4, PIPC_SIGNAL_RECORD_SIZE);
  }
  EXPECT_LE(PIPC_SIGNAL_INFO_VALUE_PTR + 8, PIPC_SIGNAL_RECORD_SIZE);
  EXPECT_LE(PIPC_POLL_EVENT_EVENTS + 4, PIPC_POLL_EVENT_SIZE);
  for (int slot : {PIPC_MQ_ATTR_NONBLOCKING, PIPC_MQ_ATTR_MAX_MESSAGES, PIPC_MQ_ATTR_MESSAGE_SIZE,
                   PIPC_MQ_ATTR_CURRENT_MESSAGES}) {
    EXPECT_LT(slot, PIPC_MQ_ATTR_SLOTS);
  }
}

TEST(Layout, MessageInfoReadAtTheOffsets) {
  int sv[2];
  ASSERT_EQ(0, pipc_socket_pair(PIPC_SOCK_DGRAM, 0, sv));
  ASSERT_EQ(0, pipc_socket_set_option(sv[1], PIPC_SO_PASSCRED, 1));
  int pass[2];
  ASSERT_EQ(0, pipc_pipe_create(pass, 0));
  ASSERT_EQ(3, pipc_socket_sendmsg(sv[0], "abc", 3, &pass[0], 1, nullptr, 0, PIPC_FOREVER));
  // The Java layer's buffer: the info block, then the address room, then fds.
  alignas(8) unsigned char ctl[256] = {};
  int32_t room = 4;
  std::memcpy(ctl + PIPC_MSG_INFO_NFDS, &room, sizeof room);
  int fds[4] = {-1, -1, -1, -1};
  char data[8];
  auto* info = reinterpret_cast<pipc_msg_info*>(ctl);
  ASSERT_EQ(3, pipc_socket_recvmsg(sv[1], data, sizeof data, fds, nullptr, info, PIPC_SEC));
  EXPECT_EQ(1, Int32At(ctl, PIPC_MSG_INFO_NFDS));
  EXPECT_EQ(0, Int32At(ctl, PIPC_MSG_INFO_FLAGS));
  EXPECT_EQ(0, Int32At(ctl, PIPC_MSG_INFO_ADDRLEN));
  EXPECT_EQ(1, Int32At(ctl, PIPC_MSG_INFO_HAS_CREDENTIALS));
  EXPECT_EQ(static_cast<int32_t>(getpid()), Int32At(ctl, PIPC_MSG_INFO_PID));
  EXPECT_EQ(static_cast<int32_t>(getuid()), Int32At(ctl, PIPC_MSG_INFO_UID));
  EXPECT_EQ(static_cast<int32_t>(getgid()), Int32At(ctl, PIPC_MSG_INFO_GID));
  EXPECT_GE(fds[0], 0);
  pipc_fd_close(fds[0]);
  for (int fd : {sv[0], sv[1], pass[0], pass[1]}) pipc_fd_close(fd);
}

TEST(Layout, SignalRecordReadAtTheOffsets) {
  int signo = pipc_sigrtmin() + 5;
  ASSERT_EQ(0, pipc_signal_catch(signo));
  ASSERT_EQ(0, pipc_signal_queue(getpid(), signo, 4242));
  alignas(8) unsigned char rec[PIPC_SIGNAL_RECORD_SIZE * 4];
  auto* out = reinterpret_cast<pipc_signal_info*>(rec);
  int n = 0;
  for (int i = 0; i < 100 && n == 0; i++) {
    n = pipc_signal_read(out, 4, 100 * PIPC_MSEC);
    if (n < 0 && n != -ETIMEDOUT) break;
    if (n < 0) n = 0;
  }
  ASSERT_GE(n, 1);
  const unsigned char* r = rec;
  for (int i = 0; i < n && Int32At(r, PIPC_SIGNAL_INFO_SIGNO) != signo; i++) r += PIPC_SIGNAL_RECORD_SIZE;
  EXPECT_EQ(signo, Int32At(r, PIPC_SIGNAL_INFO_SIGNO));
  EXPECT_EQ(PIPC_SI_QUEUE, Int32At(r, PIPC_SIGNAL_INFO_CODE));
  EXPECT_EQ(static_cast<int32_t>(getpid()), Int32At(r, PIPC_SIGNAL_INFO_PID));
  EXPECT_EQ(static_cast<int32_t>(getuid()), Int32At(r, PIPC_SIGNAL_INFO_UID));
  EXPECT_EQ(4242, Int32At(r, PIPC_SIGNAL_INFO_VALUE));
  EXPECT_EQ(4242, static_cast<int32_t>(Int64At(r, PIPC_SIGNAL_INFO_VALUE_PTR)));
  EXPECT_EQ(1, pipc_signal_restore(signo));
}

TEST(Layout, PollEventsReadAtTheOffsetsAndStride) {
  int p[2];
  ASSERT_EQ(0, pipc_poller_create(p));
  int a[2], b[2];
  ASSERT_EQ(0, pipc_pipe_create(a, 0));
  ASSERT_EQ(0, pipc_pipe_create(b, 0));
  ASSERT_EQ(0, pipc_poller_add(p[0], a[0], PIPC_READABLE, 1001));
  ASSERT_EQ(0, pipc_poller_add(p[0], b[1], PIPC_WRITABLE, 2002));
  ASSERT_EQ(1, pipc_fd_write(a[1], "x", 1));
  alignas(8) unsigned char ev[PIPC_POLL_EVENT_SIZE * 4];
  int n = pipc_poller_wait(p[0], p[1], reinterpret_cast<pipc_poll_event*>(ev), 4, PIPC_SEC);
  ASSERT_EQ(2, n);
  int seen = 0;
  for (int i = 0; i < n; i++) {
    int64_t token = Int64At(ev, i * PIPC_POLL_EVENT_SIZE + PIPC_POLL_EVENT_TOKEN);
    int32_t events = Int32At(ev, i * PIPC_POLL_EVENT_SIZE + PIPC_POLL_EVENT_EVENTS);
    if (token == 1001) {
      EXPECT_EQ(PIPC_READABLE, events);
      seen |= 1;
    } else if (token == 2002) {
      EXPECT_EQ(PIPC_WRITABLE, events);
      seen |= 2;
    }
  }
  EXPECT_EQ(3, seen);
  for (int fd : {p[0], p[1], a[0], a[1], b[0], b[1]}) pipc_fd_close(fd);
}

TEST(Layout, QueueAttributesAndLimitsReadAtTheSlots) {
  std::string name = pipc_test::UniqueIpcName("layout");
  int fd = -1;
  ASSERT_EQ(0, pipc_mq_open(name.c_str(), PIPC_MQ_READ_WRITE | PIPC_MQ_CREATE | PIPC_MQ_NONBLOCK, 0600, 3,
                            64, &fd));
  ASSERT_EQ(0, pipc_mq_send(fd, "hi", 2, 0, 0));
  int64_t slots[PIPC_MQ_ATTR_SLOTS];
  ASSERT_EQ(0, pipc_mq_getattr(fd, reinterpret_cast<pipc_mq_attr*>(slots)));
  EXPECT_EQ(1, slots[PIPC_MQ_ATTR_NONBLOCKING]);
  EXPECT_EQ(3, slots[PIPC_MQ_ATTR_MAX_MESSAGES]);
  EXPECT_EQ(64, slots[PIPC_MQ_ATTR_MESSAGE_SIZE]);
  EXPECT_EQ(1, slots[PIPC_MQ_ATTR_CURRENT_MESSAGES]);
  EXPECT_EQ(0, pipc_mq_close(fd));
  EXPECT_EQ(0, pipc_mq_unlink(name.c_str()));

  int64_t l[PIPC_MQ_LIMITS_SLOTS];
  ASSERT_EQ(0, pipc_mq_get_limits(reinterpret_cast<pipc_mq_limits*>(l)));
  pipc_mq_limits direct;
  ASSERT_EQ(0, pipc_mq_get_limits(&direct));
  EXPECT_EQ(direct.msg_max, l[PIPC_MQ_LIMITS_MSG_MAX]);
  EXPECT_EQ(direct.msgsize_max, l[PIPC_MQ_LIMITS_MSGSIZE_MAX]);
  EXPECT_EQ(direct.msg_default, l[PIPC_MQ_LIMITS_MSG_DEFAULT]);
  EXPECT_EQ(direct.msgsize_default, l[PIPC_MQ_LIMITS_MSGSIZE_DEFAULT]);
  EXPECT_EQ(direct.queues_max, l[PIPC_MQ_LIMITS_QUEUES_MAX]);
  EXPECT_EQ(direct.rlimit_bytes, l[PIPC_MQ_LIMITS_RLIMIT_BYTES]);
  EXPECT_EQ(direct.privileged, l[PIPC_MQ_LIMITS_PRIVILEGED]);
}

TEST(Layout, SysvStatsSembufAndLimitsReadAtTheSlots) {
  EXPECT_EQ(static_cast<int>(sizeof(pipc_sysv_msg_stat)), PIPC_SYSV_MSG_STAT_SLOTS * 8);
  EXPECT_EQ(static_cast<int>(sizeof(pipc_sysv_shm_stat)), PIPC_SYSV_SHM_STAT_SLOTS * 8);
  EXPECT_EQ(static_cast<int>(sizeof(pipc_sysv_sem_stat)), PIPC_SYSV_SEM_STAT_SLOTS * 8);
  EXPECT_EQ(static_cast<int>(sizeof(pipc_sysv_limits)), PIPC_SYSV_LIMITS_SLOTS * 8);
  EXPECT_EQ(6, PIPC_SYSV_SEMBUF_SIZE);
  pipc_sysv_sembuf op = {7, -3, PIPC_SYSV_SEM_UNDO};
  uint16_t num;
  int16_t val, flags;
  std::memcpy(&num, reinterpret_cast<const unsigned char*>(&op) + PIPC_SYSV_SEMBUF_NUM, 2);
  std::memcpy(&val, reinterpret_cast<const unsigned char*>(&op) + PIPC_SYSV_SEMBUF_OP, 2);
  std::memcpy(&flags, reinterpret_cast<const unsigned char*>(&op) + PIPC_SYSV_SEMBUF_FLAGS, 2);
  EXPECT_EQ(7, num);
  EXPECT_EQ(-3, val);
  EXPECT_EQ(PIPC_SYSV_SEM_UNDO, flags);

  int id;
  ASSERT_EQ(0, pipc_sysv_sem_get(PIPC_SYSV_PRIVATE, 4, PIPC_SYSV_CREATE, 0640, &id));
  int64_t sem[PIPC_SYSV_SEM_STAT_SLOTS];
  ASSERT_EQ(0, pipc_sysv_sem_stat_get(id, reinterpret_cast<pipc_sysv_sem_stat*>(sem)));
  pipc_sysv_sem_remove(id);
  EXPECT_EQ(4, sem[PIPC_SYSV_SEM_STAT_COUNT]);
  EXPECT_EQ(0640, sem[PIPC_SYSV_STAT_MODE]);
  EXPECT_EQ(static_cast<int64_t>(getuid()), sem[PIPC_SYSV_STAT_UID]);
  EXPECT_EQ(0, sem[PIPC_SYSV_STAT_KEY]);

  ASSERT_EQ(0, pipc_sysv_shm_get(PIPC_SYSV_PRIVATE, 5000, PIPC_SYSV_CREATE, 0600, &id));
  int64_t shm[PIPC_SYSV_SHM_STAT_SLOTS];
  ASSERT_EQ(0, pipc_sysv_shm_stat_get(id, reinterpret_cast<pipc_sysv_shm_stat*>(shm)));
  pipc_sysv_shm_remove(id);
  EXPECT_EQ(5000, shm[PIPC_SYSV_SHM_STAT_SIZE]);
  EXPECT_EQ(getpid(), shm[PIPC_SYSV_SHM_STAT_CREATOR_PID]);
  EXPECT_EQ(0, shm[PIPC_SYSV_SHM_STAT_ATTACHES]);

  int64_t l[PIPC_SYSV_LIMITS_SLOTS];
  ASSERT_EQ(0, pipc_sysv_get_limits(reinterpret_cast<pipc_sysv_limits*>(l)));
  pipc_sysv_limits direct;
  ASSERT_EQ(0, pipc_sysv_get_limits(&direct));
  EXPECT_EQ(direct.msgmax, l[PIPC_SYSV_LIMITS_MSGMAX]);
  EXPECT_EQ(direct.shmmax, l[PIPC_SYSV_LIMITS_SHMMAX]);
  EXPECT_EQ(direct.semopm, l[PIPC_SYSV_LIMITS_SEMOPM]);
  EXPECT_EQ(direct.semvmx, l[PIPC_SYSV_LIMITS_SEMVMX]);
}

TEST(Layout, ChannelHeaderAndStatsReadAtTheOffsetsAndSlots) {
  // The segment as another process sees it: raw bytes at the exported offsets.
  std::string name = pipc_test::UniqueIpcName("layout-chan");
  uint64_t prod, cons;
  ASSERT_EQ(0, pipc_channel_create(name.c_str(), 4096, 0600, PIPC_CHANNEL_PRODUCER, &prod));
  ASSERT_EQ(0, pipc_channel_open(name.c_str(), PIPC_CHANNEL_CONSUMER, &cons));
  ASSERT_EQ(0, pipc_channel_send(prod, "abc", 3, 0));
  const unsigned char* header = reinterpret_cast<const unsigned char*>(pipc_channel_data(prod)) -
                                PIPC_CHANNEL_HEADER_SIZE;
  EXPECT_EQ(static_cast<int64_t>(PIPC_CHANNEL_MAGIC), Int64At(header, PIPC_CHANNEL_OFF_MAGIC));
  EXPECT_EQ(PIPC_CHANNEL_VERSION, Int32At(header, PIPC_CHANNEL_OFF_VERSION));
  EXPECT_EQ(4096, Int64At(header, PIPC_CHANNEL_OFF_CAPACITY));
  EXPECT_EQ(32, Int64At(header, PIPC_CHANNEL_OFF_TAIL));  // one record: 16 + 3, aligned to 16
  EXPECT_EQ(0, Int64At(header, PIPC_CHANNEL_OFF_HEAD));
  EXPECT_EQ(static_cast<int32_t>(getpid()), Int32At(header, PIPC_CHANNEL_OFF_CONSUMER_PID));
  const unsigned char* ring = header + PIPC_CHANNEL_HEADER_SIZE;
  const uint64_t key = static_cast<uint64_t>(Int64At(header, PIPC_CHANNEL_OFF_KEY));
  EXPECT_EQ(1u, key >> 63) << "the key's top bit is set";
  EXPECT_EQ(0u, key & PIPC_CHANNEL_RECORD_KIND_MASK) << "the key leaves the kind's bits clear";
  EXPECT_EQ(static_cast<int64_t>(key | PIPC_CHANNEL_RECORD_MESSAGE), Int64At(ring, PIPC_CHANNEL_RECORD_OFF_SEQ))
      << "the first record's seq: position 0 XOR the key, kind message";
  EXPECT_EQ(3, Int32At(ring, PIPC_CHANNEL_RECORD_OFF_LENGTH));

  int64_t slots[PIPC_CHANNEL_STAT_SLOTS];
  ASSERT_EQ(0, pipc_channel_stat(cons, reinterpret_cast<pipc_channel_stats*>(slots)));
  EXPECT_EQ(4096, slots[PIPC_CHANNEL_STAT_CAPACITY]);
  EXPECT_EQ(4096 / 2 - 16, slots[PIPC_CHANNEL_STAT_MAX_MESSAGE]);
  EXPECT_EQ(0, slots[PIPC_CHANNEL_STAT_HEAD]);
  EXPECT_EQ(32, slots[PIPC_CHANNEL_STAT_TAIL]);
  EXPECT_EQ(32, slots[PIPC_CHANNEL_STAT_BYTES_WAITING]);
  EXPECT_EQ(1, slots[PIPC_CHANNEL_STAT_MESSAGES_WAITING]);
  EXPECT_EQ(getpid(), slots[PIPC_CHANNEL_STAT_CONSUMER_PID]);
  EXPECT_EQ(1, slots[PIPC_CHANNEL_STAT_CONSUMER_ALIVE]);
  EXPECT_EQ(0, slots[PIPC_CHANNEL_STAT_CONSUMER_SLEEPING]);
  EXPECT_EQ(0, slots[PIPC_CHANNEL_STAT_PRODUCERS_SLEEPING]);
  EXPECT_EQ(1, slots[PIPC_CHANNEL_STAT_PRODUCERS]);
  EXPECT_EQ(0, slots[PIPC_CHANNEL_STAT_SKIPPED]);
  EXPECT_EQ(0, slots[PIPC_CHANNEL_STAT_WAKEUPS]);
  EXPECT_EQ(PIPC_CHANNEL_VERSION, slots[PIPC_CHANNEL_STAT_VERSION]);
  EXPECT_EQ(0, pipc_channel_close(prod));
  EXPECT_EQ(0, pipc_channel_close(cons));
  EXPECT_EQ(0, pipc_channel_unlink(name.c_str()));
}

}  // namespace
