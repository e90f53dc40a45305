package io.github.posixipc;

/**
 * What a handle remembers of an optional step that may not pay (a virtual thread's spin stage, a
 * platform thread's first try without the wait's bookkeeping), so that a handle on which it never
 * pays stops making it: after a miss, the next chances are skipped (1, 2, 4, ... up to {@value
 * #MAX_SKIP} of them, doubling while the misses go on); one hit ends the skipping. Its fields are
 * updated without synchronization by the threads that use the handle: it is a hint, and a lost
 * update only costs a step more or less.
 */
class TryHint {
  static final int MAX_SKIP = 64;
  private int skip;
  private int penalty;

  /** Whether to skip the step this time; counts the skipped chance. */
  final boolean skip() {
    int s = skip;
    if (s > 0) {
      skip = s - 1;
      return true;
    }
    return false;
  }

  /** The step paid: make it from the next chance on. */
  final void hit() {
    if (penalty != 0) {
      penalty = 0;
    }
  }

  /** The step did not pay: skip it for the next chances, twice as many as after the last miss. */
  final void miss() {
    int p = Math.min(Math.max(1, penalty * 2), MAX_SKIP);
    penalty = p;
    skip = p;
  }

  /** How many chances the last miss skips (0 after a hit), for the tests. */
  final int penalty() {
    return penalty;
  }
}
