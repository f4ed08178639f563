package io.countersign.policy.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyEvaluationException;
import io.countersign.policy.PolicyInput;
import io.countersign.spi.PolicyDecision;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CelPolicyLoaderTest {

  static final Path OPS = Path.of("src/test/resources/policies/ops.yaml");

  static CelPolicyLoader loader(String env) {
    return CelPolicyLoader.builder().attribute("env", String.class).environment(() -> Map.of("env", env))
        .knownGroups(Map.of("finance-leads", Set.of("fiona", "frank"), "security", Set.of("sam"),
            "security-oncall", Set.of("olga")))
        .build();
  }

  private static PolicyDecision decide(Policy p, String action, Actor actor, String env, Object... args) {
    PolicyInput.Builder in = PolicyInput.builder().action(action).actor(actor).environment("env", env);
    for (int i = 0; i < args.length; i += 2) {
      in.arg((String) args[i], args[i + 1]);
    }
    return p.decide(in.build());
  }

  private static String problems(String yaml) {
    try {
      loader("prod").parse("policies/bad.yaml", yaml);
    } catch (PolicyFileException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected the policy to be rejected:\n" + yaml);
  }

  private static final String HEAD = "policy: p\nrules:\n  - name: r\n";

  @Test
  void loadsTheThreeExamplePoliciesWithTypedCelConditions() {
    Policy p = loader("prod").load(OPS);
    assertThat(p.name()).isEqualTo("ops");
    assertThat(p.rules()).extracting(r -> r.name()).containsExactly("large-finance", "staging-by-human", "iam-by-agent", "prod-frozen");

    PolicyDecision big = decide(p, "export", Actor.human("carol"), "prod", "rows", 20_000);
    assertThat(big.ruleName()).isEqualTo("large-finance");
    assertThat(big.requirement().quorum()).isEqualTo(2);
    assertThat(big.requirement().groups()).containsExactly("finance-leads");
    assertThat(big.requirement().reasonRequired()).isTrue();
    assertThat(decide(p, "pay", Actor.human("carol"), "prod", "amount", new BigDecimal("10000.50")).ruleName()).isEqualTo("large-finance");
    assertThat(decide(p, "pay", Actor.human("carol"), "prod", "amount", 9_999L).kind()).isEqualTo(PolicyDecision.Kind.ALLOW);

    assertThat(decide(p, "deploy", Actor.human("carol"), "staging").ruleName()).isEqualTo("staging-by-human");
    assertThat(decide(p, "deploy", Actor.agent("bot", "carol"), "staging").ruleName()).isEqualTo(Policy.OTHERWISE);

    PolicyDecision iam = decide(p, "iam.grantRole", Actor.agent("ops-agent", "alice"), "prod");
    assertThat(iam.ruleName()).isEqualTo("iam-by-agent");
    assertThat(iam.requirement().timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(p.rule("iam-by-agent").orElseThrow().requirement().escalation().recipients())
        .containsExactly("group:security-oncall", "ciso");

    PolicyDecision frozen = decide(p, "deploy", Actor.agent("bot", "intern-ian"), "prod");
    assertThat(frozen.kind()).isEqualTo(PolicyDecision.Kind.DENY);
    assertThat(frozen.reason()).isEqualTo("agents acting for interns may not change production");
  }

  @Test
  void digestIsTheSameForTheSameFileAndChangesWithAnyEdit() throws Exception {
    String text = java.nio.file.Files.readString(OPS);
    String d1 = loader("prod").parse("a.yaml", text).digest();
    assertThat(loader("staging").parse("b.yaml", text).digest()).isEqualTo(d1);
    assertThat(loader("prod").parse("a.yaml", text.replace("quorum: 2", "quorum: 1")).digest()).isNotEqualTo(d1);
    assertThat(loader("prod").parse("a.yaml", text.replace("args.rows > 10000", "args.rows > 1000")).digest()).isNotEqualTo(d1);
    assertThat(loader("prod").parse("a.yaml", text.replace("PT5M", "PT6M")).digest()).isNotEqualTo(d1);
  }

  @Test
  void jsonFilesLoadIntoTheSameModel() {
    Policy p = loader("prod").parse("p.json", "{\"policy\":\"p\",\"rules\":[{\"name\":\"agents\",\"when\":\"actor.kind == 'AGENT'\","
        + "\"require\":{\"approvers\":[\"group:security\"],\"timeout\":\"PT10M\"}}]}");
    assertThat(decide(p, "x", Actor.agent("a", "h"), "prod").kind()).isEqualTo(PolicyDecision.Kind.REQUIRE);
    assertThat(decide(p, "x", Actor.human("h"), "prod").kind()).isEqualTo(PolicyDecision.Kind.DENY);
  }

  @Test
  void unknownFieldFailsWithFileLinePathAndValue() {
    assertThat(problems(HEAD + "    allow: true\n    qourum: 2\n"))
        .contains("policies/bad.yaml:5:5: rules[0].qourum: unknown field (allowed: [allow, deny, description, name, require, when]) but was 'qourum'");
  }

  @Test
  void badDurationFailsWithItsValue() {
    assertThat(problems(HEAD + "    require:\n      approvers: [alice]\n      timeout: 10 minutes\n"))
        .contains("policies/bad.yaml:6:16: rules[0].require.timeout: must be an ISO-8601 duration such as 'PT10M' or 'PT1H30M' but was '10 minutes'");
  }

  @Test
  void quorumLargerThanTheEligibleSetFails() {
    assertThat(problems(HEAD + "    require:\n      approvers: [group:finance-leads]\n      quorum: 3\n"))
        .contains("policies/bad.yaml:6:15: rules[0].require.quorum: quorum is larger than the 2 eligible reviewers [fiona, frank] "
            + "of [group:finance-leads], so no request could ever be approved but was 3");
  }

  @Test
  void unknownGroupFailsNamingTheKnownOnes() {
    assertThat(problems(HEAD + "    require:\n      approvers: [group:finance-lead]\n"))
        .contains("policies/bad.yaml:5:19: rules[0].require.approvers[0]: unknown group 'finance-lead' "
            + "(known groups: [finance-leads, security, security-oncall]) but was 'group:finance-lead'");
  }

  @Test
  void expressionThatDoesNotCompileFailsWithTheCelError() {
    assertThat(problems(HEAD + "    when: args.amount >\n    allow: true\n"))
        .contains("policies/bad.yaml:4:11: rules[0].when: CEL expression does not compile: mismatched input '<EOF>'")
        .contains("but was 'args.amount >'");
  }

  @Test
  void expressionWithATypeErrorOrUndeclaredVariableFailsAtLoad() {
    assertThat(problems(HEAD + "    when: env > 3\n    allow: true\n"))
        .contains("rules[0].when: CEL expression does not compile: found no matching overload for '_>_' applied to '(string, int)'");
    assertThat(problems(HEAD + "    when: region == 'eu'\n    allow: true\n"))
        .contains("undeclared reference to 'region'");
    assertThat(problems(HEAD + "    when: args.rows + 1\n    allow: true\n"))
        .contains("expected type 'bool' but found 'int'");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    PolicyFileException e = org.junit.jupiter.api.Assertions.assertThrows(PolicyFileException.class, () ->
        loader("prod").parse("x.yaml", HEAD + "    color: red\n    require:\n      approvers: [alice]\n      timeout: soon\n"
            + "  - name: r\n    allow: true\n"));
    assertThat(e.problems()).extracting(PolicyFileException.Problem::path)
        .containsExactly("rules[0].color", "rules[0].require.timeout", "rules[1].name");
    assertThat(e.getMessage()).startsWith("invalid policy file (3 problems):\n  x.yaml:4:5: rules[0].color");
  }

  @Test
  void structuralMistakesAreNamed() {
    assertThat(problems("policy: p\nrules:\n  - name: r\n    allow: true\n    deny: no\n"))
        .contains("rules[0]: a rule needs exactly one of allow, deny, require but has allow and deny");
    assertThat(problems("rules: []\n")).contains("missing required field 'policy'").contains("rules: rules must be a non-empty list but was []");
    assertThat(problems(HEAD + "    require:\n      approvers: [alice]\n      timeout: PT5M\n      escalate: {after: PT5M, approvers: [bob]}\n"))
        .contains("rules[0].require.escalate.after: escalate.after must be shorter than the timeout PT5M");
    assertThat(problems("policy: p\nrules: [\n")).contains("policies/bad.yaml:").contains("not valid YAML");
  }

  @Test
  void conditionFailingAtRuntimeDeniesWithTheExpressionNamed() {
    Policy p = loader("prod").parse("p.yaml", HEAD + "    when: args.amount > 10\n    allow: true\n");
    assertThatThrownBy(() -> decide(p, "pay", Actor.human("carol"), "prod"))
        .isInstanceOf(PolicyEvaluationException.class)
        .hasMessageContaining("rule 'r': condition `args.amount > 10` failed")
        .hasMessageContaining("key 'amount' is not present in map");
    Policy guarded = loader("prod").parse("p.yaml", HEAD + "    when: has(args.amount) && args.amount > 10\n    allow: true\n");
    assertThat(decide(guarded, "pay", Actor.human("carol"), "prod").kind()).isEqualTo(PolicyDecision.Kind.DENY);
  }

  @Test
  void reservedAttributeNamesAreRefused() {
    assertThatThrownBy(() -> CelPolicyLoader.builder().attribute("args", String.class))
        .hasMessage("attribute name 'args' is reserved (reserved: " + CelPolicyLoader.RESERVED_VARIABLES + ")");
  }

  @Test
  void argumentValuesOfCommonJavaTypesReachCel() {
    Policy p = loader("prod").parse("p.yaml", HEAD
        + "    when: args.kind == 'EXPORT' && args.tags.exists(t, t == 'pii') && args.ratio > 0.5 && args.big > 1\n    allow: true\n");
    assertThat(decide(p, "x", Actor.human("c"), "prod", "kind", PolicyDecision.Kind.ALLOW.getClass().isEnum() ? Kind.EXPORT : null,
        "tags", List.of("pii"), "ratio", 0.75f, "big", java.math.BigInteger.TEN).kind()).isEqualTo(PolicyDecision.Kind.ALLOW);
  }

  enum Kind { EXPORT }

  // ------------------------------------------------------------------ S53

  private static final String ALLOW_ALL = "policy: p\nrules:\n  - name: everything\n    allow: true\n";
  private static final String REAL = "policy: p\nrules:\n  - name: agents\n    when: actor.kind == 'AGENT'\n    deny: true\n";

  @Test
  @DisplayName("S53 a YAML file with an allow-all document, then --- and the real policy, is refused at the second document")
  void secondYamlDocumentIsRefused() {
    assertThat(problems(ALLOW_ALL + "---\n" + REAL))
        .contains("policies/bad.yaml:6:1: a policy file holds exactly one YAML document, but another document starts here");
  }

  @Test
  @DisplayName("S53 a JSON file with a second value after the policy is refused with its position")
  void secondJsonValueIsRefused() {
    String json = "{\"policy\": \"p\", \"rules\": [{\"name\": \"all\", \"allow\": true}]}\n"
        + "{\"policy\": \"p\", \"rules\": [{\"name\": \"none\", \"deny\": true}]}\n";
    assertThatThrownBy(() -> loader("prod").parse("policies/bad.json", json))
        .isInstanceOf(PolicyFileException.class)
        .hasMessageContaining("policies/bad.json:2:1: a policy file holds exactly one JSON value, but another value starts here");
  }

  @Test
  @DisplayName("S53 YAML anchors and aliases are refused with their position")
  void yamlAliasesAreRefused() {
    String yaml = "policy: p\nrules:\n  - name: r\n    when: actor.kind == 'AGENT'\n"
        + "    require: &strict {approvers: [group:security], timeout: PT10M}\n"
        + "  - name: s\n    require: *strict\n";
    assertThat(problems(yaml))
        .contains("policies/bad.yaml:5:14: rules[0].require: YAML anchors are not allowed in policy files but was '&strict'")
        .contains("policies/bad.yaml:7:14: rules[1].require: YAML aliases are not allowed in policy files (write the value out) but was '*strict'");
  }

  @Test
  void oneDocumentWithAnExplicitStartMarkerStillLoads() {
    assertThat(loader("prod").parse("p.yaml", "---\n" + REAL).rules()).hasSize(1);
  }
}
