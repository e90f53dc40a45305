// The fault guard: sync calls on shared memory that another process shrank
// return -EFAULT instead of killing the process. Every test runs in a forked
// child, so the guard (process-wide, permanent) never leaks into another test,
// and a guard that failed shows as a child killed by SIGBUS or SIGABRT.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "ipc_names.h"
#include "test_util.h"

extern "C" int pipc__guarded(int (*op)(void* arg), void* arg, uint64_t addr, size_t length);

using pipc_test::ForkChild;
using pipc_test::NowMs;
using pipc_test::WaitChild;

namespace {

// A two-page segment: objects go in the second page, which cut() removes.
struct Segment {
  pipc_test::ScopedShmName name;
  int fd = -1;
  uint64_t addr = 0;
  int64_t page = pipc_page_size();
  explicit Segment(const char* tag) : name(tag) {
    EXPECT_EQ(0, pipc_shm_create(name.c_str(), 2 * page, 0600, &fd));
    EXPECT_EQ(0, pipc_mmap(fd, 0, 2 * page, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr));
  }
  ~Segment() {
    pipc_munmap(addr, 2 * page);
    pipc_fd_close(fd);
  }
  uint64_t second(int64_t at = 0) const { return addr + page + at; }
  int cut() const { return pipc_shm_truncate(fd, page); }
};

// Runs body in a child with the guard installed; returns the child's status.
int InGuardedChild(const std::function<int()>& body) {
  return WaitChild(ForkChild([&] {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);  // the deaths tested for leave no core file
    signal(SIGBUS, SIG_DFL);        // the kernel's default behind the guard, whatever a sanitizer installed
    if (pipc_fault_guard_install() != 0) return 90;
    if (pipc_fault_guard_installed() != 1) return 91;
    return body();
  }));
}

TEST(FaultGuard, InstallIsIdempotent) {
  EXPECT_EQ(0, InGuardedChild([] {
    if (pipc_fault_guard_install() != 0) return 1;
    struct sigaction sa;
    sigaction(SIGBUS, nullptr, &sa);
    return (sa.sa_flags & SA_SIGINFO) ? 0 : 2;
  }));
}

TEST(FaultGuard, EveryCallOnAVanishedPageIsEfault) {
  Segment s("guard-calls");
  uint64_t sem = s.second(0), mutex = s.second(64), cond = s.second(128);
  ASSERT_EQ(0, pipc_sem_init(sem, 1));
  ASSERT_EQ(0, pipc_mutex_init(mutex));
  ASSERT_EQ(0, pipc_cond_init(cond));
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    int fails = 0;
    auto expect = [&](int got, int line) {
      if (got != -EFAULT) {
        fprintf(stderr, "line %d: %d (%s)\n", line, got, pipc_errno_name(got));
        fails++;
      }
    };
    expect(pipc_sem_post(sem), __LINE__);
    expect(pipc_sem_wait(sem, 0), __LINE__);
    expect(pipc_sem_wait(sem, 1000000), __LINE__);
    expect(pipc_sem_wait(sem, -1), __LINE__);
    expect(pipc_sem_value(sem), __LINE__);
    expect(pipc_sem_init(sem, 0), __LINE__);
    // (sem_destroy does not touch the semaphore in glibc: nothing to fault.)
    expect(pipc_mutex_lock(mutex, -1), __LINE__);
    expect(pipc_mutex_lock(mutex, 0), __LINE__);
    expect(pipc_mutex_lock(mutex, 1000000), __LINE__);
    expect(pipc_mutex_unlock(mutex), __LINE__);
    expect(pipc_mutex_consistent(mutex), __LINE__);
    expect(pipc_mutex_init(mutex), __LINE__);
    expect(pipc_mutex_destroy(mutex), __LINE__);
    expect(pipc_cond_signal(cond), __LINE__);
    expect(pipc_cond_broadcast(cond), __LINE__);
    expect(pipc_cond_init(cond), __LINE__);
    expect(pipc_cond_destroy(cond), __LINE__);
    // The first page is still there, and so is the process.
    *reinterpret_cast<volatile int*>(s.addr) = 7;
    return fails;
  }));
}

TEST(FaultGuard, WithoutTheGuardTheSameCallIsSigbus) {
  Segment s("guard-none");
  ASSERT_EQ(0, pipc_sem_init(s.second(), 1));
  ASSERT_EQ(0, s.cut());
  int status = WaitChild(ForkChild([&] {
    signal(SIGBUS, SIG_DFL);  // whatever a sanitizer installed
    return pipc_fault_guard_installed() == 0 ? (pipc_sem_post(s.second()), 1) : 2;
  }));
  EXPECT_EQ(128 + SIGBUS, status);
}

