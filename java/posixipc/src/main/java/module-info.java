/**
 * posixipc: POSIX inter-process communication for Java, with the exact semantics of the C calls,
 * through one C core. The public API is the package {@link io.github.posixipc}, with its {@code
 * java.net} views of the AF_UNIX sockets in {@link io.github.posixipc.net}; the JNI
 * binding that JavaCPP generates lives in {@code io.github.posixipc.internal}, which stays
 * closed: JavaCPP finds the native libraries beside it as resources in folders such as {@code
 * linux-x86_64}, which are not packages and so need no {@code opens}, and its generated JNI code
 * reaches the binding class through JNI, which module access does not govern.
 */
module io.github.posixipc {
  requires org.bytedeco.javacpp;

  exports io.github.posixipc;
  exports io.github.posixipc.net;
}
