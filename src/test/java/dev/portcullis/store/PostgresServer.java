package dev.portcullis.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL cluster for tests: initdb + pg_ctl from the Debian package
 * ({@code /usr/lib/postgresql/N/bin}) in a temporary directory on a free port, started once per
 * test JVM and stopped when it exits. As root, the server runs as the {@code postgres} user.
 * Missing PostgreSQL skips the tests locally and fails them in CI ({@code CI=true}).
 */
public final class PostgresServer {
  private static PostgresServer instance;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final int port;

  private PostgresServer(int port) {
    this.port = port;
  }

  /** The shared server, started on first use. */
  public static synchronized PostgresServer get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  /** A JDBC URL of a new, empty database on the shared server. */
  public String newDatabase() throws Exception {
    String name = "portcullis_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return url(name) + "&user=postgres";
  }

  private String url(String db) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?sslmode=disable";
  }

  private static PostgresServer start() {
    Path bin = findBin();
    if (bin == null) {
      String why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); .ci/run installs it";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(why);
      }
      Assumptions.abort(why);
    }
    try {
      boolean root = "root".equals(System.getProperty("user.name"));
      Path dir = Files.createTempDirectory("portcullis-pg");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
      Path data = dir.resolve("data");
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      run(root, bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
          "-E", "UTF8", "--no-sync");
      run(root, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("log").toString(),
          "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
              + " -c max_connections=200", "start");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          run(root, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop");
        } catch (Exception e) {
          // the JVM is exiting anyway
        }
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          // best effort
        }
      }));
      return new PostgresServer(port);
    } catch (Exception e) {
      throw new IllegalStateException("could not start PostgreSQL: " + e.getMessage(), e);
    }
  }

  private static Path findBin() {
    Path base = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(base)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(base)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())))
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static Integer versionOf(String s) {
    try {
      return Integer.parseInt(s.replaceAll("\\D.*", ""));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void run(boolean asPostgres, String... command) throws Exception {
    List<String> cmd = new ArrayList<>();
    if (asPostgres) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + new String(out));
    }
  }
}