// The page vanishes while the call waits in the kernel: the wait ends at its
// timeout, glibc touches the object again, and that fault is reported.
TEST(FaultGuard, AWaiterWhosePageVanishesGetsEfault) {
  Segment s("guard-waiter");
  uint64_t sem = s.second(0), mutex = s.second(64), cond = s.second(128);
  uint64_t own = s.addr;  // a mutex in the page that stays
  ASSERT_EQ(0, pipc_sem_init(sem, 0));
  ASSERT_EQ(0, pipc_mutex_init(mutex));
  ASSERT_EQ(0, pipc_cond_init(cond));
  ASSERT_EQ(0, pipc_mutex_init(own));
  EXPECT_EQ(0, InGuardedChild([&] {
    // Another thread holds the mutex, so that the lock below waits.
    std::atomic<int> held{0};
    std::thread holder([&] {
      held = pipc_mutex_lock(mutex, -1) == 0 ? 1 : 2;
      while (held == 1) usleep(1000);
    });
    while (held == 0) usleep(1000);
    if (held != 1) return 1;
    std::thread cutter([&] {
      usleep(100 * 1000);
      s.cut();
    });
    long long t0 = NowMs();
    // Long enough that the cut always comes first, even on a loaded machine.
    int r1 = pipc_sem_wait(sem, 1500 * 1000000LL);
    int r2 = pipc_mutex_lock(mutex, 100 * 1000000LL);
    if (pipc_mutex_lock(own, -1) != 0) return 3;
    int r3 = pipc_cond_wait(cond, own, 100 * 1000000LL);
    // The condition's fault leaves the mutex held, as after every wait.
    int r4 = pipc_mutex_unlock(own);
    long long took = NowMs() - t0;
    cutter.join();
    held = 3;
    holder.join();
    fprintf(stderr, "sem %d, mutex %d, cond %d, unlock %d, %lld ms\n", r1, r2, r3, r4, took);
    if (r1 != -EFAULT || r2 != -EFAULT || r3 != -EFAULT) return 4;
    if (r4 != 0) return 5;
    return took < 5000 ? 0 : 6;
  }));
}

extern "C" void _pthread_cleanup_push(struct _pthread_cleanup_buffer* buffer, void (*routine)(void*), void* arg);

sigjmp_buf g_outer;
int g_cleanups;
void CountCleanup(void*) { g_cleanups++; }

// A wait whose page vanishes while it blocks leaves cleanup records in
// glibc's per-thread chain; the guard must drop them. A siglongjmp runs every
// record it jumps over: here exactly the one pushed by the test, and not the
// wait's own, which would touch the vanished semaphore (SIGBUS, outside the
// guard) or call into a dead stack frame.
[[gnu::noinline]] int WaitThenJumpOut(const Segment& s) {
  struct _pthread_cleanup_buffer mine;
  _pthread_cleanup_push(&mine, CountCleanup, nullptr);
  std::thread cutter([&] {
    usleep(50 * 1000);
    s.cut();
  });
  int r = pipc_sem_wait(s.second(), 1000 * 1000000LL);  // the cut always comes first
  cutter.join();
  if (r != -EFAULT) return 1;
  siglongjmp(g_outer, 1);
}

TEST(FaultGuard, AFaultedWaitLeavesGlibcsCleanupChainAsItWas) {
  Segment s("guard-cleanup");
  ASSERT_EQ(0, pipc_sem_init(s.second(), 0));
  EXPECT_EQ(0, InGuardedChild([&] {
    if (sigsetjmp(g_outer, 0) == 0) return 10 + WaitThenJumpOut(s);
    return g_cleanups == 1 ? 0 : 20 + g_cleanups;
  }));
}

// glibc calls abort() when a futex call reports EFAULT (the page vanished
// between its load and its system call) and on broken object state: inside a
// guarded call that is -EFAULT when the page is gone, else -ENOTRECOVERABLE.
int Aborts(void*) {
  abort();
  return 0;
}

TEST(FaultGuard, AnAbortInsideAGuardedCallIsAnError) {
  Segment s("guard-abort");
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    if (pipc__guarded(Aborts, nullptr, s.addr, 8) != -ENOTRECOVERABLE) return 1;
    if (pipc__guarded(Aborts, nullptr, s.second(), 8) != -EFAULT) return 2;
    // The signal mask is as before: SIGABRT is not left blocked.
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    if (sigismember(&mask, SIGABRT) || sigismember(&mask, SIGBUS)) return 3;
    return pipc__guarded(Aborts, nullptr, s.addr, 8) == -ENOTRECOVERABLE ? 0 : 4;
  }));
}

