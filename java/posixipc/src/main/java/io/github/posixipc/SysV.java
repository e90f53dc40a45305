package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What the three System V mechanisms share: keys ({@code ftok}, {@link #PRIVATE}), the kernel's
 * limits, and the explanation of an error that a limit caused. The objects themselves are
 * {@link SysVMessageQueue}, {@link SysVSharedMemory} and {@link SysVSemaphoreSet}.
 *
 * <p>A System V object is named by a key, a plain {@code int}: {@link #PRIVATE} (always a new
 * object that no key reaches, shared by passing its identifier), a number both sides agree on,
 * or {@link #ftok(Path, int)} of an existing file and a project id, as a C program computes it.
 * The get call ({@code msgget}, {@code shmget}, {@code semget}) turns the key into an identifier
 * that the whole system shares. Objects stay until they are removed ({@code IPC_RMID}, each
 * class's {@code remove()}) or the system restarts: closing a handle never removes anything.
 * docs/sysv.md has the whole story.
 */
public final class SysV {

  static {
    Native.ensureLoaded();
  }

  /** The key that always makes a new object ({@code IPC_PRIVATE}). */
  public static final int PRIVATE = Core.PIPC_SYSV_PRIVATE;

  private SysV() {}

  /**
   * The kernel's System V limits ({@code /proc/sys/kernel/msgmax}, {@code msgmnb}, {@code msgmni},
   * {@code shmmax}, {@code shmall}, {@code shmmni}, the four fields of {@code sem}, and SEMVMX);
   * -1 for a value that could not be read. shmmax and shmall are saturated at Long.MAX_VALUE.
   *
   * @param msgmax the longest message, in bytes
   * @param msgmnb the capacity of a new queue, in bytes
   * @param msgmni the number of queues the system may have
   * @param shmmax the largest segment, in bytes
   * @param shmall the pages all segments together may have
   * @param shmmni the number of segments the system may have
   * @param semmsl the semaphores one set may have
   * @param semmns the semaphores the system may have
   * @param semopm the operations one {@code semop} may apply
   * @param semmni the number of sets the system may have
   * @param semvmx the largest semaphore value
   */
  public record Limits(long msgmax, long msgmnb, long msgmni, long shmmax, long shmall, long shmmni,
      long semmsl, long semmns, long semopm, long semmni, long semvmx) {}

  /**
   * The owner, creator and permission bits every System V object carries ({@code struct
   * ipc_perm}), in each class's {@code Stat}.
   *
   * @param key the key it was made with ({@link #PRIVATE} for a private object)
   * @param uid the owner's user id
   * @param gid the owner's group id
   * @param creatorUid the creator's user id
   * @param creatorGid the creator's group id
   * @param mode the permission bits (0777)
   */
  public record Permissions(int key, int uid, int gid, int creatorUid, int creatorGid, int mode) {
    /** The fields the C core puts first in every stat (PIPC_SYSV_STAT_*). */
    static Permissions of(long[] st) {
      return new Permissions((int) st[Core.PIPC_SYSV_STAT_KEY], (int) st[Core.PIPC_SYSV_STAT_UID],
          (int) st[Core.PIPC_SYSV_STAT_GID], (int) st[Core.PIPC_SYSV_STAT_CUID],
          (int) st[Core.PIPC_SYSV_STAT_CGID], (int) st[Core.PIPC_SYSV_STAT_MODE]);
    }
  }

  /** Reads the limits now (see {@link Limits}). */
  public static Limits limits() {
    long[] l = new long[Core.PIPC_SYSV_LIMITS_SLOTS];
    Core.pipc_sysv_get_limits(l);
    return new Limits(l[Core.PIPC_SYSV_LIMITS_MSGMAX], l[Core.PIPC_SYSV_LIMITS_MSGMNB],
        l[Core.PIPC_SYSV_LIMITS_MSGMNI], l[Core.PIPC_SYSV_LIMITS_SHMMAX],
        l[Core.PIPC_SYSV_LIMITS_SHMALL], l[Core.PIPC_SYSV_LIMITS_SHMMNI],
        l[Core.PIPC_SYSV_LIMITS_SEMMSL], l[Core.PIPC_SYSV_LIMITS_SEMMNS],
        l[Core.PIPC_SYSV_LIMITS_SEMOPM], l[Core.PIPC_SYSV_LIMITS_SEMMNI],
        l[Core.PIPC_SYSV_LIMITS_SEMVMX]);
  }

  /**
   * The key of an existing file and a project id ({@code ftok}): every process that names the
   * same file and id gets the same key, as a C program calling {@code ftok(path, id)} does.
   *
   * @param projectId 1 to 255 (ftok uses the low 8 bits; 0 is unspecified)
   * @throws NotFoundException when the file does not exist
   * @throws IllegalArgumentException for a project id out of range
   */
  public static int ftok(Path path, int projectId) throws IOException {
    Objects.requireNonNull(path, "path");
    if (projectId < 1 || projectId > 255) {
      throw new IllegalArgumentException("ftok project id outside 1..255: " + projectId);
    }
    int[] key = new int[1];
    int r = Core.pipc_sysv_ftok(NativeStrings.path(path), projectId, key);
    if (r < 0) {
      throw PosixException.of(r, "ftok", path.toString());
    }
    return key[0];
  }

  /** A key as ipcs shows it: {@code 0x0000162e}. */
  public static String formatKey(int key) {
    return String.format("0x%08x", key);
  }

  /** The flags of a get call from the common options. */
  static int flags(NamedObjectOptions<?> o) {
    return (o.create ? Core.PIPC_SYSV_CREATE : 0) | (o.exclusive ? Core.PIPC_SYSV_EXCLUSIVE : 0);
  }

  /** An object by its key, for messages: "System V queue 0x0000162e". */
  static String named(String kind, int key) {
    return "System V " + kind + " " + (key == PRIVATE ? "IPC_PRIVATE" : formatKey(key));
  }

  /** What an object is, for messages: "System V queue 0x0000162e (id 5)". */
  static String what(String kind, int key, int id) {
    return named(kind, key) + " (id " + id + ")";
  }

  /**
   * The exception for a failed call, with the C core's sentence about the limit behind it when
   * one explains it (call is a PIPC_SYSV_CALL_* value, size and count what was asked for).
   */
  static PosixException failure(long r, String syscall, String what, int call, long size, long count) {
    byte[] buf = new byte[256];
    int n = Core.pipc_sysv_explain(call, (int) r, size, count, buf, buf.length);
    String why = n > 0 ? new String(buf, 0, n, StandardCharsets.UTF_8) : "";
    return PosixException.of(r, syscall, why.isEmpty() ? what : what + ": " + why);
  }
}
