/*
 * A libFuzzer target over the C core's input validation: names (queues,
 * shared memory, semaphores), paths, socket addresses (AF_UNIX path and
 * abstract, IPv4 and IPv6), signal names and numbers, errno numbers,
 * message-queue attributes and the text that explains a refused queue. Only functions without side effects
 * are called, so the fuzzer can run them millions of times. Built with
 * -DPIPC_FUZZ=ON by clang (see CMakeLists.txt); .ci/run runs it for a
 * bounded time under AddressSanitizer and UndefinedBehaviorSanitizer.
 *
 * The input: the first byte picks a function, the next 16 bytes give two
 * numbers, the rest is a string (made NUL-terminated here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <posixipc/posixipc.h>

#include "../../native/internal.h"

static int64_t take64(const uint8_t **p, size_t *n) {
  int64_t v = 0;
  size_t k = *n < 8 ? *n : 8;
  memcpy(&v, *p, k);
  *p += k;
  *n -= k;
  return v;
}

/* Every C string the API returns is NUL-terminated and readable. */
static void touch(const char *s) {
  if (s != NULL) (void)strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t which = data[0];
  data++;
  size--;
  int64_t a = take64(&data, &size);
  int64_t b = take64(&data, &size);
  char *text = malloc(size + 1);
  if (text == NULL) return 0;
  memcpy(text, data, size);
  text[size] = '\0';

  switch (which % 9) {
    case 0:
      touch(pipc_errno_name((int)a));
      touch(pipc_errno_describe((int)a));
      break;
    case 1: {
      int signo = pipc_signal_number(text);
      if (signo > 0) touch(pipc_signal_name(signo));
      touch(pipc_signal_name((int)a));
      break;
    }
    case 2:
      (void)pipc__check_path(text);
      break;
    case 3:
      (void)pipc_ipc_name_check(text, PIPC_MQ_NAME_MAX);
      break;
    case 4: {
      /* The explanation fits any buffer it is given, however small. */
      size_t len = (size_t)(b & 0x1ff);
      char *buf = malloc(len == 0 ? 1 : len);
      if (buf != NULL) {
        int err = -(int)((uint64_t)a % 200);
        (void)pipc_mq_explain(err, a >> 8, b >> 9, len == 0 ? NULL : buf, len);
        if (len > 0) (void)strnlen(buf, len);
        free(buf);
      }
      break;
    }
    case 5:
      (void)pipc__deadline(a); /* saturating arithmetic: no signed overflow for any timeout */
      break;
    case 6:
      (void)pipc_ipc_name_check(text, (int)(b & 0x1ff));
      (void)pipc_ipc_name_check(text, PIPC_SHM_NAME_MAX);
      break;
    case 7: {
      /* AF_UNIX addresses: the raw bytes (NULs included: abstract names), into
       * an output of any size, never written past its end. */
      size_t outlen = (size_t)(a & 0xff);
      unsigned char *out = malloc(outlen == 0 ? 1 : outlen);
      if (out != NULL) {
        int r = pipc_sockaddr_unix(outlen == 0 ? NULL : out, outlen, data, size);
        if (r > 0 && (size_t)r > outlen) abort(); /* a length beyond the buffer */
        free(out);
      }
      break;
    }
    default: {
      size_t outlen = (size_t)(a & 0xff);
      unsigned char *out = malloc(outlen == 0 ? 1 : outlen);
      if (out != NULL) {
        int r = pipc_sockaddr_inet(outlen == 0 ? NULL : out, outlen, data, size, (int)b);
        if (r > 0 && (size_t)r > outlen) abort();
        free(out);
      }
      break;
    }
  }
  free(text);
  return 0;
}