TEST(FaultGuard, SignalsOutsideAGuardedCallKeepTheirDefaultAction) {
  Segment s("guard-default");
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(128 + SIGABRT, InGuardedChild([] {
    abort();
    return 0;
  }));
  EXPECT_EQ(128 + SIGBUS, InGuardedChild([&] {
    *reinterpret_cast<volatile char*>(s.second()) = 1;
    return 0;
  }));
  // A SIGABRT sent by another process during a guarded call is not the call's.
  Segment t("guard-sent");
  ASSERT_EQ(0, pipc_sem_init(t.second(), 0));
  EXPECT_EQ(128 + SIGABRT, InGuardedChild([&] {
    std::thread([] {
      usleep(50 * 1000);
      kill(getpid(), SIGABRT);
    }).detach();
    pipc_sem_wait(t.second(), 2000 * 1000000LL);
    return 0;
  }));
}

sigjmp_buf g_back;
volatile sig_atomic_t g_seen;
void* volatile g_fault_addr;

void PreviousHandler(int, siginfo_t* si, void*) {
  g_seen = g_seen + 1;
  g_fault_addr = si->si_addr;
  siglongjmp(g_back, 1);
}

TEST(FaultGuard, AFaultOutsideAGuardedCallReachesThePreviousHandler) {
  Segment s("guard-chain");
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, WaitChild(ForkChild([&] {
    struct sigaction sa {};
    sa.sa_sigaction = PreviousHandler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, nullptr);
    if (pipc_fault_guard_install() != 0) return 1;
    volatile char* p = reinterpret_cast<volatile char*>(s.second(16));
    if (sigsetjmp(g_back, 1) == 0) {
      *p = 1;
      return 2;
    }
    if (g_seen != 1 || g_fault_addr != const_cast<char*>(p)) return 3;
    // Guarded calls are still the guard's.
    return pipc_sem_post(s.second()) == -EFAULT && g_seen == 1 ? 0 : 4;
  })));
}

TEST(Atomics, CompareAndSetAndAddAcrossProcessesAreExact) {
  Segment s("atomics");
  uint64_t i32 = s.addr + 64, i64 = s.addr + 128;
  EXPECT_EQ(1, pipc_atomic_cas32(i32, 0, 5));
  EXPECT_EQ(0, pipc_atomic_cas32(i32, 0, 6));
  EXPECT_EQ(5, *reinterpret_cast<volatile int32_t*>(i32));
  EXPECT_EQ(5, pipc_atomic_add32(i32, -7));
  EXPECT_EQ(-2, pipc_atomic_add32(i32, 0));
  EXPECT_EQ(1, pipc_atomic_cas64(i64, 0, INT64_MIN));
  EXPECT_EQ(INT64_MIN, pipc_atomic_add64(i64, 1));  // a genuine INT64_MIN...
  EXPECT_EQ(0, pipc_atomic_error());                // ...told apart from an error
  EXPECT_EQ(1, pipc_atomic_cas64(i64, INT64_MIN + 1, 0));
  // Two processes add 200,000 times each: nothing is lost.
  auto adds = [&] {
    for (int k = 0; k < 200000; k++) {
      pipc_atomic_add64(i64, 1);
      pipc_atomic_add32(i32, 1);
    }
    return 0;
  };
  pid_t child = ForkChild(adds);
  adds();
  EXPECT_EQ(0, WaitChild(child));
  EXPECT_EQ(400000, *reinterpret_cast<volatile int64_t*>(i64));
  EXPECT_EQ(399998, *reinterpret_cast<volatile int32_t*>(i32));
}

TEST(Atomics, BadAddressesAreEinval) {
  Segment s("atomics-bad");
  EXPECT_EQ(-EINVAL, pipc_atomic_cas32(0, 0, 1));
  EXPECT_EQ(-EINVAL, pipc_atomic_cas32(s.addr + 2, 0, 1));
  EXPECT_EQ(-EINVAL, pipc_atomic_cas64(s.addr + 4, 0, 1));
  EXPECT_EQ(INT64_MIN, pipc_atomic_add32(s.addr + 1, 1));
  EXPECT_EQ(-EINVAL, pipc_atomic_error());
  EXPECT_EQ(INT64_MIN, pipc_atomic_add64(s.addr + 12, 1));
  EXPECT_EQ(-EINVAL, pipc_atomic_error());
}

