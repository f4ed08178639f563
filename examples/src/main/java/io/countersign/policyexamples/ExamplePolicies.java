package io.countersign.policyexamples;

import io.countersign.ActorKind;
import io.countersign.policy.Condition;
import io.countersign.policy.Escalation;
import io.countersign.policy.Policy;
import io.countersign.ApprovalRequirement;
import io.countersign.policy.cel.CelPolicyLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The example policies of issue 7, written in code and as a CEL policy file
 * ({@code policies/ops.yaml} on the classpath): exports of more than 10,000 rows or payments over
 * 10,000 need 2 of {@code finance-leads}; staging changes by a human are allowed; any IAM change by
 * an agent needs 1 of {@code security} within 10 minutes (escalating to the on-call group after 5).
 */
public final class ExamplePolicies {

  private ExamplePolicies() {}

  /** The finance policy, in code. */
  public static Policy finance() {
    return Policy.builder("finance").version("1")
        .rule("large-finance")
            .when(Condition.argGreaterThan("rows", 10_000).or(Condition.argGreaterThan("amount", 10_000)))
            .require(ApprovalRequirement.builder().approvers("group:finance-leads").quorum(2).timeout(Duration.ofMinutes(30)))
        .rule("small-finance").allow()
        .build();
  }

  /** The staging and IAM policy, in code; {@code environment} supplies {@code env}. */
  public static Policy ops(Supplier<? extends Map<String, ?>> environment) {
    return Policy.builder("ops").version("1").environment(environment)
        .rule("staging-by-human")
            .when(Condition.environment("env", "staging").and(Condition.actorKind(ActorKind.HUMAN))).allow()
        .rule("iam-by-agent")
            .when(Condition.actionStartsWith("iam.").and(Condition.actorKind(ActorKind.AGENT)))
            .require(ApprovalRequirement.builder().approvers("group:security").timeout(Duration.ofMinutes(10))
                .escalation(Escalation.after(Duration.ofMinutes(5), "group:security-oncall")))
        .otherwiseRequire(ApprovalRequirement.builder().approvers("group:sre").timeout(Duration.ofMinutes(30)).build())
        .build();
  }

  /** The same rules as a policy file with CEL conditions, validated against the known groups. */
  public static Policy fromFile(Supplier<? extends Map<String, ?>> environment) {
    CelPolicyLoader loader = CelPolicyLoader.builder()
        .attribute("env", String.class)
        .environment(environment)
        .knownGroups(Map.of(
            "finance-leads", java.util.Set.of("fiona", "frank"),
            "security", java.util.Set.of("sam", "sue"),
            "security-oncall", java.util.Set.of("olga"),
            "sre", java.util.Set.of("rita")))
        .build();
    try (InputStream in = ExamplePolicies.class.getResourceAsStream("/policies/ops.yaml")) {
      if (in == null) {
        throw new IllegalStateException("policies/ops.yaml is missing from the classpath");
      }
      return loader.parse("policies/ops.yaml", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
