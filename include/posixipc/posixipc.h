/*
 * posixipc — POSIX inter-process communication for C and Java.
 *
 * One header per mechanism; this one includes them all. Each header states
 * the conventions it follows; common.h states those of the whole API.
 */
#ifndef POSIXIPC_POSIXIPC_H
#define POSIXIPC_POSIXIPC_H

#include <posixipc/common.h>
#include <posixipc/pipe.h>
#include <posixipc/mq.h>
#include <posixipc/spawn.h>
#include <posixipc/signal.h>
#include <posixipc/socket.h>
#include <posixipc/poll.h>
#include <posixipc/shm.h>
#include <posixipc/guard.h>
#include <posixipc/sem.h>
#include <posixipc/sync.h>
#include <posixipc/sysv.h>
#include <posixipc/channel.h>

#endif /* POSIXIPC_POSIXIPC_H */
