package io.github.posixipc;

/**
 * An access to a {@link MappedRegion} touched memory that is no longer there: the shared memory
 * object was shrunk (truncated) by some process after it was mapped, and the page accessed now
 * lies beyond its end. The kernel reports that with {@code SIGBUS}. For loads and stores made
 * through {@code ByteBuffer} or {@code VarHandle} the JVM turns it into an {@link InternalError},
 * which the region turns into this exception, naming the object and the offset (see
 * {@link MappedRegion} for when HotSpot reports it late). For compare-and-set, get-and-add and
 * the semaphore, mutex and condition calls, which are native, the core's fault guard turns it
 * into EFAULT, and the library into this exception.
 *
 * <p>The region stays usable for the offsets that are still inside the object; a semaphore,
 * mutex or condition whose page is gone is lost for good.
 */
public class SharedMemoryFaultException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  SharedMemoryFaultException(String message, Throwable cause) {
    super(message, cause);
  }
}
