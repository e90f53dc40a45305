/*
 * The C peer's signal commands (see pipc_peer.c for the program):
 *
 *   signal-send PID SIG VALUE COUNT   sigqueue SIG to PID COUNT times, with
 *                                     VALUE, VALUE+1, ...; "kill" as VALUE
 *                                     sends with kill(2) instead
 *   signal-wait SIG COUNT TIMEOUT_MS  catch SIG, print "ready pid=P", then
 *                                     take COUNT signals; print one line per
 *                                     signal (when COUNT <= 20) and a summary
 *                                     "received=N lost=L inorder=0|1 sum=S"
 *   signal-echo SIG IN OUT            catch SIG, write "ready pid=P\n" to
 *                                     OUT, then answer every SIG with
 *                                     sigqueue(sender, SIG, same value) until
 *                                     end of file on IN; write "count=N\n"
 *
 * SIG is a name ("SIGUSR1", "SIGRTMIN+2") or a number. Exit status: 0 done,
 * 1 an error, 3 timed out.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

#include "peer_signal.h"

static int sig_fail(const char *what, const char *object, int64_t err) {
  fprintf(stderr, "pipc-peer: %s %s: %s (%s)\n", what, object, pipc_errno_name((int)err),
          pipc_errno_describe((int)err));
  return 1;
}

static int parse_fd(const char *spec) {
  if (strncmp(spec, "fd:", 3) != 0) return -EINVAL;
  char *end;
  long n = strtol(spec + 3, &end, 10);
  if (*end != '\0' || n < 0 || n > 1 << 20) return -EINVAL;
  return (int)n;
}

/* sigqueue, retried while the receiver's user has too many signals queued. */
static int queue_retrying(int pid, int signo, int value) {
  for (;;) {
    int r = pipc_signal_queue(pid, signo, value);
    if (r != -EAGAIN) return r;
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
  }
}

static int cmd_send(const char *pid_text, const char *sig_text, const char *value_text,
                    const char *count_text) {
  int pid = atoi(pid_text);
  int signo = pipc_signal_number(sig_text);
  long count = atol(count_text);
  if (signo < 0 || pid <= 0 || count < 0) return 2;
  int use_kill = strcmp(value_text, "kill") == 0;
  int value = use_kill ? 0 : atoi(value_text);
  for (long i = 0; i < count; i++) {
    int r = use_kill ? pipc_signal_kill(pid, signo) : queue_retrying(pid, signo, value + (int)i);
    if (r < 0) return sig_fail(use_kill ? "kill" : "sigqueue", sig_text, r);
  }
  printf("sent=%ld\n", count);
  return 0;
}

static int cmd_wait(const char *sig_text, const char *count_text, const char *timeout_text) {
  int signo = pipc_signal_number(sig_text);
  long count = atol(count_text);
  long timeout_ms = atol(timeout_text);
  if (signo < 0 || count < 0) return 2;
  int r = pipc_signal_catch(signo);
  if (r < 0) return sig_fail("catch", sig_text, r);
  printf("ready pid=%d\n", (int)getpid());
  fflush(stdout);
  static pipc_signal_info recs[256];
  long received = 0;
  int inorder = 1, have_last = 0, last = 0;
  int64_t sum = 0;
  int64_t deadline = (int64_t)timeout_ms * PIPC_MSEC;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (received < count) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t spent = (int64_t)(now.tv_sec - start.tv_sec) * PIPC_SEC + (now.tv_nsec - start.tv_nsec);
    if (spent >= deadline) break;
    int n = pipc_signal_read(recs, 256, deadline - spent);
    if (n == -ETIMEDOUT) break;
    if (n == -EINTR) continue;
    if (n < 0) return sig_fail("read", "signal records", n);
    for (int i = 0; i < n; i++) {
      const pipc_signal_info *s = &recs[i];
      if (s->signo != signo) continue;
      if (count <= 20)
        printf("signal %s code=%d pid=%d uid=%u value=%d\n", pipc_signal_name(s->signo), s->code,
               s->pid, s->uid, s->value);
      if (have_last && s->value != last + 1) inorder = 0;
      last = s->value;
      have_last = 1;
      sum += s->value;
      received++;
    }
  }
  printf("received=%ld lost=%" PRId64 " inorder=%d sum=%" PRId64 "\n", received,
         pipc_signal_lost(signo), inorder, sum);
  return received == count ? 0 : 3;
}

static int write_text(int fd, const char *text) {
  size_t len = strlen(text), done = 0;
  while (done < len) {
    int64_t w = pipc_fd_write(fd, text + done, len - done);
    if (w == -EINTR) continue;
    if (w < 0) return (int)w;
    done += (size_t)w;
  }
  return 0;
}

static int cmd_echo(const char *sig_text, const char *in_spec, const char *out_spec) {
  int signo = pipc_signal_number(sig_text);
  int in = parse_fd(in_spec), out = parse_fd(out_spec);
  if (signo < 0 || in < 0 || out < 0) return 2;
  int r = pipc_signal_catch(signo);
  if (r < 0) return sig_fail("catch", sig_text, r);
  char line[64];
  snprintf(line, sizeof line, "ready pid=%d\n", (int)getpid());
  if ((r = write_text(out, line)) < 0) return sig_fail("write", out_spec, r);
  struct pollfd fds[2] = {{.fd = pipc_signal_fd(), .events = POLLIN, .revents = 0},
                          {.fd = in, .events = POLLIN, .revents = 0}};
  static pipc_signal_info recs[256];
  long answered = 0;
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return sig_fail("poll", "signal records", -errno);
    }
    int n = pipc_signal_read(recs, 256, 0);
    if (n < 0 && n != -EAGAIN && n != -EINTR) return sig_fail("read", "signal records", n);
    for (int i = 0; i < n; i++) {
      if (recs[i].signo != signo) continue;
      r = queue_retrying(recs[i].pid, signo, recs[i].value);
      if (r < 0) return sig_fail("sigqueue", sig_text, r);
      answered++;
    }
    if (n <= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
      char b[64];
      int64_t got = pipc_fd_read(in, b, sizeof b);
      if (got == 0 || (got < 0 && got != -EINTR && got != -EAGAIN)) break;
    }
  }
  snprintf(line, sizeof line, "count=%ld\n", answered);
  if ((r = write_text(out, line)) < 0) return sig_fail("write", out_spec, r);
  pipc_fd_close(out);
  return 0;
}

int peer_signal_command(int argc, char **argv) {
  const char *cmd = argv[1];
  if (strcmp(cmd, "signal-send") == 0 && argc == 6)
    return cmd_send(argv[2], argv[3], argv[4], argv[5]);
  if (strcmp(cmd, "signal-wait") == 0 && argc == 5) return cmd_wait(argv[2], argv[3], argv[4]);
  if (strcmp(cmd, "signal-echo") == 0 && argc == 5) return cmd_echo(argv[2], argv[3], argv[4]);
  return -1;
}
