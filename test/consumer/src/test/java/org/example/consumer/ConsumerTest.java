package org.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the README's example (Hello) the ways a user of the published jar does, each in a child
 * JVM with only the jars that Maven resolved for this project: on the class path, on the module
 * path under every JDK available, with the native-access flag the README documents on JDK 22 and
 * later, from an executable jar whose manifest grants native access, with its temporary
 * directory on a {@code noexec} filesystem, and with no directory it can extract into. The flags and the property are the README's: a test
 * checks that the README says exactly these.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConsumerTest {

  /** What Hello prints when posixipc works. */
  static final String GREETING = "hello through a pipe";

  /** The README's flag for the class path, JDK 22 and later. */
  static final String CLASS_PATH_FLAG = "--enable-native-access=ALL-UNNAMED";

  /**
   * The README's flag for the module path, JDK 22 and later: posixipc declares the native methods
   * and JavaCPP's Loader, in its own module, calls {@code System.load}; both are restricted.
   */
  static final String MODULE_PATH_FLAG =
      "--enable-native-access=io.github.posixipc,org.bytedeco.javacpp";

  /** The README's manifest attribute for an executable jar. */
  static final String MANIFEST_ATTRIBUTE = "Enable-Native-Access: ALL-UNNAMED";

  /** The README's property that moves the extraction of the native library. */
  static final String CACHE_DIR_PROPERTY = "org.bytedeco.javacpp.cachedir";

  static Path classes;
  static Path work;
  static String posixipcJar;
  static String javacppJar;
  static List<Path> jdks;

  @BeforeAll
  static void findJars() throws IOException {
    classes = Path.of(System.getProperty("consumer.classes"));
    work = Path.of(System.getProperty("consumer.work"));
    Files.createDirectories(work);
    // Surefire's class path holds exactly what Maven resolved for this project.
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Path.of(entry).getFileName().toString();
      if (name.startsWith("posixipc-") && name.endsWith(".jar")) {
        posixipcJar = entry;
      } else if (name.startsWith("javacpp-") && name.endsWith(".jar")) {
        javacppJar = entry;
      }
    }
    assertTrue(posixipcJar != null, "posixipc's jar is not on the resolved class path");
    assertTrue(javacppJar != null, "posixipc's runtime dependency javacpp was not resolved");
    jdks = new ArrayList<>();
    jdks.add(Path.of(System.getProperty("java.home")));
    for (String dir : System.getProperty("posixipc.jdks", "").split(",")) {
      Path jdk = Path.of(dir.trim());
      if (!dir.isBlank() && Files.isExecutable(jdk.resolve("bin/java"))
          && jdks.stream().noneMatch(j -> sameFile(j, jdk))) {
        jdks.add(jdk);
      }
    }
    System.out.println("[consumer] JDKs: " + jdks);
  }

  @Test
  void runsOnTheClassPath() throws Exception {
    Path jdk = jdks.get(0);
    Result r = run(jdk, nativeAccess(jdk, CLASS_PATH_FLAG), "-cp",
        classes + File.pathSeparator + posixipcJar + File.pathSeparator + javacppJar,
        "org.example.consumer.Hello");
    r.assertGreets();
  }

  @Test
  void runsAsAModularApplicationOnEveryJdk() throws Exception {
    boolean saw17 = false;
    for (Path jdk : jdks) {
      int feature = feature(jdk);
      saw17 |= feature == 17;
      Result r = run(jdk, nativeAccess(jdk, MODULE_PATH_FLAG), "-p",
          classes + File.pathSeparator + posixipcJar + File.pathSeparator + javacppJar,
          "-m", "org.example.consumer/org.example.consumer.Hello");
      r.assertGreets();
      // The module system resolved posixipc by its name, not as an automatic module.
      Result d = run(jdk, "-p", posixipcJar + File.pathSeparator + javacppJar,
          "--describe-module", "io.github.posixipc");
      assertEquals(0, d.exit, d.toString());
      assertTrue(d.out.contains("exports io.github.posixipc"), d.toString());
      assertFalse(d.out.contains("automatic"), d.toString());
      assertFalse(d.out.contains("exports io.github.posixipc.internal"), d.toString());
    }
    assertTrue(saw17, "no JDK 17 among " + jdks + ": the library's target is not tested");
  }

  @Test
  void theDocumentedFlagsSilenceTheNativeAccessWarningsOnJdk22AndLater() throws Exception {
    List<Path> recent = jdks.stream().filter(j -> feature(j) >= 22).collect(Collectors.toList());
    skipIf(recent.isEmpty(), "no JDK 22 or later among " + jdks + " (set pipc.test.jdks)");
    for (Path jdk : recent) {
      String cp = classes + File.pathSeparator + posixipcJar + File.pathSeparator + javacppJar;
      // Without the flag the JDK warns: proof that the check below can fail.
      Result bare = run(jdk, "-cp", cp, "org.example.consumer.Hello");
      assertTrue(bare.err.contains("WARNING"), "no warning to silence on " + jdk + ": " + bare);
      run(jdk, CLASS_PATH_FLAG, "-cp", cp, "org.example.consumer.Hello").assertGreets();
      run(jdk, MODULE_PATH_FLAG, "-p", cp, "-m", "org.example.consumer/org.example.consumer.Hello")
          .assertGreets();
      Path jar = executableJar();
      run(jdk, "-jar", jar.toString()).assertGreets();
    }
  }

  @Test
  void aNoexecTemporaryDirectoryIsExplainedAndTheDocumentedPropertyFixesIt() throws Exception {
    Path mount = work.resolve("noexec");
    Files.createDirectories(mount);
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean ci = "true".equals(System.getenv("CI"));
    skipIf(!root && !ci, "mounting a noexec tmpfs needs root (run as root to test it)");
    Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "noexec,size=16m", "tmpfs",
        mount.toString()).redirectErrorStream(true).start();
    String mountOut = new String(m.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean mounted = m.waitFor() == 0;
    skipIf(!mounted && !ci, "cannot mount a noexec tmpfs here: " + mountOut);
    assertTrue(mounted, "cannot mount a noexec tmpfs: " + mountOut);
    try {
      Path jdk = jdks.get(0);
      String cp = classes + File.pathSeparator + posixipcJar + File.pathSeparator + javacppJar;
      // Everything JavaCPP could extract into is on the noexec filesystem.
      Result bad = run(jdk, nativeAccess(jdk, CLASS_PATH_FLAG), "-Djava.io.tmpdir=" + mount,
          "-Duser.home=" + mount, "-cp", cp, "org.example.consumer.Hello");
      assertNotEquals(0, bad.exit, bad.toString());
      assertTrue(bad.err.contains("mounted noexec"), bad.toString());
      assertTrue(bad.err.contains(mount.toString()), bad.toString());
      assertTrue(bad.err.contains("-D" + CACHE_DIR_PROPERTY + "="), bad.toString());
      // The fix the message names.
      Path cache = work.resolve("exec-cache");
      run(jdk, nativeAccess(jdk, CLASS_PATH_FLAG), "-Djava.io.tmpdir=" + mount,
          "-Duser.home=" + mount, "-D" + CACHE_DIR_PROPERTY + "=" + cache, "-cp", cp,
          "org.example.consumer.Hello").assertGreets();
    } finally {
      new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
    }
  }

  @Test
  void anUnusableExtractionDirectoryIsExplainedAndTheDocumentedPropertyFixesIt()
      throws Exception {
    // Below a regular file no directory can be created, not even by root.
    Path file = work.resolve("not-a-directory");
    Files.writeString(file, "");
    Path below = file.resolve("cache");
    Path jdk = jdks.get(0);
    String cp = classes + File.pathSeparator + posixipcJar + File.pathSeparator + javacppJar;
    Result bad = run(jdk, nativeAccess(jdk, CLASS_PATH_FLAG), "-Djava.io.tmpdir=" + below,
        "-Duser.home=" + below, "-D" + CACHE_DIR_PROPERTY + "=" + below, "-cp", cp,
        "org.example.consumer.Hello");
    assertNotEquals(0, bad.exit, bad.toString());
    assertTrue(bad.err.contains("cannot be created or written"), bad.toString());
    assertTrue(bad.err.contains(below.toString()), bad.toString());
    // JDK 25 itself warns at start-up that this java.io.tmpdir does not exist; that line is the
    // JDK's, not ours, and nothing else may be printed.
    run(jdk, nativeAccess(jdk, CLASS_PATH_FLAG), "-Djava.io.tmpdir=" + below,
        "-Duser.home=" + below, "-D" + CACHE_DIR_PROPERTY + "=" + work.resolve("usable-cache"),
        "-cp", cp, "org.example.consumer.Hello")
        .assertGreetsBesides("WARNING: java.io.tmpdir directory does not exist");
  }

  @Test
  void theReadmeSaysWhatThisTestChecks() throws IOException {
    String readme = Files.readString(Path.of(System.getProperty("posixipc.readme")));
    String version = System.getProperty("posixipc.version");
    for (String needle : List.of("<groupId>io.github.posixipc</groupId>",
        "<artifactId>posixipc</artifactId>", "<version>" + version + "</version>",
        "implementation(\"io.github.posixipc:posixipc:" + version + "\")", "linux-x86_64",
        "linux-arm64", CLASS_PATH_FLAG, MODULE_PATH_FLAG, MANIFEST_ATTRIBUTE,
        "-D" + CACHE_DIR_PROPERTY + "=", "requires io.github.posixipc;")) {
      assertTrue(readme.contains(needle), "README.md does not say " + needle);
    }
    // The README shows Hello's main method as it is here, line for line.
    List<String> source = Files.readAllLines(
        Path.of("src/main/java/org/example/consumer/Hello.java"), StandardCharsets.UTF_8);
    int from = indexOf(source, "try (Pipe pipe");
    int to = from;
    while (!source.get(to).trim().equals("}")) {
      to++;
    }
    String body = source.subList(from, to + 1).stream().map(String::trim)
        .collect(Collectors.joining("\n"));
    String readmeTrimmed = Arrays.stream(readme.split("\n")).map(String::trim)
        .collect(Collectors.joining("\n"));
    assertTrue(readmeTrimmed.contains(body), "README.md does not show Hello's code:\n" + body);
  }

  /** Skips the test, and says so in the build's log, not only in the report. */
  private static void skipIf(boolean skip, String why) {
    if (skip) {
      System.out.println("[consumer] SKIPPED: " + why);
    }
    assumeTrue(!skip, why);
  }

  private static int indexOf(List<String> lines, String start) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().startsWith(start)) {
        return i;
      }
    }
    throw new AssertionError("Hello.java has no line starting with " + start);
  }

  /** An executable jar: Hello as its main class, the two jars on its Class-Path. */
  private static Path executableJar() throws IOException {
    Path jar = work.resolve("hello-app.jar");
    Manifest manifest = new Manifest();
    Attributes a = manifest.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.put(Attributes.Name.MAIN_CLASS, "org.example.consumer.Hello");
    a.put(Attributes.Name.CLASS_PATH, Path.of(posixipcJar).toUri() + " "
        + Path.of(javacppJar).toUri());
    String[] attribute = MANIFEST_ATTRIBUTE.split(": ");
    a.put(new Attributes.Name(attribute[0]), attribute[1]);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      Path hello = classes.resolve("org/example/consumer/Hello.class");
      out.putNextEntry(new java.util.jar.JarEntry("org/example/consumer/Hello.class"));
      out.write(Files.readAllBytes(hello));
      out.closeEntry();
    }
    return jar;
  }

  /** The flag on JDK 22 and later, where it is needed; nothing on older JDKs. */
  private static String nativeAccess(Path jdk, String flag) {
    return feature(jdk) >= 22 ? flag : null;
  }

  private static int feature(Path jdk) {
    try {
      for (String line : Files.readAllLines(jdk.resolve("release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          String v = line.substring(line.indexOf('"') + 1);
          return Integer.parseInt(v.split("[.\"+-]")[0]);
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read the version of " + jdk, e);
    }
    throw new AssertionError(jdk + "/release names no JAVA_VERSION");
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  private static Result run(Path jdk, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(jdk.resolve("bin/java").toString());
    for (String a : args) {
      if (a != null) {
        cmd.add(a);
      }
    }
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "hung: " + cmd);
    return new Result(cmd, p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** What a child JVM did. */
  static final class Result {
    final List<String> cmd;
    final int exit;
    final String out;
    final String err;

    Result(List<String> cmd, int exit, String out, String err) {
      this.cmd = cmd;
      this.exit = exit;
      this.out = out;
      this.err = err;
    }

    /** It printed the greeting, exited 0, and printed nothing else: no warning either. */
    void assertGreets() {
      assertEquals(0, exit, toString());
      assertEquals(GREETING, out.trim(), toString());
      assertEquals("", err.trim(), "a clean run prints nothing on stderr: " + this);
    }

    /** As {@link #assertGreets()}, but the JDK's own {@code jdkLine} may appear on stderr. */
    void assertGreetsBesides(String jdkLine) {
      assertEquals(0, exit, toString());
      assertEquals(GREETING, out.trim(), toString());
      String rest = err.lines().filter(l -> !l.equals(jdkLine)).collect(Collectors.joining("\n"));
      assertEquals("", rest.trim(), "a clean run prints nothing else on stderr: " + this);
    }

    @Override
    public String toString() {
      return String.join(" ", cmd) + "\n exit " + exit + "\n stdout: " + out + "\n stderr: " + err;
    }
  }
}
