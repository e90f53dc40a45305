package io.github.posixipc;

/**
 * Receives the signals a {@link Signals#addListener registration} asks for. Listeners run one at a
 * time on the library's dispatcher thread ({@code posixipc-signals}), in the order the signals
 * were caught; a listener that takes long delays the others, and one that throws is logged and
 * does not stop the deliveries.
 */
@FunctionalInterface
public interface SignalListener {

  /** A signal was caught. */
  void onSignal(SignalInfo info);

  /**
   * The dispatcher had to drop count records of signal because its pipe was full (the listeners
   * fell far behind a burst). The default logs a warning through {@link System.Logger}, so that a
   * loss is never silent; {@link Signals#lostCount(int)} counts them too.
   */
  default void onLost(int signal, long count) {
    SignalDispatcher.logLoss(signal, count);
  }
}
