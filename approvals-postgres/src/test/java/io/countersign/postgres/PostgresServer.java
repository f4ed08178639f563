package io.countersign.postgres;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server for the tests, started once per test JVM from the server binaries on the
 * machine (PATH or /usr/lib/postgresql/N/bin; {@code .ci/install-postgres} installs them) with a
 * temporary data directory on 127.0.0.1 and a free port, and stopped when the test run ends. As
 * root it runs the server as user {@code postgres}, which PostgreSQL requires. Each test class gets
 * a fresh database from {@link #newDatabase()}.
 */
public final class PostgresServer implements BeforeAllCallback {

  private static Server server;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start();
  }

  static synchronized Server start() throws Exception {
    if (server == null) {
      server = new Server();
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "postgres-test-server-stop"));
    }
    return server;
  }

  /** A new empty database on the shared server; returns its JDBC URL (user {@code postgres}, no password). */
  public static String newDatabase() throws Exception {
    Server s = start();
    String name = "countersign_test_" + DATABASES.incrementAndGet();
    try (Connection c = DriverManager.getConnection(s.url("postgres"), "postgres", null); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return s.url(name);
  }

  static final class Server {
    final Path dir;
    final int port;
    final String bin;
    final boolean root;

    Server() throws Exception {
      bin = binaries();
      root = "root".equals(System.getProperty("user.name"));
      dir = Files.createTempDirectory("countersign-pg");
      if (root) {
        run(List.of("chown", "postgres", dir.toString()));
      }
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      run(asServerUser(List.of(bin + "initdb", "-D", dir + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")));
      run(asServerUser(List.of(bin + "pg_ctl", "-D", dir + "/data", "-o",
          "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
          "-l", dir + "/log", "-w", "start")));
    }

    String url(String database) {
      return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    void stop() {
      try {
        run(asServerUser(List.of(bin + "pg_ctl", "-D", dir + "/data", "-m", "fast", "-w", "stop")));
      } catch (Exception e) {
        System.err.println("could not stop the test PostgreSQL server: " + e.getMessage());
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      } catch (IOException e) {
        // a leftover temp dir is harmless
      }
    }

    private List<String> asServerUser(List<String> command) {
      if (!root) {
        return command;
      }
      List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
      out.addAll(command);
      return out;
    }

    private static String binaries() throws Exception {
      for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (new File(p, "initdb").canExecute() && new File(p, "pg_ctl").canExecute()) {
          return p + "/";
        }
      }
      File lib = new File("/usr/lib/postgresql");
      File[] versions = lib.listFiles();
      if (versions != null) {
        for (File v : versions) {
          if (new File(v, "bin/initdb").canExecute()) {
            return v + "/bin/";
          }
        }
      }
      throw new IllegalStateException("PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under "
          + "/usr/lib/postgresql/*/bin: run .ci/install-postgres (apt-get install -y postgresql)");
    }

    private static void run(List<String> command) throws Exception {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
    }
  }

  /** The first column of the first row of a query (null when no row). */
  static String queryString(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement();
         java.sql.ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Runs SQL against a database, for tests that attack the constraints directly. */
  static void sql(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, "postgres", null); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
