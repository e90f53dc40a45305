package io.github.posixipc.bench;

import io.github.posixipc.ChildProcess;
import io.github.posixipc.MappedRegion;
import io.github.posixipc.ReceivedMessage;
import io.github.posixipc.SysV;
import io.github.posixipc.SysVMessageQueue;
import io.github.posixipc.SysVSemaphoreSet;
import io.github.posixipc.SysVSemaphoreSet.Operation;
import io.github.posixipc.SysVSharedMemory;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The posixipc contender on System V IPC, against the C harness's servers ({@code serve
 * sysv-msg-echo QID QID}, {@code serve sysv-sem-echo SEMID SHMID}): two private queues, one each
 * way (type 1; type 2 stops the server), or a private set of two semaphores ("ping ready", "pong
 * ready") with a private segment of the shared memory scenarios' layout (ShmLinks).
 */
final class SysvLinks {

  private SysvLinks() {}

  static Link messages() throws IOException {
    SysVMessageQueue in = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
    SysVMessageQueue out = null;
    try {
      out = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
      ChildProcess server = ChildProcess.builder(Server.exe(), "serve", "sysv-msg-echo",
          Integer.toString(in.id()), Integer.toString(out.id())).start();
      return new MsgLink(in, out, server);
    } catch (IOException | RuntimeException e) {
      removeAndClose(in);
      removeAndClose(out);
      throw e;
    }
  }

  private static void removeAndClose(SysVMessageQueue q) throws IOException {
    if (q != null) {
      try {
        q.remove();
      } finally {
        q.close();
      }
    }
  }

  private static final class MsgLink implements Link {
    private final SysVMessageQueue in;
    private final SysVMessageQueue out;
    private final ChildProcess server;
    private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
    private final ReceivedMessage received = new ReceivedMessage();
    private int seq;

    MsgLink(SysVMessageQueue in, SysVMessageQueue out, ChildProcess server) {
      this.in = in;
      this.out = out;
      this.server = server;
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping.clear();
      ping.put(0, (byte) sent);
      in.send(1, ping, null);
      pong.clear();
      out.receive(pong, 0, null, received);
      int got = pong.get(0);
      Server.checkEcho(sent, got);
      return got;
    }

    @Override
    public int writeChunk() {
      throw new UnsupportedOperationException("round trips only");
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        in.send(2, new byte[0], null); // the server stops at type 2
        ChannelLink.endOf(server).end();
      } finally {
        removeAndClose(in);
        removeAndClose(out);
      }
    }
  }

  static Link semaphores() throws IOException {
    SysVSemaphoreSet set = SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().initialValues(0, 0));
    SysVSharedMemory shm = null;
    MappedRegion region = null;
    try {
      shm = SysVSharedMemory.create(SysV.PRIVATE, ShmLinks.SIZE);
      region = shm.attach();
      ChildProcess server = ChildProcess.builder(Server.exe(), "serve", "sysv-sem-echo",
          Integer.toString(set.id()), Integer.toString(shm.id())).start();
      return new SemLink(set, shm, region, server);
    } catch (IOException | RuntimeException e) {
      if (region != null) {
        region.close();
      }
      if (shm != null) {
        shm.remove();
        shm.close();
      }
      set.remove();
      set.close();
      throw e;
    }
  }

  private static final class SemLink implements Link {
    private static final Operation[] PING_READY = {Operation.add(0, 1)};
    private static final Operation[] TAKE_PONG = {Operation.add(1, -1)};
    private final SysVSemaphoreSet set;
    private final SysVSharedMemory shm;
    private final MappedRegion region;
    private final ChildProcess server;
    private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
    private int seq;

    SemLink(SysVSemaphoreSet set, SysVSharedMemory shm, MappedRegion region, ChildProcess server) {
      this.set = set;
      this.shm = shm;
      this.region = region;
      this.server = server;
    }

    @Override
    public int roundTrip() throws IOException {
      int sent = (byte) ++seq;
      ping.clear();
      ping.put(0, (byte) sent);
      region.put(ShmLinks.PING, ping);
      set.apply(null, PING_READY);
      set.apply(null, TAKE_PONG);
      pong.clear();
      region.get(ShmLinks.PONG, pong);
      int got = pong.get(0);
      Server.checkEcho(sent, got);
      return got;
    }

    @Override
    public int writeChunk() {
      throw new UnsupportedOperationException("round trips only");
    }

    @Override
    public void close() throws IOException, InterruptedException {
      try {
        region.setIntRelease(ShmLinks.STOP, 1);
        set.apply(null, PING_READY);
        ChannelLink.endOf(server).end();
      } finally {
        region.close();
        shm.remove();
        shm.close();
        set.remove();
        set.close();
      }
    }
  }
}
