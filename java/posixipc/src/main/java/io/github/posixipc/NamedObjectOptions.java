package io.github.posixipc;

/**
 * What the {@code Options} of every named object that an open may create share: {@code
 * create()}, {@code exclusive()} and {@code mode(int)}, with the same meaning and the same checks
 * for queues, segments and semaphores. Package-private: callers see the methods on each
 * mechanism's own {@code Options}, which return that type so that a chain keeps its methods.
 *
 * @param <T> the mechanism's Options class
 */
abstract class NamedObjectOptions<T extends NamedObjectOptions<T>> {

  /** The permission bits of a created object unless {@link #mode(int)} says otherwise. */
  static final int DEFAULT_MODE = 0600;

  boolean create;
  boolean exclusive;
  int mode = DEFAULT_MODE;

  NamedObjectOptions() {}

  /**
   * This builder, as the mechanism's own Options type. The cast cannot fail: each mechanism's
   * Options is a final class declared as {@code extends NamedObjectOptions<Options>}, so this is
   * always a T; doing it here spares every subclass the same one-line override.
   */
  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }

  /** Creates the object if it does not exist ({@code O_CREAT}). */
  public T create() {
    create = true;
    return self();
  }

  /** Creates the object, failing with {@link AlreadyExistsException} if it exists ({@code O_EXCL}). */
  public T exclusive() {
    create = true;
    exclusive = true;
    return self();
  }

  /**
   * The permission bits of an object this open creates (default 0600), reduced by the umask.
   *
   * @throws IllegalArgumentException for bits outside 0777
   */
  public T mode(int mode) {
    this.mode = OptionChecks.mode(mode, 0777);
    return self();
  }
}
