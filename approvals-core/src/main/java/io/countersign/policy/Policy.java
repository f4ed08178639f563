package io.countersign.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ActorContext;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalRequirement;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.internal.CanonicalJson;
import io.countersign.internal.Hashing;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.PolicyDecision;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A named, versioned, immutable list of rules; the first rule whose condition matches a call
 * decides it, and when none matches the {@linkplain Builder#otherwise fallback} does (deny by
 * default: fail closed). Built in code with {@link #builder(String)} or loaded from a policy file
 * by the {@code approvals-policy-cel} module; registered on the gate like any {@link ApprovalPolicy}.
 *
 * <pre>{@code
 * Policy finance = Policy.builder("finance-exports")
 *     .rule("large-export").when(Condition.argGreaterThan("rows", 10_000).or(Condition.argGreaterThan("amount", 10_000)))
 *         .require(ApprovalRequirement.builder().approvers("group:finance-leads").quorum(2).build())
 *     .rule("small-export").allow()
 *     .build();
 * ApprovalGate gate = ApprovalGate.builder().policy("finance", finance)...build();
 * }</pre>
 *
 * <p>Its {@link #digest()} is the SHA-256 of its {@link #canonicalForm()} (name, version, every
 * rule's name, condition text, effect and requirement, and the fallback) and is recorded in every
 * audit event of the requests it decides: any change of rules changes it. Thread-safe.
 */
public final class Policy implements ApprovalPolicy {

  /** The name the fallback rule is recorded under. */
  public static final String OTHERWISE = "otherwise";

  private final String name;
  private final String version;
  private final String description;
  private final List<PolicyRule> rules;
  private final PolicyRule otherwise;
  private final Supplier<? extends Map<String, ?>> environment;
  private final String canonical;
  private final String digest;

  private Policy(Builder b) {
    this.name = b.name;
    this.version = b.version;
    this.description = b.description;
    this.rules = List.copyOf(b.rules);
    this.otherwise = b.otherwise != null ? b.otherwise
        : PolicyRule.deny(OTHERWISE, Condition.always(), "no rule of policy '" + b.name + "' matched this call");
    this.environment = b.environment;
    this.canonical = CanonicalJson.canonicalString(canonicalTree());
    this.digest = Hashing.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
  }

  /** A builder for a policy called {@code name} (recorded in its canonical form). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The policy's name. */
  public String name() {
    return name;
  }

  @Override
  public String version() {
    return version;
  }

  /** A free-text description, or {@code null}; not covered by the digest. */
  public String description() {
    return description;
  }

  /** The rules in evaluation order (without the fallback). */
  public List<PolicyRule> rules() {
    return rules;
  }

  /** What applies when no rule matches. */
  public PolicyRule otherwise() {
    return otherwise;
  }

  /** The rule with this name, including {@value #OTHERWISE}. */
  public Optional<PolicyRule> rule(String ruleName) {
    if (OTHERWISE.equals(ruleName)) {
      return Optional.of(otherwise);
    }
    return rules.stream().filter(r -> r.name().equals(ruleName)).findFirst();
  }

  /** SHA-256 (64 lower-case hex) of {@link #canonicalForm()}. */
  @Override
  public String digest() {
    return digest;
  }

  /**
   * The canonical JSON (RFC 8785 style: sorted keys, no whitespace) the digest is computed over,
   * so that an auditor can recompute and compare it.
   */
  public String canonicalForm() {
    return canonical;
  }

  /**
   * Decides by the first matching rule.
   *
   * @throws PolicyEvaluationException if a condition throws (the gate then denies)
   */
  @Override
  public PolicyDecision decide(Invocation invocation, CallContext caller, ApprovalRequirement annotationRequirement) {
    return decide(PolicyInput.of(invocation, caller, environment.get()));
  }

  /**
   * Decides for an input directly (tests, the CLI).
   *
   * @throws PolicyEvaluationException if a condition throws
   */
  public PolicyDecision decide(PolicyInput input) {
    Objects.requireNonNull(input, "input");
    for (PolicyRule rule : rules) {
      if (matches(rule, input)) {
        return rule.decision();
      }
    }
    return otherwise.decision();
  }

  /**
   * Which rule matches this call and why, rule by rule, evaluating exactly as {@link #decide}
   * does but never throwing for a failing condition (it is reported instead, and counts as deny).
   */
  public Explanation explain(Invocation invocation, CallContext caller) {
    return explain(PolicyInput.of(invocation, caller, environment.get()));
  }

  /**
   * Explains a call made by the current thread's {@link ActorContext} caller.
   *
   * @throws IllegalStateException if the thread has no caller
   */
  public Explanation explain(Invocation invocation) {
    CallContext caller = ActorContext.current().orElseThrow(() -> new IllegalStateException(
        "explain(invocation) needs a caller: run it inside ActorContext.runAs(...) or use explain(invocation, caller)"));
    return explain(invocation, caller);
  }

  /** Explains the decision for an input. */
  public Explanation explain(PolicyInput input) {
    Objects.requireNonNull(input, "input");
    List<Explanation.Step> steps = new ArrayList<>();
    PolicyDecision decision = null;
    for (int i = 0; i < rules.size(); i++) {
      PolicyRule rule = rules.get(i);
      if (decision != null) {
        steps.add(new Explanation.Step(i + 1, rule, Explanation.Outcome.NOT_EVALUATED, null));
        continue;
      }
      try {
        boolean m = rule.when().test(input);
        steps.add(new Explanation.Step(i + 1, rule, m ? Explanation.Outcome.MATCHED : Explanation.Outcome.NOT_MATCHED, null));
        if (m) {
          decision = rule.decision();
        }
      } catch (RuntimeException e) {
        steps.add(new Explanation.Step(i + 1, rule, Explanation.Outcome.ERROR, errorText(e)));
        decision = PolicyDecision.deny(rule.name(), "the condition of rule '" + rule.name() + "' failed, so the call is denied");
      }
    }
    boolean fellThrough = decision == null;
    if (fellThrough) {
      decision = otherwise.decision();
    }
    return new Explanation(name, version, digest, steps, fellThrough ? otherwise : rule(decision.ruleName()).orElseThrow(), decision);
  }

  /**
   * Checks every rule's condition against the guarded methods that select this policy, so that a
   * condition reading an argument no method has, of a type it cannot compare, or by a name the JVM
   * does not know fails at startup instead of silently never matching (scenario S49). The gate calls
   * it for the classes given to {@code ApprovalGate.Builder.guard}.
   *
   * @throws ApprovalConfigurationException listing each problem with the policy, rule, condition, method and fix
   */
  @Override
  public void checkMethods(List<Method> methods) {
    List<String> problems = problemsWith(methods);
    if (!problems.isEmpty()) {
      throw new ApprovalConfigurationException("policy '" + name + "' does not fit the methods it guards ("
          + problems.size() + (problems.size() == 1 ? " problem" : " problems") + "):\n  " + String.join("\n  ", problems));
    }
  }

  /** What {@link #checkMethods} reports, one line per problem; empty if this policy fits {@code methods}. */
  public List<String> problemsWith(List<Method> methods) {
    List<ArgumentSchema> scope = methods.stream().map(ArgumentSchema::of).toList();
    List<String> problems = new ArrayList<>();
    List<PolicyRule> all = new ArrayList<>(rules);
    all.add(otherwise);
    for (PolicyRule rule : all) {
      for (ArgumentSchema method : scope) {
        for (String problem : rule.when().check(method, scope)) {
          problems.add("rule '" + rule.name() + "' when `" + rule.when().description() + "` on " + method.methodId()
              + ": " + problem);
        }
      }
    }
    return problems;
  }

  @Override
  public String toString() {
    return "Policy[" + name + " v" + version + ", " + rules.size() + " rules, digest=" + digest.substring(0, 12) + "]";
  }

  private boolean matches(PolicyRule rule, PolicyInput input) {
    try {
      return rule.when().test(input);
    } catch (RuntimeException e) {
      throw new PolicyEvaluationException("policy '" + name + "' rule '" + rule.name() + "': condition `"
          + rule.when().description() + "` failed (" + errorText(e) + "), so the call is denied", e);
    }
  }

  static String errorText(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  private ObjectNode canonicalTree() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("name", name);
    root.put("version", version);
    ArrayNode rs = root.putArray("rules");
    rules.forEach(r -> rs.add(ruleTree(r)));
    root.set("otherwise", ruleTree(otherwise));
    return root;
  }

  private static ObjectNode ruleTree(PolicyRule r) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("name", r.name());
    n.put("when", r.when().description());
    n.put("effect", r.effect().name());
    if (r.reason() != null) {
      n.put("reason", r.reason());
    }
    if (r.requirement() != null) {
      ApprovalRequirement rule = r.requirement();
      ObjectNode q = n.putObject("require");
      ArrayNode approvers = q.putArray("approvers");
      rule.approvers().forEach(approvers::add);
      q.put("quorum", rule.quorum());
      q.put("timeout", rule.timeout().toString());
      q.put("reasonRequired", rule.reasonRequired());
      if (rule.quorums().size() > 1) {
        // several clauses: each is part of the digest (one clause keeps the digest of earlier versions)
        ArrayNode clauses = q.putArray("quorums");
        for (ApprovalRequirement.Quorum clause : rule.quorums()) {
          ObjectNode c = clauses.addObject();
          ArrayNode ids = c.putArray("approvers");
          clause.approvers().forEach(ids::add);
          c.put("count", clause.count());
        }
      }
      java.util.Optional.ofNullable(rule.escalation()).ifPresent(e -> {
        ObjectNode en = q.putObject("escalation");
        en.put("after", e.after().toString());
        ArrayNode add = en.putArray("approvers");
        e.approvers().forEach(add::add);
        ArrayNode notify = en.putArray("notify");
        e.recipients().forEach(notify::add);
      });
    }
    return n;
  }

  /**
   * Builds an immutable {@link Policy}. Rules are added in evaluation order; names must be unique.
   * Reusable: {@link #build()} copies the current state.
   */
  public static final class Builder {
    private final String name;
    private String version = "1";
    private String description;
    private final List<PolicyRule> rules = new ArrayList<>();
    private final Set<String> ruleNames = new HashSet<>();
    private PolicyRule otherwise;
    private Supplier<? extends Map<String, ?>> environment = Map::of;

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("policy name must not be blank but was " + (name == null ? "null" : "'" + name + "'"));
      }
      this.name = name;
    }

    /** A version label recorded with every event; default {@code "1"}. */
    public Builder version(String version) {
      if (version == null || version.isBlank()) {
        throw new IllegalArgumentException("policy '" + name + "' version must not be blank but was "
            + (version == null ? "null" : "'" + version + "'"));
      }
      this.version = version;
      return this;
    }

    /** A description for people; not part of the digest. */
    public Builder description(String description) {
      this.description = description;
      return this;
    }

    /**
     * Where environment attributes come from at each call (e.g. {@code () -> Map.of("env", "prod")});
     * default none. Called on the calling thread; must be cheap.
     */
    public Builder environment(Supplier<? extends Map<String, ?>> environment) {
      this.environment = Objects.requireNonNull(environment, "environment");
      return this;
    }

    /** Adds a rule. */
    public Builder rule(PolicyRule rule) {
      Objects.requireNonNull(rule, "rule");
      if (OTHERWISE.equals(rule.name())) {
        throw new IllegalArgumentException("rule name '" + OTHERWISE + "' is reserved for the fallback; use otherwise(...)");
      }
      if (!ruleNames.add(rule.name())) {
        throw new IllegalStateException("policy '" + name + "' already has a rule named '" + rule.name() + "'");
      }
      rules.add(rule);
      return this;
    }

    /** Starts a rule fluently: {@code .rule("name").when(condition).require(requirement)}. */
    public RuleBuilder rule(String ruleName) {
      return new RuleBuilder(this, ruleName);
    }

    /** What applies when no rule matches; default DENY. Its condition is ignored. */
    public Builder otherwise(PolicyRule fallback) {
      Objects.requireNonNull(fallback, "fallback");
      if (otherwise != null) {
        throw new IllegalStateException("otherwise was already set to " + otherwise);
      }
      this.otherwise = new PolicyRule(OTHERWISE, Condition.always(), fallback.effect(), fallback.reason(), fallback.requirement());
      return this;
    }

    /** When no rule matches, allow without approval (use with care: the default denies). */
    public Builder otherwiseAllow() {
      return otherwise(PolicyRule.allow(OTHERWISE, Condition.always()));
    }

    /** When no rule matches, deny with this reason (the default, with a generic reason). */
    public Builder otherwiseDeny(String reason) {
      return otherwise(PolicyRule.deny(OTHERWISE, Condition.always(), reason));
    }

    /** When no rule matches, require approval. */
    public Builder otherwiseRequire(ApprovalRequirement requirement) {
      return otherwise(PolicyRule.require(OTHERWISE, Condition.always(), requirement));
    }

    /** Builds the policy. */
    public Policy build() {
      return new Policy(this);
    }
  }

  /** The fluent part of {@link Builder#rule(String)}: a condition, then the effect. */
  public static final class RuleBuilder {
    private final Builder parent;
    private final String ruleName;
    private Condition when = Condition.always();

    private RuleBuilder(Builder parent, String ruleName) {
      this.parent = parent;
      this.ruleName = ruleName;
    }

    /** When the rule applies; default always. */
    public RuleBuilder when(Condition condition) {
      this.when = Objects.requireNonNull(condition, "condition");
      return this;
    }

    /** Shorthand for {@code when(Condition.of(description, test))}. */
    public RuleBuilder when(String description, java.util.function.Predicate<PolicyInput> test) {
      return when(Condition.of(description, test));
    }

    /** Matching calls run without approval. */
    public Builder allow() {
      return parent.rule(PolicyRule.allow(ruleName, when));
    }

    /** Matching calls never run; {@code reason} is shown to the caller. */
    public Builder deny(String reason) {
      return parent.rule(PolicyRule.deny(ruleName, when, reason));
    }

    /** Matching calls run only after approval under {@code requirement}. */
    public Builder require(ApprovalRequirement requirement) {
      return parent.rule(PolicyRule.require(ruleName, when, requirement));
    }

    /** Shorthand for {@code require(requirement.build())}. */
    public Builder require(ApprovalRequirement.Builder requirement) {
      return require(requirement.build());
    }
  }
}
