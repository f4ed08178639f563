package io.countersign.postgres;

import io.countersign.audit.log.AuditLog;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.log.VerificationResult;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Reads the audit chains that {@link PostgresAuditSink} writes: verifies a chain straight from the
 * database with {@link AuditVerifier} (streaming rows in {@code seq} order, so memory stays flat), or
 * exports it as a JSON Lines directory in {@code FileAuditSink}'s layout that the
 * {@code countersign verify} CLI and any independent verifier read.
 *
 * <pre>{@code
 * VerificationResult r = PostgresAuditLog.verify(dataSource, "billing-1", publicKey);
 * PostgresAuditLog.export(dataSource, "billing-1", Path.of("evidence/billing-1"));   // then: countersign verify --key pub.pem evidence/billing-1
 * }</pre>
 *
 * <p>Only the {@code line} column is read: it is the event exactly as hashed and signed; the other
 * columns are copies for queries and prove nothing.
 */
public final class PostgresAuditLog {

  private static final int FETCH_SIZE = 1000;

  private PostgresAuditLog() {}

  /** Verifies the {@value PostgresAuditSink#DEFAULT_CHAIN} chain with {@code keys} (see {@link #verify(DataSource, String, AuditVerifier)}). */
  public static VerificationResult verify(DataSource dataSource, VerificationKey... keys) throws SQLException {
    return verify(dataSource, PostgresAuditSink.DEFAULT_CHAIN, keys);
  }

  /** Verifies {@code chain} from genesis with {@code keys}. */
  public static VerificationResult verify(DataSource dataSource, String chain, VerificationKey... keys) throws SQLException {
    return verify(dataSource, chain, AuditVerifier.builder().keys(keys).build());
  }

  /**
   * Streams the events of {@code chain}, in {@code seq} order, through {@code verifier} (configure it
   * with keys, a start head for a chain continuing elsewhere, an expected head kept elsewhere). An
   * edited row fails at its seq (hash mismatch), a deleted row at its seq ("expected seq k but found
   * k+1"); a chain that is still being written is {@link VerificationResult.Status#OPEN}.
   *
   * @throws SQLException if the database cannot be read
   */
  public static VerificationResult verify(DataSource dataSource, String chain, AuditVerifier verifier) throws SQLException {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(verifier, "verifier");
    try (Connection c = dataSource.getConnection()) {
      return verify(c, chain, verifier);
    }
  }

  static VerificationResult verify(Connection c, String chain, AuditVerifier verifier) throws SQLException {
    return withLines(c, chain, lines -> verifier.verifyJsonLines(lines));
  }

  /**
   * Writes {@code chain} to {@code dir} as one JSON Lines file named after its first seq
   * ({@code audit-<seq, 16 digits>.jsonl}, docs/AUDIT-FORMAT.md section 13), written to a temporary
   * name first and then moved into place. Rows are copied byte for byte: nothing is re-encoded, so a
   * tampered row stays tampered in the export.
   *
   * @return the number of events written
   * @throws IOException if {@code dir} already holds audit files, cannot be written, or the chain is empty
   * @throws SQLException if the database cannot be read
   */
  public static long export(DataSource dataSource, String chain, Path dir) throws SQLException, IOException {
    Objects.requireNonNull(dataSource, "dataSource");
    try (Connection c = dataSource.getConnection()) {
      return export(c, chain, dir);
    }
  }

