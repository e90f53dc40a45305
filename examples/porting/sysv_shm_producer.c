/*
 * A System V shared-memory producer written the way legacy code is: a ring
 * of 16 slots in a segment, and a set of two semaphores counting the free and
 * the filled slots, with plain shmget/shmat/semget/semop. In the second worked
 * port of docs/porting.md it stays C, unmodified, while its consumer moves to
 * Java (examples/java/.../SysVShmConsumer.java); sysv_shm_consumer.c is the C
 * consumer the Java one replaces.
 *
 *   sysv-shm-producer PATH PROJ_ID COUNT
 *
 * Creates both objects, prints "ready", puts the values 1..COUNT in the ring,
 * waits until the consumer has taken them all, removes both objects and
 * prints "produced COUNT sum S".
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

union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

static int op(int sem, unsigned short num, short delta) {
  struct sembuf b = {num, delta, 0};
  return semop(sem, &b, 1);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: sysv-shm-producer PATH PROJ_ID COUNT\n");
    return 2;
  }
  key_t key = ftok(argv[1], atoi(argv[2]));
  long count = atol(argv[3]);
  int shm = key == -1 ? -1 : shmget(key, sizeof(struct ring), IPC_CREAT | IPC_EXCL | 0600);
  if (shm == -1) {
    perror("shmget");
    return 1;
  }
  int sem = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
  if (sem == -1) {
    perror("semget");
    shmctl(shm, IPC_RMID, NULL);
    return 1;
  }
  unsigned short init[2] = {SLOTS, 0};
  union semun arg = {.array = init};
  struct ring *ring = shmat(shm, NULL, 0);
  if (semctl(sem, 0, SETALL, arg) == -1 || ring == (void *)-1) {
    perror("semctl/shmat");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  int64_t sum = 0;
  for (long i = 1; i <= count; i++) {
    if (op(sem, SEM_FREE, -1) == -1) {
      perror("semop");
      return 1;
    }
    ring->slot[(i - 1) % SLOTS] = i;
    sum += i;
    if (op(sem, SEM_FILLED, 1) == -1) {
      perror("semop");
      return 1;
    }
  }
  /* Every slot free again: the consumer has taken everything. */
  if (op(sem, SEM_FREE, -SLOTS) == -1) perror("semop");
  shmdt(ring);
  shmctl(shm, IPC_RMID, NULL);
  semctl(sem, 0, IPC_RMID);
  printf("produced %ld sum %lld\n", count, (long long)sum);
  return 0;
}
