package io.countersign.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Decision;
import io.countersign.RequestState;
import io.countersign.VoteRecord;
import io.countersign.spi.RequestStore;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RequestStore} on PostgreSQL, shared by every instance of a service: requests, votes and
 * transitions survive restarts, and a vote taken by any instance completes the call waiting in
 * another one. Each change runs in one transaction holding the request's row lock
 * ({@code SELECT ... FOR UPDATE}); the database refuses a second approval by one reviewer, any change
 * of a terminal state and any vote after the decision, whatever the writer.
 *
 * <p>Instances announce changes with {@code NOTIFY}, a wake-up hint; every instance also polls for
 * changes, so a lost notification only delays a decision. Instances heartbeat; pending requests of an
 * instance that stopped heartbeating are ended ABANDONED by a live one (their callers are gone), and
 * deferred invocations it was running become OUTCOME_UNKNOWN (never run twice).
 *
 * <pre>{@code
 * PostgresRequestStore store = PostgresRequestStore.builder()
 *     .jdbcUrl("jdbc:postgresql://db:5432/app", "app", password)
 *     .build();                      // applies the schema migrations
 * ApprovalGate gate = ApprovalGate.builder().requestStore(store)...build();
 * }</pre>
 */
public final class PostgresRequestStore implements RequestStore {

  /** Default interval of the safety-net poll for changes made by other instances. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  /** Default heartbeat interval of this instance. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
  /** Default silence after which an instance counts as dead. */
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(30);
  /** The NOTIFY channel. */
  static final String CHANNEL = "countersign_request";

  private static final Logger LOG = LoggerFactory.getLogger(PostgresRequestStore.class);
  private static final String COLUMNS = "id, request, state, decided_at, outcome_reason, progress, escalated, exec_instance IS NOT NULL";

  private final DataSource dataSource;
  private final HikariDataSource ownedPool;
  private final String instanceId;
  private final Duration pollInterval;
  private final Duration heartbeatInterval;
  private final Duration staleAfter;
  private final boolean listen;
  private final ScheduledExecutorService maintenance;
  private final ScheduledExecutorService heartbeat;
  private volatile Thread listener;
  private volatile boolean closed;
  private volatile Events events;
  private long lastChangeSeq;
  /**
   * Change numbers seen within the look-back window: sequence numbers are taken when a transaction
   * writes but become visible when it commits, so a poll re-reads the last {@link #LOOK_BACK} numbers
   * to catch a slow transaction's change that committed after a newer one.
   */
  private final java.util.TreeSet<Long> seen = new java.util.TreeSet<>();
  private static final long LOOK_BACK = 256;

  private PostgresRequestStore(Builder b) {
    this.ownedPool = b.connection.dataSource() == null ? pool(b) : null;
    this.dataSource = b.connection.dataSource() != null ? b.connection.dataSource() : ownedPool;
    this.instanceId = b.instanceId != null ? b.instanceId : UUID.randomUUID().toString();
    this.pollInterval = b.pollInterval != null ? b.pollInterval : DEFAULT_POLL_INTERVAL;
    this.heartbeatInterval = b.heartbeatInterval != null ? b.heartbeatInterval : DEFAULT_HEARTBEAT_INTERVAL;
    this.staleAfter = b.staleAfter != null ? b.staleAfter : DEFAULT_STALE_AFTER;
    this.listen = b.listen == null || b.listen;
    if (staleAfter.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("staleAfter must be at least twice the heartbeatInterval (" + heartbeatInterval
          + ") but was " + staleAfter);
    }
    try {
      if (b.migrate == null || b.migrate) {
        Migrations.apply(dataSource);
      }
      try (Connection c = dataSource.getConnection();
           PreparedStatement ps = c.prepareStatement("INSERT INTO countersign_instance (id) VALUES (?)")) {
        ps.setString(1, instanceId);
        ps.executeUpdate();
      }
    } catch (SQLException e) {
      if (ownedPool != null) {
        ownedPool.close();
      }
      throw new IllegalStateException("PostgreSQL request store could not start: " + e.getMessage(), e);
    }
    this.maintenance = Executors.newSingleThreadScheduledExecutor(daemon("countersign-pg-poll-" + shortId()));
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(daemon("countersign-pg-heartbeat-" + shortId()));
  }

  /** A builder: give a {@link Builder#dataSource} (not closed by the store) or a {@link Builder#jdbcUrl} (the store owns a Hikari pool). */
  public static Builder builder() {
    return new Builder();
  }

