// Sockets: AF_UNIX stream, datagram and seqpacket, descriptor passing,
// credentials, IP loopback, across processes.
#include <gtest/gtest.h>
#include <posixipc/posixipc.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <atomic>
#include <thread>

#include "test_util.h"

using pipc_test::CountOpenFds;
using pipc_test::ForkChild;
using pipc_test::ScopedPath;
using pipc_test::WaitChild;

namespace {

struct Addr {
  unsigned char bytes[PIPC_SOCKADDR_MAX];
  int len = 0;
};

Addr PathAddr(const std::string& path) {
  Addr a;
  a.len = pipc_sockaddr_unix(a.bytes, sizeof a.bytes, path.data(), path.size());
  EXPECT_GT(a.len, 0) << path;
  return a;
}

// An abstract name unique to this process and call, with a NUL inside it.
Addr AbstractAddr(const std::string& tag) {
  static int counter = 0;
  std::string name(1, '\0');
  static std::mt19937 random{std::random_device{}()};
  name += "pipc-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
          std::to_string(random() % 1000000) + "-" + tag;
  name += std::string(1, '\0') + "tail";
  Addr a;
  a.len = pipc_sockaddr_unix(a.bytes, sizeof a.bytes, name.data(), name.size());
  EXPECT_GT(a.len, 0);
  return a;
}

Addr LoopbackAddr(int family, int port) {
  Addr a;
  if (family == PIPC_AF_INET) {
    unsigned char ip[4] = {127, 0, 0, 1};
    a.len = pipc_sockaddr_inet(a.bytes, sizeof a.bytes, ip, 4, port);
  } else {
    unsigned char ip[16] = {0};
    ip[15] = 1;
    a.len = pipc_sockaddr_inet(a.bytes, sizeof a.bytes, ip, 16, port);
  }
  EXPECT_GT(a.len, 0);
  return a;
}

int Open(int family, int type, int flags = 0) {
  int fd = -1;
  EXPECT_EQ(0, pipc_socket_create(family, type, flags, &fd));
  return fd;
}

// A listening socket on addr.
int Listen(int family, int type, const Addr& a) {
  int fd = Open(family, type);
  EXPECT_EQ(0, pipc_socket_bind(fd, a.bytes, a.len));
  EXPECT_EQ(0, pipc_socket_listen(fd, 16));
  return fd;
}

bool IsCloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

struct Pair {
  int a = -1, b = -1;
  explicit Pair(int type, int flags = 0) {
    int fds[2];
    EXPECT_EQ(0, pipc_socket_pair(type, flags, fds));
    a = fds[0];
    b = fds[1];
  }
  ~Pair() {
    if (a >= 0) pipc_fd_close(a);
    if (b >= 0) pipc_fd_close(b);
  }
};

TEST(SocketAddress, UnixPathLengthsAreCheckedAgainstSunPath) {
  unsigned char out[PIPC_SOCKADDR_MAX];
  std::string ok(PIPC_UNIX_PATH_MAX, 'p');
  EXPECT_EQ(2 + PIPC_UNIX_PATH_MAX + 1, pipc_sockaddr_unix(out, sizeof out, ok.data(), ok.size()));
  std::string too_long(PIPC_UNIX_PATH_MAX + 1, 'p');
  EXPECT_EQ(-ENAMETOOLONG, pipc_sockaddr_unix(out, sizeof out, too_long.data(), too_long.size()));
  std::string abs_ok = std::string(1, '\0') + std::string(PIPC_UNIX_ABSTRACT_MAX, 'a');
  EXPECT_EQ(2 + 1 + PIPC_UNIX_ABSTRACT_MAX, pipc_sockaddr_unix(out, sizeof out, abs_ok.data(), abs_ok.size()));
  std::string abs_long = abs_ok + "x";
  EXPECT_EQ(-ENAMETOOLONG, pipc_sockaddr_unix(out, sizeof out, abs_long.data(), abs_long.size()));
  EXPECT_EQ(-EINVAL, pipc_sockaddr_unix(out, sizeof out, "a\0b", 3));  // a NUL inside a path
  EXPECT_EQ(-EINVAL, pipc_sockaddr_unix(out, sizeof out, "", 0));
  EXPECT_EQ(-EINVAL, pipc_sockaddr_unix(nullptr, sizeof out, "a", 1));
  EXPECT_EQ(-EINVAL, pipc_sockaddr_unix(out, 10, "a", 1));  // no room
  unsigned char ip[4] = {127, 0, 0, 1};
  EXPECT_EQ(-EINVAL, pipc_sockaddr_inet(out, sizeof out, ip, 4, 70000));
  EXPECT_EQ(-EINVAL, pipc_sockaddr_inet(out, sizeof out, ip, 5, 80));
}

// Both families are built into the system's own structs, port in network order.
TEST(Socket, InetAddressesAreTheSystemStructs) {
  unsigned char out[PIPC_SOCKADDR_MAX];
  memset(out, 0xee, sizeof out);
  unsigned char v4[4] = {10, 1, 2, 3};
  ASSERT_EQ(static_cast<int>(sizeof(sockaddr_in)), pipc_sockaddr_inet(out, sizeof out, v4, 4, 8080));
  sockaddr_in in;
  memcpy(&in, out, sizeof in);
  EXPECT_EQ(AF_INET, in.sin_family);
  EXPECT_EQ(htons(8080), in.sin_port);
  EXPECT_EQ(0, memcmp(&in.sin_addr, v4, 4));
  EXPECT_EQ(0xee, out[sizeof in]);  // nothing written past the struct
  unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  ASSERT_EQ(static_cast<int>(sizeof(sockaddr_in6)), pipc_sockaddr_inet(out, sizeof out, v6, 16, 443));
  sockaddr_in6 in6;
  memcpy(&in6, out, sizeof in6);
  EXPECT_EQ(AF_INET6, in6.sin6_family);
  EXPECT_EQ(htons(443), in6.sin6_port);
  EXPECT_EQ(0u, in6.sin6_flowinfo);
  EXPECT_EQ(0u, in6.sin6_scope_id);
  EXPECT_EQ(0, memcmp(&in6.sin6_addr, v6, 16));
  // Room for the IPv4 struct only: too small for IPv6, enough for IPv4.
  EXPECT_EQ(-EINVAL, pipc_sockaddr_inet(out, sizeof(sockaddr_in), v6, 16, 443));
  EXPECT_EQ(static_cast<int>(sizeof(sockaddr_in)), pipc_sockaddr_inet(out, sizeof(sockaddr_in), v4, 4, 1));
  EXPECT_EQ(-EINVAL, pipc_sockaddr_inet(out, sizeof out, v4, 4, -1));
  EXPECT_EQ(-EINVAL, pipc_sockaddr_inet(out, sizeof out, nullptr, 4, 1));
}

TEST(Socket, BadArgumentsAreRejectedBeforeTheKernel) {
  int fd;
  EXPECT_EQ(-EINVAL, pipc_socket_create(99, PIPC_SOCK_STREAM, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_socket_create(PIPC_AF_UNIX, 99, 0, &fd));
  EXPECT_EQ(-EINVAL, pipc_socket_create(PIPC_AF_UNIX, PIPC_SOCK_STREAM, 0x100, &fd));
  EXPECT_EQ(-EINVAL, pipc_socket_create(PIPC_AF_UNIX, PIPC_SOCK_STREAM, 0, nullptr));
  EXPECT_EQ(-ESOCKTNOSUPPORT, pipc_socket_create(PIPC_AF_INET, PIPC_SOCK_SEQPACKET, 0, &fd));
  Pair p(PIPC_SOCK_STREAM);
  unsigned char junk[4] = {0xff, 0xff, 0, 0};
  EXPECT_EQ(-EAFNOSUPPORT, pipc_socket_bind(p.a, junk, sizeof junk));
  EXPECT_EQ(-EINVAL, pipc_socket_bind(p.a, nullptr, 0));
  EXPECT_EQ(-EINVAL, pipc_socket_listen(p.a, -1));
  EXPECT_EQ(-EINVAL, pipc_socket_shutdown(p.a, 0));
  int fds[PIPC_SOCKET_MAX_FDS + 1] = {0};
  EXPECT_EQ(-EINVAL, pipc_socket_sendmsg(p.a, "x", 1, fds, PIPC_SOCKET_MAX_FDS + 1, nullptr, 0, -1));
  EXPECT_EQ(-EBADF, pipc_socket_send(-1, "x", 1, 0, -1));
  EXPECT_EQ(-EINVAL, pipc_socket_get_option(p.a, 999));
  EXPECT_EQ(-EINVAL, pipc_socket_set_option(p.a, PIPC_SO_TYPE, 1));
  EXPECT_EQ(-EINVAL, pipc_socket_set_option(p.a, PIPC_SO_SNDBUF, -1));
}

TEST(Socket, WrongTypeForAnOperationIsAnError) {
  int d = Open(PIPC_AF_UNIX, PIPC_SOCK_DGRAM);
  EXPECT_EQ(-EOPNOTSUPP, pipc_socket_listen(d, 1));
  EXPECT_EQ(-EOPNOTSUPP, pipc_socket_accept(d, 0, 0));
  pipc_fd_close(d);
  int s = Open(PIPC_AF_UNIX, PIPC_SOCK_STREAM);
  EXPECT_EQ(-EINVAL, pipc_socket_accept(s, 0, 0));  // not listening
  char c;
  EXPECT_EQ(-EINVAL, pipc_socket_recv(s, &c, 1, 0, 0));  // Linux says EINVAL here
  EXPECT_EQ(-ENOTCONN, pipc_socket_send(s, "x", 1, 0, 0));
  pipc_fd_close(s);
  // A pipe is not a socket.
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  EXPECT_EQ(-ENOTSOCK, pipc_socket_listen(fds[0], 1));
  EXPECT_EQ(-ENOTSOCK, pipc_socket_send(fds[1], "x", 1, 0, -1));
  EXPECT_EQ(-ENOTSOCK, pipc_socket_adopt(fds[0]));
  EXPECT_EQ(-EBADF, pipc_socket_adopt(-1));
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
  int raw[2];
  ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, raw));  // not close-on-exec
  EXPECT_FALSE(IsCloexec(raw[0]));
  EXPECT_EQ(PIPC_SOCK_SEQPACKET, pipc_socket_adopt(raw[0]));
  EXPECT_TRUE(IsCloexec(raw[0]));
  close(raw[0]);
  close(raw[1]);
}

