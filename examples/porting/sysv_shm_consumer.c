/*
 * The C consumer of sysv_shm_producer.c, as it was before the port: the Java
 * consumer (examples/java/.../SysVShmConsumer.java) replaces it call by call.
 *
 *   sysv-shm-consumer PATH PROJ_ID COUNT   prints "consumed COUNT sum S"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define SLOTS 16
#define SEM_FREE 0
#define SEM_FILLED 1

struct ring {
  int64_t slot[SLOTS];
};

static int op(int sem, unsigned short num, short delta) {
  struct sembuf b = {num, delta, 0};
  return semop(sem, &b, 1);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: sysv-shm-consumer PATH PROJ_ID COUNT\n");
    return 2;
  }
  key_t key = ftok(argv[1], atoi(argv[2]));
  long count = atol(argv[3]);
  int shm = key == -1 ? -1 : shmget(key, 0, 0);
  int sem = key == -1 ? -1 : semget(key, 0, 0);
  struct ring *ring = shm == -1 ? (void *)-1 : shmat(shm, NULL, SHM_RDONLY);
  if (sem == -1 || ring == (void *)-1) {
    perror("shmget/semget/shmat");
    return 1;
  }
  int64_t sum = 0;
  for (long i = 0; i < count; i++) {
    if (op(sem, SEM_FILLED, -1) == -1) {
      perror("semop");
      return 1;
    }
    sum += ring->slot[i % SLOTS];
    if (op(sem, SEM_FREE, 1) == -1) {
      perror("semop");
      return 1;
    }
  }
  shmdt(ring);
  printf("consumed %ld sum %lld\n", count, (long long)sum);
  return 0;
}
