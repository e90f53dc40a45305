package io.github.posixipc;

/**
 * An access to a {@link MappedRegion} touched memory that is no longer there: the shared memory
 * object was shrunk (truncated) by some process after it was mapped, and the page accessed now
 * lies beyond its end. The kernel reports that with {@code SIGBUS}, which the core's fault guard
 * catches before the JVM does. For a load, a store or a bulk copy, the guard replaces the page
 * with a private zero page and marks the region faulted: this exception comes from the access
 * that met the fault and from every later access to the region ({@link MappedRegion#isFaulted()}).
 * For compare-and-set, get-and-add and the semaphore, mutex and condition calls, which are
 * native, the guard makes the call fail with EFAULT, and the library throws this exception; the
 * object whose page is gone is lost for good, the rest of the region is left as it was.
 */
public class SharedMemoryFaultException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  SharedMemoryFaultException(String message, Throwable cause) {
    super(message, cause);
  }
}