TEST(Atomics, AVanishedPageIsEfaultUnderTheGuard) {
  Segment s("atomics-cut");
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    if (pipc_atomic_cas32(s.second(), 0, 1) != -EFAULT) return 1;
    if (pipc_atomic_cas64(s.second(8), 0, 1) != -EFAULT) return 2;
    if (pipc_atomic_add32(s.second(), 1) != INT64_MIN || pipc_atomic_error() != -EFAULT) return 3;
    if (pipc_atomic_add64(s.second(8), 1) != INT64_MIN || pipc_atomic_error() != -EFAULT) return 4;
    return pipc_atomic_add64(s.addr, 1) == 0 && pipc_atomic_error() == 0 ? 0 : 5;
  }));
}

// Another process shrinks and regrows the segment as fast as it can while
// this one posts, takes and locks: every call ends in a result, none in a
// signal, whichever instant the page vanishes at.
TEST(FaultGuard, ARacingTruncationNeverKillsTheCaller) {
  Segment s("guard-race");
  uint64_t sem = s.second(0), mutex = s.second(64);
  ASSERT_EQ(0, pipc_sem_init(sem, 0));
  ASSERT_EQ(0, pipc_mutex_init(mutex));
  pid_t cutter = ForkChild([&] {
    long long end = NowMs() + 1500;
    while (NowMs() < end) {
      if (pipc_shm_truncate(s.fd, s.page) != 0 || pipc_shm_truncate(s.fd, 2 * s.page) != 0) return 1;
    }
    return 0;
  });
  EXPECT_EQ(0, InGuardedChild([&] {
    long ok = 0, faults = 0;
    long long end = NowMs() + 1000;
    while (NowMs() < end) {
      for (int r : {pipc_sem_post(sem), pipc_sem_wait(sem, 0), pipc_sem_value(sem), pipc_mutex_lock(mutex, 0),
                    pipc_mutex_unlock(mutex)}) {
        if (r >= 0) ok++;
        if (r == -EFAULT) faults++;
      }
    }
    fprintf(stderr, "%ld calls ended well, %ld in -EFAULT\n", ok, faults);
    return ok > 0 && faults > 0 ? 0 : 1;
  }));
  EXPECT_EQ(0, WaitChild(cutter));
}

// The registry of regions: a plain load or store past the shrunk end, with
// no guarded call around it, completes on a zero page and sets the region's
// flag; that page is private from then on, the others stay shared.
TEST(FaultRegion, APlainAccessPastTheEndCompletesOnZeroPagesAndSetsTheFlag) {
  Segment s("region-plain");
  *reinterpret_cast<volatile int32_t*>(s.addr) = 7;
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    static int32_t flag;
    if (pipc_fault_region_add(s.addr, 2 * s.page, 1, reinterpret_cast<uint64_t>(&flag)) != 0) return 1;
    if (*reinterpret_cast<volatile int32_t*>(s.addr) != 7 || flag != 0) return 2;  // no fault yet
    volatile int32_t* gone = reinterpret_cast<volatile int32_t*>(s.second(16));
    *gone = 5;  // faults, then completes on the zero page
    if (__atomic_load_n(&flag, __ATOMIC_ACQUIRE) != 1) return 3;
    if (*gone != 5) return 4;  // a private page now: the store stayed in it
    *reinterpret_cast<volatile int32_t*>(s.addr) = 8;  // the first page is still the object's
    int32_t seen;
    if (pread(s.fd, &seen, sizeof seen, 0) != sizeof seen || seen != 8) return 5;
    return pipc_fault_region_remove(s.addr) == 0 ? 0 : 6;
  }));
}

TEST(FaultRegion, ManyThreadsFaultingAtOnceAllSurvive) {
  Segment s("region-threads");
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    static int32_t flag;
    if (pipc_fault_region_add(s.addr, 2 * s.page, 0, reinterpret_cast<uint64_t>(&flag)) != 0) return 1;
    std::atomic<int> zeros{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; t++) {
      threads.emplace_back([&, t] {
        if (*reinterpret_cast<volatile int32_t*>(s.second(8 * t)) == 0) zeros++;
      });
    }
    for (auto& t : threads) t.join();
    return zeros == 8 && flag == 1 ? 0 : 2;
  }));
}

TEST(FaultRegion, AGuardedCallInARegionKeepsItsEfaultAndLeavesTheRegionAlone) {
  Segment s("region-guarded");
  ASSERT_EQ(0, pipc_sem_init(s.second(), 1));
  *reinterpret_cast<volatile int32_t*>(s.addr + 64) = 9;
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    static int32_t flag;
    if (pipc_fault_region_add(s.addr, 2 * s.page, 1, reinterpret_cast<uint64_t>(&flag)) != 0) return 1;
    if (pipc_sem_post(s.second()) != -EFAULT) return 2;
    if (pipc_atomic_cas32(s.second(64), 0, 1) != -EFAULT) return 3;
    if (flag != 0) return 4;
    return *reinterpret_cast<volatile int32_t*>(s.addr + 64) == 9 ? 0 : 5;  // still the shared page
  }));
}

