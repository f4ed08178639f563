package io.countersign.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.countersign.ApprovalStatus;
import io.countersign.ApprovalUnavailableException;
import io.countersign.RequestState;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.GateListener;
import io.countersign.spi.RequestStore.ExecutionState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Restart semantics with real process deaths: the dying instance is a child JVM killed with
 * {@code destroyForcibly()} (SIGKILL), so it cannot clean up, answer, or heartbeat again — the
 * faithful version of {@code kill -9}, which an executor thread abandoning its lease in the same JVM
 * would only imitate (its heartbeat would keep the lease alive).
 */
@ExtendWith(PostgresServer.class)
class RestartIT {

  private String url;
  private final List<Instance> instances = new ArrayList<>();
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void database() throws Exception {
    url = PostgresServer.newDatabase();
  }

  @AfterEach
  void cleanUp() {
    children.forEach(Process::destroyForcibly);
    instances.forEach(Instance::close);
  }

  private Instance instance(boolean runsDeferred) {
    Instance i = Instance.fast(url, runsDeferred);
    instances.add(i);
    return i;
  }

  /** Starts a child instance and returns the request id it reports on the line starting with {@code prefix}. */
  private String child(String prefix, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), ChildInstance.class.getName(), url));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    children.add(p);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (Exception e) {
        // the child was killed
      }
    });
    reader.setDaemon(true);
    reader.start();
    childLines.put(p, lines);
    return awaitLine(p, prefix).substring(prefix.length() + 1);
  }

  private final java.util.Map<Process, BlockingQueue<String>> childLines = new java.util.concurrent.ConcurrentHashMap<>();

  private String awaitLine(Process p, String prefix) throws InterruptedException {
    BlockingQueue<String> lines = childLines.get(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<String> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        break;
      }
      if (line.startsWith(prefix + " ")) {
        return line;
      }
      seen.add(line);
    }
    throw new AssertionError("child never printed '" + prefix + "'; it printed: " + seen);
  }

  private static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  @DisplayName("S27 a caller process killed while pending leaves its request ABANDONED, recorded, and a later vote is refused")
  void s27_callerKilledWhilePendingLeavesTheRequestAbandoned() throws Exception {
    Instance survivor = instance(false);
    String id = child("PENDING", "wait", "billing");
    assertThat(survivor.gate.status(id)).get().extracting(s -> s.state()).isEqualTo(RequestState.PENDING);

    kill(children.get(0));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(survivor.gate.status(id)).get().extracting(s -> s.state()).isEqualTo(RequestState.ABANDONED));
    assertThat(survivor.events(EventType.DECIDED, id)).singleElement()
        .satisfies(e -> assertThat(e.text("outcome")).isEqualTo("ABANDONED"));
    var late = survivor.approve(id, "alice");
    assertThat(late.refusal()).isEqualTo(Refusal.ABANDONED);
    assertThat(late.message()).contains("abandoned").contains("no heartbeat");
  }

  @Test
  @DisplayName("S27 a deferred request outlives the process that made it and runs once after approval elsewhere")
  void s27_deferredRequestIsApprovedAndExecutedAfterItsCallerDied() throws Exception {
    String id = child("DEFERRED", "defer", "job-restart");
    kill(children.get(0));
    Instance b = instance(true);

    assertThat(b.approve(id, "alice").counted()).isTrue();

    await().atMost(Duration.ofSeconds(10)).until(() -> b.store.executionState(id).orElse(null) == ExecutionState.EXECUTED);
    assertThat(b.ops.runs("job-restart")).isEqualTo(1);
    assertThat(b.gate.status(id)).get().extracting(s -> s.state()).isEqualTo(RequestState.APPROVED);
    assertThat(b.events(EventType.EXECUTED, id)).hasSize(1);
  }

  @Test
  @DisplayName("S11 S17 deferred invocations approved at both instances run exactly once across two racing executors")
  void s17_deferredInvocationsRunExactlyOnceAcrossTwoInstances() {
    Instance a = instance(true);
    Instance b = instance(true);
    int n = 30;
    for (int i = 0; i < n; i++) {
      assertThat(a.call("rotateKeys", "job-" + i)).isNull();
    }
    List<String> ids = List.copyOf(a.requested);
    assertThat(ids).hasSize(n);
    assertThat(a.ops.runs.values()).isEmpty();

    for (int i = 0; i < n; i++) {
      (i % 2 == 0 ? a : b).approve(ids.get(i), i % 3 == 0 ? "alice" : "bob");
    }

    await().atMost(Duration.ofSeconds(20)).until(() ->
        ids.stream().allMatch(id -> a.store.executionState(id).orElse(null) == ExecutionState.EXECUTED));
    for (int i = 0; i < n; i++) {
      assertThat(a.ops.runs("job-" + i) + b.ops.runs("job-" + i)).as("runs of job-%d", i).isEqualTo(1);
    }
    long executed = ids.stream().mapToLong(id -> a.events(EventType.EXECUTED, id).size() + b.events(EventType.EXECUTED, id).size()).sum();
    assertThat(executed).isEqualTo(n);
  }

  @Test
  @DisplayName("S27 an executor killed mid-run leaves OUTCOME_UNKNOWN, recorded, and the invocation never runs again")
  void s27_executorKilledMidRunLeavesOutcomeUnknown() throws Exception {
    Instance voter = instance(false);
    Process executor;
    String id = child("DEFERRED", "execute", "job-midrun");
    executor = children.get(0);

    voter.approve(id, "bob");
    awaitLine(executor, "RUNNING");
    assertThat(voter.store.executionState(id)).contains(ExecutionState.RUNNING);
    kill(executor);

    await().atMost(Duration.ofSeconds(10)).until(() -> voter.store.executionState(id).orElse(null) == ExecutionState.OUTCOME_UNKNOWN);
    assertThat(voter.audit.events(id)).filteredOn(e -> e.type() == EventType.FAILED).singleElement()
        .satisfies(e -> assertThat(e.text("outcome")).isEqualTo("OUTCOME_UNKNOWN"));
    Instance standby = instance(true);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> standby.ops.runs("job-midrun") == 0 && voter.store.executionState(id).orElse(null) == ExecutionState.OUTCOME_UNKNOWN);
  }

  @Test
  @DisplayName("S27 a caller process killed after approval but before running its call: recorded as never run, and nobody runs it later")
  void s27_callerKilledAfterApprovalBeforeExecutionIsRecordedAsNeverRun() throws Exception {
    Instance survivor = instance(true);
    String id = child("PENDING", "decided", "payroll");
    Process caller = children.get(0);

    assertThat(survivor.approve(id, "alice").counted()).isTrue();
    awaitLine(caller, "DECIDED");
    kill(caller);

    await().atMost(Duration.ofSeconds(10)).until(() -> survivor.store.executionState(id).orElse(null) == ExecutionState.FAILED);
    assertThat(survivor.audit.events(id)).filteredOn(e -> e.type() == EventType.FAILED).singleElement()
        .satisfies(e -> assertThat(e.text("reason")).contains("approved, but the instance").contains("never ran"));
    assertThat(survivor.gate.status(id)).get().extracting(s -> s.state()).isEqualTo(RequestState.APPROVED);
    assertThat(survivor.approve(id, "bob").refusal()).isEqualTo(Refusal.ALREADY_DECIDED);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> survivor.ops.runs("payroll") == 0
        && survivor.audit.events(id).stream().filter(e -> e.type() == EventType.FAILED).count() == 1);
    assertThat(survivor.events(EventType.EXECUTED, id)).isEmpty();
  }

  @Test
  @DisplayName("S27 a deferred request approved by an instance that is then killed is executed exactly once by the others")
  void s27_deferredRequestApprovedByAKilledInstanceRunsOnceElsewhere() throws Exception {
    String id = child("APPROVED", "approve-deferred", "job-after-approval");
    kill(children.get(0));
    assertThat(PostgresServer.queryString(url, "SELECT exec_state FROM countersign_request WHERE id = '" + id + "'"))
        .as("approved, not yet claimed").isEqualTo("WAITING");
    Instance b = instance(true);
    Instance c = instance(true);

    await().atMost(Duration.ofSeconds(10)).until(() -> b.store.executionState(id).orElse(null) == ExecutionState.EXECUTED);
    assertThat(b.ops.runs("job-after-approval") + c.ops.runs("job-after-approval")).isEqualTo(1);
    assertThat(b.events(EventType.EXECUTED, id).size() + c.events(EventType.EXECUTED, id).size()).isEqualTo(1);
  }

  @Test
  @DisplayName("S27 a caller process killed while running its approved call leaves OUTCOME_UNKNOWN, recorded")
  void s27_callerKilledDuringASynchronousCallLeavesOutcomeUnknown() throws Exception {
    Instance survivor = instance(false);
    String id = child("PENDING", "run-sync", "schema-7");
    Process caller = children.get(0);

    survivor.approve(id, "carol");
    awaitLine(caller, "RUNNING");
    assertThat(survivor.store.executionState(id)).contains(ExecutionState.RUNNING);
    kill(caller);

    await().atMost(Duration.ofSeconds(10)).until(() -> survivor.store.executionState(id).orElse(null) == ExecutionState.OUTCOME_UNKNOWN);
    assertThat(survivor.audit.events(id)).filteredOn(e -> e.type() == EventType.FAILED).singleElement()
        .satisfies(e -> assertThat(e.text("outcome")).isEqualTo("OUTCOME_UNKNOWN"));
  }

  @Test
  @DisplayName("S27 an instance that was only paused finds its approval recorded as never run and does not run the call")
  void s27_pausedOwnerIsFencedOutAfterItsApprovalWasRecordedAsNeverRun() throws Exception {
    CountDownLatch frozen = new CountDownLatch(1);
    CountDownLatch thaw = new CountDownLatch(1);
    // heartbeats a minute apart: to the other instance (staleAfter 1 s) it soon looks dead, as after a long GC pause
    Instance paused = new Instance(url, b -> b.heartbeatInterval(Duration.ofMinutes(1)).staleAfter(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200)), false, gb -> gb.listener(new GateListener() {
          @Override
          public void decided(ApprovalStatus status) {
            frozen.countDown();
            try {
              thaw.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }));
    instances.add(paused);
    CompletableFuture<Object> call = paused.callAsync("restart", "ledger");
    await().atMost(Duration.ofSeconds(10)).until(() -> !paused.requested.isEmpty());
    String id = paused.requested.peek();
    CompletableFuture.runAsync(() -> paused.approve(id, "alice"));
    assertThat(frozen.await(10, TimeUnit.SECONDS)).isTrue();

    Instance other = instance(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> other.store.executionState(id).orElse(null) == ExecutionState.FAILED);
    thaw.countDown();

    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalUnavailableException.class)
        .cause().hasMessageContaining("did not record its start").hasMessageContaining("never ran");
    assertThat(paused.ops.runs("ledger")).isZero();
    assertThat(paused.audit.events(id)).filteredOn(e -> e.type() == EventType.FAILED).singleElement()
        .satisfies(e -> assertThat(e.text("reason")).contains("request store did not record its start"));
  }
}
