package io.github.posixipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * The Java side of cross-process tests: a child JVM that does what the C peer does, through the
 * public API only. An endpoint is fifo:PATH or fd:N (an inherited pipe end).
 *
 * <pre>
 *   JavaPeer sink IN                  read to the end; print "count=N fnv=H"
 *   JavaPeer source OUT COUNT SEED    write COUNT pattern bytes
 *   JavaPeer echo IN OUT              copy IN to OUT until end of file
 * </pre>
 */
public final class JavaPeer {

  private JavaPeer() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "sink":
        try (ReadableByteChannel in = input(args[1])) {
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
        try (WritableByteChannel out = output(args[1])) {
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
        try (ReadableByteChannel in = input(args[1]); WritableByteChannel out = output(args[2])) {
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

  private static ReadableByteChannel input(String spec) throws IOException {
    if (spec.startsWith("fd:")) {
      return Pipe.Source.adopt(Integer.parseInt(spec.substring(3)));
    }
    return Fifo.openReader(fifo(spec));
  }

  private static WritableByteChannel output(String spec) throws IOException {
    if (spec.startsWith("fd:")) {
      return Pipe.Sink.adopt(Integer.parseInt(spec.substring(3)));
    }
    return Fifo.openWriter(fifo(spec));
  }

  private static Path fifo(String spec) {
    if (!spec.startsWith("fifo:")) {
      throw new IllegalArgumentException("expected fifo:PATH or fd:N, got " + spec);
    }
    return Path.of(spec.substring(5));
  }
}
