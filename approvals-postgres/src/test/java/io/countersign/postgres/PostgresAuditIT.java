package io.countersign.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.countersign.ApprovalGate;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.log.VerificationResult;
import io.countersign.audit.log.VerificationResult.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The audit trail in PostgreSQL: group-committed appends, one writer per chain, restart, export and verification. */
@ExtendWith(PostgresServer.class)
class PostgresAuditIT {

  private static final Ed25519Signer SIGNER = Ed25519Signer.generate("audit-key-1");

  private String url;
  private HikariDataSource pool;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void database() throws Exception {
    url = PostgresServer.newDatabase();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setMaximumPoolSize(6);
    pool = new HikariDataSource(config);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    pool.close();
  }

  private PostgresAuditSink sink(String chain) {
    PostgresAuditSink sink = PostgresAuditSink.builder().dataSource(pool).chain(chain).build();
    open.add(sink);
    return sink;
  }

  private AuditTrail trail(PostgresAuditSink sink) {
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(SIGNER).build();
    open.add(trail);
    return trail;
  }

  private static void record(AuditTrail trail, int events) {
    for (int i = 0; i < events; i++) {
      trail.record(AuditEvent.builder(EventType.VOTE).time(Instant.now()).requestId("req-" + i).field("n", i)).join();
    }
  }