TEST(Socket, PairCarriesDataAndIsCloseOnExec) {
  int before = CountOpenFds();
  {
    Pair p(PIPC_SOCK_STREAM);
    EXPECT_TRUE(IsCloexec(p.a));
    EXPECT_TRUE(IsCloexec(p.b));
    EXPECT_EQ(PIPC_SOCK_STREAM, pipc_socket_get_option(p.a, PIPC_SO_TYPE));
    EXPECT_EQ(PIPC_AF_UNIX, pipc_socket_get_option(p.a, PIPC_SO_DOMAIN));
    ASSERT_EQ(5, pipc_socket_send(p.a, "hello", 5, 0, -1));
    char buf[16];
    ASSERT_EQ(5, pipc_socket_recv(p.b, buf, sizeof buf, 0, -1));
    EXPECT_EQ(0, memcmp(buf, "hello", 5));
    // Sockets are descriptors: the common read/write calls work on them too.
    ASSERT_EQ(2, pipc_fd_write(p.b, "ok", 2));
    ASSERT_EQ(2, pipc_fd_read(p.a, buf, sizeof buf));
  }
  EXPECT_EQ(before, CountOpenFds());
}

TEST(Socket, TimedReceiveWaitsAtMostTheTimeout) {
  Pair p(PIPC_SOCK_STREAM);
  char buf[4];
  EXPECT_EQ(-EAGAIN, pipc_socket_recv(p.a, buf, sizeof buf, 0, 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_socket_recv(p.a, buf, sizeof buf, 0, 20 * PIPC_MSEC));
  EXPECT_EQ(0, pipc_fd_is_nonblocking(p.a));  // the mode is not touched
  std::thread later([&] {
    usleep(20000);
    pipc_socket_send(p.b, "z", 1, 0, -1);
  });
  EXPECT_EQ(1, pipc_socket_recv(p.a, buf, sizeof buf, 0, 10 * PIPC_SEC));
  later.join();
}

TEST(Socket, NonBlockingModeAndBufferSizes) {
  Pair p(PIPC_SOCK_STREAM, PIPC_SOCKET_NONBLOCK);
  EXPECT_EQ(1, pipc_fd_is_nonblocking(p.a));
  char c;
  EXPECT_EQ(-EAGAIN, pipc_socket_recv(p.a, &c, 1, 0, -1));
  ASSERT_EQ(0, pipc_socket_set_option(p.a, PIPC_SO_SNDBUF, 8192));
  EXPECT_EQ(16384, pipc_socket_get_option(p.a, PIPC_SO_SNDBUF));  // the kernel doubles it
  ASSERT_EQ(0, pipc_socket_set_option(p.b, PIPC_SO_RCVBUF, 8192));
  EXPECT_GE(pipc_socket_get_option(p.b, PIPC_SO_RCVBUF), 8192);
  // A non-blocking send fills the buffer and then says EAGAIN.
  static char big[1 << 20];
  int64_t total = 0, n;
  while ((n = pipc_socket_send(p.a, big, sizeof big, 0, -1)) > 0) total += n;
  EXPECT_EQ(-EAGAIN, n);
  EXPECT_GT(total, 0);
  EXPECT_EQ(0, pipc_socket_set_option(p.a, PIPC_SO_RCVTIMEO, 250 * PIPC_MSEC));
  // The kernel keeps it in clock ticks: what comes back is rounded up.
  EXPECT_GE(pipc_socket_get_option(p.a, PIPC_SO_RCVTIMEO), 250 * PIPC_MSEC);
  EXPECT_LT(pipc_socket_get_option(p.a, PIPC_SO_RCVTIMEO), 300 * PIPC_MSEC);
}

TEST(Socket, StreamListenConnectAcceptAcrossProcessesOnAPath) {
  ScopedPath path("sock");
  Addr a = PathAddr(path.str());
  int l = Listen(PIPC_AF_UNIX, PIPC_SOCK_STREAM, a);
  struct stat st;
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(1, pipc_socket_get_option(l, PIPC_SO_ACCEPTCONN));
  pid_t pid = ForkChild([&] {
    int c;
    if (pipc_socket_create(PIPC_AF_UNIX, PIPC_SOCK_STREAM, 0, &c) < 0) return 10;
    if (pipc_socket_connect(c, a.bytes, a.len, -1) < 0) return 11;
    if (pipc_socket_send(c, "ping", 4, 0, -1) != 4) return 12;
    char buf[8];
    if (pipc_socket_recv(c, buf, sizeof buf, 0, 5 * PIPC_SEC) != 4 || memcmp(buf, "pong", 4) != 0) return 13;
    return 0;
  });
  int s = pipc_socket_accept(l, 0, 5 * PIPC_SEC);
  ASSERT_GE(s, 0);
  EXPECT_TRUE(IsCloexec(s));
  char buf[8];
  ASSERT_EQ(4, pipc_socket_recv(s, buf, sizeof buf, 0, 5 * PIPC_SEC));
  EXPECT_EQ(0, memcmp(buf, "ping", 4));
  ASSERT_EQ(4, pipc_socket_send(s, "pong", 4, 0, -1));
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(0, pipc_socket_recv(s, buf, sizeof buf, 0, 5 * PIPC_SEC));  // end of stream
  // The peer address of an unbound client is the bare family.
  unsigned char local[PIPC_SOCKADDR_MAX];
  EXPECT_EQ(a.len, pipc_socket_local_address(l, local, sizeof local));
  EXPECT_EQ(0, memcmp(local, a.bytes, a.len));
  pipc_fd_close(s);
  pipc_fd_close(l);
  // The path outlives the socket until it is unlinked.
  ASSERT_EQ(0, stat(path.c_str(), &st));
  EXPECT_EQ(0, pipc_sockaddr_unlink(a.bytes, a.len));
  EXPECT_NE(0, stat(path.c_str(), &st));
  EXPECT_EQ(-ENOENT, pipc_sockaddr_unlink(a.bytes, a.len));
}

TEST(Socket, UnlinkRefusesWhatIsNotASocket) {
  ScopedPath path("plain");
  close(open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  Addr a = PathAddr(path.str());
  EXPECT_EQ(-EINVAL, pipc_sockaddr_unlink(a.bytes, a.len));
  struct stat st;
  EXPECT_EQ(0, stat(path.c_str(), &st));  // still there
  Addr abs = AbstractAddr("nofile");
  EXPECT_EQ(-EINVAL, pipc_sockaddr_unlink(abs.bytes, abs.len));
}

TEST(Socket, BindToAnExistingPathIsEaddrinuse) {
  ScopedPath path("inuse");
  Addr a = PathAddr(path.str());
  int l = Listen(PIPC_AF_UNIX, PIPC_SOCK_STREAM, a);
  int other = Open(PIPC_AF_UNIX, PIPC_SOCK_STREAM);
  EXPECT_EQ(-EADDRINUSE, pipc_socket_bind(other, a.bytes, a.len));
  pipc_fd_close(other);
  pipc_fd_close(l);
}

TEST(Socket, ConnectToNothingIsRefusedOrNotFound) {
  ScopedPath path("nobody");
  Addr a = PathAddr(path.str());
  int c = Open(PIPC_AF_UNIX, PIPC_SOCK_STREAM);
  EXPECT_EQ(-ENOENT, pipc_socket_connect(c, a.bytes, a.len, -1));
  EXPECT_EQ(-ENOENT, pipc_socket_connect(c, a.bytes, a.len, 100 * PIPC_MSEC));
  EXPECT_EQ(0, pipc_fd_is_nonblocking(c));  // the timed connect restored the mode
  Addr abs = AbstractAddr("nobody");
  EXPECT_EQ(-ECONNREFUSED, pipc_socket_connect(c, abs.bytes, abs.len, -1));
  pipc_fd_close(c);
}

TEST(Socket, AbstractNamesKeepEveryByte) {
  Addr a = AbstractAddr("abs");
  int l = Listen(PIPC_AF_UNIX, PIPC_SOCK_SEQPACKET, a);
  unsigned char local[PIPC_SOCKADDR_MAX];
  ASSERT_EQ(a.len, pipc_socket_local_address(l, local, sizeof local));
  EXPECT_EQ(0, memcmp(local, a.bytes, a.len));  // the inner NUL and the tail survived
  // The same name cut at its inner NUL is another name: nobody listens there.
  Addr cut;
  const char* name = reinterpret_cast<const char*>(a.bytes) + 2;
  size_t cut_len = 1 + strlen(name + 1);
  cut.len = pipc_sockaddr_unix(cut.bytes, sizeof cut.bytes, name, cut_len);
  int c = Open(PIPC_AF_UNIX, PIPC_SOCK_SEQPACKET);
  EXPECT_EQ(-ECONNREFUSED, pipc_socket_connect(c, cut.bytes, cut.len, -1));
  EXPECT_EQ(0, pipc_socket_connect(c, a.bytes, a.len, -1));
  int s = pipc_socket_accept(l, 0, 5 * PIPC_SEC);
  ASSERT_GE(s, 0);
  pipc_fd_close(s);
  pipc_fd_close(c);
  pipc_fd_close(l);
}

TEST(Socket, DatagramsKeepTheirBoundariesAndReportTheSender) {
  Addr ra = AbstractAddr("dgram-r");
  Addr sa = AbstractAddr("dgram-s");
  int r = Open(PIPC_AF_UNIX, PIPC_SOCK_DGRAM);
  int s = Open(PIPC_AF_UNIX, PIPC_SOCK_DGRAM);
  ASSERT_EQ(0, pipc_socket_bind(r, ra.bytes, ra.len));
  ASSERT_EQ(0, pipc_socket_bind(s, sa.bytes, sa.len));
  pid_t pid = ForkChild([&] {
    if (pipc_socket_sendmsg(s, "0123456789", 10, nullptr, 0, ra.bytes, ra.len, -1) != 10) return 10;
    if (pipc_socket_sendmsg(s, "abc", 3, nullptr, 0, ra.bytes, ra.len, -1) != 3) return 11;
    if (pipc_socket_sendmsg(s, "", 0, nullptr, 0, ra.bytes, ra.len, -1) != 0) return 12;
    return 0;
  });
  EXPECT_EQ(0, WaitChild(pid));
  char buf[64];
  unsigned char from[PIPC_SOCKADDR_MAX];
  pipc_msg_info info{};
  info.addrlen = sizeof from;
  ASSERT_EQ(10, pipc_socket_recvmsg(r, buf, sizeof buf, nullptr, from, &info, 0));
  EXPECT_EQ(sa.len, info.addrlen);
  EXPECT_EQ(0, memcmp(from, sa.bytes, sa.len));
  EXPECT_EQ(0, info.flags);
  // A short buffer takes the front of a datagram; MSG_TRUNC tells its real size.
  EXPECT_EQ(3, pipc_socket_recv(r, buf, 2, PIPC_MSG_TRUNC, 0));
  EXPECT_EQ(0, pipc_socket_recv(r, buf, sizeof buf, 0, 0));  // the empty datagram
  EXPECT_EQ(-EAGAIN, pipc_socket_recv(r, buf, sizeof buf, 0, 0));
  // Too big for the socket's buffer limit.
  static char huge[1 << 22];
  EXPECT_EQ(-EMSGSIZE, pipc_socket_sendmsg(s, huge, sizeof huge, nullptr, 0, ra.bytes, ra.len, 0));
  pipc_fd_close(r);
  pipc_fd_close(s);
}

TEST(Socket, SeqpacketKeepsBoundariesAndTruncationIsReported) {
  Pair p(PIPC_SOCK_SEQPACKET);
  ASSERT_EQ(10, pipc_socket_send(p.a, "0123456789", 10, 0, -1));
  ASSERT_EQ(3, pipc_socket_send(p.a, "abc", 3, 0, -1));
  ASSERT_EQ(10, pipc_socket_send(p.a, "0123456789", 10, 0, -1));
  char buf[64];
  EXPECT_EQ(10, pipc_socket_recv(p.b, buf, sizeof buf, 0, 0));  // one packet, not 13 bytes
  EXPECT_EQ(3, pipc_socket_recv(p.b, buf, sizeof buf, 0, 0));
  pipc_msg_info info{};
  EXPECT_EQ(4, pipc_socket_recvmsg(p.b, buf, 4, nullptr, nullptr, &info, 0));
  EXPECT_EQ(PIPC_MSG_TRUNC, info.flags);
  pipc_fd_close(p.a);
  p.a = -1;
  EXPECT_EQ(0, pipc_socket_recv(p.b, buf, sizeof buf, 0, 0));  // end of stream
}

TEST(Socket, DescriptorsPassedAcrossProcessesWorkOnTheOtherSide) {
  Pair p(PIPC_SOCK_STREAM);
  pid_t pid = ForkChild([&] {
    pipc_fd_close(p.a);
    int got[2];
    char c;
    pipc_msg_info info{};
    info.nfds = 2;
    if (pipc_socket_recvmsg(p.b, &c, 1, got, nullptr, &info, 5 * PIPC_SEC) != 1) return 10;
    if (info.nfds != 1 || (info.flags & PIPC_MSG_CTRUNC)) return 11;
    if (!IsCloexec(got[0])) return 12;
    if (pipc_fd_write(got[0], "via-socket", 10) != 10) return 13;
    return 0;
  });
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  ASSERT_EQ(1, pipc_socket_sendmsg(p.a, "F", 1, &fds[1], 1, nullptr, 0, -1));
  pipc_fd_close(fds[1]);  // the child holds the only write end now
  EXPECT_EQ(0, WaitChild(pid));
  char buf[32];
  ASSERT_EQ(10, pipc_fd_read_timed(fds[0], buf, sizeof buf, 5 * PIPC_SEC));
  EXPECT_EQ(0, memcmp(buf, "via-socket", 10));
  EXPECT_EQ(0, pipc_fd_read_timed(fds[0], buf, sizeof buf, 5 * PIPC_SEC));  // its copy is gone
  pipc_fd_close(fds[0]);
}

// A shared memory descriptor (memfd) crosses to another process, which maps
// it: both see the same bytes.
TEST(Socket, ASharedMemoryDescriptorPassedAcrossProcessesIsMappedThere) {
  Pair p(PIPC_SOCK_SEQPACKET);
  pid_t pid = ForkChild([&] {
    int got[1];
    char c;
    pipc_msg_info info{};
    info.nfds = 1;
    if (pipc_socket_recvmsg(p.b, &c, 1, got, nullptr, &info, 5 * PIPC_SEC) != 1 || info.nfds != 1) return 10;
    void* mem = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, got[0], 0);
    if (mem == MAP_FAILED) return 11;
    if (strcmp(static_cast<char*>(mem), "written by the parent") != 0) return 12;
    strcpy(static_cast<char*>(mem), "answered by the child");
    return 0;
  });
  int shm = memfd_create("pipc-test", MFD_CLOEXEC);
  ASSERT_GE(shm, 0);
  ASSERT_EQ(0, ftruncate(shm, 4096));
  char* mem = static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0));
  ASSERT_NE(MAP_FAILED, static_cast<void*>(mem));
  strcpy(mem, "written by the parent");
  ASSERT_EQ(1, pipc_socket_sendmsg(p.a, "M", 1, &shm, 1, nullptr, 0, -1));
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_STREQ("answered by the child", mem);
  munmap(mem, 4096);
  close(shm);
}

