// Helpers shared by the Google Test suites: unique object names that are
// removed even when a test fails, descriptor counting, and child processes
// that cannot outlive their test.
#ifndef PIPC_TEST_UTIL_H
#define PIPC_TEST_UTIL_H

#include <sys/types.h>

#include <functional>
#include <string>

namespace pipc_test {

// "/tmp/pipc-test-<pid>-<n>-<tag>": unique per process and call.
std::string UniquePath(const std::string& tag);

// A path that is unlinked (if it exists) when the object goes out of scope.
class ScopedPath {
 public:
  explicit ScopedPath(const std::string& tag) : path_(UniquePath(tag)) {}
  ~ScopedPath();
  ScopedPath(const ScopedPath&) = delete;
  ScopedPath& operator=(const ScopedPath&) = delete;
  const char* c_str() const { return path_.c_str(); }
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

// The number of open descriptors of this process.
int CountOpenFds();

// The first number in the file at path (a /proc/sys setting), or -1 when it
// cannot be read.
long long ReadNumberFile(const char* path);

// Runs body in a forked child whose exit status is body's return value; the
// child is killed if it is still running after timeout_ms. Returns the pid.
pid_t ForkChild(const std::function<int()>& body);

// Waits for a child from ForkChild, killing it after timeout_ms. Returns its
// exit code, 128 + signal when a signal ended it, or -1 on timeout.
int WaitChild(pid_t pid, int timeout_ms = 10000);

// Monotonic time in milliseconds.
long long NowMs();

}  // namespace pipc_test

#endif  // PIPC_TEST_UTIL_H
