package io.github.posixipc;

import java.io.IOException;

/**
 * The JDK's interrupt hook for a handle that blocks on a descriptor without being a byte channel
 * (a {@link Poller}, a {@link MessageQueueNotification}'s socket): Thread.interrupt() of a thread
 * blocked in {@link Descriptor#call} closes the handle and the thread gets {@link
 * java.nio.channels.ClosedByInterruptException}, exactly as on {@link DescriptorChannel}. The JDK offers that hook only to subclasses of
 * AbstractInterruptibleChannel (see {@link InterruptibleBase}), so this internal class is one, held by its owner; it carries no
 * byte I/O and is never handed out.
 *
 * <p>Its close is the owner's: it closes the descriptor once, and the Cleaner does the same for
 * an owner that is collected unclosed.
 */
final class InterruptibleHandle extends InterruptibleBase {

  final Descriptor descriptor;

  /** Takes over descriptor for owner, whom the Cleaner watches. */
  InterruptibleHandle(Object owner, Descriptor descriptor) {
    this.descriptor = descriptor;
    descriptor.cleanWith(owner);
  }

  /** The bracket of {@link Descriptor#call}, with this handle's interrupt hook. */
  long call(Descriptor.Call op, long a, long b, long c, long timeoutNs, boolean zeroIsData, String syscall)
      throws IOException {
    return descriptor.call(hooks, op, a, b, c, timeoutNs, zeroIsData, syscall);
  }

  @Override
  boolean waitsByDefault() {
    return true;
  }

  @Override
  protected void implCloseChannel() throws IOException {
    descriptor.closeOwnedOrThrow();
  }
}
