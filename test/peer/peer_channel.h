/* pipc-peer commands for channels (peer_channel.c). */
#ifndef PIPC_PEER_CHANNEL_H
#define PIPC_PEER_CHANNEL_H

/* Runs cmd with its arguments; returns the exit status, or -1 when cmd is
 * not one of these commands. */
int peer_channel_command(const char *cmd, char **args, int nargs);

#endif
