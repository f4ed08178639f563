package io.countersign.policy;

import io.countersign.ApprovalRequirement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ActorKind;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.AuditChains;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.testing.FailingAuditSink;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PolicyGateTest {

  /** A guarded service, called through the gate directly (no weaving in core). */
  public static class Exports {
    @RequiresApproval(policy = "finance", action = "finance.export")
    public String export(long rows) {
      return "exported " + rows;
    }
  }

  private static final Policy V1 = Policy.builder("finance")
      .rule("large").when(Condition.argGreaterThan("rows", 10_000))
          .require(ApprovalRequirement.builder().approvers("group:finance-leads").timeout(Duration.ofMinutes(30)))
      .rule("small").allow()
      .build();
  private static final Policy V2 = Policy.builder("finance").version("2")
      .rule("large").when(Condition.argGreaterThan("rows", 1_000)).deny("exports over 1,000 rows are frozen")
      .rule("small").allow()
      .build();

  private final ManualTimeSource clock = new ManualTimeSource();
  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final Ed25519Signer signer = Ed25519Signer.generate("k1");
  private final AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).build();
  private final ReloadablePolicy reloadable = new ReloadablePolicy("finance", V1, trail, clock);
  /** Finance lead Lena approves every request as soon as it arrives. */
  private final InMemoryApprover approver =
      InMemoryApprover.withResponder(r -> this.approver.approve(r.id(), lead("lena"), "checked"));
  private final ApprovalGate gate = ApprovalGate.builder()
      .approver(approver)
      .auditTrail(trail).timeSource(clock).policy("finance", reloadable).checkGuarded(Exports.class).build();

  @AfterEach
  void close() {
    gate.close();
  }

  private Object export(Actor actor, long rows) throws Exception {
    Method m = Exports.class.getMethod("export", long.class);
    Invocation inv = Invocation.of(m, new Exports(), new Object[] {rows});
    return ActorContext.runAs(CallContext.of(actor), () -> {
      try {
        return gate.guard(inv, () -> m.invoke(inv.target(), inv.args()));
      } catch (Exception | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
    });
  }

  @Test
  void requestedAndDecidedEventsRecordThePolicyDigestAndMatchedRule() throws Exception {
    assertThat(export(Actor.human("carol"), 20_000)).isEqualTo("exported 20000");
    List<AuditEvent> events = sink.events();
    AuditEvent requested = events.stream().filter(e -> e.type() == EventType.REQUESTED).findFirst().orElseThrow();
    assertThat(requested.get("policy").get("digest").asText()).isEqualTo(V1.digest());
    assertThat(requested.get("policy").get("rule").asText()).isEqualTo("large");
    assertThat(requested.get("policy").get("version").asText()).isEqualTo("1");
    AuditEvent decided = events.stream().filter(e -> e.type() == EventType.DECIDED).findFirst().orElseThrow();
    assertThat(decided.get("policy").get("digest").asText()).isEqualTo(V1.digest());
  }

  @Test
  void reloadIsAtomicRecordedAndChangesTheDigestOfLaterDecisions() throws Exception {
    assertThat(reloadable.replace(V2, CallContext.of(Actor.human("ops-admin")), "finance.yaml")).isTrue();

    assertThatThrownBy(() -> export(Actor.human("carol"), 5_000)).isInstanceOf(ApprovalRejectedException.class)
        .hasMessageContaining("exports over 1,000 rows are frozen");
    AuditEvent change = sink.events().get(0);
    assertThat(change.type()).isEqualTo(EventType.POLICY_CHANGED);
    assertThat(change.get("outcome").asText()).isEqualTo("CHANGED");
    assertThat(change.get("previousPolicy").get("digest").asText()).isEqualTo(V1.digest());
    assertThat(change.get("policy").get("digest").asText()).isEqualTo(V2.digest());
    assertThat(change.get("changedBy").get("id").asText()).isEqualTo("ops-admin");
    assertThat(change.text("source")).isEqualTo("finance.yaml");
    AuditEvent denial = sink.events().get(1);
    assertThat(denial.get("policy").get("digest").asText()).isEqualTo(V2.digest());
    assertThat(denial.get("policy").get("version").asText()).isEqualTo("2");
    assertThat(AuditChains.verifies(sink.events(), signer.verificationKey())).isTrue();
  }

  @Test
  void replacingWithIdenticalContentRecordsNothing() {
    Policy same = Policy.builder("finance")
        .rule("large").when(Condition.argGreaterThan("rows", 10_000))
            .require(ApprovalRequirement.builder().approvers("group:finance-leads").timeout(Duration.ofMinutes(30)))
        .rule("small").allow().build();
    assertThat(reloadable.replace(same, CallContext.of(Actor.human("ops-admin")), null)).isFalse();
    assertThat(sink.events()).isEmpty();
  }

  @Test
  @DisplayName("S08 an agent cannot change policy: refused, recorded, previous policy stays")
  void agentCannotChangePolicy() {
    assertThatThrownBy(() -> reloadable.replace(V2, CallContext.of(Actor.agent("ops-agent", "alice")), "finance.yaml"))
        .isInstanceOf(PolicyChangeRefusedException.class)
        .hasMessage("Refused to change policy 'finance': agents can never change policy; 'ops-agent' is an agent. "
            + "A human or service must change policy; the previous policy stays in force.");
    assertThat(reloadable.current()).isSameAs(V1);
    AuditEvent refused = sink.events().get(0);
    assertThat(refused.type()).isEqualTo(EventType.POLICY_CHANGED);
    assertThat(refused.get("outcome").asText()).isEqualTo("REFUSED");
    assertThat(refused.get("changedBy").get("kind").asText()).isEqualTo(ActorKind.AGENT.name());
  }

  @Test
  @DisplayName("S08 an agent passing a human's identity is still refused (the thread's caller is an agent)")
  void agentRunningCodeThatClaimsAHumanCannotChangePolicy() {
    ActorContext.runAs(Actor.agent("ops-agent", "alice"), "rewrite the rules", () -> {
      assertThatThrownBy(() -> reloadable.replace(V2, CallContext.of(Actor.human("alice")), null))
          .isInstanceOf(PolicyChangeRefusedException.class);
    });
    assertThat(reloadable.current()).isSameAs(V1);
  }

  @Test
  @DisplayName("S49 a reload whose conditions read an argument the guarded methods lack is refused and recorded")
  void reloadThatDoesNotFitTheGuardedMethodsIsRefused() {
    String before = reloadable.current().digest();
    Policy misfit = Policy.builder("finance").version("3")
        .rule("large").when(Condition.argGreaterThan("amount", 10_000)).deny("frozen")
        .rule("small").allow()
        .build();

    assertThatThrownBy(() -> reloadable.replace(misfit, CallContext.of(Actor.human("ops-admin")), "finance.yaml"))
        .isInstanceOf(PolicyChangeRefusedException.class)
        .hasMessageContaining("reads args.amount but no guarded method of this policy has a parameter 'amount'")
        .hasMessageContaining(Exports.class.getName() + "#export(long rows)");
    assertThat(reloadable.current().digest()).isEqualTo(before);
    assertThat(sink.events()).singleElement().satisfies(e -> assertThat(e.text("outcome")).isEqualTo("INVALID"));
  }

  @Test
  @DisplayName("S49 an argument condition comparing a String as a number fails the gate's start")
  void startupFailsWhenACodeConditionCannotMatchTheArgumentType() {
    Policy wrongType = Policy.builder("finance").rule("large").when(Condition.argGreaterThan("dataset", 1)).deny("no")
        .otherwiseAllow().build();
    assertThatThrownBy(() -> ApprovalGate.builder().approver(new InMemoryApprover()).auditTrail(trail)
        .policy("finance", wrongType).checkGuarded(Datasets.class).build())
        .isInstanceOf(io.countersign.ApprovalConfigurationException.class)
        .hasMessageContaining("policy 'finance' does not fit the methods it guards")
        .hasMessageContaining("rule 'large' when `args.dataset > 1` on " + Datasets.class.getName() + "#drop")
        .hasMessageContaining("compares args.dataset as a number but it is a java.lang.String");
  }

  /** A guarded method with a text argument. */
  public static class Datasets {
    @RequiresApproval(policy = "finance", action = "finance.drop")
    public void drop(String dataset) {}
  }

  @Test
  void changeThatCannotBeRecordedDoesNotTakeEffect() {
    AuditTrail broken = AuditTrail.builder().sink(FailingAuditSink.failing(FailingAuditSink.Mode.THROW, e -> true)).build();
    ReloadablePolicy p = new ReloadablePolicy("finance", V1, broken, clock);
    assertThatThrownBy(() -> p.replace(V2, CallContext.of(Actor.human("ops-admin")), null))
        .isInstanceOf(PolicyChangeRefusedException.class)
        .hasMessageStartingWith("Refused to change policy 'finance': the change could not be recorded in the audit trail");
    assertThat(p.current()).isSameAs(V1);
  }

  @Test
  void explainOfAnInvocationUsesTheThreadsCaller() throws Exception {
    Method m = Exports.class.getMethod("export", long.class);
    Invocation inv = Invocation.of(m, new Exports(), new Object[] {50_000L});
    Explanation e = ActorContext.runAs(CallContext.of(Actor.human("carol")), () -> V1.explain(inv));
    assertThat(e.matchedRule()).isEqualTo("large");
    assertThat(PolicyInput.of(inv, CallContext.of(Actor.human("carol")), null).action()).isEqualTo("finance.export");
    assertThatThrownBy(() -> V1.explain(inv)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("explain(invocation) needs a caller");
  }

  @Test
  void annotationNamingAnUnknownPolicyFailsAtBuild() {
    assertThatThrownBy(() -> ApprovalGate.builder().approver(new InMemoryApprover()).auditSink(new InMemoryAuditSink())
        .checkGuarded(Exports.class).build())
        .isInstanceOf(io.countersign.ApprovalConfigurationException.class)
        .hasMessageContaining("policy names an unknown policy 'finance'");
  }

  static Reviewer lead(String id) {
    return Reviewer.of(id, "finance-leads");
  }
}
