package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The closed-handle convention of docs/conventions.md, checked by reflection over every public
 * method of every handle class: after {@code close()}, a method that declares
 * {@code IOException} throws {@link ClosedChannelException} (posixipc's subclass, whose message
 * names the object); a memory accessor of {@link MappedRegion} that declares no checked
 * exception throws {@link IllegalStateException}. A timed method is called with a {@code null}
 * timeout too, which every handle accepts (it waits forever). A method added later is checked without a
 * change here, and a parameter type the test cannot make fails the test, so nothing is skipped
 * silently.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClosedHandlesTest {

  /** Methods that answer from state kept at open, and so still answer after close. */
  private static final Set<String> ANSWER_AFTER_CLOSE = Set.of("close", "isOpen", "toString", "hashCode",
      "equals", "name", "path", "type", "isBlocking", "isReadOnly", "size", "offset", "pid", "isWritable",
      "what", "signal", "access", "address", "writable", "lostCount", "source", "sink", "alignment",
      "isFaulted", // whether a fault was met is kept in the process, and is worth asking after close
      "cancel", // a notification's cancel() is its close()
      "unlink"); // removing a socket's path is for after close, as in POSIX

  /** What every test here opened and did not hand to a handle, removed at the end even on failure. */
  private final List<AutoCloseable> resources = new ArrayList<>();

  @Test
  void everyCallAfterCloseThrowsTheDocumentedType() throws Exception {
    try (IpcNames names = new IpcNames()) {
      Map<Object, String> closed = closedHandles(names);
      List<String> wrong = new ArrayList<>();
      Set<String> covered = new TreeSet<>();
      for (Map.Entry<Object, String> e : closed.entrySet()) {
        Object handle = e.getKey();
        for (Method m : handle.getClass().getMethods()) {
          if (Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class
              || !m.getDeclaringClass().getPackageName().startsWith("io.github.posixipc")
              || ANSWER_AFTER_CLOSE.contains(m.getName()) || m.isSynthetic()) {
            continue;
          }
          boolean io = declaresIoException(m);
          boolean memory = handle instanceof MappedRegion;
          if (!io && !memory) {
            continue; // no closed-handle rule for a method that cannot report one
          }
          String what = e.getValue() + "." + m.getName() + params(m);
          covered.add(what);
          // A timed method is called twice: with a short timeout, and with null, which must be
          // accepted (it waits forever) and so reach the closed-handle check like any other.
          boolean timed = List.of(m.getParameterTypes()).contains(Duration.class);
          for (Duration timeout : timed ? new Duration[] {Duration.ofMillis(10), null} : new Duration[] {Duration.ofMillis(10)}) {
            durationArgument = timeout;
            Throwable thrown = invoke(handle, m);
            String call = what + (timed ? " with timeout " + timeout : "");
            Class<? extends Throwable> expected = io ? ClosedChannelException.class : IllegalStateException.class;
            if (thrown == null || !expected.isInstance(thrown)) {
              wrong.add(call + ": " + (thrown == null ? "returned normally" : thrown));
            } else if (io && (thrown.getMessage() == null || !thrown.getMessage().contains("closed"))) {
              wrong.add(call + ": the message does not say the object is closed: " + thrown.getMessage());
            }
          }
        }
      }
      assertTrue(covered.size() > 60, "too few methods reached: " + covered);
      assertEquals(List.of(), wrong, "calls after close that break the convention");
    } finally {
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception ignored) {
          // already closed or gone: the test is over
        }
      }
    }
  }

  @Test
  void closeIsIdempotentOnEveryHandle() throws Exception {
    try (IpcNames names = new IpcNames()) {
      for (Map.Entry<Object, String> e : closedHandles(names).entrySet()) {
        ((AutoCloseable) e.getKey()).close(); // the second close
        Method isOpen = findIsOpen(e.getKey());
        if (isOpen != null) {
          assertFalse((Boolean) isOpen.invoke(e.getKey()), e.getValue() + ".isOpen() after close");
        }
      }
    } finally {
      for (AutoCloseable r : resources) {
        try {
          r.close();
        } catch (Exception ignored) {
          // gone already
        }
      }
    }
  }

  /** One closed handle of every kind, each with the name the report gives it. */
  private Map<Object, String> closedHandles(IpcNames names) throws Exception {
    Map<Object, String> out = new LinkedHashMap<>();
    Pipe livePipe = Pipe.open();
    resources.add(livePipe);
    arguments.put(Pollable.class, livePipe.source());
    Pipe pipe = Pipe.open();
    out.put(pipe.source(), "Pipe.Source");
    out.put(pipe.sink(), "Pipe.Sink");

    Path fifoPath = TestSupport.uniquePath("closed-fifo");
    Fifo.create(fifoPath);
    resources.add(() -> Fifo.unlink(fifoPath));
    out.put(Fifo.open(fifoPath, Access.READ_WRITE), "Fifo");

    String qname = "/pipc-jtest-closed-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    MessageQueue q = MessageQueue.open(qname, MessageQueue.options().exclusive().maxMessages(2).messageSize(64));
    resources.add(() -> MessageQueue.unlink(qname));
    out.put(q.registerNotification(() -> { }), "MessageQueueNotification");
    out.put(q, "MessageQueue");

    String shmName = names.shm("closed");
    SharedMemory shm = SharedMemory.create(shmName, 65536);
    MappedRegion live = shm.map();
    resources.add(live);
    resources.add(shm);
    long syncAt = 4096;
    SharedMutex liveMutex = SharedMutex.init(live, syncAt);
    resources.add(liveMutex);
    arguments.put(SharedMutex.class, liveMutex);
    arguments.put(MappedRegion.class, live);
    out.put(SharedMutex.init(live, syncAt + 1024), "SharedMutex");
    out.put(SharedCondition.init(live, syncAt + 2048), "SharedCondition");
    out.put(UnnamedSemaphore.init(live, syncAt + 3072, 0), "UnnamedSemaphore");
    SharedMemory other = SharedMemory.create(names.shm("closed-2"), 65536);
    out.put(other.map(), "MappedRegion");
    out.put(other, "SharedMemory");

    out.put(NamedSemaphore.open(names.sem("closed"), NamedSemaphore.options().exclusive()), "NamedSemaphore");

    ConnectedSocket[] stream = ConnectedSocket.pair();
    out.put(stream[0], "ConnectedSocket");
    resources.add(stream[1]);
    out.put(ListeningSocket.bind(AbstractSocketAddress.of("pipc-jtest-closed-" + System.nanoTime())),
        "ListeningSocket");
    DatagramSocket[] datagrams = DatagramSocket.pair();
    out.put(datagrams[0], "DatagramSocket");
    resources.add(datagrams[1]);

    SysVMessageQueue sysvQueue = SysVMessageQueue.open(SysV.PRIVATE, SysVMessageQueue.options().create());
    resources.add(() -> SysVMessageQueue.remove(sysvQueue.id()));
    out.put(sysvQueue, "SysVMessageQueue");
    SysVSharedMemory sysvShm = SysVSharedMemory.create(SysV.PRIVATE, 4096);
    resources.add(() -> SysVSharedMemory.remove(sysvShm.id()));
    out.put(sysvShm, "SysVSharedMemory");
    SysVSemaphoreSet sysvSet = SysVSemaphoreSet.open(SysV.PRIVATE, SysVSemaphoreSet.options().create().count(3));
    resources.add(() -> SysVSemaphoreSet.remove(sysvSet.id()));
    out.put(sysvSet, "SysVSemaphoreSet");

    out.put(Poller.open(), "Poller");
    String channelName = names.shm("closed-channel");
    out.put(Channel.create(channelName, 4096, Channel.Role.PRODUCER), "Channel(producer)");
    out.put(Channel.open(channelName, Channel.Role.CONSUMER), "Channel(consumer)");
    int sig = Signals.rtmin() + 7;
    out.put(Signals.queue(sig), "SignalQueue");
    out.put(Signals.addListener(sig, info -> { }), "Signals.Registration");
    out.put(ChildProcess.builder("true").start(), "ChildProcess");

    for (Object h : out.keySet()) {
      ((AutoCloseable) h).close();
    }
    pipe.close();
    return out;
  }

  /** The timeout handed to timed methods: a short one, then null. */
  private Duration durationArgument = Duration.ofMillis(10);

  /** Live objects that methods of closed handles take as arguments. */
  private final Map<Class<?>, Object> arguments = new LinkedHashMap<>();

  private Throwable invoke(Object handle, Method m) {
    Object[] args = new Object[m.getParameterCount()];
    Class<?>[] types = m.getParameterTypes();
    for (int i = 0; i < args.length; i++) {
      args[i] = argument(types[i], m);
    }
    try {
      Object r = m.invoke(handle, args);
      if (r instanceof AutoCloseable c) {
        resources.add(c);
      }
      return null;
    } catch (InvocationTargetException e) {
      return e.getCause();
    } catch (IllegalAccessException e) {
      throw new AssertionError(m + " is public but cannot be called", e);
    }
  }

  private Object argument(Class<?> t, Method m) {
    if (arguments.containsKey(t)) {
      return arguments.get(t);
    }
    if (t == int.class || t == Integer.class) {
      return 1;
    } else if (t == long.class || t == Long.class) {
      return 4096L; // a valid page-aligned offset and length: a closed handle, not a bad range, must be what fails
    } else if (t == boolean.class) {
      return false;
    } else if (t == short.class) {
      return (short) 0;
    } else if (t == byte.class) {
      return (byte) 0;
    } else if (t == char.class) {
      return 'a';
    } else if (t == float.class) {
      return 0f;
    } else if (t == double.class) {
      return 0d;
    } else if (t == ByteBuffer.class) {
      return ByteBuffer.allocateDirect(64);
    } else if (t == byte[].class) {
      return new byte[8];
    } else if (t == Duration.class) {
      return durationArgument;
    } else if (t == String.class) {
      return "x";
    } else if (t == Path.class) {
      return Path.of("/nonexistent/pipc-closed");
    } else if (t == SocketAddress.class) {
      return AbstractSocketAddress.of("pipc-jtest-closed-target");
    } else if (t.isArray()) {
      Class<?> c = t.getComponentType();
      if (c == ByteBuffer.class) {
        return new ByteBuffer[] {ByteBuffer.allocateDirect(64)};
      }
      if (c.isEnum()) {
        Object one = Array.newInstance(c, 1);
        Array.set(one, 0, c.getEnumConstants()[0]);
        return one;
      }
      return Array.newInstance(c, 0);
    } else if (t.isEnum()) {
      return t.getEnumConstants()[0];
    } else if (t == ReceivedMessage.class) {
      return new ReceivedMessage();
    } else if (t == SignalQueue.Caught.class) {
      return new SignalQueue.Caught();
    } else if (t.isInterface()) {
      return Proxy.newProxyInstance(t.getClassLoader(), new Class<?>[] {t}, (p, method, a) -> {
        if (method.getDeclaringClass() == Object.class) {
          return method.getName().equals("equals") ? p == a[0] : method.getName().equals("hashCode") ? 0 : "proxy";
        }
        return null;
      });
    }
    fail("no argument of type " + t.getName() + " for " + m + ": add one to ClosedHandlesTest");
    return null;
  }

  private static boolean declaresIoException(Method m) {
    for (Class<?> e : m.getExceptionTypes()) {
      if (IOException.class.isAssignableFrom(e) || e == Exception.class) {
        return true;
      }
    }
    return false;
  }

  private static Method findIsOpen(Object handle) {
    try {
      return handle.getClass().getMethod("isOpen");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  private static String params(Method m) {
    StringBuilder sb = new StringBuilder("(");
    for (Class<?> p : m.getParameterTypes()) {
      sb.append(sb.length() > 1 ? ", " : "").append(p.getSimpleName());
    }
    return sb.append(')').toString();
  }
}
