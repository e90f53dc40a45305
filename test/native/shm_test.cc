// Shared memory objects, memfd files and mappings, across processes.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "ipc_names.h"
#include "test_util.h"

using pipc_test::ForkChild;
using pipc_test::ScopedShmName;
using pipc_test::WaitChild;

namespace {

bool IsCloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

TEST(ShmName, ValidatedBeforeTheSystemCall) {
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check(nullptr, PIPC_SHM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("noslash", PIPC_SHM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/", PIPC_SHM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/a/b", PIPC_SHM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/.", PIPC_SHM_NAME_MAX));
  EXPECT_EQ(-EINVAL, pipc_ipc_name_check("/..", PIPC_SHM_NAME_MAX));
  EXPECT_EQ(0, pipc_ipc_name_check("/...", PIPC_SHM_NAME_MAX));
  std::string longest = "/" + std::string(PIPC_SHM_NAME_MAX, 'x');
  EXPECT_EQ(0, pipc_ipc_name_check(longest.c_str(), PIPC_SHM_NAME_MAX));
  EXPECT_EQ(-ENAMETOOLONG, pipc_ipc_name_check((longest + "x").c_str(), PIPC_SHM_NAME_MAX));
  int fd;
  EXPECT_EQ(-EINVAL, pipc_shm_open("/a/b", PIPC_SHM_CREATE, 0600, &fd));
  EXPECT_EQ(-ENAMETOOLONG, pipc_shm_create((longest + "x").c_str(), 10, 0600, &fd));
  EXPECT_EQ(-EINVAL, pipc_shm_unlink("relative"));
}

TEST(Shm, OpenRejectsBadFlagsAndModes) {
  ScopedShmName name("flags");
  int fd;
  EXPECT_EQ(-EINVAL, pipc_shm_open(name.c_str(), 0x100, 0600, &fd));
  EXPECT_EQ(-EINVAL, pipc_shm_open(name.c_str(), PIPC_SHM_EXCLUSIVE, 0600, &fd));
  EXPECT_EQ(-EINVAL, pipc_shm_open(name.c_str(), PIPC_SHM_CREATE | PIPC_SHM_TRUNCATE | PIPC_SHM_READ_ONLY,
                                   0600, &fd));
  EXPECT_EQ(-EINVAL, pipc_shm_open(name.c_str(), PIPC_SHM_CREATE, 01600, &fd));
  EXPECT_EQ(-EINVAL, pipc_shm_open(name.c_str(), PIPC_SHM_CREATE, 0600, nullptr));
  EXPECT_EQ(-EINVAL, pipc_shm_create(name.c_str(), -1, 0600, &fd));
  EXPECT_EQ(-ENOENT, pipc_shm_open(name.c_str(), 0, 0, &fd));
  EXPECT_EQ(-ENOENT, pipc_shm_unlink(name.c_str()));
}

TEST(Shm, CreateSizesAllocatesAndIsExclusive) {
  ScopedShmName name("create");
  int before = pipc_test::CountOpenFds();
  int fd;
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), 10000, 0600, &fd));
  EXPECT_TRUE(IsCloexec(fd));
  EXPECT_EQ(10000, pipc_shm_size(fd));
  struct stat st;
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_GE(st.st_blocks * 512, 10000) << "pages are allocated at creation";
  int again;
  EXPECT_EQ(-EEXIST, pipc_shm_create(name.c_str(), 10, 0600, &again));
  EXPECT_EQ(-EEXIST, pipc_shm_open(name.c_str(), PIPC_SHM_CREATE | PIPC_SHM_EXCLUSIVE, 0600, &again));
  ASSERT_EQ(0, pipc_shm_open(name.c_str(), PIPC_SHM_CREATE, 0600, &again));
  EXPECT_EQ(10000, pipc_shm_size(again));
  EXPECT_EQ(0, pipc_fd_close(again));
  ASSERT_EQ(0, pipc_shm_open(name.c_str(), PIPC_SHM_TRUNCATE, 0, &again));
  EXPECT_EQ(0, pipc_shm_size(fd)) << "O_TRUNC empties the one object";
  EXPECT_EQ(0, pipc_fd_close(again));
  EXPECT_EQ(0, pipc_fd_close(fd));
  EXPECT_EQ(0, pipc_shm_unlink(name.c_str()));
  EXPECT_EQ(-ENOENT, pipc_shm_open(name.c_str(), 0, 0, &fd));
  EXPECT_EQ(before, pipc_test::CountOpenFds());
}

