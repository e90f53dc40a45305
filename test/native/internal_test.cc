// The core's internal helpers (native/internal.h): the shared validators.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <posixipc/posixipc.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

extern "C" {
#include "../../native/internal.h"
}

#include "test_util.h"

namespace {

using pipc_test::NowMs;

// ------------------------------------------------------------ validators

TEST(Validators, IpcNames) {
  EXPECT_EQ(0, pipc__check_ipc_name("/a", 1));
  EXPECT_EQ(-ENAMETOOLONG, pipc__check_ipc_name("/ab", 1));
  EXPECT_EQ(-EINVAL, pipc__check_ipc_name("/a", 0));  // no name fits
  EXPECT_EQ(-EINVAL, pipc__check_ipc_name("/a/", 10));
  EXPECT_EQ(0, pipc__check_ipc_name("/.a", 10));
  // Every mechanism checks through the same function.
  EXPECT_EQ(pipc__check_ipc_name("/x/y", PIPC_SEM_NAME_MAX), pipc_ipc_name_check("/x/y", PIPC_SEM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_sem_unlink("/x/y"));
  EXPECT_EQ(-EINVAL, pipc_shm_unlink("/x/y"));
  EXPECT_EQ(-EINVAL, pipc_mq_unlink("/x/y"));
}

TEST(Validators, AccessModesAndPermissionBits) {
  EXPECT_EQ(O_RDONLY, pipc__access_mode(PIPC_MQ_READ));
  EXPECT_EQ(O_WRONLY, pipc__access_mode(PIPC_FIFO_WRITE));
  EXPECT_EQ(O_RDWR, pipc__access_mode(PIPC_MQ_READ_WRITE));
  EXPECT_EQ(-EINVAL, pipc__access_mode(0));
  EXPECT_EQ(-EINVAL, pipc__access_mode(4));
  static_assert(PIPC_MQ_READ == PIPC_FIFO_READ && PIPC_MQ_WRITE == PIPC_FIFO_WRITE &&
                    PIPC_MQ_READ_WRITE == PIPC_FIFO_READ_WRITE,
                "queues and FIFOs share the access bits");
  EXPECT_EQ(0, pipc__check_mode(0640, 0777));
  EXPECT_EQ(-EINVAL, pipc__check_mode(01777, 0777));
  EXPECT_EQ(0, pipc__check_mode(01777, 07777));
  EXPECT_EQ(-EINVAL, pipc__check_mode(-1, 07777));
}

TEST(Validators, CloexecAndCatchableSignals) {
  int fds[2];
  ASSERT_EQ(0, pipe(fds));  // plain pipe(2): not close-on-exec
  EXPECT_EQ(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(0, pipc__set_cloexec(fds[0]));
  EXPECT_NE(0, fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(-EBADF, pipc__set_cloexec(fds[0]));
  EXPECT_EQ(0, pipc__check_catchable(SIGTERM));
  EXPECT_EQ(0, pipc__check_catchable(pipc_sigrtmax()));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(0));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(SIGKILL));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(SIGSTOP));
  EXPECT_EQ(-EINVAL, pipc__check_catchable(pipc_sigrtmax() + 1));
}

}  // namespace
