package io.github.posixipc;

/**
 * An access to a {@link MappedRegion} touched memory that is no longer there: the shared memory
 * object was shrunk (truncated) by some process after it was mapped, and the page accessed now
 * lies beyond its end. The kernel reports that with {@code SIGBUS}; the JVM turns it into an
 * {@link InternalError} for accesses made through {@code ByteBuffer} or {@code VarHandle}, and
 * the region turns that into this exception, naming the object and the offset.
 *
 * <p>The region stays usable for the offsets that are still inside the object.
 */
public class SharedMemoryFaultException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  SharedMemoryFaultException(String message, Throwable cause) {
    super(message, cause);
  }
}