TEST(Socket, DescriptorsThatDoNotFitAreClosedAndReported) {
  Pair p(PIPC_SOCK_DGRAM);
  int fds[2];
  ASSERT_EQ(0, pipc_pipe_create(fds, 0));
  int many[8];
  for (int& f : many) f = fds[0];
  int before = CountOpenFds();
  for (int room : {0, 1, 3}) {
    ASSERT_EQ(1, pipc_socket_sendmsg(p.a, "x", 1, many, 8, nullptr, 0, -1));
    int got[8];
    char c;
    pipc_msg_info info{};
    info.nfds = room;
    ASSERT_EQ(1, pipc_socket_recvmsg(p.b, &c, 1, room > 0 ? got : nullptr, nullptr, &info, 0));
    EXPECT_EQ(room, info.nfds);
    EXPECT_TRUE(info.flags & PIPC_MSG_CTRUNC) << room;
    EXPECT_EQ(before + room, CountOpenFds()) << "only what fits is kept, room " << room;
    for (int i = 0; i < info.nfds; i++) pipc_fd_close(got[i]);
  }
  EXPECT_EQ(before, CountOpenFds());
  pipc_fd_close(fds[0]);
  pipc_fd_close(fds[1]);
}

TEST(Socket, PeerCredentialsAreThePeersPidAndUid) {
  ScopedPath path("cred");
  Addr a = PathAddr(path.str());
  int l = Listen(PIPC_AF_UNIX, PIPC_SOCK_STREAM, a);
  pid_t parent = getpid();
  pid_t pid = ForkChild([&] {
    int c;
    if (pipc_socket_create(PIPC_AF_UNIX, PIPC_SOCK_STREAM, 0, &c) < 0) return 10;
    if (pipc_socket_connect(c, a.bytes, a.len, -1) < 0) return 11;
    int cred[3];
    if (pipc_socket_peer_credentials(c, cred) < 0) return 12;
    if (cred[0] != parent || cred[1] != static_cast<int>(getuid())) return 13;
    char x;
    pipc_socket_recv(c, &x, 1, 0, 5 * PIPC_SEC);
    return 0;
  });
  int s = pipc_socket_accept(l, 0, 5 * PIPC_SEC);
  ASSERT_GE(s, 0);
  int cred[3];
  ASSERT_EQ(0, pipc_socket_peer_credentials(s, cred));
  EXPECT_EQ(pid, cred[0]);
  EXPECT_EQ(static_cast<int>(getuid()), cred[1]);
  EXPECT_EQ(static_cast<int>(getgid()), cred[2]);
  pipc_socket_send(s, "x", 1, 0, -1);
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(-EINVAL, pipc_socket_peer_credentials(s, nullptr));
  pipc_fd_close(s);
  pipc_fd_close(l);
}

