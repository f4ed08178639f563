package io.countersign.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.Invocation;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.VerificationResult.Status;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Load across instances: 1,000 requests pending at once, half opened at each of two gate instances
 * (separate pools, separate audit chains, one database), each decided by a vote taken at the
 * <em>other</em> instance, each executed exactly once. Measures decision-to-resume latency (the vote
 * call starting at one instance -> the guarded call's future completing at the other) and writes
 * the figures to {@code target/cross-instance-load.txt}; asserts correctness only, never speed.
 */
@ExtendWith(PostgresServer.class)
class CrossInstanceLoadIT {

  private static final int REQUESTS = 1000;
  private static final Ed25519Signer SIGNER = Ed25519Signer.generate("load-key");

  private String url;
  private final List<Node> nodes = new ArrayList<>();

  /** One service instance: pool, request store, audit chain, gate, its own Ops bean. */
  private final class Node implements AutoCloseable {
    final String name;
    final HikariDataSource pool;
    final PostgresRequestStore store;
    final PostgresAuditSink sink;
    final ExecutorService executor = Executors.newFixedThreadPool(4);
    final ApprovalGate gate;
    final Ops ops = new Ops();

    Node(String name) {
      this.name = name;
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setUsername("postgres");
      config.setMaximumPoolSize(12);
      config.setPoolName("load-" + name);
      pool = new HikariDataSource(config);
      store = PostgresRequestStore.builder().dataSource(pool).build();
      sink = PostgresAuditSink.builder().dataSource(pool).chain("load-" + name).build();
      AuditTrail trail = AuditTrail.builder().sink(sink).signer(SIGNER).build();
      gate = ApprovalGate.builder().approver((request, votes) -> { }).auditTrail(trail).requestStore(store)
          .maxPendingPerActor(REQUESTS).executor(executor).checkGuarded(Ops.class).build();
    }

    CompletableFuture<Object> guardAsync(String service) throws Exception {
      Method m = Ops.class.getMethod("restart", String.class);
      return ActorContext.runAs(Instance.AGENT, "load test", () -> gate.guardAsync(Invocation.of(m, ops, new Object[] {service}), () -> {
        ops.restart(service);
        return CompletableFuture.completedFuture(null);
      }));
    }

    @Override
    public void close() {
      gate.close();
      executor.shutdownNow();
      pool.close();
    }
  }

  @BeforeEach
  void database() throws Exception {
    url = PostgresServer.newDatabase();
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(Node::close);
  }

  @Test
  @DisplayName("S11 1,000 requests pending across two instances, each decided at the other one, each run exactly once")
  void thousandPendingRequestsDecidedAtTheOtherInstanceRunExactlyOnce() throws Exception {
    Node a = new Node("a");
    nodes.add(a);
    Node b = new Node("b");
    nodes.add(b);
    Map<String, Long> completedAt = new ConcurrentHashMap<>();
    Map<String, CompletableFuture<Object>> calls = new ConcurrentHashMap<>();

    ExecutorService openers = Executors.newFixedThreadPool(4);
    try {
      List<CompletableFuture<Void>> opened = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        Node at = i % 2 == 0 ? a : b;
        String service = "svc-" + i;
        opened.add(CompletableFuture.runAsync(() -> {
          try {
            CompletableFuture<Object> call = at.guardAsync(service);
            call.whenComplete((v, e) -> completedAt.put(service, System.nanoTime()));
            calls.put(service, call);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, openers));
      }
      CompletableFuture.allOf(opened.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      openers.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> a.gate.pending().size() == REQUESTS);
    assertThat(calls.values()).noneMatch(CompletableFuture::isDone);

    // every request opened at A is approved at B and vice versa
    List<String[]> work = new ArrayList<>();
    for (var s : a.gate.pending()) {
      int index = Integer.parseInt(s.request().arguments().get(0).value().replaceAll("\\D", ""));
      String service = "svc-" + index;
      boolean openedAtA = index % 2 == 0;
      work.add(new String[] {s.request().id(), service, openedAtA ? "b" : "a"});
    }
    assertThat(work).hasSize(REQUESTS);
    Map<String, Long> votedAt = new ConcurrentHashMap<>();
    ExecutorService voters = Executors.newFixedThreadPool(4);
    long start = System.nanoTime();
    try {
      List<CompletableFuture<Void>> votes = new ArrayList<>();
      for (String[] w : work) {
        Node voteAt = w[2].equals("a") ? a : b;
        votes.add(CompletableFuture.runAsync(() -> {
          votedAt.put(w[1], System.nanoTime());
          if (!voteAt.gate.vote(w[0], Vote.approve(Reviewer.of("alice"), "ok", "load")).counted()) {
            throw new IllegalStateException("vote on " + w[0] + " was not counted");
          }
        }, voters));
      }
      CompletableFuture.allOf(votes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      voters.shutdownNow();
    }
    CompletableFuture.allOf(calls.values().toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    long wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    for (int i = 0; i < REQUESTS; i++) {
      String service = "svc-" + i;
      Node opener = i % 2 == 0 ? a : b;
      Node other = opener == a ? b : a;
      assertThat(opener.ops.runs(service)).as("runs of %s at its opener", service).isEqualTo(1);
      assertThat(other.ops.runs(service)).as("runs of %s at the voting instance", service).isZero();
    }
    assertThat(PostgresServer.queryString(url, "SELECT count(*) || '/' || count(DISTINCT request_id) FROM countersign_audit_event "
        + "WHERE type = 'EXECUTED'")).isEqualTo(REQUESTS + "/" + REQUESTS);
    assertThat(PostgresServer.queryString(url, "SELECT count(*) || '/' || count(DISTINCT request_id) FROM countersign_audit_event "
        + "WHERE type = 'DECIDED'")).isEqualTo(REQUESTS + "/" + REQUESTS);
    assertThat(PostgresAuditLog.verify(a.pool, "load-a", SIGNER.verificationKey()).status()).isEqualTo(Status.OPEN);
    assertThat(PostgresAuditLog.verify(b.pool, "load-b", SIGNER.verificationKey()).status()).isEqualTo(Status.OPEN);

    long[] micros = work.stream().mapToLong(w -> TimeUnit.NANOSECONDS.toMicros(completedAt.get(w[1]) - votedAt.get(w[1])))
        .sorted().toArray();
    String report = String.format(Locale.ROOT,
        "requests=%d pending-at-once=%d decided-at-other-instance=%d wall-ms=%d latency-ms p50=%.1f p90=%.1f p99=%.1f max=%.1f "
            + "audit-commits a=%d b=%d load-average=%s%n",
        REQUESTS, REQUESTS, work.size(), wallMillis, pct(micros, 50), pct(micros, 90), pct(micros, 99),
        micros[micros.length - 1] / 1000.0, a.sink.batches(), b.sink.batches(), loadAverage());
    System.out.print("CROSS-INSTANCE LOAD " + report);
    Files.writeString(Path.of("target", "cross-instance-load.txt"), report, StandardCharsets.UTF_8);
  }

  private static double pct(long[] sortedMicros, int p) {
    int index = (int) Math.ceil(p / 100.0 * sortedMicros.length) - 1;
    return sortedMicros[Math.max(0, index)] / 1000.0;
  }

  private static String loadAverage() {
    try {
      return Arrays.stream(Files.readString(Path.of("/proc/loadavg")).split(" ")).limit(3)
          .reduce((x, y) -> x + "," + y).orElse("?");
    } catch (Exception e) {
      return "unavailable";
    }
  }
}
