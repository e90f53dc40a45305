/* pipc-peer commands for shared memory and semaphores (peer_shm.c). */
#ifndef PIPC_PEER_SHM_H
#define PIPC_PEER_SHM_H

/* Runs cmd with its arguments; returns the exit status, or -1 when cmd is
 * not one of these commands. */
int peer_shm_command(const char *cmd, char **args, int nargs);

#endif