TEST(Socket, CredentialsTravelWithEachMessageWhenPasscredIsSet) {
  Pair p(PIPC_SOCK_DGRAM);
  ASSERT_EQ(0, pipc_socket_set_option(p.b, PIPC_SO_PASSCRED, 1));
  EXPECT_EQ(1, pipc_socket_get_option(p.b, PIPC_SO_PASSCRED));
  pid_t pid = ForkChild([&] { return pipc_socket_send(p.a, "c", 1, 0, -1) == 1 ? 0 : 1; });
  EXPECT_EQ(0, WaitChild(pid));
  char c;
  pipc_msg_info info{};
  ASSERT_EQ(1, pipc_socket_recvmsg(p.b, &c, 1, nullptr, nullptr, &info, 5 * PIPC_SEC));
  ASSERT_EQ(1, info.has_credentials);
  EXPECT_EQ(pid, info.pid);
  EXPECT_EQ(static_cast<int>(getuid()), info.uid);
  EXPECT_EQ(static_cast<int>(getgid()), info.gid);
}

TEST(Socket, WritingToADeadPeerIsEpipeAndNeverASignal) {
  pid_t pid = ForkChild([] {
    signal(SIGPIPE, SIG_DFL);  // MSG_NOSIGNAL must make this irrelevant
    int fds[2];
    if (pipc_socket_pair(PIPC_SOCK_STREAM, 0, fds) < 0) return 10;
    pipc_fd_close(fds[1]);
    return pipc_socket_send(fds[0], "x", 1, 0, -1) == -EPIPE ? 0 : 11;
  });
  EXPECT_EQ(0, WaitChild(pid));
}

