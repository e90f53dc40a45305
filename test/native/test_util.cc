#include "test_util.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace pipc_test {

std::string UniquePath(const std::string& tag) {
  static std::atomic<int> counter{0};
  char buf[128];
  snprintf(buf, sizeof buf, "/tmp/pipc-test-%d-%d-%s", static_cast<int>(getpid()), counter++,
           tag.c_str());
  return buf;
}

ScopedPath::~ScopedPath() { unlink(path_.c_str()); }

long long ReadNumberFile(const char* path) {
  long long v = -1;
  if (FILE* f = fopen(path, "re")) {
    if (fscanf(f, "%lld", &v) != 1) v = -1;
    fclose(f);
  }
  return v;
}

int CountOpenFds() {
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') n++;
  }
  closedir(d);
  return n - 1;  // the directory stream's own descriptor
}

pid_t ForkChild(const std::function<int()>& body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    // A child must never return into the test framework.
    _exit(body());
  }
  return pid;
}

int WaitChild(pid_t pid, int timeout_ms) {
  long long deadline = NowMs() + timeout_ms;
  for (;;) {
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (r < 0) return -1;
    if (NowMs() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    usleep(1000);
  }
}

long long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

}  // namespace pipc_test

// The suites write to pipes without readers on purpose: SIGPIPE is ignored,
// as the JVM does, so those writes report EPIPE. A test that wants the
// default disposition sets it in a forked child.
int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
