package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.RequiresApproval;
import io.countersign.VoteResult;
import io.countersign.audit.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Woven calls decided from other threads, racing: one outcome per request, at most one run per approval. */
class ConcurrencyTest extends WovenGateFixture {

  private static final int RACES = 200;
  private static final int CONCURRENT_CALLS = 200;

  private final ExecutorService reviewers = Executors.newFixedThreadPool(8);

  @AfterEach
  void stopReviewers() throws InterruptedException {
    reviewers.shutdown();
    assertThat(reviewers.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
  }

  /** A service whose one guarded method counts its runs per call, so each request's body can be counted. */
  static final class Jobs {
    final List<AtomicInteger> runs = new ArrayList<>();

    Jobs(int calls) {
      for (int i = 0; i < calls; i++) {
        runs.add(new AtomicInteger());
      }
    }

    @RequiresApproval(approvers = "group:sre-leads", action = "Run maintenance job")
    public int run(int job) {
      return runs.get(job).incrementAndGet();
    }
  }

  @Test
  @DisplayName("S14 approve and deny at the same instant: exactly one outcome, recorded once, body runs at most once")
  void approveAndDenyRacingGiveExactlyOneOutcome() throws Exception {
    Jobs jobs = new Jobs(RACES);
    int approvedRaces = 0;
    for (int i = 0; i < RACES; i++) {
      int job = i;
      Call<Integer> call = callAs(AGENT, () -> jobs.run(job));
      ApprovalRequest request = nextRequest();
      CountDownLatch start = new CountDownLatch(1);
      CompletableFuture<VoteResult> approve = onReviewerThread(start, () -> approver.approve(request.id(), BOB, "go"));
      CompletableFuture<VoteResult> deny = onReviewerThread(start, () -> approver.deny(request.id(), CAROL, "stop"));

      start.countDown();

      boolean approved = approve.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).counted();
      boolean denied = deny.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).counted();
      assertThat(approved).as("race %d: exactly one vote counted", i).isNotEqualTo(denied);
      if (approved) {
        approvedRaces++;
        assertThat(call.result()).succeedsWithin(WAIT).isEqualTo(1);
      } else {
        failure(call.result(), ApprovalRejectedException.class);
      }
      assertThat(jobs.runs.get(job)).as("race %d: body runs", i).hasValue(approved ? 1 : 0);
      assertThat(events(request.id(), EventType.DECIDED)).as("race %d: DECIDED events", i).hasSize(1);
    }
    assertThat(jobs.runs).filteredOn(r -> r.get() == 1).hasSize(approvedRaces);
  }

  @Test
  @DisplayName("S17 200 concurrent woven calls decided from other threads: each body runs exactly once per approval")
  void concurrentCallsEachRunExactlyOncePerApproval() throws Exception {
    Jobs jobs = new Jobs(CONCURRENT_CALLS);
    List<Call<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
      int job = i;
      // one actor per caller: a single actor would (rightly) hit the per-actor pending limit
      calls.add(callAs(Actor.agent("agent-" + i, "alice"), () -> jobs.run(job)));
    }
    List<CompletableFuture<VoteResult>> votes = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
      ApprovalRequest request = nextRequest();
      int job = Integer.parseInt(request.arguments().get(0).value());
      votes.add(onReviewerThread(start, () -> job % 4 == 3
          ? approver.deny(request.id(), CAROL, "not this one")
          : approver.approve(request.id(), BOB, "go")));
    }

    start.countDown();

    for (CompletableFuture<VoteResult> vote : votes) {
      assertThat(vote.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).counted()).isTrue();
    }
    for (int job = 0; job < CONCURRENT_CALLS; job++) {
      if (job % 4 == 3) {
        failure(calls.get(job).result(), ApprovalRejectedException.class);
        assertThat(jobs.runs.get(job)).as("denied job %d", job).hasValue(0);
      } else {
        assertThat(calls.get(job).result()).succeedsWithin(WAIT).isEqualTo(1);
        assertThat(jobs.runs.get(job)).as("approved job %d", job).hasValue(1);
      }
    }
    assertThat(audit.events()).filteredOn(e -> e.type() == EventType.EXECUTED).hasSize(CONCURRENT_CALLS * 3 / 4);
  }

  private <T> CompletableFuture<T> onReviewerThread(CountDownLatch start, Supplier<T> vote) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        start.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return vote.get();
    }, reviewers);
  }
}
