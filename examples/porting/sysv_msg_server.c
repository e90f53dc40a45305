/*
 * A System V message-queue server written the way legacy servers are: plain
 * ftok/msgget/msgrcv/msgsnd from libc, no posixipc. In the first worked port
 * of docs/porting.md it stays C, unmodified, and its client moves to Java
 * (examples/java/.../SysVMsgClient.java); sysv_msg_client.c is the C client
 * the Java one replaces.
 *
 *   sysv-msg-server PATH PROJ_ID
 *
 * Requests are messages of type 1 holding the client's pid and a text; the
 * reply goes back with the client's pid as its type and the text in upper
 * case. The request "quit" ends the server, which removes its queue. It
 * prints "ready" once the queue exists.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#define REQUEST_TYPE 1
#define TEXT_MAX 200

struct request {
  long mtype;
  int32_t client;      /* the client's pid: the type of its reply */
  char text[TEXT_MAX]; /* NUL-terminated */
};

struct reply {
  long mtype;
  char text[TEXT_MAX];
};

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: sysv-msg-server PATH PROJ_ID\n");
    return 2;
  }
  key_t key = ftok(argv[1], atoi(argv[2]));
  if (key == -1) {
    perror("ftok");
    return 1;
  }
  int q = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
  if (q == -1) {
    perror("msgget");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  long served = 0;
  for (;;) {
    struct request req;
    ssize_t n = msgrcv(q, &req, sizeof req - sizeof req.mtype, REQUEST_TYPE, 0);
    if (n == -1) {
      perror("msgrcv");
      break;
    }
    req.text[TEXT_MAX - 1] = '\0';
    if (strcmp(req.text, "quit") == 0) break;
    struct reply rep;
    rep.mtype = req.client;
    size_t len = strlen(req.text);
    for (size_t i = 0; i <= len; i++) rep.text[i] = (char)toupper((unsigned char)req.text[i]);
    if (msgsnd(q, &rep, len + 1, 0) == -1) {
      perror("msgsnd");
      break;
    }
    served++;
  }
  msgctl(q, IPC_RMID, NULL);
  printf("served %ld\n", served);
  return 0;
}
