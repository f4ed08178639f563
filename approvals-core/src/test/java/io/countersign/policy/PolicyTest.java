package io.countersign.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ActorKind;
import io.countersign.ApprovalRequirement;
import io.countersign.ManualTimeSource;
import io.countersign.spi.PolicyDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private static final ApprovalRequirement TWO_FINANCE_LEADS =
      ApprovalRequirement.builder().approvers("group:finance-leads").quorum(2).timeout(Duration.ofMinutes(30)).build();
  private static final ApprovalRequirement ONE_SECURITY_IN_10_MIN =
      ApprovalRequirement.builder().approvers("group:security").timeout(Duration.ofMinutes(10)).build();

  /** The three examples in one policy. */
  static Policy examplePolicy() {
    return Policy.builder("ops")
        .rule("large-finance").when(Condition.argGreaterThan("rows", 10_000).or(Condition.argGreaterThan("amount", 10_000)))
            .require(TWO_FINANCE_LEADS)
        .rule("staging-by-human").when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN)))
            .allow()
        .rule("iam-by-agent").when(Condition.actionStartsWith("iam.").and(Condition.actorKind(ActorKind.AGENT)))
            .require(ONE_SECURITY_IN_10_MIN)
        .otherwiseAllow()
        .build();
  }

  private static PolicyInput.Builder call(String action, Actor actor) {
    return PolicyInput.builder().action(action).actor(actor);
  }

  @Test
  void firstMatchingRuleDecidesEvenWhenALaterRuleAlsoMatches() {
    Policy p = Policy.builder("order")
        .rule("first").when(Condition.argGreaterThan("amount", 100)).deny("too much")
        .rule("second").when(Condition.argGreaterThan("amount", 10)).allow()
        .build();
    PolicyDecision d = p.decide(call("pay", Actor.human("carol")).arg("amount", 500).build());
    assertThat(d.kind()).isEqualTo(PolicyDecision.Kind.DENY);
    assertThat(d.ruleName()).isEqualTo("first");
    assertThat(d.reason()).isEqualTo("too much");
    assertThat(p.decide(call("pay", Actor.human("carol")).arg("amount", 50).build()).ruleName()).isEqualTo("second");
  }

  @Test
  void noMatchingRuleDeniesByDefault() {
    Policy p = Policy.builder("strict").rule("small").when(Condition.argEquals("size", "S")).allow().build();
    PolicyDecision d = p.decide(call("x", Actor.human("carol")).arg("size", "XL").build());
    assertThat(d.kind()).isEqualTo(PolicyDecision.Kind.DENY);
    assertThat(d.ruleName()).isEqualTo(Policy.OTHERWISE);
    assertThat(d.reason()).isEqualTo("no rule of policy 'strict' matched this call");
  }

  @Test
  void argumentConditionRequiresTwoFinanceLeadsAboveTenThousand() {
    Policy p = examplePolicy();
    PolicyDecision big = p.decide(call("export", Actor.human("carol")).arg("rows", 20_000L).build());
    assertThat(big.kind()).isEqualTo(PolicyDecision.Kind.REQUIRE);
    assertThat(big.requirement()).isEqualTo(ApprovalRequirement.of(java.util.Set.of(), java.util.Set.of("finance-leads"), 2, Duration.ofMinutes(30), false));
    assertThat(p.decide(call("pay", Actor.human("carol")).arg("amount", new java.math.BigDecimal("10000.01")).build()).ruleName())
        .isEqualTo("large-finance");
    assertThat(p.decide(call("export", Actor.human("carol")).arg("rows", 10_000).build()).kind()).isEqualTo(PolicyDecision.Kind.ALLOW);
  }

  @Test
  void environmentAndActorKindConditionAllowStagingChangesByHumansOnly() {
    Policy p = Policy.builder("staging")
        .rule("staging-by-human").when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN))).allow()
        .otherwiseRequire(ONE_SECURITY_IN_10_MIN)
        .build();
    assertThat(p.decide(call("deploy", Actor.human("carol")).environment("env", "staging").build()).kind())
        .isEqualTo(PolicyDecision.Kind.ALLOW);
    assertThat(p.decide(call("deploy", Actor.agent("bot", "carol")).environment("env", "staging").build()).kind())
        .isEqualTo(PolicyDecision.Kind.REQUIRE);
    assertThat(p.decide(call("deploy", Actor.human("carol")).environment("env", "prod").build()).kind())
        .isEqualTo(PolicyDecision.Kind.REQUIRE);
  }

  @Test
  void onBehalfOfConditionReadsTheHumanBehindTheAgent() {
    Policy p = Policy.builder("interns")
        .rule("intern-agents").when(Condition.onBehalfOf("intern-ian")).deny("agents of interns may not do this")
        .otherwiseAllow().build();
    assertThat(p.decide(call("x", Actor.agent("bot", "intern-ian")).build()).kind()).isEqualTo(PolicyDecision.Kind.DENY);
    assertThat(p.decide(call("x", Actor.agent("bot", "alice")).build()).kind()).isEqualTo(PolicyDecision.Kind.ALLOW);
  }

  @Test
  void iamChangeByAnAgentNeedsOneOfSecurityWithinTenMinutes() {
    PolicyDecision d = examplePolicy().decide(call("iam.grantRole", Actor.agent("ops-agent", "alice")).build());
    assertThat(d.ruleName()).isEqualTo("iam-by-agent");
    assertThat(d.requirement().groups()).containsExactly("security");
    assertThat(d.requirement().quorum()).isEqualTo(1);
    assertThat(d.requirement().timeout()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void conditionThatThrowsFailsClosedWithTheRuleNamed() {
    Policy p = Policy.builder("broken").rule("boom").when("args.amount is a number", in -> ((Number) in.arg("amount")).longValue() > 0)
        .allow().build();
    assertThatThrownBy(() -> p.decide(call("x", Actor.human("carol")).arg("amount", "lots").build()))
        .isInstanceOf(PolicyEvaluationException.class)
        .hasMessageStartingWith("policy 'broken' rule 'boom': condition `args.amount is a number` failed (ClassCastException");
  }

  @Test
  void digestIsStableAcrossRunsAndBuilds() {
    // the same content must give the same digest in every JVM: this value is pinned
    assertThat(examplePolicy().digest()).isEqualTo(examplePolicy().digest()).matches("[0-9a-f]{64}");
    assertThat(Policy.builder("p").rule("a").when(Condition.actorKind(ActorKind.AGENT)).deny("no").build().canonicalForm())
        .isEqualTo("{\"name\":\"p\",\"otherwise\":{\"effect\":\"DENY\",\"name\":\"otherwise\",\"reason\":\"no rule of policy 'p' matched this call\","
            + "\"when\":\"true\"},\"rules\":[{\"effect\":\"DENY\",\"name\":\"a\",\"reason\":\"no\",\"when\":\"actor.kind == \\\"AGENT\\\"\"}],\"version\":\"1\"}");
    assertThat(Policy.builder("p").rule("a").when(Condition.actorKind(ActorKind.AGENT)).deny("no").build().digest())
        .isEqualTo(io.countersign.internal.Hashing.sha256Hex(Policy.builder("p").rule("a").when(Condition.actorKind(ActorKind.AGENT))
            .deny("no").build().canonicalForm().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void digestChangesWithAnyRuleChange() {
    String base = examplePolicy().digest();
    Policy quorum3 = Policy.builder("ops")
        .rule("large-finance").when(Condition.argGreaterThan("rows", 10_000).or(Condition.argGreaterThan("amount", 10_000)))
            .require(ApprovalRequirement.builder().approvers("group:finance-leads").quorum(3).timeout(Duration.ofMinutes(30)))
        .rule("staging-by-human").when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN))).allow()
        .rule("iam-by-agent").when(Condition.actionStartsWith("iam.").and(Condition.actorKind(ActorKind.AGENT))).require(ONE_SECURITY_IN_10_MIN)
        .otherwiseAllow().build();
    Policy reordered = Policy.builder("ops")
        .rule("staging-by-human").when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN))).allow()
        .rule("large-finance").when(Condition.argGreaterThan("rows", 10_000).or(Condition.argGreaterThan("amount", 10_000))).require(TWO_FINANCE_LEADS)
        .rule("iam-by-agent").when(Condition.actionStartsWith("iam.").and(Condition.actorKind(ActorKind.AGENT))).require(ONE_SECURITY_IN_10_MIN)
        .otherwiseAllow().build();
    Policy thresholdChanged = Policy.builder("ops")
        .rule("large-finance").when(Condition.argGreaterThan("rows", 5_000).or(Condition.argGreaterThan("amount", 10_000))).require(TWO_FINANCE_LEADS)
        .rule("staging-by-human").when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN))).allow()
        .rule("iam-by-agent").when(Condition.actionStartsWith("iam.").and(Condition.actorKind(ActorKind.AGENT))).require(ONE_SECURITY_IN_10_MIN)
        .otherwiseAllow().build();
    Policy fallbackChanged = Policy.builder("ops")
        .rule("large-finance").when(Condition.argGreaterThan("rows", 10_000).or(Condition.argGreaterThan("amount", 10_000))).require(TWO_FINANCE_LEADS)
        .rule("staging-by-human").when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN))).allow()
        .rule("iam-by-agent").when(Condition.actionStartsWith("iam.").and(Condition.actorKind(ActorKind.AGENT))).require(ONE_SECURITY_IN_10_MIN)
        .build();
    assertThat(java.util.List.of(quorum3.digest(), reordered.digest(), thresholdChanged.digest(), fallbackChanged.digest()))
        .doesNotContain(base).doesNotHaveDuplicates();
  }

  @Test
  void escalationAddsTheOnCallGroupOnlyOnceTheDelayHasPassedOnTheFakeClock() {
    ApprovalRequirement r = ApprovalRequirement.builder().approvers("group:security").timeout(Duration.ofMinutes(10))
        .escalation(Escalation.after(Duration.ofMinutes(5), "group:security-oncall").notifying("group:security-oncall", "ciso"))
        .build();
    ManualTimeSource clock = new ManualTimeSource();
    Instant opened = clock.now();
    io.countersign.Reviewer oncall = io.countersign.Reviewer.of("olga", "security-oncall");

    clock.advance(Duration.ofMinutes(4));
    assertThat(r.at(Duration.between(opened, clock.now())).isEligible(oncall)).isFalse();
    clock.advance(Duration.ofMinutes(1));
    ApprovalRequirement escalated = r.at(Duration.between(opened, clock.now()));
    assertThat(escalated.isEligible(oncall)).isTrue();
    assertThat(escalated.groups()).containsExactlyInAnyOrder("security", "security-oncall");
    assertThat(escalated.quorum()).isEqualTo(1);
    assertThat(escalated.timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(r.escalation().recipients()).containsExactly("group:security-oncall", "ciso");
  }

  @Test
  void escalationAtOrAfterTheTimeoutIsRejected() {
    assertThatThrownBy(() -> ApprovalRequirement.builder().approvers("group:security").timeout(Duration.ofMinutes(10))
        .escalation(Escalation.after(Duration.ofMinutes(10), "group:oncall")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("escalation after must be shorter than the timeout PT10M (the request would already have expired) but was PT10M");
  }

  @Test
  void builderRejectsDuplicateRuleNamesAndBadValuesNamingThem() {
    assertThatThrownBy(() -> Policy.builder("p").rule("a").allow().rule("a").allow())
        .isInstanceOf(IllegalStateException.class).hasMessage("policy 'p' already has a rule named 'a'");
    assertThatThrownBy(() -> ApprovalRequirement.builder().quorum(0)).hasMessage("quorum must be >= 1 but was 0");
    assertThatThrownBy(() -> ApprovalRequirement.builder().approvers("alice").quorum(2).build())
        .hasMessage("quorum must be <= the 1 eligible reviewer ids [alice] but was 2");
    assertThatThrownBy(() -> Policy.builder(" ")).hasMessage("policy name must not be blank but was ' '");
  }

  @Test
  void explainSaysWhichRuleMatchedAndWhyWithoutPrintingArgumentValues() {
    Explanation e = examplePolicy().explain(call("iam.grantRole", Actor.agent("ops-agent", "alice"))
        .arg("role", "secret-admin-role").environment("env", "prod").build());
    assertThat(e.matchedRule()).isEqualTo("iam-by-agent");
    assertThat(e.steps()).extracting(Explanation.Step::outcome).containsExactly(
        Explanation.Outcome.NOT_MATCHED, Explanation.Outcome.NOT_MATCHED, Explanation.Outcome.MATCHED);
    String text = e.render();
    assertThat(text)
        .contains("1. large-finance")
        .contains("-> no match (condition false)")
        .contains("3. iam-by-agent")
        .contains("when (action.startsWith(\"iam.\")) && (actor.kind == \"AGENT\")")
        .contains("-> MATCHED (condition true): REQUIRE")
        .contains("decision: REQUIRE by rule 'iam-by-agent': 1 of [group:security] within PT10M")
        .doesNotContain("secret-admin-role");
  }

  @Test
  void explainReportsAFailingConditionAsDeny() {
    Policy p = Policy.builder("broken").rule("boom").when("always fails", in -> {
      throw new IllegalStateException("no directory");
    }).allow().rule("later").allow().build();
    Explanation e = p.explain(call("x", Actor.human("carol")).build());
    assertThat(e.decision().kind()).isEqualTo(PolicyDecision.Kind.DENY);
    assertThat(e.steps()).extracting(Explanation.Step::outcome)
        .containsExactly(Explanation.Outcome.ERROR, Explanation.Outcome.NOT_EVALUATED);
    assertThat(e.render()).contains("ERROR IllegalStateException: no directory -> DENY (fail closed)");
  }

  @Test
  void explainOfFallThroughNamesTheFallback() {
    Explanation e = Policy.builder("p").rule("a").when(Condition.argEquals("x", 1)).allow().build()
        .explain(call("act", Actor.human("carol")).arg("x", 2).environment(Map.of()).build());
    assertThat(e.matchedRule()).isEqualTo(Policy.OTHERWISE);
    assertThat(e.render()).contains("no rule matched: the fallback 'otherwise' applies")
        .contains("decision: DENY by rule 'otherwise': no rule of policy 'p' matched this call");
  }
}
