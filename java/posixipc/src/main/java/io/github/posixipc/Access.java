package io.github.posixipc;

/**
 * How this process opens an object that can be read, written or both: a FIFO, a message queue, a
 * shared-memory segment. One type for all of them, so that the same word means the same open
 * flags everywhere.
 */
public enum Access {
  /** Reading only ({@code O_RDONLY}): receive from a queue, read a FIFO, map a segment read-only. */
  READ,
  /** Writing only ({@code O_WRONLY}): send to a queue, write a FIFO. */
  WRITE,
  /**
   * Both ({@code O_RDWR}). For a FIFO this is Linux only (POSIX leaves it undefined) and never
   * waits, since the opener is a reader and a writer at once.
   */
  READ_WRITE
}
