package io.countersign.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.countersign.ApprovalRejectedException;
import io.countersign.RequestState;
import io.countersign.VoteResult;
import io.countersign.VoteResult.Refusal;
import io.countersign.audit.EventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two gate instances, each with its own store and pool, sharing one real PostgreSQL database. */
@ExtendWith(PostgresServer.class)
class CrossInstanceIT {

  private String url;
  private final List<Instance> instances = new ArrayList<>();

  @BeforeEach
  void database() throws Exception {
    url = PostgresServer.newDatabase();
  }

  @AfterEach
  void closeInstances() {
    instances.forEach(Instance::close);
  }

  private Instance instance(java.util.function.Consumer<PostgresRequestStore.Builder> settings) {
    Instance i = new Instance(url, settings);
    instances.add(i);
    return i;
  }

  /** Polling slower than any test waits: only NOTIFY can complete a call promptly. */
  private Instance listeningOnly() {
    return instance(b -> b.pollInterval(Duration.ofMinutes(5)));
  }

  private static String awaitRequest(Instance i) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !i.requested.isEmpty());
    return i.requested.peek();
  }

  @Test
  void voteAtInstanceBCompletesTheCallWaitingAtInstanceAPromptly() {
    Instance a = listeningOnly();
    Instance b = listeningOnly();
    CompletableFuture<Object> call = a.callAsync("restart", "db");
    String id = awaitRequest(a);

    assertThat(b.approve(id, "alice").counted()).isTrue();

    await().atMost(Duration.ofSeconds(5)).until(call::isDone);
    assertThat(call).isCompleted();
    assertThat(a.ops.runs("db")).isEqualTo(1);
    assertThat(b.ops.runs("db")).isZero();
    assertThat(b.events(EventType.DECIDED, id)).singleElement().satisfies(e -> assertThat(e.text("outcome")).isEqualTo("APPROVED"));
    assertThat(a.events(EventType.EXECUTED, id)).hasSize(1);
  }

  @Test
  void denyAtInstanceBRejectsTheCallWaitingAtInstanceA() {
    Instance a = listeningOnly();
    Instance b = listeningOnly();
    CompletableFuture<Object> call = a.callAsync("restart", "cache");
    String id = awaitRequest(a);

    b.deny(id, "bob");

    await().atMost(Duration.ofSeconds(5)).until(call::isDone);
    assertThatThrownBy(call::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(ApprovalRejectedException.class);
    assertThat(a.ops.runs("cache")).isZero();
  }

  @Test
  void lostNotificationStillCompletesTheWaitingCallThroughPolling() {
    Instance a = instance(b -> b.listen(false).pollInterval(Duration.ofMillis(200)));
    Instance b = listeningOnly();
    CompletableFuture<Object> call = a.callAsync("restart", "queue");
    String id = awaitRequest(a);

    b.approve(id, "carol");

    await().atMost(Duration.ofSeconds(5)).until(call::isDone);
    assertThat(a.ops.runs("queue")).isEqualTo(1);
  }

  @Test
  @DisplayName("S03 the same reviewer approving at both instances is counted once")
  void s03_doubleVoteAcrossInstancesIsCountedOnce() {
    Instance a = listeningOnly();
    Instance b = listeningOnly();
    a.callAsync("purge", "orders");
    String id = awaitRequest(a);

    VoteResult first = a.approve(id, "alice");
    VoteResult second = b.approve(id, "alice");

    assertThat(first.counted()).isTrue();
    assertThat(second.refusal()).isEqualTo(Refusal.DUPLICATE);
    assertThat(b.gate.status(id)).get().satisfies(s -> {
      assertThat(s.state()).isEqualTo(RequestState.PENDING);
      assertThat(s.approvals()).isEqualTo(1);
    });
  }

  @Test
  @DisplayName("S03 the database itself refuses a second approval by one reviewer")
  void s03_databaseRefusesASecondApprovalByTheSameReviewer() throws Exception {
    Instance a = listeningOnly();
    a.callAsync("purge", "users");
    String id = awaitRequest(a);
    a.approve(id, "alice");

    assertThatThrownBy(() -> PostgresServer.sql(url, "INSERT INTO countersign_vote (request_id, reviewer_id, decision, voted_at) "
        + "VALUES ('" + id + "', 'alice', 'APPROVE', now())"))
        .hasMessageContaining("countersign_vote_one_approval");
  }

  @Test
  @DisplayName("S13 terminal states never change, even when written directly in the database")
  void s13_terminalStateIsImmutableInTheDatabase() throws Exception {
    Instance a = listeningOnly();
    CompletableFuture<Object> call = a.callAsync("restart", "api");
    String id = awaitRequest(a);
    a.deny(id, "bob");
    await().atMost(Duration.ofSeconds(5)).until(call::isDone);

    assertThatThrownBy(() -> PostgresServer.sql(url, "UPDATE countersign_request SET state = 'APPROVED' WHERE id = '" + id + "'"))
        .hasMessageContaining("terminal states never change");
    // the lifecycle value's counts and escalation are part of the terminal state too
    assertThatThrownBy(() -> PostgresServer.sql(url, "UPDATE countersign_request SET progress = '{5}' WHERE id = '" + id + "'"))
        .hasMessageContaining("terminal states never change");
    assertThatThrownBy(() -> PostgresServer.sql(url, "UPDATE countersign_request SET escalated = true WHERE id = '" + id + "'"))
        .hasMessageContaining("terminal states never change");
    assertThatThrownBy(() -> PostgresServer.sql(url, "INSERT INTO countersign_vote (request_id, reviewer_id, decision, voted_at) "
        + "VALUES ('" + id + "', 'carol', 'APPROVE', now())"))
        .hasMessageContaining("votes are counted only while pending");
    assertThat(a.approve(id, "carol").refusal()).isEqualTo(Refusal.ALREADY_DECIDED);
  }

  @Test
  @DisplayName("S14 approve at A and deny at B at the same moment give exactly one outcome, recorded once")
  void s14_concurrentApproveAndDenyFromBothInstancesGiveOneOutcome() throws Exception {
    Instance a = listeningOnly();
    Instance b = listeningOnly();
    ExecutorService voters = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 10; round++) {
        a.requested.clear();
        String service = "svc-" + round;
        CompletableFuture<Object> call = a.callAsync("restart", service);
        String id = awaitRequest(a);
        CountDownLatch start = new CountDownLatch(1);
        Future<VoteResult> approve = voters.submit(() -> {
          start.await();
          return a.approve(id, "alice");
        });
        Future<VoteResult> deny = voters.submit(() -> {
          start.await();
          return b.deny(id, "bob");
        });
        start.countDown();
        boolean approved = approve.get().counted();
        boolean denied = deny.get().counted();

        assertThat(approved ^ denied).as("exactly one vote decides round %d", round).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(call::isDone);
        assertThat(a.ops.runs(service)).isEqualTo(approved ? 1 : 0);
        long decided = a.events(EventType.DECIDED, id).size() + b.events(EventType.DECIDED, id).size();
        assertThat(decided).as("DECIDED events across both instances").isEqualTo(1);
      }
    } finally {
      voters.shutdownNow();
    }
  }

  @Test
  void pendingListsRequestsWaitingInEveryInstance() {
    Instance a = listeningOnly();
    Instance b = listeningOnly();
    a.callAsync("restart", "one");
    b.callAsync("restart", "two");
    awaitRequest(a);
    awaitRequest(b);

    assertThat(a.gate.pending()).hasSize(2);
    assertThat(b.gate.pending()).extracting(s -> s.request().id())
        .containsExactlyInAnyOrder(a.requested.peek(), b.requested.peek());
  }
}
