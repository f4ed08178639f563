package io.countersign.governance.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports on a small hand-written trail in the documented event shapes (docs/AUDIT-FORMAT.md section
 * 11, plus HALTED/RESUMED), to cover what the generated trail does not: halts, anomalies the report
 * must flag, and hostile text from the log.
 */
class ReportRenderingTest {

  static final String HOSTILE = "<img src=x onerror=alert(1)>|**bold**";
  static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");
  /** A policy digest that would add cells (and a row) to a Markdown table if written raw. */
  static final String FORGED_DIGEST = "ab| 0 | 0 |\n| forged-policy | 1 | verified";

  @TempDir
  static Path tmp;
  static ComplianceReport report;

  @BeforeAll
  static void writeTrail() throws Exception {
    Ed25519Signer signer = Ed25519Signer.generate("k1");
    InMemoryAuditSink sink = new InMemoryAuditSink();
    try (AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).build()) {
      Map<String, Object> action = Map.of("name", "Drop table", "method", "com.example.Db#drop");
      Map<String, Object> policy = Map.of("id", "db-policy", "version", "7", "digest", FORGED_DIGEST);
      trail.record(AuditEvent.builder(EventType.REQUESTED).time(T0).requestId("r1").field("action", action).field("policy", policy)
          .field("actor", Map.of("id", "mallory", "kind", "HUMAN")).field("argsDigest", "cd".repeat(32))
          .field("rule", Map.of("approvers", List.of("group:dba"), "quorum", 2, "timeout", "PT15M", "reasonRequired", false))).join();
      // a counted approval by the requester herself, and a decision below quorum: what a broken gate would write
      trail.record(AuditEvent.builder(EventType.VOTE).time(T0.plusSeconds(60)).requestId("r1").field("action", action)
          .field("vote", Map.of("reviewer", "mallory", "channel", "http", "decision", "APPROVE", "counted", true))).join();
      trail.record(AuditEvent.builder(EventType.VOTE).time(T0.plusSeconds(90)).requestId("r1").field("action", action)
          .field("vote", Map.of("reviewer", HOSTILE, "channel", "slack", "decision", "APPROVE", "counted", true))).join();
      trail.record(AuditEvent.builder(EventType.DECIDED).time(T0.plusSeconds(120)).requestId("r1").field("action", action)
          .field("outcome", "APPROVED").field("reason", "quorum reached").field("approvals", 1).field("quorum", 2)).join();
      trail.record(AuditEvent.builder(EventType.EXECUTED).time(T0.plusSeconds(121)).requestId("r1")).join();
      trail.record(AuditEvent.builder(EventType.EXECUTED).time(T0.plusSeconds(122)).requestId("r1")).join();
      trail.record(AuditEvent.builder(EventType.EXECUTED).time(T0.plusSeconds(123)).requestId("r2")).join();
      trail.record(AuditEvent.builder(EventType.HALTED).time(T0.plusSeconds(600)).field("by", "alice")
          .field("reason", "agent looping on " + HOSTILE)).join();
      trail.record(AuditEvent.builder(EventType.RESUMED).time(T0.plusSeconds(1200)).requestId("r3").field("requestedBy", "bob")
          .field("approvedBy", List.of("carol", "dave"))).join();
    }
    Path log = tmp.resolve("audit.jsonl");
    GeneratedTrail.write(log, sink.events().stream().map(AuditEvent::toJson).toList());
    report = ComplianceReport.builder().log(log).key(signer.verificationKey()).build();
  }

  @Test
  void haltsAndResumptionsAreListedWithWhoAndWhy() {
    List<ReportFigures.Halt> halts = report.figures().orElseThrow().halts();
    assertThat(halts).extracting(ReportFigures.Halt::type, ReportFigures.Halt::by)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("HALTED", "alice"), org.assertj.core.groups.Tuple.tuple("RESUMED", "bob"));
    assertThat(report.render(ReportFormat.MD)).contains("| Emergency stops (halts) | 1 |", "| HALTED | alice |");
    assertThat(report.controls().get(8).evidence()).contains("Emergency stop: 1 halts and 1 resumptions recorded.");
  }

  @Test
  @DisplayName("S01 a counted self-approval in the log is flagged by the report's own cross-check")
  void countedSelfApprovalAndApprovalBelowQuorumAreFlaggedForAttention() {
    ReportFigures f = report.figures().orElseThrow();
    assertThat(f.votes().countedSelfApprovals()).isEqualTo(1);
    assertThat(f.quorum().approvedBelowQuorum()).isEqualTo(1);
    ControlEvidence ac5 = report.controls().stream().filter(c -> c.control().equals("AC-5")).findFirst().orElseThrow();
    assertThat(ac5.status()).isEqualTo(ControlEvidence.Status.ATTENTION);
    assertThat(ac5.attention()).containsExactly(
        "1 counted approvals came from the requester or the human it acted for.",
        "1 requests were approved with fewer approvals than their quorum.");
  }

  @Test
  @DisplayName("S11 an execution replayed, or without approval, is flagged by the report's own cross-check")
  void executionWithoutApprovalAndDoubleExecutionAreFlagged() {
    ReportFigures.Execution x = report.figures().orElseThrow().execution();
    assertThat(x.executedMoreThanOnce()).isEqualTo(1);
    assertThat(x.executedWithoutApproval()).isEqualTo(1);
    ControlEvidence cc81 = report.controls().get(1);
    assertThat(cc81.control()).isEqualTo("CC8.1");
    assertThat(cc81.attention()).contains("1 executions have no approval of their request earlier in the log.",
        "1 requests were executed more than once.");
  }

  @Test
  void policyVersionsAreReportedWithIdVersionAndDigest() {
    assertThat(report.figures().orElseThrow().policies()).containsExactly(
        new ReportFigures.PolicyInForce("db-policy", "7", FORGED_DIGEST, 1, T0, T0));
  }

  @Test
  @DisplayName("S23 hostile text from the log is rendered as text in HTML and Markdown")
  void hostileTextFromTheLogIsEscaped() {
    String html = report.render(ReportFormat.HTML);
    assertThat(html).doesNotContain("<img").contains("&lt;img src=x onerror=alert(1)&gt;");
    String md = report.render(ReportFormat.MD);
    assertThat(md).doesNotContain("<img", "**bold**").contains("&lt;img src=x onerror=alert(1)&gt;\\|\\*\\*bold\\*\\*");
  }

  @Test
  @DisplayName("S59 a policy digest holding Markdown table syntax stays inside its one cell")
  void policyDigestCannotForgeAMarkdownCell() {
    String md = report.render(ReportFormat.MD);

    String row = md.lines().filter(l -> l.contains("db-policy")).findFirst().orElseThrow();
    assertThat(row).contains("| ab\\| 0 \\| 0 \\| \\| fo… |");
    assertThat(row.split("(?<!\\\\)\\|")).as("unescaped pipes delimit the cells of: " + row)
        .hasSize(md.lines().filter(l -> l.startsWith("| Policy")).findFirst().orElseThrow().split("\\|").length);
    assertThat(md).doesNotContain("\n| forged-policy");
  }

  @Test
  @DisplayName("S59 the HTML report carries a strict content security policy: no script runs, whatever the log holds")
  void htmlReportCarriesAStrictContentSecurityPolicy() {
    String html = report.render(ReportFormat.HTML);
    String head = html.substring(0, html.indexOf("<title>"));

    assertThat(head).contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none'; style-src 'sha256-");
    assertThat(HtmlRenderer.CONTENT_SECURITY_POLICY).doesNotContain("unsafe-eval", "script-src 'unsafe-inline'", "*", "http:")
        .contains("base-uri 'none'", "form-action 'none'");
    assertThat(html).doesNotContain("<script");
  }

  @Test
  @DisplayName("S59 control characters from the log are not written raw into the HTML or Markdown report")
  void controlCharactersFromTheLogAreNeutralised() throws Exception {
    Ed25519Signer signer = Ed25519Signer.generate("k1");
    InMemoryAuditSink sink = new InMemoryAuditSink();
    try (AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).build()) {
      trail.record(AuditEvent.builder(EventType.HALTED).time(T0).field("by", "eve\u001b[2J\u202e").field("reason", "x")).join();
    }
    Path log = tmp.resolve("controls.jsonl");
    GeneratedTrail.write(log, sink.events().stream().map(AuditEvent::toJson).toList());
    ComplianceReport r = ComplianceReport.builder().log(log).key(signer.verificationKey()).build();

    assertThat(r.render(ReportFormat.HTML)).doesNotContain("\u001b").contains("eve\uFFFD[2J");
    assertThat(r.render(ReportFormat.MD)).doesNotContain("\u001b", "\u202e").contains("eve\\u001B\\[2J\\u202E");
  }
}
