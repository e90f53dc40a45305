package io.github.posixipc;

/**
 * The identity of a process as the kernel reports it over an AF_UNIX socket: its process id, user
 * id and group id ({@code struct ucred}). Returned by {@link ConnectedSocket#peerCredentials()}
 * ({@code SO_PEERCRED}, taken when the connection was made) and carried by received messages when
 * credential passing is on ({@code SCM_CREDENTIALS}, taken when the message was sent).
 *
 * @param pid the process id
 * @param uid the user id
 * @param gid the group id
 */
public record Credentials(int pid, int uid, int gid) {}
