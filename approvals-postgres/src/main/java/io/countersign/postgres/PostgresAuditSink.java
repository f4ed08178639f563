package io.countersign.postgres;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.log.GroupCommitSink;
import io.countersign.audit.log.VerificationResult;
import io.countersign.spi.AuditSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AuditSink} that appends the signed, hash-chained audit events to the PostgreSQL table
 * {@code countersign_audit_event}, one row per event holding its canonical JSON line, so the audit
 * trail lives next to the requests it describes and survives the loss of any instance's disk.
 *
 * <pre>{@code
 * PostgresAuditSink sink = PostgresAuditSink.builder()
 *     .dataSource(pool).chain("billing-1")   // a stable name per writing instance
 *     .build();                              // takes the chain's writer lock, reads its head
 * ApprovalGate gate = ApprovalGate.builder().auditSink(sink).signer(signer)...build();   // continues the chain
 * }</pre>
 *
 * <ul>
 *   <li><b>Durable means committed.</b> {@link #append} only enqueues (it runs under the trail's
 *       lock); one writer thread inserts everything queued in one transaction (group commit, see
 *       {@link GroupCommitSink}, with {@code synchronous_commit} on) and completes the stages after
 *       {@code COMMIT} returned.</li>
 *   <li><b>One writer per chain.</b> The sink holds a session-level advisory lock on a dedicated
 *       connection for its lifetime and writes through that connection only, so it can write only
 *       while it holds the lock. A second sink for the same chain (another process or this one) is
 *       refused with an error naming the holder's backend pid. The primary key {@code (chain, seq)}
 *       refuses a fork even from a writer that bypassed the lock.</li>
 *   <li><b>Restart.</b> {@link Builder#build()} reads the chain's last event (and re-checks its hash); the
 *       sink reports it as its {@link #head()} and a trail built on it continues after it, as
 *       {@code FileAuditSink} does on disk.</li>
 *   <li><b>Fail closed.</b> After any database error (including the loss of the connection, which
 *       also releases the lock) every pending and later append fails; close the sink and build a new
 *       one, which continues from whatever was committed.</li>
 * </ul>
 * Thread-safe. Verify and export with {@link PostgresAuditLog}.
 */
public final class PostgresAuditSink extends GroupCommitSink {

  /** The chain written when none is named. */
  public static final String DEFAULT_CHAIN = "default";
  /** Default largest number of events inserted in one transaction. */
  public static final int DEFAULT_MAX_BATCH_EVENTS = 1000;
  /** First key of the two-key advisory lock: ASCII "CSAU" (Countersign audit); the second is {@code hashtext(chain)}. */
  static final int LOCK_CLASS = 0x43534155;

  private static final Logger LOG = LoggerFactory.getLogger(PostgresAuditSink.class);

  private final String chain;
  private final int maxBatchEvents;
  private final Connection connection;
  private final long openedLastSeq;
  private final String openedLastHash;

  private volatile long batches;

  private PostgresAuditSink(Builder b) {
    this.chain = b.chain != null ? b.chain : DEFAULT_CHAIN;
    this.maxBatchEvents = b.maxBatchEvents != null ? b.maxBatchEvents : DEFAULT_MAX_BATCH_EVENTS;
    Connection c = null;
    try {
      DataSource pool = b.connection.dataSource();
      if ((b.migrate == null || b.migrate) && pool != null) {
        Migrations.apply(pool);
      }
      c = b.connection.connect();
      if (pool == null && (b.migrate == null || b.migrate)) {
        Migrations.apply(c);
      }
      c.setAutoCommit(true);
      lock(c, chain, b.lockWait != null ? b.lockWait : Duration.ZERO);
      try {
        long[] seq = {0};
        String[] hash = {AuditTrail.GENESIS_HASH};
        head(c, chain, seq, hash);
        this.openedLastSeq = seq[0];
        this.openedLastHash = hash[0];
        c.setAutoCommit(false);
      } catch (SQLException | RuntimeException e) {
        unlock(c, chain);
        throw e;
      }
    } catch (SQLException e) {
      closeQuietly(c);
      throw new IllegalStateException("PostgreSQL audit sink for chain '" + chain + "' could not start: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
    this.connection = c;
    start("countersign-pg-audit-writer[" + chain + "]", openedLastSeq, openedLastHash);
    LOG.info("PostgreSQL audit sink opened chain '{}' after seq {}", chain, openedLastSeq);
  }

  /** A builder: give a {@link Builder#dataSource} or a {@link Builder#jdbcUrl}; the sink holds one connection of it. */
  public static Builder builder() {
    return new Builder();
  }

  /** The chain this sink appends to. */
  public String chain() {
    return chain;
  }

  /** Seq of the chain's last event when the sink opened (0 for a new chain). */
  public long lastSeq() {
    return openedLastSeq;
  }

  /** Hash of the chain's last event when the sink opened ({@link AuditTrail#GENESIS_HASH} for a new chain). */
  public String lastHash() {
    return openedLastHash;
  }

  /** Number of transactions committed so far (for tests and metrics: fewer than events means group commit worked). */
  public long batches() {
    return batches;
  }

  @Override
  public String toString() {
    return "PostgresAuditSink[chain=" + chain + (failure() != null ? ", FAILED" : "") + "]";
  }

  // ---------------------------------------------------------------- group commit hooks

  /** {@link Builder#maxBatchEvents}: the most events inserted in one transaction. */
  @Override
  protected int maxBatchEvents() {
    return maxBatchEvents;
  }

  @Override
  protected RuntimeException failedEarlier(Throwable failure) {
    return new IllegalStateException("PostgreSQL audit sink for chain '" + chain
        + "' failed earlier and records nothing more (close it and build a new one): " + failure, failure);
  }

  @Override
  protected RuntimeException closedError() {
    return new IllegalStateException("PostgreSQL audit sink for chain '" + chain + "' is closed");
  }

  /** Says that one trail, built on this sink, must write to it. */
  @Override
  protected IllegalArgumentException notContinuing(AuditEvent event, long expectedSeq, String expectedPrevHash) {
    return new IllegalArgumentException("PostgreSQL audit sink for chain '" + chain + "': event seq " + event.seq()
        + " does not continue the chain, which expects seq " + expectedSeq + " with prevHash " + expectedPrevHash
        + " (another trail wrote to this chain, or the trail was given a different chain head; let one trail write to it)");
  }

  /** Logs, rolls the failed transaction back, and names the first event that could not be committed. */
  @Override
  protected Throwable writeFailed(List<AuditEvent> batch, Exception e) {
    long first = batch.get(0).seq();
    IllegalStateException failed = new IllegalStateException("PostgreSQL audit sink for chain '" + chain
        + "' could not commit events from seq " + first + ": " + e.getMessage(), e);
    LOG.error("Audit events from seq {} could not be committed to chain '{}'; the sink fails closed: {}", first, chain, e.toString());
    try {
      connection.rollback();
    } catch (SQLException re) {
      LOG.debug("rollback after a failed audit insert failed", re);
    }
    return failed;
  }

  /** Releases the chain's writer lock and closes the connection. */
  @Override
  protected void releaseResources() {
    try {
      connection.rollback();
      connection.setAutoCommit(true);
      unlock(connection, chain);
    } catch (SQLException e) {
      LOG.debug("releasing the writer lock of chain '{}' failed (closing the connection releases it)", chain, e);
    }
    closeQuietly(connection);
  }

  // ---------------------------------------------------------------- writer thread

  /** Inserts the batch in one transaction with {@code synchronous_commit} on and commits it. */
  @Override
  protected void writeBatch(List<AuditEvent> batch) throws SQLException {
    try (Statement st = connection.createStatement()) {
      // durable = committed and flushed, whatever the server's or the role's default
      st.execute("SET LOCAL synchronous_commit TO on");
    }
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO countersign_audit_event (chain, seq, type, request_id, line) VALUES (?, ?, ?, ?, ?)")) {
      for (AuditEvent event : batch) {
        ps.setString(1, chain);
        ps.setLong(2, event.seq());
        ps.setString(3, event.type().name());
        ps.setString(4, event.requestId());
        ps.setString(5, event.toJson());
        ps.addBatch();
      }
      ps.executeBatch();
    }
    connection.commit();
    batches++;
  }

  // ---------------------------------------------------------------- lock and head

  private static void lock(Connection c, String chain, Duration wait) throws SQLException {
    if (wait.isZero()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
        ps.setInt(1, LOCK_CLASS);
        ps.setString(2, chain);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getBoolean(1)) {
            return;
          }
        }
      }
      throw secondWriter(c, chain);
    }
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("SET LOCAL lock_timeout = " + Math.max(1, wait.toMillis()));
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?, hashtext(?))")) {
        ps.setInt(1, LOCK_CLASS);
        ps.setString(2, chain);
        ps.execute();
      }
      c.commit(); // a session-level advisory lock outlives the transaction that took it
    } catch (SQLException e) {
      c.rollback();
      if ("55P03".equals(e.getSQLState())) {
        throw secondWriter(c, chain);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private static IllegalStateException secondWriter(Connection c, String chain) {
    String holder = "unknown backend";
    try (PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        + "AND classid = ?::bigint::oid AND objid = (hashtext(?)::bigint & 4294967295)::oid AND objsubid = 2")) {
      ps.setInt(1, LOCK_CLASS);
      ps.setString(2, chain);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          holder = "backend pid " + rs.getInt(1);
        }
      }
    } catch (SQLException e) {
      LOG.debug("could not find the holder of chain '{}''s writer lock", chain, e);
    }
    return new IllegalStateException("audit chain '" + chain + "' is already being written by another PostgresAuditSink ("
        + holder + " holds its advisory lock); only one writer may append to a chain: share that sink, "
        + "or give this instance its own chain name");
  }

  private static void unlock(Connection c, String chain) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?, hashtext(?))")) {
      ps.setInt(1, LOCK_CLASS);
      ps.setString(2, chain);
      ps.execute();
    }
  }

  /** Reads the chain's last event and checks that it matches its own hash (an edited head would fork the chain). */
  private static void head(Connection c, String chain, long[] seq, String[] hash) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT seq, line FROM countersign_audit_event WHERE chain = ? ORDER BY seq DESC LIMIT 1")) {
      ps.setString(1, chain);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return;
        }
        long rowSeq = rs.getLong(1);
        String line = rs.getString(2);
        AuditEvent last;
        try {
          last = AuditEvent.parse(line);
        } catch (RuntimeException e) {
          throw new IllegalStateException("the last event of audit chain '" + chain + "' (seq " + rowSeq
              + ") is not a valid audit event (" + e.getMessage() + "); verify the chain with PostgresAuditLog.verify", e);
        }
        VerificationResult check = AuditVerifier.builder().startAfter(last.seq() - 1, last.prevHash()).build()
            .verifyJsonLines(List.of(line));
        if (last.seq() != rowSeq || check.status() == VerificationResult.Status.TAMPERED) {
          throw new IllegalStateException("the last event of audit chain '" + chain + "' (seq " + rowSeq
              + ") does not match its own hash or seq (edited?); verify the chain with PostgresAuditLog.verify");
        }
        seq[0] = last.seq();
        hash[0] = last.hash();
      }
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.debug("closing the audit connection failed", e);
      }
    }
  }

  /**
   * Builds a {@link PostgresAuditSink}; each setting is validated at once and may be set once.
   * {@link #build()} applies the schema migrations (unless {@link #migrate(boolean) migrate(false)}),
   * takes the chain's writer lock and reads the chain's head.
   */
  public static final class Builder {
    private final ConnectionSettings connection = new ConnectionSettings();
    private String chain;
    private Integer maxBatchEvents;
    private Duration lockWait;
    private Boolean migrate;

    private Builder() {}

    /** Takes one connection from this pool and holds it while the sink is open (the pool is not closed by the sink). */
    public Builder dataSource(DataSource dataSource) {
      connection.dataSource(dataSource);
      return this;
    }

    /** Opens one connection of its own to this URL. */
    public Builder jdbcUrl(String jdbcUrl, String user, String password) {
      connection.jdbcUrl(jdbcUrl, user, password);
      return this;
    }

    /**
     * The chain to append to; default {@value PostgresAuditSink#DEFAULT_CHAIN}. Use a stable name per
     * writing instance (host name, pod ordinal), so that a restarted instance continues its chain.
     */
    public Builder chain(String chain) {
      unset(this.chain == null, "chain", this.chain);
      if (chain == null || chain.isBlank() || chain.length() > 200) {
        throw new IllegalArgumentException("chain must be a non-blank name of at most 200 characters but was "
            + (chain == null ? "null" : "'" + chain + "'"));
      }
      this.chain = chain;
      return this;
    }

    /** Largest number of events per transaction; default {@value PostgresAuditSink#DEFAULT_MAX_BATCH_EVENTS}. */
    public Builder maxBatchEvents(int events) {
      unset(maxBatchEvents == null, "maxBatchEvents", maxBatchEvents);
      if (events < 1) {
        throw new IllegalArgumentException("maxBatchEvents must be >= 1 but was " + events);
      }
      this.maxBatchEvents = events;
      return this;
    }

    /**
     * How long {@link #build()} waits for another writer of the chain to let go (a predecessor still
     * shutting down); default zero: refuse at once.
     */
    public Builder lockWait(Duration wait) {
      unset(lockWait == null, "lockWait", lockWait);
      if (wait == null || wait.isNegative()) {
        throw new IllegalArgumentException("lockWait must be zero or positive but was " + wait);
      }
      this.lockWait = wait;
      return this;
    }

    /** Whether {@link #build()} applies the schema migrations (default true). */
    public Builder migrate(boolean migrate) {
      unset(this.migrate == null, "migrate", this.migrate);
      this.migrate = migrate;
      return this;
    }

    /**
     * Opens the sink.
     *
     * @throws IllegalStateException if the database cannot be reached or migrated, another writer
     *     holds the chain, or the chain's last event does not match its own hash
     */
    public PostgresAuditSink build() {
      connection.requireSet();
      return new PostgresAuditSink(this);
    }

    private static void unset(boolean unset, String name, Object current) {
      if (!unset) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}
