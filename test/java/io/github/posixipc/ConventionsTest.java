package io.github.posixipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.TypeVariable;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The conventions of docs/conventions.md that a test can check, over every handle class they
 * apply to: one options style, one Access type, no near-homonyms, records for values, socket
 * names and address types, null timeouts, and the "nothing now" rule.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConventionsTest {

  /** Each mechanism that has options, with the factories that take them. */
  private static final Map<Class<?>, List<String>> FACTORIES = Map.ofEntries(
      Map.entry(Pipe.class, List.of("open")),
      Map.entry(Fifo.class, List.of("create")),
      Map.entry(MessageQueue.class, List.of("open")),
      Map.entry(SharedMemory.class, List.of("create", "open", "createAnonymous")),
      Map.entry(NamedSemaphore.class, List.of("open")),
      Map.entry(ConnectedSocket.class, List.of("connect", "pair")),
      Map.entry(ListeningSocket.class, List.of("bind")),
      Map.entry(SysVMessageQueue.class, List.of("open", "ofId")),
      Map.entry(SysVSharedMemory.class, List.of("open")),
      Map.entry(SysVSemaphoreSet.class, List.of("open")),
      Map.entry(Channel.class, List.of("create", "open", "createAnonymous")));

  /** Every public handle and value class of the library's API that these rules are about. */
  private static final List<Class<?>> HANDLES = List.of(Pipe.class, Pipe.Source.class, Pipe.Sink.class,
      Fifo.class, MessageQueue.class, MessageQueueNotification.class, SharedMemory.class,
      NamedSemaphore.class, UnnamedSemaphore.class, ConnectedSocket.class, ListeningSocket.class,
      DatagramSocket.class, ReceivedMessage.class, SocketAddresses.class, AbstractSocketAddress.class,
      SysV.class, SysVMessageQueue.class, SysVSharedMemory.class, SysVSemaphoreSet.class, Channel.class);

  @Test
  void everyMechanismWithOptionsTakesANestedBuilderInAShortAndAnOptionsForm() throws Exception {
    for (Map.Entry<Class<?>, List<String>> e : FACTORIES.entrySet()) {
      Class<?> c = e.getKey();
      Method options = c.getMethod("options");
      assertTrue(Modifier.isStatic(options.getModifiers()), c + ".options() is static");
      Class<?> type = options.getReturnType();
      assertEquals("Options", type.getSimpleName(), c.getName());
      assertEquals(c, type.getDeclaringClass(), "Options is nested in " + c.getSimpleName());
      assertTrue(Modifier.isFinal(type.getModifiers()) && Modifier.isPublic(type.getModifiers()), type.getName());
      assertNotNull(options.invoke(null), c + ".options() gives a builder");
      for (Method m : type.getMethods()) {
        if (m.getDeclaringClass() != Object.class && !Modifier.isStatic(m.getModifiers()) && !m.isBridge()
            && !m.getName().equals("toString")) {
          // A method shared through the package-private base returns its type variable, which
          // each Options binds to itself.
          assertTrue(m.getReturnType() == type || m.getGenericReturnType() instanceof TypeVariable,
              "every builder method returns the builder: " + m);
        }
      }
      for (String factory : e.getValue()) {
        List<Method> forms = publicStatic(c, factory);
        assertTrue(forms.stream().anyMatch(m -> List.of(m.getParameterTypes()).contains(type)),
            c.getSimpleName() + "." + factory + " has an options form");
        assertTrue(forms.stream().anyMatch(m -> !List.of(m.getParameterTypes()).contains(type)),
            c.getSimpleName() + "." + factory + " has a short form");
      }
    }
  }

  @Test
  void noFactoryTakesEnumVarargsOrABooleanFlag() {
    for (Class<?> c : HANDLES) {
      for (Method m : c.getMethods()) {
        if (!Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() != c) {
          continue;
        }
        for (Class<?> p : m.getParameterTypes()) {
          assertFalse(p == boolean.class, "a boolean flag parameter: " + m);
          assertFalse(p.isArray() && p.getComponentType().isEnum(), "enum varargs: " + m);
        }
      }
      for (Class<?> nested : c.getDeclaredClasses()) {
        assertFalse(nested.getSimpleName().equals("Option"), "an Option enum beside the builder: " + nested);
      }
    }
  }

  @Test
  void oneAccessTypeAndNoNearHomonyms() throws Exception {
    for (Class<?> c : HANDLES) {
      for (Class<?> nested : c.getDeclaredClasses()) {
        assertFalse(nested.getSimpleName().equals("Access"), "a second Access type: " + nested);
        assertFalse(nested.getSimpleName().equals("Received"), "a near-homonym of ReceivedMessage: " + nested);
        assertFalse(nested.getSimpleName().equals("Notification"), "the notification is its own type: " + nested);
      }
    }
    assertEquals(Access.class, Fifo.class.getMethod("access").getReturnType());
    assertEquals(Access.class, MessageQueue.class.getMethod("access").getReturnType());
    assertEquals(ReceivedMessage.class,
        MessageQueue.class.getMethod("receive", ByteBuffer.class, Duration.class).getReturnType());
    assertEquals(ReceivedMessage.class,
        ConnectedSocket.class.getMethod("receiveFileDescriptors", ByteBuffer.class, int.class).getReturnType());
    assertEquals(MessageQueueNotification.class,
        MessageQueue.class.getMethod("registerNotification", int.class, int.class).getReturnType(),
        "both notification styles return a handle that cancels");
    assertEquals(MessageQueueNotification.class,
        MessageQueue.class.getMethod("registerNotification", Runnable.class).getReturnType());
  }

  @Test
  void valuesAreRecordsAndTheReusedHolderIsAFinalClass() throws Exception {
    for (Class<?> c : List.of(Credentials.class, SignalInfo.class, MessageQueue.Attributes.class,
        MessageQueue.Limits.class)) {
      assertTrue(c.isRecord(), c + " is a record");
    }
    assertTrue(Modifier.isFinal(ReceivedMessage.class.getModifiers()));
    assertNotNull(ReceivedMessage.class.getConstructor().newInstance(), "a holder the caller can reuse");
    assertEquals(int.class, Credentials.class.getMethod("pid").getReturnType(), "pid_t is an int");
    assertEquals(int.class, Credentials.class.getMethod("uid").getReturnType(), "uid_t is an int");
  }

  @Test
  void socketClassesAreNamedForWhatTheyAreAndTakeTheJdksAddressTypes() throws Exception {
    Path classes = Path.of(Pipe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("io/github/posixipc");
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(classes)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".class") && !n.contains("$"))
          .forEach(names::add);
    }
    assertTrue(names.contains("ConnectedSocket.class"), names.toString());
    for (String n : names) {
      Class<?> c = Class.forName("io.github.posixipc." + n.substring(0, n.length() - 6));
      if (Modifier.isPublic(c.getModifiers())) {
        assertFalse(c.getSimpleName().startsWith("Unix"), "TCP and UDP travel in " + c.getSimpleName());
      }
    }
    assertFalse(Modifier.isPublic(SocketBase.class.getModifiers()), "the common base is package-private");
    for (Class<?> c : List.of(ConnectedSocket.class, ListeningSocket.class, DatagramSocket.class)) {
      for (Method m : c.getMethods()) {
        Stream.concat(Stream.of(m.getReturnType()), Stream.of(m.getParameterTypes()))
            .filter(SocketAddress.class::isAssignableFrom)
            .forEach(t -> assertEquals(SocketAddress.class, t, "addresses travel as SocketAddress: " + m));
      }
    }
  }

  @Test
  void aNullTimeoutWaitsAsLongAsItTakesEverywhere() throws Exception {
    try (Pipe p = Pipe.open(); IpcNames names = new IpcNames()) {
      p.sink().write(ByteBuffer.wrap(new byte[] {1}), null);
      assertEquals(1, p.source().read(ByteBuffer.allocate(4), null));

      Path fifo = TestSupport.uniquePath("conv-fifo");
      Fifo.create(fifo);
      try (Fifo both = Fifo.open(fifo, Access.READ_WRITE, null)) {
        both.write(ByteBuffer.wrap(new byte[] {2}), null);
        assertEquals(1, both.read(ByteBuffer.allocate(4), null));
      } finally {
        Fifo.unlink(fifo);
      }

      String qname = "/pipc-jtest-conv-" + ProcessHandle.current().pid();
      try (MessageQueue q = MessageQueue.open(qname, MessageQueue.options().exclusive().maxMessages(1).messageSize(8))) {
        q.send(new byte[] {3}, 0, null);
        assertEquals(1, q.receive(ByteBuffer.allocateDirect(8), null).length());
        try (MessageQueueNotification n = q.registerNotification(() -> { })) {
          n.cancel();
          assertTrue(n.await(null));
        }
      } finally {
        MessageQueue.unlink(qname);
      }

      try (NamedSemaphore s = NamedSemaphore.open(names.sem("conv"), NamedSemaphore.options().exclusive().initialValue(1))) {
        s.acquire(null);
      }

      SocketAddress where = AbstractSocketAddress.of("pipc-jtest-conv-" + ProcessHandle.current().pid());
      try (ListeningSocket server = ListeningSocket.bind(where);
          ConnectedSocket c = ConnectedSocket.connect(where, ConnectedSocket.options(), null);
          ConnectedSocket s = server.accept(null)) {
        c.write(ByteBuffer.wrap(new byte[] {4}), null);
        assertEquals(1, s.read(ByteBuffer.allocate(4), null));
        c.send(ByteBuffer.wrap(new byte[] {5}), null);
        assertEquals(1, s.receive(ByteBuffer.allocate(4), null));
      }
    }
  }

  @Test
  void nothingNowIsZeroForByteChannelsAndWouldBlockForEverythingElse() throws Exception {
    try (Pipe p = Pipe.open(Pipe.options().nonBlocking())) {
      assertEquals(0, p.source().read(ByteBuffer.allocate(4)), "a pipe read: 0 is nothing now");
      assertWouldBlock(() -> p.source().read(ByteBuffer.allocate(4), Duration.ZERO));
      assertNegativeRefused(() -> p.source().read(ByteBuffer.allocate(4), Duration.ofMillis(-1)));
    }
    Path fifo = TestSupport.uniquePath("conv-nb");
    Fifo.create(fifo);
    try (Fifo both = Fifo.open(fifo, Access.READ_WRITE)) {
      both.setBlocking(false);
      assertEquals(0, both.read(ByteBuffer.allocate(4)), "a FIFO read: 0 is nothing now");
    } finally {
      Fifo.unlink(fifo);
    }
    String qname = "/pipc-jtest-conv-nb-" + ProcessHandle.current().pid();
    try (MessageQueue q = MessageQueue.open(qname,
        MessageQueue.options().exclusive().nonBlocking().maxMessages(1).messageSize(8))) {
      assertWouldBlock(() -> q.receive(ByteBuffer.allocateDirect(8)));
      q.send(new byte[] {1}, 0);
      assertWouldBlock(() -> q.send(new byte[] {2}, 0));
      assertNegativeRefused(() -> q.send(new byte[] {2}, 0, Duration.ofSeconds(-1)));
    } finally {
      MessageQueue.unlink(qname);
    }
    ConnectedSocket[] stream = ConnectedSocket.pair();
    ConnectedSocket[] packets = ConnectedSocket.pair(ConnectedSocket.options().type(SocketType.SEQPACKET));
    DatagramSocket[] datagrams = DatagramSocket.pair();
    SocketAddress where = AbstractSocketAddress.of("pipc-jtest-conv-nb-" + ProcessHandle.current().pid());
    try (ConnectedSocket a = stream[0]; ConnectedSocket b = stream[1]; ConnectedSocket p = packets[0];
        ConnectedSocket q = packets[1]; DatagramSocket d = datagrams[0]; DatagramSocket e = datagrams[1];
        ListeningSocket server = ListeningSocket.bind(where)) {
      for (SocketBase s : List.<SocketBase>of(a, p, d, server)) {
        s.setBlocking(false);
      }
      assertEquals(0, a.read(ByteBuffer.allocate(4)), "a stream read: 0 is nothing now");
      assertWouldBlock(() -> a.receive(ByteBuffer.allocate(4)));
      assertWouldBlock(() -> a.receiveFileDescriptors(ByteBuffer.allocate(4), 1));
      assertWouldBlock(() -> p.receive(ByteBuffer.allocate(4)));
      assertWouldBlock(() -> p.receiveFileDescriptors(ByteBuffer.allocate(4), 1));
      assertWouldBlock(() -> d.receive(ByteBuffer.allocate(4)));
      assertWouldBlock(() -> d.receiveMessage(ByteBuffer.allocate(4), 0, null));
      assertWouldBlock(server::accept);
      assertWouldBlock(() -> server.accept(Duration.ZERO));
      assertNegativeRefused(() -> server.accept(Duration.ofNanos(-1)));
    }
    try (IpcNames names = new IpcNames();
        NamedSemaphore s = NamedSemaphore.open(names.sem("conv-nb"), NamedSemaphore.options().exclusive())) {
      assertFalse(s.tryAcquire(), "try... is the one boolean form");
      assertWouldBlock(() -> s.acquire(Duration.ZERO));
    }
  }

  @Test
  void optionsAreCheckedWhenSet() {
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().mode(01000));
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().maxMessages(0));
    assertThrows(IllegalArgumentException.class, () -> MessageQueue.options().messageSize(-1));
    assertThrows(NullPointerException.class, () -> MessageQueue.options().access(null));
    assertThrows(IllegalArgumentException.class, () -> SharedMemory.options().mode(-1));
    assertThrows(IllegalArgumentException.class, () -> SharedMemory.options().access(Access.WRITE));
    assertThrows(IllegalArgumentException.class, () -> NamedSemaphore.options().initialValue(-1));
    assertThrows(IllegalArgumentException.class, () -> NamedSemaphore.options().mode(010000));
    assertThrows(IllegalArgumentException.class, () -> Fifo.options().mode(010000));
    assertThrows(IllegalArgumentException.class, () -> ConnectedSocket.options().type(SocketType.DATAGRAM));
    assertThrows(IllegalArgumentException.class, () -> ListeningSocket.options().backlog(-1));
    Fifo.options().mode(04755); // a FIFO is a file: setuid, setgid and sticky bits are its own
  }

  private static List<Method> publicStatic(Class<?> c, String name) {
    List<Method> out = new ArrayList<>();
    for (Method m : c.getMethods()) {
      if (m.getName().equals(name) && Modifier.isStatic(m.getModifiers())) {
        out.add(m);
      }
    }
    assertFalse(out.isEmpty(), c.getSimpleName() + "." + name);
    return out;
  }

  private static void assertWouldBlock(Executable call) {
    WouldBlockException e = assertThrows(WouldBlockException.class, call);
    assertEquals("EAGAIN", e.errnoName());
  }

  private static void assertNegativeRefused(Executable call) {
    assertThrows(IllegalArgumentException.class, call, "a negative timeout");
  }

  /**
   * No public class of the library is over 500 lines: a class that grows past that is doing two
   * things, and the part that is not its API moves to a package-private helper.
   */
  @Test
  void noPublicClassIsOverFiveHundredLines() throws Exception {
    Path sources = Path.of(System.getProperty("user.dir"), "src", "main", "java");
    assertTrue(Files.isDirectory(sources), "the library's sources are not at " + sources);
    List<String> over = new ArrayList<>();
    int checked = 0;
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".java"))::iterator) {
        List<String> lines = Files.readAllLines(f);
        boolean isPublic = lines.stream().anyMatch(l -> l.matches(
            "public (final |abstract |sealed |non-sealed )*(class|interface|record|enum) .*"));
        if (isPublic) {
          checked++;
          if (lines.size() > 500) {
            over.add(sources.relativize(f) + ": " + lines.size() + " lines");
          }
        }
      }
    }
    assertTrue(checked > 40, "only " + checked + " public classes found under " + sources);
    assertEquals(List.of(), over, "public classes over 500 lines");
  }
}