TEST(Socket, APeerThatDiesWithUnreadDataResetsTheConnection) {
  Pair p(PIPC_SOCK_STREAM);
  pid_t pid = ForkChild([&] {
    pipc_fd_close(p.a);
    char c;
    pipc_socket_recv(p.b, &c, 1, 0, 5 * PIPC_SEC);
    _exit(0);  // dies with bytes still unread
    return 0;
  });
  ASSERT_EQ(3, pipc_socket_send(p.a, "abc", 3, 0, -1));
  pipc_fd_close(p.b);
  p.b = -1;
  EXPECT_EQ(0, WaitChild(pid));
  char buf[4];
  EXPECT_EQ(-ECONNRESET, pipc_socket_recv(p.a, buf, sizeof buf, 0, 5 * PIPC_SEC));
  EXPECT_EQ(-EPIPE, pipc_socket_send(p.a, "x", 1, 0, -1));
}

TEST(Socket, ShutdownEndsOneDirection) {
  Pair p(PIPC_SOCK_STREAM);
  ASSERT_EQ(0, pipc_socket_shutdown(p.a, PIPC_SHUT_WRITE));
  char c;
  EXPECT_EQ(0, pipc_socket_recv(p.b, &c, 1, 0, 0));
  EXPECT_EQ(-EPIPE, pipc_socket_send(p.a, "x", 1, 0, -1));
  EXPECT_EQ(1, pipc_socket_send(p.b, "y", 1, 0, -1));  // the other way still works
  EXPECT_EQ(1, pipc_socket_recv(p.a, &c, 1, 0, 0));
}

