package io.countersign.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the SQL migrations shipped in this jar ({@code io/countersign/postgres/migrations/V<n>__*.sql})
 * that a database has not seen yet, each in its own transaction, under a transaction-level advisory
 * lock so that instances starting together apply each migration once. Applied versions are listed in
 * {@code countersign_schema_version}.
 *
 * <p>{@link PostgresRequestStore} calls it on start unless told not to; operators who apply schema
 * changes by hand run {@code java -cp approvals-postgres.jar:postgresql.jar:... io.countersign.postgres.Migrations
 * <jdbc-url> [user] [password]}.
 */
public final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
  private static final String DIR = "io/countersign/postgres/migrations/";
  /** Arbitrary constant naming Countersign's migration lock among the database's advisory locks. */
  private static final long LOCK_KEY = 0x436f756e74657273L;

  private Migrations() {}

  /** Applies the pending migrations; returns the versions applied now (empty when up to date). */
  public static List<Integer> apply(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      return apply(c);
    }
  }

  static List<Integer> apply(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    List<Integer> applied = new ArrayList<>();
    try {
      c.setAutoCommit(false);
      for (String file : migrationFiles()) {
        int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
        try (Statement st = c.createStatement()) {
          st.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
          st.execute("CREATE TABLE IF NOT EXISTS countersign_schema_version ("
              + "version int PRIMARY KEY, script text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
          boolean done;
          try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM countersign_schema_version WHERE version = ?")) {
            ps.setInt(1, version);
            try (ResultSet rs = ps.executeQuery()) {
              done = rs.next();
            }
          }
          if (!done) {
            st.execute(read(DIR + file));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO countersign_schema_version (version, script) VALUES (?, ?)")) {
              ps.setInt(1, version);
              ps.setString(2, file);
              ps.executeUpdate();
            }
            applied.add(version);
            LOG.info("Applied Countersign schema migration {}", file);
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw new SQLException("Countersign schema migration " + file + " failed: " + e.getMessage(), e);
        }
      }
    } finally {
      c.setAutoCommit(autoCommit);
    }
    return applied;
  }

  private static List<String> migrationFiles() {
    String index = read(DIR + "index.txt");
    List<String> files = new ArrayList<>();
    for (String line : index.split("\n")) {
      if (!line.isBlank()) {
        files.add(line.strip());
      }
    }
    return files;
  }

  private static String read(String resource) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("migration resource " + resource + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("migration resource " + resource + " could not be read", e);
    }
  }

  /** Command line: {@code Migrations <jdbc-url> [user] [password]}; exit code 0 when the schema is up to date. */
  public static void main(String[] args) throws SQLException {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: Migrations <jdbc-url> [user] [password]");
      System.exit(2);
    }
    try (Connection c = DriverManager.getConnection(args[0], args.length > 1 ? args[1] : null, args.length > 2 ? args[2] : null)) {
      List<Integer> applied = apply(c);
      System.out.println(applied.isEmpty() ? "Countersign schema is up to date" : "Applied Countersign schema versions " + applied);
    }
  }
}
