package io.countersign.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.countersign.Actor;
import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Countersign;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.RequestState;
import io.countersign.RequiresApproval;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.policy.Policy;
import io.countersign.ApprovalRequirement;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.opentest4j.AssertionFailedError;

class TestGateTest {

  /** A guarded service; tests here call the gate directly (nothing is woven in this module). */
  public static class Vault {
    @RequiresApproval(approvers = "group:vault-admins", quorum = 1, timeout = "PT15M")
    public String open(String door) {
      return "opened " + door;
    }

    @RequiresApproval(policy = "vault")
    public String seal(String door) {
      return "sealed " + door;
    }
  }

  static Object call(ApprovalGate gate, String method, String door) throws Throwable {
    Method m = Vault.class.getMethod(method, String.class);
    Invocation inv = Invocation.of(m, new Vault(), new Object[] {door});
    return gate.guard(inv, () -> m.invoke(inv.target(), inv.args()));
  }

  private static TestGate standalone() {
    return TestGate.builder().install(false).policy("vault", Policy.builder("vault").rule("all")
        .require(ApprovalRequirement.builder().approvers("group:vault-admins").timeout(Duration.ofMinutes(5))).build()).build();
  }

  @Test
  void noAnswerExpiresTheRequestAtOnceOnTheFakeClockWithoutWaiting() {
    try (TestGate gate = standalone()) {
      gate.approver().noAnswer();
      CallOutcome<Object> outcome = gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "front"));
      outcome.deniedWith(ApprovalExpiredException.class);
      // the fake clock stands at the deadline: nothing waited in real time (no real timer exists to end a wait)
      assertThat(gate.clock().now()).isEqualTo(Instant.parse("2026-01-01T00:15:00Z"));
      gate.audit().chainVerifies().eventTypes(EventType.REQUESTED, EventType.DECIDED).lastRequest().expired();
    }
  }

  @Test
  void scriptedVotesAfterADelayMoveTheFakeClock() {
    try (TestGate gate = standalone()) {
      gate.approver().member("vic", "vault-admins").after(Duration.ofMinutes(3)).approveAs("vic");
      assertThat(gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "seal", "front")).value()).isEqualTo("sealed front");
      assertThat(gate.clock().now()).isEqualTo(Instant.parse("2026-01-01T00:03:00Z"));
      gate.audit().lastRequest().wasApproved().reviewers("vic").policy("vault", "all").executed();
    }
  }

  @Test
  void holdLeavesRequestsPendingForManualVotes() throws Exception {
    try (TestGate gate = standalone()) {
      gate.approver().member("vic", "vault-admins").hold();
      Method m = Vault.class.getMethod("open", String.class);
      Invocation inv = Invocation.of(m, new Vault(), new Object[] {"back"});
      CompletableFuture<String> result = io.countersign.ActorContext.runAs(io.countersign.CallContext.of(Actor.human("carol")),
          () -> gate.gate().guardAsync(inv, () -> CompletableFuture.completedFuture("opened back")));
      assertThat(result).isNotDone();
      String id = gate.approver().lastRequest().orElseThrow().id();
      assertThat(gate.approver().approveNow(id, "vic").counted()).isTrue();
      assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("opened back");
    }
  }

  @Test
  void auditAssertionsExplainWhatWasRecordedWhenTheyFail() {
    try (TestGate gate = standalone()) {
      gate.approver().noAnswer();
      gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "front"));
      assertThatThrownBy(() -> gate.audit().lastRequest().wasApproved())
          .isInstanceOf(AssertionFailedError.class)
          .hasMessageStartingWith("request ").hasMessageContaining("was decided EXPIRED (no decision within PT15M), not APPROVED");
      assertThatThrownBy(() -> gate.audit().noRequestOpened()).hasMessageStartingWith("expected no approval request, but 1 were opened");
      assertThatThrownBy(() -> new AuditAssert(gate.auditSink().events(), Ed25519Signer.generate("test-key").verificationKey()).chainVerifies())
          .isInstanceOf(AssertionFailedError.class).hasMessageStartingWith("expected the audit chain to verify, but:");
      assertThatThrownBy(() -> gate.audit().lastRequest().reviewers("vic"))
          .hasMessageContaining("unexpected counted reviewers");
      assertThatThrownBy(() -> gate.callAs(Actor.human("carol"), () -> "ran").deniedWith(ApprovalExpiredException.class))
          .hasMessageStartingWith("expected the guarded call to be denied with ApprovalExpiredException, but it ran and returned ran\n");
    }
  }

  @Test
  void everyAssertionFailureListsTheRecordedEvents() {
    try (TestGate gate = standalone()) {
      gate.approver().member("vic", "vault-admins").member("carol", "vault-admins").approveAs("carol").approveAs("vic");
      gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "front")).ranOrFail();
      String id = gate.approver().lastRequest().orElseThrow().id();
      String recorded = "\nrecorded audit events (5):"
          + "\n  #1 REQUESTED request=" + id + " policy=annotation/" + Vault.class.getName() + "#open"
          + "\n  #2 VOTE request=" + id + " vote=carol APPROVE refused SELF_APPROVAL"
          + "\n  #3 VOTE request=" + id + " vote=vic APPROVE counted"
          + "\n  #4 DECIDED request=" + id + " outcome='APPROVED' reason='approved by vic'";
      assertThatThrownBy(() -> gate.audit().eventTypes(EventType.REQUESTED, EventType.DECIDED))
          .hasMessageStartingWith("unexpected audit event types: expected [REQUESTED, DECIDED] but was [REQUESTED, VOTE, VOTE, DECIDED, EXECUTED]")
          .hasMessageContaining(recorded).hasMessageContaining("\n  #5 EXECUTED request=" + id);
      assertThatThrownBy(() -> gate.audit().lastRequest().reviewers("carol")).hasMessageContaining(recorded);
      assertThatThrownBy(() -> gate.audit().lastRequest().refusedVotesFrom()).hasMessageContaining(recorded);
      assertThatThrownBy(() -> gate.audit().lastRequest().notExecuted()).hasMessageContaining(recorded);
      assertThatThrownBy(() -> gate.audit().isEmpty()).hasMessageContaining(recorded);
      assertThatThrownBy(() -> gate.callAs(Actor.human("carol"), () -> "ran").deniedWith(ApprovalExpiredException.class))
          .hasMessageContaining(recorded);
    }
  }

  @Test
  void noAnswerAfterScriptedVotesIsAnErrorInsteadOfDroppingThem() {
    try (TestGate gate = standalone()) {
      ScriptedApprover approver = gate.approver().member("fiona", "vault-admins").approveAs("fiona");
      assertThatThrownBy(approver::noAnswer).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("noAnswer() after a script of [approve by fiona] would drop those steps.");
      assertThatThrownBy(approver::hold).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("hold() after a script of [approve by fiona] would drop those steps.");
      // the script is unchanged: fiona's vote is still cast
      gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "front")).ranOrFail();
      gate.audit().lastRequest().wasApproved().reviewers("fiona");
    }
  }

  @Test
  void aVoteScriptedAfterHoldIsAnError() {
    try (TestGate gate = standalone()) {
      ScriptedApprover approver = gate.approver().member("vic", "vault-admins").hold();
      assertThatThrownBy(() -> approver.approveAs("vic")).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("approve by vic after hold() would never run");
      assertThatThrownBy(() -> approver.after(Duration.ofMinutes(1))).isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("after(PT1M) after hold() would never run");
    }
  }

  @Test
  void resetStartsANewScriptForTheNextCalls() {
    try (TestGate gate = standalone()) {
      ScriptedApprover approver = gate.approver().member("vic", "vault-admins").approveAs("vic");
      gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "front")).ranOrFail();
      approver.reset().noAnswer();
      gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "back")).deniedWith(ApprovalExpiredException.class);
      gate.audit().lastRequest().expired();
    }
  }

  @Test
  void afterWithNoVoteAfterItDeniesTheCallAndFailsTheTestOnClose() {
    TestGate gate = standalone();
    gate.approver().member("vic", "vault-admins").approveAs("vic").after(Duration.ofMinutes(5));
    gate.callAs(Actor.human("carol"), () -> call(gate.gate(), "open", "front")).denied();
    gate.audit().lastRequest().notExecuted();
    assertThatThrownBy(gate::close).isInstanceOf(IllegalStateException.class)
        .hasMessage("ScriptedApprover: the script ends with after(PT5M) and no vote after it: [approve by vic, after(PT5M) with no vote "
            + "after it]; script the vote that should come then (e.g. after(PT5M).approveAs(\"bob\"))");
  }

  // ------------------------------------------------------------ the extension, run through the JUnit engine

  /** Two tests that would interfere if they shared a gate, clock or audit trail. */
  @CountersignTest(checkGuarded = Vault.class)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class IsolationSample {
    @GatePolicy("vault")
    static final Policy VAULT = Policy.builder("vault").rule("all").allow().build();

    @Test
    @Order(1)
    void first(TestGate gate, ManualTimeSource clock, ScriptedApprover approver) throws Throwable {
      assertThat(gate.clock()).isSameAs(clock);
      assertThat(gate.approver()).isSameAs(approver);
      assertThat(Countersign.gate()).isSameAs(gate.gate());
      approver.noAnswer();
      gate.callAs(Actor.human("carol"), () -> call(Countersign.gate(), "open", "front")).deniedWith(ApprovalExpiredException.class);
      gate.audit().lastRequest().decided(RequestState.EXPIRED);
    }

    @Test
    @Order(2)
    void second(TestGate gate) {
      gate.audit().isEmpty();
      assertThat(gate.clock().now()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
      assertThat(gate.approver().requests()).isEmpty();
    }
  }

  @Test
  void eachTestGetsAFreshGateAndTheInstalledGateIsRemovedAfterwards() {
    Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(IsolationSample.class)).execute().testEvents();
    tests.assertStatistics(s -> s.started(2).succeeded(2).failed(0));
    assertThatThrownBy(Countersign::gate).isInstanceOf(ApprovalUnavailableException.class);
  }

  @CountersignTest
  static class BadPolicyFieldSample {
    @GatePolicy("vault")
    static final String NOT_A_POLICY = "oops";

    @Test
    void never() {}
  }

  @Test
  void aGatePolicyFieldThatIsNotAPolicyFailsTheTestWithItsName() {
    Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(BadPolicyFieldSample.class)).execute().testEvents();
    tests.assertStatistics(s -> s.failed(1));
    Throwable error = tests.failed().list().get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
        .orElseThrow().getThrowable().orElseThrow();
    assertThat(error).hasMessage("@GatePolicy field " + BadPolicyFieldSample.class.getName()
        + ".NOT_A_POLICY must hold an ApprovalPolicy but its type is java.lang.String");
  }
}