  /** SQL as a superuser who switches off the append-only triggers: the attacker the hash chain is for. */
  private void asSuperuserBypassingTriggers(String sql) throws Exception {
    try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
      st.execute("SET session_replication_role = replica");
      try {
        st.execute(sql);
      } finally {
        st.execute("RESET session_replication_role");
      }
    }
  }

  @Test
  @DisplayName("S29 a signed chain written to PostgreSQL verifies from the database and closes INTACT")
  void roundTripVerifiesFromTheDatabase() throws Exception {
    AuditTrail trail = trail(sink("svc-a"));
    record(trail, 20);
    trail.close();

    VerificationResult r = PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey());

    assertThat(r.status()).as(r.summary()).isEqualTo(Status.INTACT);
    assertThat(r.eventsChecked()).isEqualTo(21); // 20 events and the closing checkpoint
    assertThat(r.signaturesVerified()).isEqualTo(21);
  }

  @Test
  void exportWritesADirectoryTheFileVerifierAndTheCliRead(@TempDir Path dir) throws Exception {
    AuditTrail trail = trail(sink("svc-a"));
    record(trail, 5);
    trail.close();

    long n = PostgresAuditLog.export(pool, "svc-a", dir);

    assertThat(n).isEqualTo(6);
    assertThat(dir.resolve("audit-0000000000000001.jsonl")).exists();
    assertThat(Files.readAllLines(dir.resolve("audit-0000000000000001.jsonl"))).hasSize(6);
    VerificationResult r = AuditVerifier.builder().key(SIGNER.verificationKey()).build().verifyLog(dir);
    assertThat(r.status()).as(r.summary()).isEqualTo(Status.INTACT);
  }

  @Test
  @DisplayName("S29 an event row edited in the database fails verification at its seq")
  void editedRowIsDetectedAtItsSeq() throws Exception {
    AuditTrail trail = trail(sink("svc-a"));
    record(trail, 10);
    trail.close();

    asSuperuserBypassingTriggers("UPDATE countersign_audit_event SET line = replace(line, '\"n\":6', '\"n\":60') "
        + "WHERE chain = 'svc-a' AND seq = 7");

    VerificationResult r = PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey());
    assertThat(r.status()).isEqualTo(Status.TAMPERED);
    assertThat(r.firstBadSeq()).hasValue(7);
    assertThat(r.reason()).contains("hash");
  }

  @Test
  @DisplayName("S30 an event row deleted from the database fails verification at its seq")
  void deletedRowIsDetectedAtItsSeq() throws Exception {
    AuditTrail trail = trail(sink("svc-a"));
    record(trail, 10);
    trail.close();

    asSuperuserBypassingTriggers("DELETE FROM countersign_audit_event WHERE chain = 'svc-a' AND seq = 4");

    VerificationResult r = PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey());
    assertThat(r.status()).isEqualTo(Status.TAMPERED);
    assertThat(r.firstBadSeq()).hasValue(4);
    assertThat(r.reason()).contains("expected seq 4").contains("5");
  }

  @Test
  @DisplayName("S30 the table refuses updates, deletes and truncation from ordinary writers")
  void tableIsAppendOnlyForOrdinaryWriters() throws Exception {
    AuditTrail trail = trail(sink("svc-a"));
    record(trail, 3);

    assertThatThrownBy(() -> PostgresServer.sql(url, "UPDATE countersign_audit_event SET line = 'x' WHERE seq = 2"))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> PostgresServer.sql(url, "DELETE FROM countersign_audit_event WHERE seq = 2"))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> PostgresServer.sql(url, "TRUNCATE countersign_audit_event"))
        .hasMessageContaining("append-only");
  }

  @Test
  void secondWriterOfAChainIsRefusedWithTheHolderNamed() {
    sink("svc-a");

    assertThatThrownBy(() -> PostgresAuditSink.builder().jdbcUrl(url, "postgres", null).chain("svc-a").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("audit chain 'svc-a' is already being written by another PostgresAuditSink")
        .hasMessageContaining("backend pid");
    assertThat(sink("svc-b").chain()).isEqualTo("svc-b");
  }

  @Test
  void chainIsFreeForANewWriterOnceItsWriterClosed() {
    PostgresAuditSink first = sink("svc-a");
    first.close();

    assertThat(sink("svc-a").lastSeq()).isZero();
  }

  @Test
  void restartedWriterContinuesTheChainAndTheWholeChainVerifies() throws Exception {
    PostgresAuditSink first = sink("svc-a");
    AuditTrail before = trail(first);
    record(before, 5);
    before.close();
    String headAfterClose = before.lastHash();

    PostgresAuditSink second = sink("svc-a");
    assertThat(second.lastSeq()).isEqualTo(6);
    assertThat(second.lastHash()).isEqualTo(headAfterClose);
    AuditTrail after = trail(second);
    record(after, 5);
    after.close();

    VerificationResult r = PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey());
    assertThat(r.status()).as(r.summary()).isEqualTo(Status.INTACT);
    assertThat(r.lastSeq()).isEqualTo(12);
  }

  @Test
  void writerWhoseConnectionDiedFailsClosedAndANewWriterContinuesFromWhatWasCommitted() throws Exception {
    PostgresAuditSink first = sink("svc-a");
    AuditTrail crashed = AuditTrail.builder().sink(first).signer(SIGNER).closingCheckpoint(false).build();
    record(crashed, 3);

    PostgresServer.sql(url, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = "
        + PostgresAuditSink.LOCK_CLASS);
    CompletableFuture<AuditEvent> lost = crashed.record(AuditEvent.builder(EventType.VOTE).time(Instant.now()).requestId("late"));
    assertThatThrownBy(lost::join).isInstanceOf(CompletionException.class).hasMessageContaining("could not commit");

    PostgresAuditSink second = sink("svc-a");
    assertThat(second.lastSeq()).isEqualTo(3);
    AuditTrail resumed = trail(second);
    record(resumed, 2);
    resumed.close();
    VerificationResult r = PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey());
    assertThat(r.status()).as(r.summary()).isEqualTo(Status.INTACT);
    assertThat(r.lastSeq()).isEqualTo(6);
  }

  @Test
  @DisplayName("S25 an event is acknowledged only once its transaction committed")
  void eventIsAcknowledgedOnlyAfterCommit() throws Exception {
    AuditTrail trail = trail(sink("svc-a"));
    record(trail, 1);
    CompletableFuture<AuditEvent> held;
    try (Connection blocker = pool.getConnection(); Statement st = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      st.execute("LOCK TABLE countersign_audit_event IN EXCLUSIVE MODE");
      held = trail.record(AuditEvent.builder(EventType.VOTE).time(Instant.now()).requestId("held"));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !held.isDone());
      blocker.commit();
    }
    assertThat(held.get(10, TimeUnit.SECONDS).seq()).isEqualTo(2);
    assertThat(PostgresServer.queryString(url, "SELECT count(*) FROM countersign_audit_event")).isEqualTo("2");
  }

  @Test
  void concurrentEventsAreGroupCommittedInFewerTransactionsThanEvents() throws Exception {
    PostgresAuditSink sink = sink("svc-a");
    AuditTrail trail = trail(sink);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<CompletableFuture<AuditEvent>> all = new ArrayList<>();
    try {
      List<CompletableFuture<CompletableFuture<AuditEvent>>> submitted = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        int n = i;
        submitted.add(CompletableFuture.supplyAsync(() -> trail.record(AuditEvent.builder(EventType.VOTE).time(Instant.now())
            .requestId("r-" + n)), threads));
      }
      for (CompletableFuture<CompletableFuture<AuditEvent>> f : submitted) {
        all.add(f.join());
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      threads.shutdownNow();
    }
    assertThat(sink.batches()).isLessThan(2000);
    trail.close();
    assertThat(PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey()).status()).isEqualTo(Status.INTACT);
  }

  @Test
  @DisplayName("S29 a gate's events recorded in PostgreSQL verify, and the export is what the CLI checks")
  void gateEventsLandInTheDatabaseAndVerify(@TempDir Path dir) throws Exception {
    PostgresAuditSink sink = sink("svc-a");
    AuditTrail trail = AuditTrail.builder().sink(sink).signer(SIGNER).build();
    PostgresRequestStore store = PostgresRequestStore.builder().dataSource(pool).build();
    Ops ops = new Ops();
    ApprovalGate gate = ApprovalGate.builder().approver((request, votes) -> { }).auditTrail(trail).requestStore(store)
        .checkGuarded(Ops.class).build();
    try {
      java.lang.reflect.Method m = Ops.class.getMethod("restart", String.class);
      CompletableFuture<Object> call = io.countersign.ActorContext.runAs(Instance.AGENT, "test",
          () -> gate.guardAsync(io.countersign.Invocation.of(m, ops, new Object[] {"db"}), () -> {
            ops.restart("db");
            return CompletableFuture.completedFuture(null);
          }));
      await().atMost(Duration.ofSeconds(10)).until(() -> !gate.pending().isEmpty());
      String id = gate.pending().get(0).request().id();
      gate.vote(id, io.countersign.Vote.approve(io.countersign.Reviewer.of("alice"), "ok", "test"));
      call.get(10, TimeUnit.SECONDS);
      assertThat(PostgresServer.queryString(url, "SELECT string_agg(type, ',' ORDER BY seq) FROM countersign_audit_event "
          + "WHERE request_id = '" + id + "'")).isEqualTo("REQUESTED,VOTE,DECIDED,EXECUTED");
    } finally {
      gate.close();
    }

    assertThat(PostgresAuditLog.verify(pool, "svc-a", SIGNER.verificationKey()).status()).isEqualTo(Status.INTACT);
    PostgresAuditLog.export(pool, "svc-a", dir);
    assertThat(AuditVerifier.builder().key(SIGNER.verificationKey()).build().verifyLog(dir).status()).isEqualTo(Status.INTACT);
  }
}
