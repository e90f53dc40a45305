package io.github.posixipc;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The Java side of cross-process tests: a child JVM that does what the C peer does, through the
 * public API only.
 *
 * <pre>
 *   JavaPeer sink fifo:PATH                 read to the end; print "count=N fnv=H"
 *   JavaPeer source fifo:PATH COUNT SEED    write COUNT pattern bytes
 *   JavaPeer echo fifo:IN fifo:OUT          copy IN to OUT until end of file
 * </pre>
 */
public final class JavaPeer {

  private JavaPeer() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "sink":
        try (Fifo in = Fifo.openReader(fifo(args[1]))) {
          ByteBuffer buf = ByteBuffer.allocateDirect(65536);
          long count = 0;
          long h = TestSupport.FNV_START;
          while (in.read(buf) != -1) {
            buf.flip();
            h = TestSupport.fnv1a(h, buf);
            count += buf.remaining();
            buf.clear();
          }
          System.out.println(TestSupport.summary(count, h));
        }
        break;
      case "source": {
        long count = Long.parseLong(args[2]);
        int seed = Integer.parseInt(args[3]);
        long h = TestSupport.FNV_START;
        try (Fifo out = Fifo.openWriter(fifo(args[1]))) {
          for (long sent = 0; sent < count; ) {
            int n = (int) Math.min(65536, count - sent);
            ByteBuffer block = TestSupport.patternBlock(seed, sent, n);
            h = TestSupport.fnv1a(h, block);
            out.write(block);
            sent += n;
          }
        }
        System.out.println(TestSupport.summary(count, h));
        break;
      }
      case "echo":
        try (Fifo in = Fifo.openReader(fifo(args[1])); Fifo out = Fifo.openWriter(fifo(args[2]))) {
          ByteBuffer buf = ByteBuffer.allocateDirect(65536);
          while (in.read(buf) != -1) {
            buf.flip();
            out.write(buf);
            buf.clear();
          }
        }
        break;
      default:
        System.err.println("JavaPeer: unknown command " + args[0]);
        System.exit(2);
    }
  }

  private static Path fifo(String spec) {
    if (!spec.startsWith("fifo:")) {
      throw new IllegalArgumentException("expected fifo:PATH, got " + spec);
    }
    return Path.of(spec.substring(5));
  }
}
