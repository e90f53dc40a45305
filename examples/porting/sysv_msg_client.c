/*
 * The C client of sysv_msg_server.c, as it was before the port: the Java
 * client (examples/java/.../SysVMsgClient.java) replaces it call by call.
 *
 *   sysv-msg-client PATH PROJ_ID TEXT...   prints each reply on a line
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#define TEXT_MAX 200

struct request {
  long mtype;
  int32_t client;
  char text[TEXT_MAX];
};

struct reply {
  long mtype;
  char text[TEXT_MAX];
};

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: sysv-msg-client PATH PROJ_ID TEXT...\n");
    return 2;
  }
  key_t key = ftok(argv[1], atoi(argv[2]));
  int q = key == -1 ? -1 : msgget(key, 0);
  if (q == -1) {
    perror("msgget");
    return 1;
  }
  for (int i = 3; i < argc; i++) {
    struct request req = {.mtype = 1, .client = (int32_t)getpid()};
    snprintf(req.text, sizeof req.text, "%s", argv[i]);
    if (msgsnd(q, &req, sizeof req.client + strlen(req.text) + 1, 0) == -1) {
      perror("msgsnd");
      return 1;
    }
    if (strcmp(argv[i], "quit") == 0) break;
    struct reply rep;
    ssize_t n = msgrcv(q, &rep, sizeof rep.text, getpid(), 0);
    if (n == -1) {
      perror("msgrcv");
      return 1;
    }
    rep.text[TEXT_MAX - 1] = '\0';
    printf("%s\n", rep.text);
  }
  return 0;
}