TEST(Shm, CreateBeyondTheTmpfsFailsAtOnceAndLeavesNothing) {
  // More than the whole tmpfs holds: refused before any page is allocated. A
  // tmpfs without a size limit would try to allocate it all, so it is skipped.
  struct statvfs fs;
  ASSERT_EQ(0, statvfs("/dev/shm", &fs));
  if (fs.f_blocks == 0) GTEST_SKIP() << "/dev/shm has no size limit";
  int64_t total = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  ScopedShmName name("huge");
  int fd;
  int r = pipc_shm_create(name.c_str(), total + (INT64_C(1) << 30), 0600, &fd);
  EXPECT_EQ(-ENOSPC, r) << pipc_errno_name(r);
  EXPECT_EQ(-ENOENT, pipc_shm_open(name.c_str(), 0, 0, &fd)) << "the failed object was removed";
}

TEST(Shm, MappingsAreSharedWithAnotherProcess) {
  ScopedShmName name("share");
  int fd;
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), 4096, 0600, &fd));
  uint64_t addr;
  ASSERT_EQ(0, pipc_mmap(fd, 0, 4096, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  auto* p = reinterpret_cast<volatile char*>(addr);
  p[0] = 'p';
  pid_t pid = ForkChild([&] {
    // The child opens the object by name and maps it at an address of its own.
    int cfd;
    uint64_t caddr;
    if (pipc_shm_open(name.c_str(), 0, 0, &cfd) < 0) return 10;
    if (pipc_mmap(cfd, 0, 4096, PIPC_PROT_READ | PIPC_PROT_WRITE, &caddr) < 0) return 11;
    auto* c = reinterpret_cast<volatile char*>(caddr);
    if (c[0] != 'p') return 12;
    c[1] = 'c';
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ('c', p[1]);
  EXPECT_EQ(0, pipc_munmap(addr, 4096));
  pipc_fd_close(fd);
}

TEST(Shm, MapChecksOffsetLengthAndAccess) {
  ScopedShmName name("map");
  int fd, ro;
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), 3 * pipc_page_size(), 0600, &fd));
  ASSERT_EQ(0, pipc_shm_open(name.c_str(), PIPC_SHM_READ_ONLY, 0, &ro));
  uint64_t addr;
  EXPECT_EQ(-EINVAL, pipc_mmap(fd, 0, 0, PIPC_PROT_READ, &addr));
  EXPECT_EQ(-EINVAL, pipc_mmap(fd, 1, 100, PIPC_PROT_READ, &addr));
  EXPECT_EQ(-EINVAL, pipc_mmap(fd, -4096, 100, PIPC_PROT_READ, &addr));
  EXPECT_EQ(-EINVAL, pipc_mmap(fd, 0, 100, PIPC_PROT_WRITE, &addr));
  EXPECT_EQ(-EINVAL, pipc_mmap(fd, 0, 100, PIPC_PROT_READ, nullptr));
  EXPECT_EQ(-EBADF, pipc_mmap(-1, 0, 100, PIPC_PROT_READ, &addr));
  EXPECT_EQ(-EACCES, pipc_mmap(ro, 0, 100, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  // A mapping at an offset sees the bytes at that offset.
  uint64_t whole, tail;
  ASSERT_EQ(0, pipc_mmap(fd, 0, 3 * pipc_page_size(), PIPC_PROT_READ | PIPC_PROT_WRITE, &whole));
  reinterpret_cast<char*>(whole)[2 * pipc_page_size() + 5] = 42;
  ASSERT_EQ(0, pipc_mmap(ro, 2 * pipc_page_size(), pipc_page_size(), PIPC_PROT_READ, &tail));
  EXPECT_EQ(42, reinterpret_cast<char*>(tail)[5]);
  EXPECT_EQ(-EINVAL, pipc_munmap(whole + 1, 100));
  EXPECT_EQ(-EINVAL, pipc_munmap(whole, 0));
  EXPECT_EQ(0, pipc_munmap(tail, pipc_page_size()));
  EXPECT_EQ(0, pipc_munmap(whole, 3 * pipc_page_size()));
  pipc_fd_close(ro);
  pipc_fd_close(fd);
}

// The reason every Java access goes through checked paths: touching a page
// that another process cut off is SIGBUS for the toucher.
TEST(Shm, TouchingAPageBeyondAShrunkObjectIsSigbus) {
  ScopedShmName name("sigbus");
  int fd;
  int64_t page = pipc_page_size();
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), 2 * page, 0600, &fd));
  uint64_t addr;
  ASSERT_EQ(0, pipc_mmap(fd, 0, 2 * page, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  ASSERT_EQ(0, pipc_shm_truncate(fd, page));
  EXPECT_EQ(page, pipc_shm_size(fd));
  // The probe reports the missing page without a signal.
  EXPECT_EQ(0, pipc_mem_probe(addr + 8, 64));
  EXPECT_EQ(-EFAULT, pipc_mem_probe(addr + page + 8, 64));
  EXPECT_EQ(-EFAULT, pipc_mem_probe(addr + page - 4, 8));
  EXPECT_EQ(-EINVAL, pipc_mem_probe(addr, 0));
  pid_t pid = ForkChild([&] {
    signal(SIGBUS, SIG_DFL);  // the kernel's own action, whatever a sanitizer installed
    reinterpret_cast<volatile char*>(addr)[0] = 1;     // still inside: fine
    reinterpret_cast<volatile char*>(addr)[page] = 1;  // beyond the end
    return 0;
  });
  EXPECT_EQ(128 + SIGBUS, WaitChild(pid));
  EXPECT_EQ(-EINVAL, pipc_shm_truncate(fd, -1));
  EXPECT_EQ(0, pipc_munmap(addr, 2 * page));
  pipc_fd_close(fd);
}

TEST(Shm, AllocateGrowsAndValidates) {
  ScopedShmName name("alloc");
  int fd;
  ASSERT_EQ(0, pipc_shm_open(name.c_str(), PIPC_SHM_CREATE | PIPC_SHM_EXCLUSIVE, 0600, &fd));
  EXPECT_EQ(0, pipc_shm_size(fd));
  EXPECT_EQ(0, pipc_shm_allocate(fd, 0, 5000));
  EXPECT_EQ(5000, pipc_shm_size(fd));
  EXPECT_EQ(-EINVAL, pipc_shm_allocate(fd, -1, 10));
  EXPECT_EQ(-EINVAL, pipc_shm_allocate(fd, 0, 0));
  EXPECT_EQ(-EBADF, pipc_shm_allocate(-1, 0, 10));
  pipc_fd_close(fd);
}

TEST(Memfd, SealsFreezeTheSize) {
  int fd;
  EXPECT_EQ(-EINVAL, pipc_memfd_create("x", 0x80, &fd));
  EXPECT_EQ(-EINVAL, pipc_memfd_create(nullptr, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_memfd_create(std::string(250, 'n').c_str(), 0, &fd));
  ASSERT_EQ(0, pipc_memfd_create("pipc-test", PIPC_MEMFD_ALLOW_SEALING, &fd));
  EXPECT_TRUE(IsCloexec(fd));
  EXPECT_EQ(0, pipc_memfd_seals(fd));
  ASSERT_EQ(0, pipc_shm_truncate(fd, 8192));
  EXPECT_EQ(-EINVAL, pipc_memfd_add_seals(fd, 0x100));
  EXPECT_EQ(0, pipc_memfd_add_seals(fd, PIPC_SEAL_SHRINK | PIPC_SEAL_GROW));
  EXPECT_EQ(PIPC_SEAL_SHRINK | PIPC_SEAL_GROW, pipc_memfd_seals(fd));
  EXPECT_EQ(-EPERM, pipc_shm_truncate(fd, 4096));
  EXPECT_EQ(-EPERM, pipc_shm_truncate(fd, 16384));
  // A writable shared mapping forbids the write seal.
  uint64_t addr;
  ASSERT_EQ(0, pipc_mmap(fd, 0, 8192, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  EXPECT_EQ(-EBUSY, pipc_memfd_add_seals(fd, PIPC_SEAL_WRITE));
  ASSERT_EQ(0, pipc_munmap(addr, 8192));
  EXPECT_EQ(0, pipc_memfd_add_seals(fd, PIPC_SEAL_WRITE | PIPC_SEAL_SEAL));
  EXPECT_EQ(-EPERM, pipc_mmap(fd, 0, 8192, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  EXPECT_EQ(-EPERM, pipc_memfd_add_seals(fd, PIPC_SEAL_FUTURE_WRITE));
  pipc_fd_close(fd);
  ASSERT_EQ(0, pipc_memfd_create("pipc-test", 0, &fd));
  EXPECT_EQ(-EPERM, pipc_memfd_add_seals(fd, PIPC_SEAL_GROW)) << "sealing was not allowed";
  pipc_fd_close(fd);
}

TEST(Mapping, AnonymousMappingsAreSharedWithChildren) {
  uint64_t addr;
  EXPECT_EQ(-EINVAL, pipc_mmap_anonymous(0, &addr));
  EXPECT_EQ(-EINVAL, pipc_mmap_anonymous(4096, nullptr));
  ASSERT_EQ(0, pipc_mmap_anonymous(4096, &addr));
  pid_t pid = ForkChild([&] {
    *reinterpret_cast<volatile int*>(addr) = 77;
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(77, *reinterpret_cast<volatile int*>(addr));
  EXPECT_EQ(0, pipc_munmap(addr, 4096));
}

TEST(Mapping, SyncLockAdviseAndTheirBadInput) {
  int64_t page = pipc_page_size();
  pipc_test::SharedAnon m(2 * page);
  ASSERT_NE(0u, m.addr);
  EXPECT_EQ(0, pipc_msync(m.addr, page, PIPC_MSYNC_SYNC));
  EXPECT_EQ(0, pipc_msync(m.addr, page, PIPC_MSYNC_ASYNC | PIPC_MSYNC_INVALIDATE));
  EXPECT_EQ(-EINVAL, pipc_msync(m.addr, page, PIPC_MSYNC_ASYNC | PIPC_MSYNC_SYNC));
  EXPECT_EQ(-EINVAL, pipc_msync(m.addr, page, 0));
  EXPECT_EQ(-EINVAL, pipc_msync(m.addr + 1, page, PIPC_MSYNC_SYNC));
  int r = pipc_mlock(m.addr, page);
  EXPECT_TRUE(r == 0 || r == -ENOMEM || r == -EPERM) << pipc_errno_name(r);
  if (r == 0) {
    EXPECT_EQ(0, pipc_munlock(m.addr, page));
  }
  EXPECT_EQ(-EINVAL, pipc_mlock(m.addr, 0));
  EXPECT_EQ(0, pipc_madvise(m.addr, 2 * page, PIPC_ADVICE_SEQUENTIAL));
  EXPECT_EQ(-EINVAL, pipc_madvise(m.addr, page, 99));
  // DONTNEED drops this process's page table entries only: shared data stays.
  *m.at<int>(0) = 1234;
  EXPECT_EQ(0, pipc_madvise(m.addr, page, PIPC_ADVICE_DONTNEED));
  EXPECT_EQ(1234, *m.at<int>(0));
}

TEST(Mapping, DetachKeepsTheAddressesButLeavesTheObject) {
  ScopedShmName name("detach");
  int fd;
  int64_t page = pipc_page_size();
  ASSERT_EQ(0, pipc_shm_create(name.c_str(), page, 0600, &fd));
  uint64_t a, b;
  ASSERT_EQ(0, pipc_mmap(fd, 0, page, PIPC_PROT_READ | PIPC_PROT_WRITE, &a));
  ASSERT_EQ(0, pipc_mmap(fd, 0, page, PIPC_PROT_READ | PIPC_PROT_WRITE, &b));
  *reinterpret_cast<volatile int*>(a) = 7;
  ASSERT_EQ(0, pipc_mmap_detach(a, page));
  EXPECT_EQ(0, *reinterpret_cast<volatile int*>(a)) << "a private zero page now";
  *reinterpret_cast<volatile int*>(a) = 9;  // goes nowhere, and does not fault
  EXPECT_EQ(7, *reinterpret_cast<volatile int*>(b));
  EXPECT_EQ(-EINVAL, pipc_mmap_detach(a + 1, page));
  EXPECT_EQ(0, pipc_munmap(a, page));
  EXPECT_EQ(0, pipc_munmap(b, page));
  pipc_fd_close(fd);
}

}  // namespace
