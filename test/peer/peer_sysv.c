/*
 * pipc-peer's System V commands. The objects are made (and removed) by the
 * other side, which passes their identifiers; these commands only use them.
 *
 *   sysv-msg-send ID TYPE TEXT     send one message
 *   sysv-msg-recv ID TYPE MS       receive one message selected by TYPE (the
 *                                  msgtyp rule), waiting up to MS ms; print
 *                                  "TYPE TEXT", or the errno name ("EAGAIN",
 *                                  "ETIMEDOUT", "EIDRM", ...) with status 1
 *   sysv-msg-echo IN OUT COUNT     COUNT times (-1: until a message of type
 *                                  2, the end marker, not echoed): receive
 *                                  the message of the lowest type <= 2 from
 *                                  queue IN and send its text to OUT with
 *                                  type 3; print "echoed N" (the round trip
 *                                  of the tour; IN and OUT may be one queue)
 *   sysv-shm-write ID OFFSET TEXT  attach the segment, copy TEXT to OFFSET
 *   sysv-shm-read ID OFFSET LEN    attach it, print LEN bytes at OFFSET
 *   sysv-sem-op ID NUM DELTA [undo]
 *                                  one operation, waiting up to 10 s; print "ok"
 *   sysv-sem-hold ID NUM           take 1 from NUM with SEM_UNDO, print "held",
 *                                  wait to be killed (the kernel undoes it)
 *   sysv-sem-values ID             print the values, separated by spaces
 *   sysv-rm msg|shm|sem ID         remove the object (IPC_RMID), as ipcrm does
 *   sysv-shm-relay SEMID SHMID SLOT
 *                                  the tour's shm+sem relay: the segment holds
 *                                  two slots (at 0 and at SLOT), each an
 *                                  int64 length and its bytes; semaphores 0
 *                                  and 1 say the inbound slot is full and
 *                                  empty, 2 and 3 the same of the outbound
 *                                  one. Copies every inbound message out,
 *                                  until a length of -1
 *
 * Every wait is bounded (10 s), so a broken test cannot leave a peer hanging.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <posixipc/posixipc.h>

int peer_sysv_command(const char *cmd, char **args, int nargs);

#define PEER_WAIT (10 * PIPC_SEC)
#define TEXT_MAX 8192

static int sysv_fail(const char *what, int64_t err) {
  printf("%s\n", pipc_errno_name((int)err));
  fprintf(stderr, "pipc-peer: %s: %s (%s)\n", what, pipc_errno_name((int)err), pipc_errno_describe((int)err));
  return 1;
}

struct peer_msg {
  long type;
  char text[TEXT_MAX];
};

static int cmd_msg_send(char **a) {
  struct peer_msg m;
  m.type = strtol(a[1], NULL, 10);
  size_t n = strlen(a[2]);
  if (n > TEXT_MAX) return 2;
  memcpy(m.text, a[2], n);
  int r = pipc_sysv_msg_send(atoi(a[0]), &m, n, PEER_WAIT);
  return r < 0 ? sysv_fail("msgsnd", r) : 0;
}

static int cmd_msg_recv(char **a) {
  struct peer_msg m;
  int64_t n = pipc_sysv_msg_receive(atoi(a[0]), &m, TEXT_MAX, strtol(a[1], NULL, 10), 0,
                                    strtol(a[2], NULL, 10) * PIPC_MSEC);
  if (n < 0) return sysv_fail("msgrcv", n);
  printf("%ld %.*s\n", m.type, (int)n, m.text);
  return 0;
}

static int cmd_msg_echo(char **a) {
  int in = atoi(a[0]), out = atoi(a[1]);
  long count = strtol(a[2], NULL, 10);
  struct peer_msg m;
  long n_echoed = 0;
  for (; count < 0 || n_echoed < count; n_echoed++) {
    int64_t n;
    while ((n = pipc_sysv_msg_receive(in, &m, TEXT_MAX, -2, 0, PIPC_FOREVER)) == -EINTR) {
    }
    if (n < 0) return sysv_fail("msgrcv", n);
    if (m.type == 2) break;
    m.type = 3;
    int r;
    while ((r = pipc_sysv_msg_send(out, &m, (size_t)n, PIPC_FOREVER)) == -EINTR) {
    }
    if (r < 0) return sysv_fail("msgsnd", r);
  }
  printf("echoed %ld\n", n_echoed);
  return 0;
}

static int cmd_shm(int write, char **a) {
  int id = atoi(a[0]);
  long off = strtol(a[1], NULL, 10);
  pipc_sysv_shm_stat st;
  int r = pipc_sysv_shm_stat_get(id, &st);
  if (r < 0) return sysv_fail("shmctl", r);
  size_t len = write ? strlen(a[2]) : (size_t)strtol(a[2], NULL, 10);
  if (off < 0 || (int64_t)off + (int64_t)len > st.size) return 2;
  uint64_t addr;
  r = pipc_sysv_shm_attach(id, write ? 0 : PIPC_SYSV_SHM_READ_ONLY, &addr);
  if (r < 0) return sysv_fail("shmat", r);
  char *p = (char *)(uintptr_t)addr + off;
  if (write)
    memcpy(p, a[2], len);
  else
    printf("%.*s\n", (int)len, p);
  pipc_sysv_shm_detach(addr);
  return 0;
}

static int cmd_sem_op(char **a, int nargs) {
  pipc_sysv_sembuf op = {(uint16_t)atoi(a[1]), (int16_t)atoi(a[2]),
                         (int16_t)(nargs == 4 && strcmp(a[3], "undo") == 0 ? PIPC_SYSV_SEM_UNDO : 0)};
  int r = pipc_sysv_sem_op(atoi(a[0]), &op, 1, PEER_WAIT);
  if (r < 0) return sysv_fail("semop", r);
  printf("ok\n");
  return 0;
}

static int cmd_sem_hold(char **a) {
  pipc_sysv_sembuf op = {(uint16_t)atoi(a[1]), -1, PIPC_SYSV_SEM_UNDO};
  int r = pipc_sysv_sem_op(atoi(a[0]), &op, 1, PEER_WAIT);
  if (r < 0) return sysv_fail("semop", r);
  printf("held\n");
  fflush(stdout);
  sleep(30);
  return 3;
}

static int cmd_sem_values(char **a) {
  int id = atoi(a[0]);
  pipc_sysv_sem_stat st;
  int r = pipc_sysv_sem_stat_get(id, &st);
  if (r < 0) return sysv_fail("semctl", r);
  int n = (int)st.count;
  int *v = calloc((size_t)n, sizeof *v);
  if (v == NULL) return 1;
  r = pipc_sysv_sem_get_all(id, v, n);
  if (r < 0) {
    free(v);
    return sysv_fail("semctl", r);
  }
  for (int i = 0; i < n; i++) printf("%s%d", i ? " " : "", v[i]);
  printf("\n");
  free(v);
  return 0;
}

static int cmd_rm(char **a) {
  int id = atoi(a[1]);
  int r = strcmp(a[0], "msg") == 0   ? pipc_sysv_msg_remove(id)
          : strcmp(a[0], "shm") == 0 ? pipc_sysv_shm_remove(id)
          : strcmp(a[0], "sem") == 0 ? pipc_sysv_sem_remove(id)
                                     : 2;
  if (r == 2) return 2;
  return r < 0 ? sysv_fail("IPC_RMID", r) : 0;
}

static int relay_op(int sem, unsigned short num, short delta) {
  pipc_sysv_sembuf op = {num, delta, 0};
  int r;
  while ((r = pipc_sysv_sem_op(sem, &op, 1, PEER_WAIT)) == -EINTR) {
  }
  return r;
}

static int cmd_shm_relay(char **a) {
  int sem = atoi(a[0]);
  long slot = strtol(a[2], NULL, 10);
  uint64_t addr;
  int r = pipc_sysv_shm_attach(atoi(a[1]), 0, &addr);
  if (r < 0) return sysv_fail("shmat", r);
  unsigned char *m = (unsigned char *)(uintptr_t)addr;
  for (;;) {
    if ((r = relay_op(sem, 0, -1)) < 0) return sysv_fail("semop", r);
    int64_t len;
    memcpy(&len, m, sizeof len);
    if (len < 0) break;
    if (len > slot - 8) return 2;
    if ((r = relay_op(sem, 3, -1)) < 0) return sysv_fail("semop", r);
    memcpy(m + slot + 8, m + 8, (size_t)len);
    memcpy(m + slot, &len, sizeof len);
    if ((r = relay_op(sem, 2, 1)) < 0 || (r = relay_op(sem, 1, 1)) < 0) return sysv_fail("semop", r);
  }
  pipc_sysv_shm_detach(addr);
  return 0;
}

int peer_sysv_command(const char *cmd, char **args, int nargs) {
  int r;
  if (strcmp(cmd, "sysv-msg-send") == 0 && nargs == 3) r = cmd_msg_send(args);
  else if (strcmp(cmd, "sysv-msg-recv") == 0 && nargs == 3) r = cmd_msg_recv(args);
  else if (strcmp(cmd, "sysv-msg-echo") == 0 && nargs == 3) r = cmd_msg_echo(args);
  else if (strcmp(cmd, "sysv-shm-write") == 0 && nargs == 3) r = cmd_shm(1, args);
  else if (strcmp(cmd, "sysv-shm-read") == 0 && nargs == 3) r = cmd_shm(0, args);
  else if (strcmp(cmd, "sysv-sem-op") == 0 && (nargs == 3 || nargs == 4)) r = cmd_sem_op(args, nargs);
  else if (strcmp(cmd, "sysv-sem-hold") == 0 && nargs == 2) r = cmd_sem_hold(args);
  else if (strcmp(cmd, "sysv-sem-values") == 0 && nargs == 1) r = cmd_sem_values(args);
  else if (strcmp(cmd, "sysv-rm") == 0 && nargs == 2) r = cmd_rm(args);
  else if (strcmp(cmd, "sysv-shm-relay") == 0 && nargs == 3) r = cmd_shm_relay(args);
  else if (strncmp(cmd, "sysv-", 5) == 0) r = 2;
  else return -1;
  if (r == 2) fprintf(stderr, "pipc-peer: bad arguments for %s (see test/peer/peer_sysv.c)\n", cmd);
  return r;
}