  /** This instance's id in {@code countersign_instance}, the owner of the requests its callers wait for. */
  public String instanceId() {
    return instanceId;
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void open(Events events) {
    if (this.events != null) {
      throw new IllegalStateException("this PostgreSQL request store is already used by a gate; give each gate its own store");
    }
    this.events = Objects.requireNonNull(events, "events");
    try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT coalesce(max(change_seq), 0) FROM countersign_request")) {
      rs.next();
      lastChangeSeq = rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL request store could not read its position: " + e.getMessage(), e);
    }
    long hb = heartbeatInterval.toMillis();
    heartbeat.scheduleWithFixedDelay(this::beat, hb, hb, TimeUnit.MILLISECONDS);
    long poll = pollInterval.toMillis();
    maintenance.scheduleWithFixedDelay(this::maintain, poll, poll, TimeUnit.MILLISECONDS);
    if (listen) {
      Thread t = new Thread(this::listenLoop, "countersign-pg-listen-" + shortId());
      t.setDaemon(true);
      listener = t;
      t.start();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    maintenance.shutdownNow();
    heartbeat.shutdownNow();
    Thread t = listener;
    if (t != null) {
      t.interrupt();
    }
    // leaving: any request still owned here can no longer be waited for, so live instances may end it now
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("DELETE FROM countersign_instance WHERE id = ?")) {
      ps.setString(1, instanceId);
      ps.executeUpdate();
    } catch (SQLException e) {
      LOG.warn("Could not remove instance {} on close (it will count as dead once stale): {}", instanceId, e.getMessage());
    }
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  // ---------------------------------------------------------------- RequestStore

  @Override
  public void create(ApprovalRequest request, DeferredCall deferred) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO countersign_request (id, request, created_at, deadline, "
          + "owner_instance, change_seq, deferred_call, progress) VALUES (?, ?::jsonb, ?, ?, ?, nextval('countersign_change_seq'), ?::jsonb, ?)")) {
        ps.setString(1, request.id());
        ps.setString(2, RequestJson.write(request));
        ps.setTimestamp(3, Timestamp.from(request.createdAt()));
        ps.setTimestamp(4, Timestamp.from(request.deadline()));
        ps.setString(5, deferred == null ? instanceId : null);
        ps.setString(6, deferred == null ? null : RequestJson.write(deferred));
        ps.setArray(7, c.createArrayOf("integer", ApprovalStatus.pending(request).progress().toArray()));
        ps.executeUpdate();
        notify(c, request.id());
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("request " + request.id() + " could not be stored: " + e.getMessage(), e);
    }
  }

  /**
   * Persists the value the gate's transition function returns, in one transaction under the row
   * lock: the votes it added, its state, quorum progress and escalation flag, and (for a claimed
   * approval) the start of its execution, fenced against an instance that recorded it as never run.
   */
  @Override
  public ApprovalStatus update(String requestId, UnaryOperator<ApprovalStatus> transition) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        ApprovalStatus before;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM countersign_request WHERE id = ? FOR UPDATE")) {
          ps.setString(1, requestId);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              c.rollback();
              throw new NoSuchElementException("No approval request has the id '" + requestId + "'");
            }
            before = status(rs, votes(c, List.of(requestId)).getOrDefault(requestId, List.of()));
          }
        }
        ApprovalStatus after = Objects.requireNonNull(transition.apply(before), "transition result");
        if (after == before) {
          c.commit();
          return before;
        }
        int known = before.votes().size();
        if (after.votes().size() < known || !after.votes().subList(0, known).equals(before.votes())) {
          throw new IllegalStateException("request " + requestId + ": a change may only add votes");
        }
        for (VoteRecord v : after.votes().subList(known, after.votes().size())) {
          insertVote(c, requestId, v);
        }
        boolean decides = after.state() != before.state();
        try (PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET state = ?, decided_at = ?, outcome_reason = ?, "
            + "progress = ?, escalated = ?, change_seq = nextval('countersign_change_seq')"
            + (decides ? ", exec_state = CASE WHEN deferred_call IS NOT NULL AND ? = 'APPROVED' THEN 'WAITING' END" : "")
            + " WHERE id = ? AND state = ?")) {
          int i = 1;
          ps.setString(i++, after.state().name());
          ps.setTimestamp(i++, after.decidedAt() == null ? null : Timestamp.from(after.decidedAt()));
          ps.setString(i++, after.outcomeReason());
          ps.setArray(i++, c.createArrayOf("integer", after.progress().toArray()));
          ps.setBoolean(i++, after.escalated());
          if (decides) {
            ps.setString(i++, after.state().name());
          }
          ps.setString(i++, requestId);
          ps.setString(i, before.state().name());
          if (ps.executeUpdate() != 1) {
            throw new IllegalStateException("request " + requestId + " changed concurrently; the change was not applied");
          }
        }
        if (after.executionClaimed() && !before.executionClaimed()) {
          startExecution(c, requestId);
        }
        notify(c, requestId);
        c.commit();
        return after;
      } catch (SQLException | RuntimeException e) {
        safeRollback(c);
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("request " + requestId + " could not be updated: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<ApprovalStatus> find(String requestId) {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM countersign_request WHERE id = ?")) {
      ps.setString(1, requestId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(status(rs, votes(c, List.of(requestId)).getOrDefault(requestId, List.of())));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("request " + requestId + " could not be read: " + e.getMessage(), e);
    }
  }

  @Override
  public List<ApprovalStatus> pending() {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM countersign_request WHERE state = 'PENDING' "
             + "ORDER BY created_at, id")) {
      List<String> ids = new ArrayList<>();
      List<Object[]> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getString(1));
          rows.add(new Object[] {rs.getString(2), rs.getString(3), rs.getTimestamp(4), rs.getString(5), rs.getArray(6),
              rs.getBoolean(7), rs.getBoolean(8)});
        }
      }
      Map<String, List<VoteRecord>> votes = votes(c, ids);
      List<ApprovalStatus> out = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        Object[] row = rows.get(i);
        out.add(status((String) row[0], (String) row[1], (Timestamp) row[2], (String) row[3], (Array) row[4], (Boolean) row[5],
            (Boolean) row[6], votes.getOrDefault(ids.get(i), List.of())));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("pending requests could not be read: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean supportsDeferred() {
    return true;
  }

  @Override
  public Optional<DeferredClaim> claimDeferred() {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        // SKIP LOCKED: instances racing for work take different rows; each row is granted once
        String id;
        long token;
        String call;
        try (PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET exec_state = 'RUNNING', exec_instance = ?, "
            + "fencing_token = nextval('countersign_fencing_seq'), exec_started_at = now() "
            + "WHERE id = (SELECT id FROM countersign_request WHERE exec_state = 'WAITING' ORDER BY decided_at, id "
            + "LIMIT 1 FOR UPDATE SKIP LOCKED) AND exec_state = 'WAITING' RETURNING id, fencing_token, deferred_call")) {
          ps.setString(1, instanceId);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              c.commit();
              return Optional.empty();
            }
            id = rs.getString(1);
            token = rs.getLong(2);
            call = rs.getString(3);
          }
        }
        ApprovalStatus status;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM countersign_request WHERE id = ?")) {
          ps.setString(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            status = status(rs, votes(c, List.of(id)).getOrDefault(id, List.of()));
          }
        }
        c.commit();
        LOG.info("Instance {} claimed deferred request {} (fencing token {})", instanceId, id, token);
        return Optional.of(new DeferredClaim(status, RequestJson.call(call), token));
      } catch (SQLException | RuntimeException e) {
        safeRollback(c);
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("deferred work could not be claimed: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean completeDeferred(String requestId, long fencingToken, ExecutionState outcome, String detail) {
    if (outcome != ExecutionState.EXECUTED && outcome != ExecutionState.FAILED) {
      throw new IllegalArgumentException("a deferred run completes as EXECUTED or FAILED but was " + outcome);
    }
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET exec_state = ?, exec_detail = ?, "
             + "exec_finished_at = now() WHERE id = ? AND fencing_token = ? AND exec_state = 'RUNNING'")) {
      ps.setString(1, outcome.name());
      ps.setString(2, detail);
      ps.setString(3, requestId);
      ps.setLong(4, fencingToken);
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new IllegalStateException("outcome of deferred request " + requestId + " could not be stored: " + e.getMessage(), e);
    }
  }

  /**
   * Within a claim's transaction: records that the approved synchronous call of {@code requestId} starts here, under a fencing
   * token, only if no instance recorded it as never run (a live instance does so once this instance
   * looks dead): an instance that was only paused (GC, network) and comes back after that must not
   * run the call.
   *
   * @throws IllegalStateException if the call must not run (the reason is in the message) or the
   *     start could not be recorded
   */
  private void startExecution(Connection c, String requestId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET exec_state = 'RUNNING', exec_instance = ?, "
        + "fencing_token = nextval('countersign_fencing_seq'), exec_started_at = now() "
        + "WHERE id = ? AND state = 'APPROVED' AND deferred_call IS NULL AND exec_state IS NULL")) {
      ps.setString(1, instanceId);
      ps.setString(2, requestId);
      if (ps.executeUpdate() == 1) {
        return;
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT state, exec_state, exec_detail FROM countersign_request WHERE id = ?")) {
      ps.setString(1, requestId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("request " + requestId + " is not in the request store");
        }
        throw new IllegalStateException("request " + requestId + " is " + rs.getString(1) + " with execution "
            + rs.getString(2) + (rs.getString(3) != null ? " (" + rs.getString(3) + ")" : "") + ", so its call must not start here");
      }
    }
  }

  /** Records how a synchronous call claimed through {@link #update} ended (only while this instance still holds it). */
  @Override
  public void executionEnded(String requestId, ExecutionState outcome, String detail) {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET exec_state = ?, exec_detail = ?, "
             + "exec_finished_at = now() WHERE id = ? AND exec_instance = ? AND exec_state = 'RUNNING' AND deferred_call IS NULL")) {
      ps.setString(1, outcome.name());
      ps.setString(2, detail);
      ps.setString(3, requestId);
      ps.setString(4, instanceId);
      if (ps.executeUpdate() != 1) {
        LOG.warn("Request {} ended as {} here, but its row no longer showed it running here (another instance took this "
            + "instance for dead and recorded OUTCOME_UNKNOWN)", requestId, outcome);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("the end of request " + requestId + " could not be recorded: " + e.getMessage(), e);
    }
  }

  /** Where a request's execution stands after approval (deferred, or synchronous since schema version 2); empty before. */
  public Optional<ExecutionState> executionState(String requestId) {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("SELECT exec_state FROM countersign_request WHERE id = ?")) {
      ps.setString(1, requestId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getString(1) != null ? Optional.of(ExecutionState.valueOf(rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("request " + requestId + " could not be read: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- background work

  private void beat() {
    try (Connection c = dataSource.getConnection();
         PreparedStatement ps = c.prepareStatement("INSERT INTO countersign_instance (id) VALUES (?) "
             + "ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()")) {
      ps.setString(1, instanceId);
      ps.executeUpdate();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Heartbeat of instance {} failed: {}", instanceId, e.getMessage());
    }
  }

  /** The safety net: changes since the last poll, orphans, lost executors, overdue deferred requests. */
  void maintain() {
    Events ev = events;
    if (ev == null || closed) {
      return;
    }
    try (Connection c = dataSource.getConnection()) {
      List<String> changed = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, change_seq FROM countersign_request WHERE change_seq > ? ORDER BY change_seq")) {
        ps.setLong(1, lastChangeSeq - LOOK_BACK);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long seq = rs.getLong(2);
            if (seq > lastChangeSeq || seen.add(seq)) {
              seen.add(seq);
              changed.add(rs.getString(1));
            }
            lastChangeSeq = Math.max(lastChangeSeq, seq);
          }
        }
        seen.headSet(lastChangeSeq - LOOK_BACK, true).clear();
      }
      for (String id : changed) {
        ev.changed(id);
      }
      String stale = "(SELECT id FROM countersign_instance WHERE heartbeat_at >= now() - make_interval(secs => ?))";
      List<String[]> orphans = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, owner_instance FROM countersign_request WHERE state = 'PENDING' "
          + "AND owner_instance IS NOT NULL AND owner_instance <> ? AND owner_instance NOT IN " + stale)) {
        ps.setString(1, instanceId);
        ps.setDouble(2, staleAfter.toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            orphans.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
      }
      for (String[] o : orphans) {
        ev.orphaned(o[0], RequestState.ABANDONED, "the instance " + o[1] + " whose caller waited for it stopped "
            + "(no heartbeat for " + staleAfter + "), so the call can never run");
      }
      List<String> overdue = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM countersign_request WHERE state = 'PENDING' "
          + "AND deferred_call IS NOT NULL AND deadline <= ?")) {
        ps.setTimestamp(1, Timestamp.from(Instant.now()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            overdue.add(rs.getString(1));
          }
        }
      }
      for (String id : overdue) {
        ev.orphaned(id, RequestState.EXPIRED, "no decision before the deadline");
      }
      List<String[]> lost = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET exec_state = 'OUTCOME_UNKNOWN', "
          + "exec_detail = 'executor instance ' || exec_instance || ' died while running it', exec_finished_at = now() "
          + "WHERE exec_state = 'RUNNING' AND exec_instance <> ? AND exec_instance NOT IN " + stale + " RETURNING id, exec_detail")) {
        ps.setString(1, instanceId);
        ps.setDouble(2, staleAfter.toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            lost.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
      }
      for (String[] l : lost) {
        ev.outcomeUnknown(l[0], l[1]);
      }
      // approved while its caller's instance was alive, which died before starting the call: it never ran
      List<String[]> neverRun = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("UPDATE countersign_request SET exec_state = 'FAILED', "
          + "exec_detail = 'approved, but the instance ' || owner_instance || ' whose caller waited for it stopped (no heartbeat for "
          + staleAfter + ") before starting it; the call never ran and never will', exec_finished_at = now() "
          + "WHERE state = 'APPROVED' AND deferred_call IS NULL AND exec_state IS NULL AND owner_instance <> ? "
          + "AND owner_instance NOT IN " + stale + " RETURNING id, exec_detail")) {
        ps.setString(1, instanceId);
        ps.setDouble(2, staleAfter.toMillis() / 1000.0);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            neverRun.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
      }
      for (String[] n : neverRun) {
        ev.neverRun(n[0], n[1]);
      }
      boolean waiting;
      try (Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM countersign_request WHERE exec_state = 'WAITING')")) {
        rs.next();
        waiting = rs.getBoolean(1);
      }
      if (waiting) {
        ev.deferredReady();
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Countersign poll failed (retried in {}): {}", pollInterval, e.toString());
    }
  }

  private void listenLoop() {
    long backoff = 100;
    while (!closed) {
      try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
        st.execute("LISTEN " + CHANNEL);
        PGConnection pg = c.unwrap(PGConnection.class);
        backoff = 100;
        // a poll right after (re)connecting covers what was announced while not listening
        maintenance.execute(this::maintain);
        while (!closed) {
          PGNotification[] notes = pg.getNotifications(500);
          if (notes == null) {
            continue;
          }
          for (PGNotification n : notes) {
            Events ev = events;
            if (ev != null) {
              try {
                ev.changed(n.getParameter());
              } catch (RuntimeException e) {
                LOG.warn("Handling a change of request {} failed (the poll retries)", n.getParameter(), e);
              }
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn("LISTEN connection lost ({}); polling covers changes meanwhile; reconnecting in {} ms", e.getMessage(), backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  // ---------------------------------------------------------------- rows

  private static void notify(Connection c, String requestId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
      ps.setString(1, requestId);
      ps.execute();
    }
  }

  private static void insertVote(Connection c, String requestId, VoteRecord v) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO countersign_vote (request_id, reviewer_id, decision, reason, channel, voted_at) "
        + "VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, requestId);
      ps.setString(2, v.reviewerId());
      ps.setString(3, v.decision().name());
      ps.setString(4, v.reason());
      ps.setString(5, v.channel());
      ps.setTimestamp(6, Timestamp.from(v.time()));
      ps.executeUpdate();
    }
  }

  private static Map<String, List<VoteRecord>> votes(Connection c, List<String> ids) throws SQLException {
    Map<String, List<VoteRecord>> out = new HashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    Array array = c.createArrayOf("text", ids.toArray());
    try (PreparedStatement ps = c.prepareStatement("SELECT request_id, reviewer_id, decision, reason, channel, voted_at "
        + "FROM countersign_vote WHERE request_id = ANY (?) ORDER BY seq")) {
      ps.setArray(1, array);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new VoteRecord(rs.getString(2),
              Decision.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant()));
        }
      }
    } finally {
      array.free();
    }
    return out;
  }

  private static ApprovalStatus status(ResultSet rs, List<VoteRecord> votes) throws SQLException {
    return status(rs.getString(2), rs.getString(3), rs.getTimestamp(4), rs.getString(5), rs.getArray(6), rs.getBoolean(7),
        rs.getBoolean(8), votes);
  }

  /** The stored value as the gate's transition function wrote it (nothing is counted here). */
  private static ApprovalStatus status(String json, String state, Timestamp decidedAt, String reason, Array progress,
      boolean escalated, boolean claimed, List<VoteRecord> votes) throws SQLException {
    List<Integer> counts = new ArrayList<>();
    for (Object n : (Object[]) progress.getArray()) {
      counts.add(((Number) n).intValue());
    }
    return new ApprovalStatus(RequestJson.request(json), RequestState.valueOf(state), votes, counts,
        decidedAt == null ? null : decidedAt.toInstant(), reason, escalated, claimed);
  }

  private static void safeRollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      LOG.debug("rollback failed", e);
    }
  }

  private String shortId() {
    return instanceId.length() > 8 ? instanceId.substring(0, 8) : instanceId;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static HikariDataSource pool(Builder b) {
    b.connection.requireSet();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(b.connection.jdbcUrl());
    config.setUsername(b.connection.user());
    config.setPassword(b.connection.password());
    config.setMaximumPoolSize(b.maxPoolSize != null ? b.maxPoolSize : 8);
    config.setPoolName("countersign");
    return new HikariDataSource(config);
  }

  @Override
  public String toString() {
    return "PostgresRequestStore[instance=" + instanceId + ", listen=" + listen + ", poll=" + pollInterval + "]";
  }

  /**
   * Builds a {@link PostgresRequestStore}; each setting is validated at once and may be set once.
   * {@link #build()} applies the schema migrations (unless {@link #migrate(boolean) migrate(false)})
   * and registers this instance.
   */
  public static final class Builder {
    private final ConnectionSettings connection = new ConnectionSettings();
    private Integer maxPoolSize;
    private String instanceId;
    private Duration pollInterval;
    private Duration heartbeatInterval;
    private Duration staleAfter;
    private Boolean listen;
    private Boolean migrate;

    private Builder() {}

    /** Uses an existing pool (the store does not close it). */
    public Builder dataSource(DataSource dataSource) {
      connection.dataSource(dataSource);
      return this;
    }

    /** Creates a HikariCP pool for this URL, owned and closed by the store. */
    public Builder jdbcUrl(String jdbcUrl, String user, String password) {
      connection.jdbcUrl(jdbcUrl, user, password);
      return this;
    }

    /** Size of the owned pool; default 8 (one more connection is held for LISTEN). */
    public Builder maxPoolSize(int size) {
      unset(maxPoolSize == null, "maxPoolSize", maxPoolSize);
      if (size < 2) {
        throw new IllegalArgumentException("maxPoolSize must be >= 2 but was " + size);
      }
      this.maxPoolSize = size;
      return this;
    }

    /** This instance's id; default a random UUID (a restarted process is a new instance). */
    public Builder instanceId(String id) {
      unset(instanceId == null, "instanceId", instanceId);
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("instanceId must not be blank but was " + (id == null ? "null" : "'" + id + "'"));
      }
      this.instanceId = id;
      return this;
    }

    /** How often to poll for changes, orphans and deferred work; default 1 s. Bounds the delay after a lost NOTIFY. */
    public Builder pollInterval(Duration interval) {
      unset(pollInterval == null, "pollInterval", pollInterval);
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /** How often this instance proves it is alive; default 5 s. */
    public Builder heartbeatInterval(Duration interval) {
      unset(heartbeatInterval == null, "heartbeatInterval", heartbeatInterval);
      this.heartbeatInterval = positive(interval, "heartbeatInterval");
      return this;
    }

    /** Silence after which an instance counts as dead (its waiting requests ABANDONED); default 30 s, at least twice the heartbeat. */
    public Builder staleAfter(Duration after) {
      unset(staleAfter == null, "staleAfter", staleAfter);
      this.staleAfter = positive(after, "staleAfter");
      return this;
    }

    /** Whether to LISTEN for change notifications (default true); without, only polling sees other instances' changes. */
    public Builder listen(boolean listen) {
      unset(this.listen == null, "listen", this.listen);
      this.listen = listen;
      return this;
    }

    /** Whether {@link #build()} applies the schema migrations (default true). */
    public Builder migrate(boolean migrate) {
      unset(this.migrate == null, "migrate", this.migrate);
      this.migrate = migrate;
      return this;
    }

    /**
     * Builds the store: applies migrations, registers this instance.
     *
     * @throws IllegalStateException if the database cannot be reached or migrated
     */
    public PostgresRequestStore build() {
      return new PostgresRequestStore(this);
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive but was " + d);
      }
      return d;
    }

    private static void unset(boolean unset, String name, Object current) {
      if (!unset) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}
