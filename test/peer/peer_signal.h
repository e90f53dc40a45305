/* The C peer's signal commands (peer_signal.c). */
#ifndef PIPC_PEER_SIGNAL_H
#define PIPC_PEER_SIGNAL_H

/* Runs argv[1] if it is a signal command: returns its exit status, or -1
 * when argv[1] is not one of them (or has the wrong number of arguments). */
int peer_signal_command(int argc, char **argv);

#endif /* PIPC_PEER_SIGNAL_H */
