package io.countersign.policy.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.CallContext;
import io.countersign.ManualTimeSource;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.policy.PolicyChangeRefusedException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyFileAndCliTest {

  @TempDir
  Path dir;

  private final InMemoryAuditSink sink = new InMemoryAuditSink();
  private final AuditTrail trail = AuditTrail.builder().sink(sink).build();
  private final CelPolicyLoader loader = CelPolicyLoaderTest.loader("prod");

  private static final String V1 = "policy: p\nrules:\n  - name: agents\n    when: actor.kind == 'AGENT'\n"
      + "    require: {approvers: [group:security], timeout: PT10M}\notherwise: allow\n";

  private PolicyFile open() throws Exception {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, V1);
    return PolicyFile.open("p", file, loader, trail, new ManualTimeSource());
  }

  @Test
  void reloadSwapsInAValidEditAndRecordsIt() throws Exception {
    PolicyFile pf = open();
    String before = pf.policy().digest();
    Files.writeString(pf.file(), V1.replace("PT10M", "PT20M"));
    assertThat(pf.reload(CallContext.of(Actor.human("ops-admin")))).isTrue();
    assertThat(pf.policy().current().digest()).isNotEqualTo(before);
    AuditEvent e = sink.events().get(0);
    assertThat(e.type()).isEqualTo(EventType.POLICY_CHANGED);
    assertThat(e.get("previousPolicy").get("digest").asText()).isEqualTo(before);
    assertThat(e.text("source")).isEqualTo(pf.file().toString());
  }

  @Test
  void invalidEditKeepsThePreviousPolicyAndIsRecorded() throws Exception {
    PolicyFile pf = open();
    String before = pf.policy().current().digest();
    Files.writeString(pf.file(), V1.replace("PT10M", "ten minutes"));
    assertThatThrownBy(() -> pf.reload(CallContext.of(Actor.human("ops-admin"))))
        .isInstanceOf(PolicyFileException.class).hasMessageContaining("rules[0].require.timeout");
    assertThat(pf.policy().current().digest()).isEqualTo(before);
    assertThat(sink.events().get(0).get("outcome").asText()).isEqualTo("INVALID");
  }

  @Test
  @DisplayName("S08 an agent cannot reload a policy file")
  void agentCannotReload() throws Exception {
    PolicyFile pf = open();
    String before = pf.policy().current().digest();
    Files.writeString(pf.file(), "policy: p\nrules:\n  - name: all\n    allow: true\n");
    assertThatThrownBy(() -> pf.reload(CallContext.of(Actor.agent("ops-agent", "alice"))))
        .isInstanceOf(PolicyChangeRefusedException.class).hasMessageContaining("agents can never change policy");
    assertThat(pf.policy().current().digest()).isEqualTo(before);
    assertThat(sink.events().get(0).get("outcome").asText()).isEqualTo("REFUSED");
  }

  @Test
  @DisplayName("S52 an agent's reload is refused before the file is read: a missing file still gives the refusal")
  void agentReloadIsRefusedBeforeTheFileIsRead() throws Exception {
    PolicyFile pf = open();
    Files.delete(pf.file());
    assertThatThrownBy(() -> pf.reload(CallContext.of(Actor.agent("ops-agent", "alice"))))
        .isInstanceOf(PolicyChangeRefusedException.class).hasMessageContaining("agents can never change policy");
    assertThat(sink.events()).singleElement().satisfies(e -> assertThat(e.text("outcome")).isEqualTo("REFUSED"));
  }

  @Test
  @DisplayName("S52 an agent's refused reload does not quote the file, not even an invalid one")
  void agentReloadRefusalDoesNotQuoteTheFile() throws Exception {
    PolicyFile pf = open();
    Files.writeString(pf.file(), "policy: p\nrules:\n  - name: r\n    when: secret-token-4711 >\n    allow: true\n");
    assertThatThrownBy(() -> pf.reload(CallContext.of(Actor.agent("ops-agent", "alice"))))
        .isInstanceOf(PolicyChangeRefusedException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-token-4711").doesNotContain("rules[0]"));
    assertThat(sink.events()).singleElement().satisfies(e -> {
      assertThat(e.text("outcome")).isEqualTo("REFUSED");
      assertThat(e.toJson()).doesNotContain("secret-token-4711");
    });
  }

  @Test
  void startupWithABrokenFileFails() throws Exception {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, "policy: p\nrules:\n  - name: r\n    when: args.x >\n    allow: true\n");
    assertThatThrownBy(() -> PolicyFile.open("p", file, loader, trail, new ManualTimeSource()))
        .isInstanceOf(PolicyFileException.class)
        .hasMessageContaining(file + ":4:11: rules[0].when: CEL expression does not compile");
  }

  private record Run(int code, String out, String err) {}

  private static Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = PolicyCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void cliExplainPrintsWhichRuleMatchedAndWhy() {
    Run r = cli("explain", CelPolicyLoaderTest.OPS.toString(), "--action", "iam.grantRole", "--actor", "agent:ops-agent",
        "--on-behalf-of", "alice", "--env", "env=prod");
    assertThat(r.code()).isEqualTo(PolicyCli.OK);
    assertThat(r.out())
        .contains("1. large-finance")
        .contains("-> no match (condition false)")
        .contains("3. iam-by-agent")
        .contains("-> MATCHED (condition true): REQUIRE")
        .contains("4. prod-frozen")
        .contains("-> not evaluated (an earlier rule decided)")
        .contains("decision: REQUIRE by rule 'iam-by-agent': 1 of [group:security] within PT10M; after PT5M also [group:security-oncall], "
            + "notifying [group:security-oncall, ciso]");
  }

  @Test
  void cliExplainReadsTypedArguments() {
    Run r = cli("explain", CelPolicyLoaderTest.OPS.toString(), "--action", "export", "--arg", "rows=20000", "--env", "env=prod");
    assertThat(r.out()).contains("decision: REQUIRE by rule 'large-finance': 2 of [group:finance-leads] within PT30M, reason required");
  }

  @Test
  void cliValidateAndDigestReportExitCodes() throws Exception {
    Run ok = cli("validate", CelPolicyLoaderTest.OPS.toString(), "--env", "env=prod");
    assertThat(ok.code()).isEqualTo(PolicyCli.OK);
    assertThat(ok.out()).startsWith("ok: policy ops version 1, 4 rules, digest ");
    Run digest = cli("digest", CelPolicyLoaderTest.OPS.toString(), "--env", "env=prod");
    assertThat(digest.out().strip()).matches("[0-9a-f]{64}");
    Run invalid = cli("validate", CelPolicyLoaderTest.OPS.toString());
    assertThat(invalid.code()).isEqualTo(PolicyCli.INVALID);
    assertThat(invalid.err()).contains("undeclared reference to 'env'");
    assertThat(cli("explain").code()).isEqualTo(PolicyCli.USAGE);
    assertThat(cli("explain", "x.yaml", "--actor", "robot").err()).contains("--actor must be KIND:ID (e.g. agent:ops-bot) but was 'robot'");
  }
}