TEST(Socket, InterruptedAcceptReturnsEintr) {
  ASSERT_EQ(0, pipc_wakeup_install(pipc_sigrtmax() - 3));
  Addr a = AbstractAddr("intr");
  int l = Listen(PIPC_AF_UNIX, PIPC_SOCK_STREAM, a);
  std::atomic<int> result{1};
  std::thread t([&] { result = pipc_socket_accept(l, 0, -1); });
  // A signal that lands before the thread is inside accept is lost: repeat it
  // until the call returns, as the Java layer's waker does.
  while (result == 1) {
    pthread_kill(t.native_handle(), pipc_sigrtmax() - 3);
    usleep(10000);
  }
  t.join();
  EXPECT_EQ(-EINTR, result);
  EXPECT_EQ(-EAGAIN, pipc_socket_accept(l, 0, 0));
  EXPECT_EQ(-ETIMEDOUT, pipc_socket_accept(l, 0, 10 * PIPC_MSEC));
  pipc_fd_close(l);
}

TEST(Socket, ManyConnectAcceptCyclesLeakNothing) {
  Addr a = AbstractAddr("cycles");
  int l = Listen(PIPC_AF_UNIX, PIPC_SOCK_STREAM, a);
  int before = CountOpenFds();
  for (int i = 0; i < 2000; i++) {
    int c = Open(PIPC_AF_UNIX, PIPC_SOCK_STREAM);
    ASSERT_EQ(0, pipc_socket_connect(c, a.bytes, a.len, -1));
    int s = pipc_socket_accept(l, 0, PIPC_SEC);
    ASSERT_GE(s, 0);
    pipc_fd_close(c);
    pipc_fd_close(s);
  }
  EXPECT_EQ(before, CountOpenFds());
  pipc_fd_close(l);
}

