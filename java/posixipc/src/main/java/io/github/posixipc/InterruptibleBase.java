package io.github.posixipc;

import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * The one adapter from the JDK's interrupt hooks to {@link Descriptor#call}'s bracket. The JDK
 * offers {@code begin()}/{@code end()} only to subclasses of {@link AbstractInterruptibleChannel},
 * as protected methods, so both kinds of handle that block on a descriptor extend this class:
 * {@link DescriptorChannel} (the byte channels) and {@link InterruptibleHandle} (a handle that
 * blocks without being one). Their {@link #hooks} are what they hand to the bracket; the class
 * adds no public method, so the public hierarchy stays that of the JDK's channels.
 */
abstract class InterruptibleBase extends AbstractInterruptibleChannel {

  /** This handle's side of the bracket: its blocking mode, its open state and the JDK's hooks. */
  final Descriptor.Blocking hooks = new Descriptor.Blocking() {
    @Override
    public boolean blocking() {
      return waitsByDefault();
    }

    @Override
    public boolean isOpen() {
      return InterruptibleBase.this.isOpen();
    }

    @Override
    public void beginBlocking() {
      begin();
    }

    @Override
    public void endBlocking(boolean completed) throws AsynchronousCloseException {
      end(completed);
    }
  };

  /** True while a call without a timeout waits; a channel in non-blocking mode says false. */
  abstract boolean waitsByDefault();
}
