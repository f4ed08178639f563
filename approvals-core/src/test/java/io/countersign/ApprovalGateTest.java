package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditChains;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.VoteSink;
import io.countersign.spi.PolicyDecision;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The gate used directly, as any interceptor (aspect, Spring advice, proxy) uses it: the state
 * machine, races and policies. The woven end-to-end suite lives in approvals-aspectj.
 */
class ApprovalGateTest {

  static final Actor AGENT = Actor.agent("ops-agent", "alice");
  static final Reviewer BOB = Reviewer.of("bob", "sre-leads");
  static final Reviewer CAROL = Reviewer.of("carol", "sre-leads");

  /** The methods the tests guard; never called directly. */
  static class Ops {
    @RequiresApproval(approvers = "group:sre-leads", timeout = "PT10M", action = "Restart cluster")
    void restart(String cluster) {}

    @RequiresApproval(approvers = "group:sre-leads", policy = "env")
    void deploy(String env) {}

    @RequiresApproval(approvers = "group:sre-leads", policy = "broken")
    void broken() {}

    @RequiresApproval(policy = "nope")
    void unknownPolicy() {}

    @RequiresApproval(approvers = "group:sre-leads", policy = "no-digest")
    void noDigest() {}
  }

  final ManualTimeSource time = new ManualTimeSource();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final Ed25519Signer signer = Ed25519Signer.generate("test-key");
  final ExecutorService callers = Executors.newCachedThreadPool();
  InMemoryApprover approver = new InMemoryApprover();

  ApprovalGate gate() {
    return ApprovalGate.builder()
        .approver(approver)
        .auditSink(audit)
        .signer(signer)
        .timeSource(time)
        .policy("env", (inv, caller, rule) -> "staging".equals(inv.args()[0])
            ? PolicyDecision.allow("staging is free")
            : "moon".equals(inv.args()[0]) ? PolicyDecision.deny("no-moon", "nobody deploys to the moon")
            : PolicyDecision.require("prod needs review", rule))
        .policy("broken", (inv, caller, rule) -> {
          throw new IllegalStateException("policy store down");
        })
        .policy("no-digest", new io.countersign.spi.ApprovalPolicy() {
          @Override
          public PolicyDecision decide(Invocation inv, CallContext caller, ApprovalRequirement rule) {
            return PolicyDecision.require("always", rule);
          }

          @Override
          public String digest() {
            throw new IllegalStateException("digest store down");
          }
        })
        .build();
  }

  @AfterEach
  void verifyAuditTrail() {
    callers.shutdownNow();
    assertThat(AuditChains.verifies(audit.events(), signer.verificationKey())).isTrue();
  }

  static Invocation call(String method, Object... args) throws NoSuchMethodException {
    for (Method m : Ops.class.getDeclaredMethods()) {
      if (m.getName().equals(method)) {
        return Invocation.of(m, new Ops(), args);
      }
    }
    throw new NoSuchMethodException(method);
  }

