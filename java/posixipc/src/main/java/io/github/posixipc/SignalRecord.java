package io.github.posixipc;

import io.github.posixipc.internal.Core;
import java.nio.ByteBuffer;

/**
 * The one place that reads the C core's signal record ({@code pipc_signal_info}): the
 * dispatcher's batch and a {@link SignalQueue.Caught} (which a take reads the queue's pipe into)
 * hold records as they came from a pipe, and read their fields here.
 */
final class SignalRecord {

  /** The size of one record, from the C header. */
  static final int SIZE = Core.PIPC_SIGNAL_RECORD_SIZE;

  // The field offsets of pipc_signal_info, from the C header (offsetof), so that a layout change
  // there cannot go unnoticed here.
  private static final int SIGNO = Core.PIPC_SIGNAL_INFO_SIGNO;
  private static final int CODE = Core.PIPC_SIGNAL_INFO_CODE;
  private static final int PID = Core.PIPC_SIGNAL_INFO_PID;
  private static final int UID = Core.PIPC_SIGNAL_INFO_UID;
  private static final int VALUE = Core.PIPC_SIGNAL_INFO_VALUE;

  private SignalRecord() {}

  static int signal(ByteBuffer b, int at) {
    return b.getInt(at + SIGNO);
  }

  static int code(ByteBuffer b, int at) {
    return b.getInt(at + CODE);
  }

  static int pid(ByteBuffer b, int at) {
    return b.getInt(at + PID);
  }

  /** The uid as the kernel's 32 unsigned bits in an int (Integer.toUnsignedLong reads it back). */
  static int uid(ByteBuffer b, int at) {
    return b.getInt(at + UID);
  }

  static int value(ByteBuffer b, int at) {
    return b.getInt(at + VALUE);
  }

  /** The record at offset at as a {@link SignalInfo}. */
  static SignalInfo info(ByteBuffer b, int at) {
    return new SignalInfo(signal(b, at), code(b, at), pid(b, at), uid(b, at), value(b, at));
  }
}