  static long export(Connection c, String chain, Path dir) throws SQLException, IOException {
    Objects.requireNonNull(dir, "dir");
    Files.createDirectories(dir);
    try (var existing = Files.newDirectoryStream(dir, "audit-*.jsonl")) {
      if (existing.iterator().hasNext()) {
        throw new IOException("export directory " + dir + " already holds audit files; export each chain into an empty directory");
      }
    }
    Long first = firstSeq(c, chain);
    if (first == null) {
      throw new IOException("audit chain '" + chain + "' has no events to export");
    }
    Path target = dir.resolve(AuditLog.segmentName(first));
    Path part = dir.resolve(target.getFileName() + ".part");
    long[] count = {0};
    try (BufferedWriter out = Files.newBufferedWriter(part, StandardCharsets.UTF_8)) {
      withLines(c, chain, lines -> {
        try {
          for (String line : lines) {
            out.write(line);
            out.write('\n');
            count[0]++;
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return null;
      });
    } catch (UncheckedIOException e) {
      Files.deleteIfExists(part);
      throw e.getCause();
    }
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    return count[0];
  }

  /** The chains in the table, by name. */
  public static List<String> chains(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT DISTINCT chain FROM countersign_audit_event ORDER BY chain");
         ResultSet rs = ps.executeQuery()) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  private static Long firstSeq(Connection c, String chain) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT min(seq) FROM countersign_audit_event WHERE chain = ?")) {
      ps.setString(1, chain);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long v = rs.getLong(1);
        return rs.wasNull() ? null : v;
      }
    }
  }

  private interface LineConsumer<T> {
    T accept(Iterable<String> lines);
  }

  /** Runs {@code consumer} over the chain's lines read through a server-side cursor in one snapshot. */
  private static <T> T withLines(Connection c, String chain, LineConsumer<T> consumer) throws SQLException {
    Objects.requireNonNull(chain, "chain");
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false); // the driver streams with a cursor only inside a transaction
    try (PreparedStatement ps = c.prepareStatement("SELECT line FROM countersign_audit_event WHERE chain = ? ORDER BY seq")) {
      ps.setFetchSize(FETCH_SIZE);
      ps.setString(1, chain);
      try (ResultSet rs = ps.executeQuery()) {
        Iterable<String> lines = () -> new Iterator<>() {
          private String next;
          private boolean done;

          @Override
          public boolean hasNext() {
            if (next == null && !done) {
              try {
                if (rs.next()) {
                  next = rs.getString(1);
                } else {
                  done = true;
                }
              } catch (SQLException e) {
                throw new UncheckedSqlException(e);
              }
            }
            return next != null;
          }

          @Override
          public String next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            String out = next;
            next = null;
            return out;
          }
        };
        return consumer.accept(lines);
      } catch (UncheckedSqlException e) {
        throw e.sql;
      }
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
    }
  }

  private static final class UncheckedSqlException extends RuntimeException {
    final SQLException sql;

    UncheckedSqlException(SQLException sql) {
      super(sql);
      this.sql = sql;
    }
  }

  /**
   * Command line: {@code PostgresAuditLog export <jdbc-url> <chain> <dir>} writes a chain for
   * {@code countersign verify}; {@code PostgresAuditLog verify <jdbc-url> <chain> [key.pem ...]}
   * verifies it in place (exit 0 INTACT or OPEN, 1 otherwise, 2 bad usage or unreadable). User and
   * password come from {@code PGUSER} / {@code PGPASSWORD} (never from the command line, where
   * {@code ps} would show them) or the URL.
   */
  public static void main(String[] args) {
    if (args.length < 3 || !(args[0].equals("export") || args[0].equals("verify")) || (args[0].equals("export") && args.length != 4)) {
      System.err.println("usage: PostgresAuditLog export <jdbc-url> <chain> <dir>\n"
          + "       PostgresAuditLog verify <jdbc-url> <chain> [public-key.pem ...]\n"
          + "(user and password from PGUSER / PGPASSWORD)");
      System.exit(2);
    }
    try (Connection c = DriverManager.getConnection(args[1], System.getenv("PGUSER"), System.getenv("PGPASSWORD"))) {
      if (args[0].equals("export")) {
        long n = export(c, args[2], Path.of(args[3]));
        System.out.println("exported " + n + " events of chain '" + args[2] + "' to " + args[3]);
        System.exit(0);
      }
      AuditVerifier.Builder verifier = AuditVerifier.builder();
      for (int i = 3; i < args.length; i++) {
        verifier.keyMatchedBySignature(VerificationKey.fromPem(Path.of(args[i]).getFileName().toString(),
            Files.readString(Path.of(args[i]), StandardCharsets.US_ASCII)));
      }
      VerificationResult r = verify(c, args[2], verifier.build());
      System.out.println(r.summary());
      System.exit(r.status() == VerificationResult.Status.INTACT || r.status() == VerificationResult.Status.OPEN ? 0 : 1);
    } catch (SQLException | IOException | RuntimeException e) {
      System.err.println("PostgresAuditLog " + args[0] + " failed: " + e.getMessage());
      System.exit(2);
    }
  }
}