  /** Calls the gate, passing on exceptions and errors (the body never throws a checked Throwable here). */
  static Object guard(ApprovalGate gate, Invocation invocation, ApprovalGate.Proceed proceed) throws Exception {
    try {
      return gate.guard(invocation, proceed);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  /** Starts a guarded call as the agent on another thread; the future holds the body's run count. */
  Future<Object> callAsAgent(ApprovalGate gate, Invocation invocation, AtomicInteger runs) {
    return callers.submit(() -> ActorContext.runAs(AGENT, "ticket OPS-1",
        () -> guard(gate, invocation, () -> runs.incrementAndGet())));
  }

  @Test
  void allowedByPolicyRunsWithoutRequest() throws Throwable {
    ApprovalGate gate = gate();
    Object result = ActorContext.runAs(AGENT, "x", () -> guard(gate, call("deploy", "staging"), () -> "ran"));
    assertThat(result).isEqualTo("ran");
    assertThat(approver.pending()).isEmpty();
    assertThat(audit.events()).isEmpty();
  }

  @Test
  void deniedByPolicyNeverRunsAndIsRecorded() {
    ApprovalGate gate = gate();
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> ActorContext.runAs(AGENT, "x", () -> guard(gate, call("deploy", "moon"), runs::incrementAndGet)))
        .isInstanceOf(ApprovalRejectedException.class)
        .hasMessageContaining("nobody deploys to the moon");
    assertThat(runs).hasValue(0);
    assertThat(audit.events()).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(EventType.DECIDED);
      assertThat(e.text("outcome")).isEqualTo("REJECTED");
    });
  }

  @Test
  @DisplayName("S24 a policy that throws denies the call (fail closed)")
  void deniedWhenPolicyThrows() {
    ApprovalGate gate = gate();
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> ActorContext.runAs(AGENT, "x", () -> guard(gate, call("broken"), runs::incrementAndGet)))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("Policy 'broken' failed");
    assertThat(runs).hasValue(0);
  }

  @Test
  @DisplayName("S24 a policy whose digest fails denies the call (fail closed)")
  void deniedWhenPolicyDigestThrows() {
    ApprovalGate gate = gate();
    AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(() -> ActorContext.runAs(AGENT, "x", () -> guard(gate, call("noDigest"), runs::incrementAndGet)))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("Policy 'no-digest' failed");
    assertThat(runs).hasValue(0);
  }

  @Test
  void unknownPolicyFailsAtStartup() {
    assertThatThrownBy(() -> ApprovalGate.builder().approver(approver).auditSink(audit).checkGuarded(Ops.class).build())
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("Ops#unknownPolicy")
        .hasMessageContaining("unknown policy 'nope'");
  }

  @Test
  void builderRefusesSettingTwice() {
    assertThatThrownBy(() -> ApprovalGate.builder().approver(approver).approver(approver))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("approver was already set to");
  }

  @Test
  void builderRequiresAuditSink() {
    assertThatThrownBy(() -> ApprovalGate.builder().approver(approver).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("an audit sink is required");
  }

  @Test
  void requestShowsWhoWhatWhyAndDeadline() throws Exception {
    ApprovalGate gate = gate();
    Future<Object> call = callAsAgent(gate, call("restart", "eu-1"), new AtomicInteger());
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    assertThat(request.action()).isEqualTo("Restart cluster");
    assertThat(request.method()).isEqualTo(Ops.class.getName() + "#restart");
    assertThat(request.actor()).isEqualTo(AGENT);
    assertThat(request.justification()).isEqualTo("ticket OPS-1");
    assertThat(request.arguments()).singleElement().isEqualTo(new Argument("cluster", "String", "\"eu-1\"", false));
    assertThat(request.deadline()).isEqualTo(time.now().plus(Duration.ofMinutes(10)));
    assertThat(gate.pending()).extracting(s -> s.request().id()).containsExactly(request.id());
    approver.approve(request.id(), BOB, "ok");
    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(1);
  }

  @Test
  @DisplayName("S09 a decision sink is bound to its request: it cannot vote on another one")
  void sinkOfOneRequestCannotDecideAnother() throws Exception {
    List<VoteSink> sinks = new ArrayList<>();
    approver = new InMemoryApprover();
    ApprovalGate gate = ApprovalGate.builder()
        .approver((request, votes) -> {
          sinks.add(votes);
          approver.request(request, votes);
        })
        .auditSink(audit).signer(signer).timeSource(time).build();
    AtomicInteger runsA = new AtomicInteger();
    AtomicInteger runsB = new AtomicInteger();
    Future<Object> a = callAsAgent(gate, call("restart", "a"), runsA);
    ApprovalRequest requestA = approver.awaitRequest(Duration.ofSeconds(10));
    approver.deny(requestA.id(), BOB, "no");
    assertThatThrownBy(() -> a.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalRejectedException.class);
    Future<Object> b = callAsAgent(gate, call("restart", "b"), runsB);
    ApprovalRequest requestB = approver.awaitRequest(Duration.ofSeconds(10));

    VoteResult replayed = sinks.get(0).vote(Vote.approve(CAROL, "meant for B", "in-memory"));

    assertThat(replayed.refusal()).isEqualTo(VoteResult.Refusal.ALREADY_DECIDED);
    assertThat(gate.status(requestB.id()).orElseThrow().approvals()).isZero();
    assertThat(gate.vote("no-such-id", Vote.approve(CAROL, null, "http")).refusal())
        .isEqualTo(VoteResult.Refusal.UNKNOWN_REQUEST);
    approver.approve(requestB.id(), CAROL, "ok");
    assertThat(b.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(runsA).hasValue(0);
  }

  @Test
  @DisplayName("S11 an approval authorizes one call: the same call again needs a new approval")
  void approvalIsSingleUse() throws Exception {
    ApprovalGate gate = gate();
    AtomicInteger runs = new AtomicInteger();
    Future<Object> first = callAsAgent(gate, call("restart", "eu-1"), runs);
    approver.approve(approver.awaitRequest(Duration.ofSeconds(10)).id(), BOB, "ok");
    first.get(10, TimeUnit.SECONDS);

    Future<Object> second = callAsAgent(gate, call("restart", "eu-1"), runs);
    ApprovalRequest again = approver.awaitRequest(Duration.ofSeconds(10));
    assertThat(runs).hasValue(1);
    approver.deny(again.id(), BOB, "once is enough");
    assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalRejectedException.class);
    assertThat(runs).hasValue(1);
  }

  @Test
  @DisplayName("S06 a reviewer no longer in the eligible group when voting is refused")
  void reviewerRemovedFromGroupIsRefused() throws Exception {
    ApprovalGate gate = gate();
    Future<Object> call = callAsAgent(gate, call("restart", "eu-1"), new AtomicInteger());
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    Reviewer bobAfterLeaving = Reviewer.of("bob", "marketing");
    assertThat(approver.approve(request.id(), bobAfterLeaving, "ok").refusal()).isEqualTo(VoteResult.Refusal.NOT_ELIGIBLE);
    time.advance(Duration.ofMinutes(10));
    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalExpiredException.class);
  }

  @Test
  @DisplayName("S14 approve and deny at the same instant: exactly one outcome, recorded once")
  void approveDenyRaceHasOneOutcome() throws Exception {
    approver = new InMemoryApprover();
    ApprovalGate gate = gate();
    for (int i = 0; i < 100; i++) {
      AtomicInteger runs = new AtomicInteger();
      Future<Object> call = callAsAgent(gate, call("restart", "c" + i), runs);
      ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
      CountDownLatch start = new CountDownLatch(1);
      Future<VoteResult> yes = callers.submit(() -> {
        start.await();
        return approver.approve(request.id(), BOB, "go");
      });
      Future<VoteResult> no = callers.submit(() -> {
        start.await();
        return approver.deny(request.id(), CAROL, "stop");
      });
      start.countDown();
      VoteResult y = yes.get(10, TimeUnit.SECONDS);
      VoteResult n = no.get(10, TimeUnit.SECONDS);
      assertThat(y.counted() && n.counted()).as("both votes counted for one request").isFalse();
      RequestState outcome = gate.status(request.id()).orElseThrow().state();
      try {
        call.get(10, TimeUnit.SECONDS);
        assertThat(outcome).isEqualTo(RequestState.APPROVED);
        assertThat(runs).hasValue(1);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(outcome).isEqualTo(RequestState.REJECTED);
        assertThat(runs).hasValue(0);
      }
      long decided = audit.events(request.id()).stream().filter(e -> e.type() == EventType.DECIDED).count();
      assertThat(decided).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("S15 the deadline fires as the last approval arrives: one outcome, body at most once")
  void deadlineApprovalRaceHasOneOutcome() throws Exception {
    ApprovalGate gate = gate();
    for (int i = 0; i < 100; i++) {
      AtomicInteger runs = new AtomicInteger();
      Future<Object> call = callAsAgent(gate, call("restart", "d" + i), runs);
      ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
      CountDownLatch start = new CountDownLatch(1);
      Future<VoteResult> vote = callers.submit(() -> {
        start.await();
        return approver.approve(request.id(), BOB, "just in time?");
      });
      Future<?> tick = callers.submit(() -> {
        start.await();
        time.advance(Duration.ofMinutes(10));
        return null;
      });
      start.countDown();
      VoteResult result = vote.get(10, TimeUnit.SECONDS);
      tick.get(10, TimeUnit.SECONDS);
      RequestState outcome = gate.status(request.id()).orElseThrow().state();
      assertThat(outcome).isIn(RequestState.APPROVED, RequestState.EXPIRED);
      assertThat(result.counted()).isEqualTo(outcome == RequestState.APPROVED);
      try {
        call.get(10, TimeUnit.SECONDS);
        assertThat(runs).hasValue(1);
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(ApprovalExpiredException.class);
        assertThat(runs).hasValue(0);
      }
      assertThat(audit.events(request.id()).stream().filter(e -> e.type() == EventType.DECIDED)).hasSize(1);
    }
  }

  @Test
  void asyncCallerIsNotBlockedAndGetsTheBodysResult() throws Exception {
    ApprovalGate gate = gate();
    CompletableFuture<String> result = ActorContext.runAs(AGENT, "x",
        () -> gate.guardAsync(call("restart", "eu-1"), () -> CompletableFuture.completedFuture("restarted")));
    assertThat(result).isNotDone();
    approver.approve(approver.awaitRequest(Duration.ofSeconds(1)).id(), BOB, "ok");
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("restarted");
    List<EventType> types = audit.events().stream().map(AuditEvent::type).toList();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> audit.events().stream().anyMatch(e -> e.type() == EventType.EXECUTED));
    assertThat(types).startsWith(EventType.REQUESTED, EventType.VOTE, EventType.DECIDED);
  }

  @Test
  void cancellingTheAsyncResultCancelsTheRequest() throws Exception {
    ApprovalGate gate = gate();
    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<Integer> result = ActorContext.runAs(AGENT, "x",
        () -> gate.guardAsync(call("restart", "eu-1"), () -> CompletableFuture.completedFuture(runs.incrementAndGet())));
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(1));
    result.cancel(true);
    assertThat(gate.status(request.id()).orElseThrow().state()).isEqualTo(RequestState.CANCELLED);
    assertThat(approver.approve(request.id(), BOB, "late").refusal()).isEqualTo(VoteResult.Refusal.ALREADY_DECIDED);
    assertThat(runs).hasValue(0);
  }

  @Test
  void closingTheGateCancelsPendingRequests() throws Exception {
    ApprovalGate gate = gate();
    AtomicInteger runs = new AtomicInteger();
    Future<Object> call = callAsAgent(gate, call("restart", "eu-1"), runs);
    approver.awaitRequest(Duration.ofSeconds(10));
    gate.close();
    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalCancelledException.class);
    assertThatThrownBy(() -> ActorContext.runAs(AGENT, "x", () -> guard(gate, call("restart", "x"), runs::incrementAndGet)))
        .isInstanceOf(ApprovalUnavailableException.class).hasMessageContaining("closed");
    assertThat(runs).hasValue(0);
  }

  @Test
  void listenersSeeRequestsAndDecisions() throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    ApprovalGate gate = ApprovalGate.builder().approver(approver).auditSink(audit).signer(signer).timeSource(time)
        .listener(new io.countersign.spi.GateListener() {
          @Override
          public void requested(ApprovalRequest request) {
            seen.add("requested " + request.action());
          }

          @Override
          public void decided(ApprovalStatus status) {
            seen.add("decided " + status.state() + " after " + java.time.Duration.between(status.request().createdAt(), status.decidedAt()));
          }
        })
        .listener(new io.countersign.spi.GateListener() {
          @Override
          public void requested(ApprovalRequest request) {
            throw new IllegalStateException("a broken listener changes nothing");
          }
        })
        .build();
    Future<Object> call = callAsAgent(gate, call("restart", "eu-1"), new AtomicInteger());
    ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
    time.advance(Duration.ofMinutes(3));
    approver.approve(request.id(), BOB, "ok");
    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(seen).containsExactly("requested Restart cluster", "decided APPROVED after PT3M");
  }
}
