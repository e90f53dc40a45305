// Unique names for POSIX IPC objects in the Google Test suites, removed even
// when a test fails.
#ifndef PIPC_IPC_NAMES_H
#define PIPC_IPC_NAMES_H

#include <posixipc/posixipc.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>

namespace pipc_test {

// "/pipc-test-<pid>-<n>-<random>-<tag>": unique per process, call and run.
inline std::string UniqueIpcName(const std::string& tag) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}();
  char buf[96];
  snprintf(buf, sizeof buf, "/pipc-test-%d-%d-%08x-%s", static_cast<int>(getpid()), counter++,
           salt, tag.c_str());
  return buf;
}

// A shared memory object name that is unlinked when it goes out of scope.
struct ScopedShmName {
  std::string name;
  explicit ScopedShmName(const std::string& tag) : name(UniqueIpcName(tag)) {}
  ~ScopedShmName() { pipc_shm_unlink(name.c_str()); }
  const char* c_str() const { return name.c_str(); }
};

// A named semaphore name that is unlinked when it goes out of scope.
struct ScopedSemName {
  std::string name;
  explicit ScopedSemName(const std::string& tag) : name(UniqueIpcName(tag)) {}
  ~ScopedSemName() { pipc_sem_unlink(name.c_str()); }
  const char* c_str() const { return name.c_str(); }
};

// A shared anonymous mapping, unmapped at the end of the scope: memory that
// forked children share with the test.
struct SharedAnon {
  uint64_t addr = 0;
  int64_t length;
  explicit SharedAnon(int64_t len) : length(len) { pipc_mmap_anonymous(len, &addr); }
  ~SharedAnon() {
    if (addr != 0) pipc_munmap(addr, length);
  }
  template <typename T>
  T* at(int64_t offset) const {
    return reinterpret_cast<T*>(addr + offset);
  }
};

}  // namespace pipc_test

#endif  // PIPC_IPC_NAMES_H
