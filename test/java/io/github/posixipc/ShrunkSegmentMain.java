package io.github.posixipc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The promise of docs/shm.md, tried as a user would: this JVM maps a 64 KiB named segment, a
 * separate C process (the C peer's {@code shm-truncate}) shrinks the object to 4 bytes, and then
 * every kind of {@link MappedRegion} access reads or writes at offset 60000. Each access must
 * throw {@link SharedMemoryFaultException} from the call that touched the memory, a second access
 * must throw it again (the region stays faulted; a native atomic's page stays gone), and nothing
 * may surface later (HotSpot's
 * asynchronous {@code InternalError} would, at a later safepoint or call into the VM).
 *
 * <p>Every kind gets its own region, a mapping of its own: a fault marks the region it happened
 * in, and replaces that mapping's page with a private zero page, which would not fault again. Run by {@link ShrunkSegmentTest} in child JVMs ({@code -Xint},
 * {@code -Xcomp}, default with and without a warm-up, JDK 17 and 25) and in its own JVM.
 *
 * <p>Arguments: NAME PEER warm|cold. Prints one line per kind that misbehaved, then
 * {@code kinds=N ok=M late=none}; exits 0 only when every kind was ok and nothing came late.
 */
public final class ShrunkSegmentMain {

  static final int SIZE = 64 * 1024;
  static final long AT = 60_000;
  private static final int WARM_UP = 30_000;

  /** One kind of access at an offset. */
  interface Access {
    void run(MappedRegion r, long offset);
  }

  record Kind(String name, Access access) {}

  private ShrunkSegmentMain() {}

  /** Every kind of access the region offers, each a distinct call site for the JIT. */
  static List<Kind> kinds() {
    byte[] array = new byte[16];
    ByteBuffer heap = ByteBuffer.allocate(16);
    ByteBuffer direct = ByteBuffer.allocateDirect(16);
    List<Kind> k = new ArrayList<>();
    k.add(new Kind("getByte", (r, o) -> r.getByte(o)));
    k.add(new Kind("putByte", (r, o) -> r.putByte(o, (byte) 1)));
    k.add(new Kind("getShort", (r, o) -> r.getShort(o)));
    k.add(new Kind("putShort", (r, o) -> r.putShort(o, (short) 1)));
    k.add(new Kind("getInt", (r, o) -> r.getInt(o)));
    k.add(new Kind("putInt", (r, o) -> r.putInt(o, 1)));
    k.add(new Kind("getLong", (r, o) -> r.getLong(o)));
    k.add(new Kind("putLong", (r, o) -> r.putLong(o, 1)));
    k.add(new Kind("getFloat", (r, o) -> r.getFloat(o)));
    k.add(new Kind("putFloat", (r, o) -> r.putFloat(o, 1f)));
    k.add(new Kind("getDouble", (r, o) -> r.getDouble(o)));
    k.add(new Kind("putDouble", (r, o) -> r.putDouble(o, 1d)));
    k.add(new Kind("get(byte[])", (r, o) -> r.get(o, array)));
    k.add(new Kind("get(byte[],off,len)", (r, o) -> r.get(o, array, 4, 8)));
    k.add(new Kind("get(whole region)", (r, o) -> r.get(0, new byte[SIZE])));
    k.add(new Kind("put(byte[])", (r, o) -> r.put(o, array)));
    k.add(new Kind("put(byte[],off,len)", (r, o) -> r.put(o, array, 4, 8)));
    k.add(new Kind("get(heap buffer)", (r, o) -> r.get(o, heap.clear())));
    k.add(new Kind("get(direct buffer)", (r, o) -> r.get(o, direct.clear())));
    k.add(new Kind("put(heap buffer)", (r, o) -> r.put(o, heap.clear())));
    k.add(new Kind("put(direct buffer)", (r, o) -> r.put(o, direct.clear())));
    k.add(new Kind("fill", (r, o) -> r.fill(o, 16, (byte) 7)));
    k.add(new Kind("getIntAcquire", (r, o) -> r.getIntAcquire(o)));
    k.add(new Kind("setIntRelease", (r, o) -> r.setIntRelease(o, 1)));
    k.add(new Kind("getIntVolatile", (r, o) -> r.getIntVolatile(o)));
    k.add(new Kind("setIntVolatile", (r, o) -> r.setIntVolatile(o, 1)));
    k.add(new Kind("compareAndSetInt", (r, o) -> r.compareAndSetInt(o, 0, 0)));
    k.add(new Kind("getAndAddInt", (r, o) -> r.getAndAddInt(o, 0)));
    k.add(new Kind("getLongAcquire", (r, o) -> r.getLongAcquire(o)));
    k.add(new Kind("setLongRelease", (r, o) -> r.setLongRelease(o, 1)));
    k.add(new Kind("getLongVolatile", (r, o) -> r.getLongVolatile(o)));
    k.add(new Kind("setLongVolatile", (r, o) -> r.setLongVolatile(o, 1)));
    k.add(new Kind("compareAndSetLong", (r, o) -> r.compareAndSetLong(o, 0, 0)));
    k.add(new Kind("getAndAddLong", (r, o) -> r.getAndAddLong(o, 0)));
    return k;
  }

  /**
   * Runs the whole check; returns the report lines, the last one the summary. peer is the C
   * peer program; warm runs every access path 30,000 times before the shrink.
   */
  static List<String> run(String name, String peer, boolean warm) throws Exception {
    List<String> report = new ArrayList<>();
    List<Kind> kinds = kinds();
    List<MappedRegion> regions = new ArrayList<>();
    int ok = 0;
    try (SharedMemory shm = SharedMemory.create(name, SIZE)) {
      for (int i = 0; i < kinds.size(); i++) {
        regions.add(shm.map());
      }
      if (warm) {
        for (int i = 0; i < kinds.size(); i++) {
          for (int n = 0; n < WARM_UP; n++) {
            kinds.get(i).access().run(regions.get(i), AT);
          }
        }
      }
      Process cut = new ProcessBuilder(peer, "shm-truncate", name, "4").redirectErrorStream(true).start();
      String said = new String(cut.getInputStream().readAllBytes()).trim();
      if (!cut.waitFor(30, TimeUnit.SECONDS) || cut.exitValue() != 0 || !said.equals("size=4")) {
        throw new IllegalStateException("the C peer did not shrink " + name + ": " + said);
      }
      for (int i = 0; i < kinds.size(); i++) {
        String first = outcome(kinds.get(i), regions.get(i));
        String second = outcome(kinds.get(i), regions.get(i));
        // The native atomics are guarded calls: their -EFAULT leaves the rest of the region alone.
        boolean marks = !kinds.get(i).name().startsWith("compareAndSet") && !kinds.get(i).name().startsWith("getAndAdd");
        if (first.equals("SharedMemoryFaultException") && second.equals(first) && regions.get(i).isFaulted() == marks) {
          ok++;
        } else {
          report.add(kinds.get(i).name() + ": " + first + ", then " + second);
        }
      }
      String late = late();
      report.add("kinds=" + kinds.size() + " ok=" + ok + " late=" + late);
      for (MappedRegion r : regions) {
        r.close();
      }
    } finally {
      SharedMemory.unlink(name);
    }
    return report;
  }

  private static String outcome(Kind kind, MappedRegion region) {
    try {
      kind.access().run(region, AT);
      return "nothing";
    } catch (Throwable t) {
      return t.getClass().getSimpleName();
    }
  }

  /**
   * Gives a fault that HotSpot recorded and did not throw yet every chance to surface: calls
   * into the VM, safepoints (a GC, sleeps) and allocation for a while.
   */
  private static String late() {
    try {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      long sink = 0;
      while (System.nanoTime() < end) {
        sink += new byte[1024].length;
        System.gc();
        Thread.sleep(10);
        sink += System.identityHashCode(new Object());
      }
      return sink > 0 ? "none" : "none?";
    } catch (Throwable t) {
      return t.toString();
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> report = run(args[0], args[1], args[2].equals("warm"));
    report.forEach(System.out::println);
    String summary = report.get(report.size() - 1);
    boolean passed = report.size() == 1 && summary.endsWith("late=none");
    System.out.flush();
    System.exit(passed ? 0 : 1);
  }
}