// The same calls over IP, on loopback with ephemeral ports.
class IpSocket : public ::testing::TestWithParam<int> {};

TEST_P(IpSocket, StreamOnLoopbackAcrossProcesses) {
  int family = GetParam();
  int l = Open(family, PIPC_SOCK_STREAM);
  Addr any = LoopbackAddr(family, 0);
  int r = pipc_socket_bind(l, any.bytes, any.len);
  if (r == -EADDRNOTAVAIL && family == PIPC_AF_INET6) GTEST_SKIP() << "no IPv6 loopback on this machine";
  ASSERT_EQ(0, r);
  ASSERT_EQ(0, pipc_socket_listen(l, 4));
  Addr bound;
  bound.len = pipc_socket_local_address(l, bound.bytes, sizeof bound.bytes);
  ASSERT_GT(bound.len, 0);
  uint16_t port;
  memcpy(&port, bound.bytes + 2, 2);
  EXPECT_NE(0, ntohs(port));  // an ephemeral port was chosen
  pid_t pid = ForkChild([&] {
    int c;
    if (pipc_socket_create(family, PIPC_SOCK_STREAM, 0, &c) < 0) return 10;
    if (pipc_socket_connect(c, bound.bytes, bound.len, 5 * PIPC_SEC) < 0) return 11;
    if (pipc_socket_set_option(c, PIPC_TCP_NODELAY, 1) < 0) return 12;
    if (pipc_socket_send(c, "tcp!", 4, 0, -1) != 4) return 13;
    return 0;
  });
  int s = pipc_socket_accept(l, 0, 5 * PIPC_SEC);
  ASSERT_GE(s, 0);
  char buf[8];
  ASSERT_EQ(4, pipc_socket_recv(s, buf, sizeof buf, 0, 5 * PIPC_SEC));
  EXPECT_EQ(0, memcmp(buf, "tcp!", 4));
  EXPECT_EQ(0, WaitChild(pid));
  EXPECT_EQ(0, pipc_socket_recv(s, buf, sizeof buf, 0, 5 * PIPC_SEC));
  pipc_fd_close(s);
  pipc_fd_close(l);
}