TEST(FaultRegion, AFaultInNoRegionStillKillsTheProcess) {
  Segment s("region-other");
  Segment other("region-other2");
  ASSERT_EQ(0, s.cut());
  int status = InGuardedChild([&] {
    static int32_t flag;
    if (pipc_fault_region_add(other.addr, 2 * other.page, 1, reinterpret_cast<uint64_t>(&flag)) != 0) return 1;
    *reinterpret_cast<volatile int32_t*>(s.second()) = 1;  // not registered: SIGBUS, default action
    return 2;
  });
  EXPECT_EQ(128 + SIGBUS, status);
}

// Regions come and go in one thread while others fault in theirs: a fault
// always meets either a registered region (zero page, flag) or none (never
// here), and remove never returns while a handler still works on its slot.
TEST(FaultRegion, RegionsComingAndGoingWhileOtherThreadsFault) {
  Segment s("region-churn");
  ASSERT_EQ(0, s.cut());
  EXPECT_EQ(0, InGuardedChild([&] {
    std::atomic<bool> stop{false};
    std::atomic<int> bad{0};
    auto churn = [&](int id) {
      static int32_t flags[4];
      while (!stop) {
        uint64_t addr;
        if (pipc_mmap(s.fd, 0, 2 * s.page, PIPC_PROT_READ | PIPC_PROT_WRITE, &addr) != 0) { bad++; return; }
        flags[id] = 0;
        if (pipc_fault_region_add(addr, 2 * s.page, 1, reinterpret_cast<uint64_t>(&flags[id])) != 0) bad++;
        if (*reinterpret_cast<volatile int32_t*>(addr + s.page + 8 * id) != 0) bad++;  // faults
        if (__atomic_load_n(&flags[id], __ATOMIC_ACQUIRE) != 1) bad++;
        if (pipc_fault_region_remove(addr) != 0) bad++;
        pipc_munmap(addr, 2 * s.page);
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) threads.emplace_back(churn, t);
    long long end = NowMs() + 500;
    while (NowMs() < end) usleep(1000);
    stop = true;
    for (auto& t : threads) t.join();
    return bad == 0 ? 0 : 1;
  }));
}

TEST(FaultRegion, AddAndRemoveCheckTheirArguments) {
  Segment s("region-args");
  int32_t flags[2];
  uint64_t flag = reinterpret_cast<uint64_t>(&flags[0]);
  EXPECT_EQ(-EINVAL, pipc_fault_region_add(0, s.page, 1, flag));
  EXPECT_EQ(-EINVAL, pipc_fault_region_add(s.addr + 8, s.page, 1, flag));
  EXPECT_EQ(-EINVAL, pipc_fault_region_add(s.addr, 0, 1, flag));
  EXPECT_EQ(-EINVAL, pipc_fault_region_add(UINT64_MAX - s.page + 1, 2 * s.page, 1, flag));  // wraps
  EXPECT_EQ(-EINVAL, pipc_fault_region_add(s.addr, s.page, 1, 0));
  EXPECT_EQ(-EINVAL, pipc_fault_region_add(s.addr, s.page, 1, flag + 2));
  ASSERT_EQ(0, pipc_fault_region_add(s.addr, s.page, 1, flag));
  EXPECT_EQ(-EEXIST, pipc_fault_region_add(s.addr, 2 * s.page, 1, flag));
  EXPECT_EQ(0, pipc_fault_region_add(s.second(), s.page, 1, flag + 4));  // adjacent, not overlapping
  EXPECT_EQ(-ENOENT, pipc_fault_region_remove(s.addr + s.page / 2));
  EXPECT_EQ(0, pipc_fault_region_remove(s.addr));
  EXPECT_EQ(-ENOENT, pipc_fault_region_remove(s.addr));
  EXPECT_EQ(0, pipc_fault_region_remove(s.second()));
  // More regions than one block of slots, registered and removed: slots are reused.
  for (int round = 0; round < 2; round++) {
    for (uint64_t k = 0; k < 1000; k++) ASSERT_EQ(0, pipc_fault_region_add(s.page * (1000 + k), s.page, 1, flag));
    for (uint64_t k = 0; k < 1000; k++) ASSERT_EQ(0, pipc_fault_region_remove(s.page * (1000 + k)));
  }
}

}  // namespace
