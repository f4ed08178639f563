package io.countersign.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.countersign.RequestState;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.RequestStore.ExecutionState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
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
}