TEST_P(IpSocket, DatagramOnLoopback) {
  int family = GetParam();
  int r = Open(family, PIPC_SOCK_DGRAM);
  Addr any = LoopbackAddr(family, 0);
  int b = pipc_socket_bind(r, any.bytes, any.len);
  if (b == -EADDRNOTAVAIL && family == PIPC_AF_INET6) GTEST_SKIP() << "no IPv6 loopback on this machine";
  ASSERT_EQ(0, b);
  Addr bound;
  bound.len = pipc_socket_local_address(r, bound.bytes, sizeof bound.bytes);
  int s = Open(family, PIPC_SOCK_DGRAM);
  ASSERT_EQ(5, pipc_socket_sendmsg(s, "hello", 5, nullptr, 0, bound.bytes, bound.len, -1));
  ASSERT_EQ(2, pipc_socket_sendmsg(s, "hi", 2, nullptr, 0, bound.bytes, bound.len, -1));
  char buf[16];
  EXPECT_EQ(5, pipc_socket_recv(r, buf, sizeof buf, 0, 5 * PIPC_SEC));
  EXPECT_EQ(2, pipc_socket_recv(r, buf, sizeof buf, 0, 5 * PIPC_SEC));
  pipc_fd_close(s);
  pipc_fd_close(r);
}

INSTANTIATE_TEST_SUITE_P(Families, IpSocket, ::testing::Values(PIPC_AF_INET, PIPC_AF_INET6),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return std::string(i.param == PIPC_AF_INET ? "Inet" : "Inet6");
                         });

// The C peer program speaks sockets too (the Java tests rely on it).
TEST(SocketPeer, ServesAStreamEcho) {
  ScopedPath path("peer");
  std::string spec = "unix:" + path.str();
  int out[2];
  ASSERT_EQ(0, pipc_pipe_create(out, 0));
  pid_t pid = ForkChild([&] {
    dup2(out[1], 1);
    execl(PIPC_PEER_PATH, "pipc-peer", "sock-serve", "stream", spec.c_str(), "echo", (char*)nullptr);
    return 127;
  });
  pipc_fd_close(out[1]);
  char line[256];
  int64_t n = pipc_fd_read_timed(out[0], line, sizeof line - 1, 10 * PIPC_SEC);
  ASSERT_GT(n, 0);
  line[n] = '\0';
  EXPECT_EQ("ready " + spec + "\n", std::string(line));
  Addr a = PathAddr(path.str());
  int c = Open(PIPC_AF_UNIX, PIPC_SOCK_STREAM);
  ASSERT_EQ(0, pipc_socket_connect(c, a.bytes, a.len, 5 * PIPC_SEC));
  ASSERT_EQ(6, pipc_socket_send(c, "echo me", 6, 0, -1));
  char buf[16];
  ASSERT_EQ(6, pipc_socket_recv(c, buf, sizeof buf, 0, 5 * PIPC_SEC));
  EXPECT_EQ(0, memcmp(buf, "echo m", 6));
  pipc_fd_close(c);
  EXPECT_EQ(0, WaitChild(pid));
  pipc_fd_close(out[0]);
}

}  // namespace
