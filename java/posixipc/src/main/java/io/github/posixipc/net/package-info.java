/**
 * posixipc's AF_UNIX sockets as {@code java.net} sees sockets, for client libraries written
 * against {@link java.net.Socket}, {@link java.net.ServerSocket} and {@link
 * javax.net.SocketFactory}: {@link io.github.posixipc.net.UnixSocket}, {@link
 * io.github.posixipc.net.UnixServerSocket}, and the factories {@link
 * io.github.posixipc.net.UnixSocketFactory} (a path, named in a JDBC URL with the path as its
 * argument) and {@link io.github.posixipc.net.AbstractNameSocketFactory} (a Linux abstract name)
 * for clients, {@link io.github.posixipc.net.UnixServerSocketFactory} for servers.
 * Each view sits on a socket of {@link io.github.posixipc}, reachable from it for what {@code
 * java.net} has no words for (peer credentials, descriptor passing).
 */
package io.github.posixipc.net;
