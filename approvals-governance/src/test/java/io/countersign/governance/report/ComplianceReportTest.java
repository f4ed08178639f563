package io.countersign.governance.report;

import io.countersign.audit.log.AuditLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.audit.Ed25519Signer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComplianceReportTest {

  static final int REQUESTS = 1000;
  static final Clock FIXED = Clock.fixed(Instant.parse("2026-05-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir
  static Path tmp;
  static GeneratedTrail trail;
  static ComplianceReport report;

  @BeforeAll
  static void generate() throws Exception {
    trail = GeneratedTrail.generate(tmp.resolve("logs"), REQUESTS);
    report = ComplianceReport.builder().log(trail.dir).key(trail.key).clock(FIXED).build();
  }

  @Test
  void generatedTrailHasThousandsOfEventsAndRanEveryApprovedCall() {
    assertThat(trail.lines).hasSizeGreaterThanOrEqualTo(4100);
    assertThat(trail.executions).isEqualTo(800);
  }

  @Test
  void headlineSaysTheTrailVerifiedWithItsEventCountAndKey() {
    assertThat(report.verification().verified()).isTrue();
    assertThat(report.headline()).startsWith("Trail verified: " + String.format("%,d", trail.lines.size()) + " events, hash chain intact, ")
        .contains("keys: " + GeneratedTrail.KEY_ID);
  }

  @Test
  void figuresCountExactlyWhatTheScriptedReviewersDid() {
    ReportFigures f = report.figures().orElseThrow();
    assertThat(f.requests()).isEqualTo(new ReportFigures.Requests(1000, 800, 100, 100, 0, 0, 0, 0));
    assertThat(f.votes().approvalsCounted()).isEqualTo(900);
    assertThat(f.votes().denialsCounted()).isEqualTo(100);
    assertThat(f.votes().refused()).containsEntry("SELF_APPROVAL", 100L).containsEntry("ON_BEHALF_OF", 100L)
        .containsEntry("NOT_ELIGIBLE", 100L).hasSize(3);
    assertThat(f.votes().countedSelfApprovals()).isZero();
    assertThat(f.quorum()).isEqualTo(new ReportFigures.Quorum(800, 0, 100));
    assertThat(f.execution()).isEqualTo(new ReportFigures.Execution(800, 0, 0, 0, 0));
    assertThat(f.actors()).isEqualTo(new ReportFigures.Actors(7, 100, 4));
    assertThat(f.eventsByType()).containsEntry("REQUESTED", 1000L).containsEntry("VOTE", 1300L)
        .containsEntry("DECIDED", 1000L).containsEntry("EXECUTED", 800L);
    assertThat(f.recordContent()).isEqualTo(new ReportFigures.RecordContent(1000, 1000, 1000, 1000));
  }

  @Test
  void decisionTimesAreNearestRankPercentilesOfTheScriptedDelays() {
    List<Duration> delays = GeneratedTrail.humanDecisionDelays(REQUESTS);
    ReportFigures.DecisionTimes t = report.figures().orElseThrow().decisionTimes();
    assertThat(t.decisions()).isEqualTo(900);
    assertThat(t.median()).isEqualTo(delays.get(449)); // ceil(0.50 * 900) = 450th value
    assertThat(t.p95()).isEqualTo(delays.get(854)); // ceil(0.95 * 900) = 855th value
    assertThat(t.max()).isEqualTo(delays.get(899));
  }

  @Test
  void whoApprovedWhatListsEachReviewerAndAction() {
    assertThat(report.figures().orElseThrow().approvalsByReviewer()).containsExactly(
        new ReportFigures.ReviewerApprovals("bob", Ops.class.getName() + "#pushConfig", 500, 0),
        new ReportFigures.ReviewerApprovals("bob", Ops.class.getName() + "#rotateRootKeys", 100, 0),
        new ReportFigures.ReviewerApprovals("carol", Ops.class.getName() + "#pushConfig", 0, 100),
        new ReportFigures.ReviewerApprovals("carol", Ops.class.getName() + "#rotateRootKeys", 100, 0),
        new ReportFigures.ReviewerApprovals("dave", Ops.class.getName() + "#pushConfig", 100, 0),
        new ReportFigures.ReviewerApprovals("frank", Ops.class.getName() + "#payout", 100, 0));
  }

  @Test
  void policyVersionsInForceAreTheThreeAnnotationRulesWithTheirDigests() {
    List<ReportFigures.PolicyInForce> policies = report.figures().orElseThrow().policies();
    assertThat(policies).extracting(ReportFigures.PolicyInForce::requests).containsExactlyInAnyOrder(800L, 100L, 100L);
    assertThat(policies).allSatisfy(p -> {
      assertThat(p.id()).isEqualTo("annotation");
      assertThat(p.digest()).matches("[0-9a-f]{64}");
    });
  }

  @Test
  void markdownPrintsExactlyTheKnownCounts() {
    String md = report.render(ReportFormat.MD);
    assertThat(md).startsWith("# Countersign compliance evidence report\n\n> **Trail verified: ")
        .contains("| Privileged actions requested | 1,000 |\n")
        .contains("| Approved | 800 |\n")
        .contains("| Denied | 100 |\n")
        .contains("| Expired (no decision in time: denied) | 100 |\n")
        .contains("| Self-approval attempts refused | 100 |\n")
        .contains("| Approvals by the agent's principal refused | 100 |\n")
        .contains("| Approved with quorum met | 800 |\n")
        .contains("| Multi-party approvals (quorum of 2 or more) | 100 |\n")
        .contains("| Executed after approval | 800 |\n")
        .contains("| Executions without approval | 0 |\n")
        .contains("| Median time to decision | " + Text.duration(GeneratedTrail.humanDecisionDelays(REQUESTS).get(449)) + " |\n")
        .contains("| bob | " + Text.md(Ops.class.getName() + "#pushConfig") + " | 500 | 0 |\n")
        .contains("### SOC 2 CC6.3", "### SOC 2 CC8.1", "### ISO/IEC 27001:2022 A.8.15", "### NIST SP 800-53 Rev. 5 AU-3",
            "### NIST SP 800-53 Rev. 5 AU-9", "### NIST SP 800-53 Rev. 5 AU-10", "### NIST SP 800-53 Rev. 5 AC-5",
            "### EU AI Act Art. 12", "### EU AI Act Art. 14")
        .doesNotContain("NOT VERIFIED");
  }

  @Test
  void jsonCarriesTheSameCountsUnderStableFieldNames() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.render(ReportFormat.JSON));
    assertThat(json.get("verified").asBoolean()).isTrue();
    assertThat(json.get("figuresWithheld").asBoolean()).isFalse();
    JsonNode r = json.at("/figures/requests");
    assertThat(r.get("requested").asLong()).isEqualTo(1000);
    assertThat(r.get("approved").asLong()).isEqualTo(800);
    assertThat(r.get("denied").asLong()).isEqualTo(100);
    assertThat(r.get("expired").asLong()).isEqualTo(100);
    assertThat(json.at("/figures/votes/refused/SELF_APPROVAL").asLong()).isEqualTo(100);
    assertThat(json.at("/figures/votes/refused/ON_BEHALF_OF").asLong()).isEqualTo(100);
    assertThat(json.at("/figures/quorum/approvedWithQuorum").asLong()).isEqualTo(800);
    assertThat(json.at("/figures/decisionTimes/medianMillis").asLong())
        .isEqualTo(GeneratedTrail.humanDecisionDelays(REQUESTS).get(449).toMillis());
    assertThat(json.at("/verification/eventsChecked").asLong()).isEqualTo(trail.lines.size());
    assertThat(json.get("controls")).hasSize(9);
    // every control has evidence; Art. 14 also asks for attention: 100 requests expired without a human decision
    assertThat(json.get("controls")).allSatisfy(c -> assertThat(c.get("status").asText())
        .isEqualTo(c.get("control").asText().equals("Art. 14") ? "ATTENTION" : "EVIDENCE"));
    assertThat(json.at("/controls/8/attention/0").asText()).isEqualTo("100 requests expired without a human decision (denied by default).");
  }

  @Test
  void htmlIsOneSelfContainedFileWithAnInlineChart() {
    String html = report.render(ReportFormat.HTML);
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<style>", "<svg ", "<rect ", "Trail verified: ")
        .doesNotContain("<script", "<link", "src=", "url(", "@import", "https://");
    // the only URL is the SVG namespace, which is a name, not a resource the browser fetches
    assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://");
  }

  @Test
  void periodLimitsTheFiguresToEventsInside() {
    // The first 10 requests are 40 minutes apart plus their decision delays; the first day holds a known number.
    Instant from = GeneratedTrail.START;
    Instant to = from.plus(Duration.ofDays(1));
    ComplianceReport day = ComplianceReport.builder().log(trail.dir).key(trail.key).from(from).to(to).clock(FIXED).build();
    ReportFigures f = day.figures().orElseThrow();
    long requestedThatDay = trail.lines.stream().map(io.countersign.audit.AuditEvent::parse)
        .filter(e -> e.type().name().equals("REQUESTED") && e.time().isBefore(to)).count();
    assertThat(f.requests().requested()).isEqualTo(requestedThatDay).isBetween(10L, 999L);
    assertThat(day.verification().eventsChecked()).isEqualTo(trail.lines.size()); // the whole trail is verified
  }

  @Test
  @DisplayName("S29 one edited byte makes the report refuse to present figures as verified")
  void editedEventMakesTheReportNotVerifiedAndWithholdFigures() throws Exception {
    Path dir = tamperedCopy("edited", lines -> {
      int i = indexOf(lines, "\"reviewer\":\"bob\"", 500);
      lines.set(i, lines.get(i).replace("\"reviewer\":\"bob\"", "\"reviewer\":\"bib\""));
    });
    ComplianceReport bad = ComplianceReport.builder().log(dir).key(trail.key).clock(FIXED).build();
    assertThat(bad.verification().verified()).isFalse();
    assertThat(bad.verification().status()).isEqualTo("TAMPERED");
    assertThat(bad.figures()).isEmpty();
    assertThat(bad.headline()).startsWith("NOT VERIFIED — figures below are not evidence");
    String md = bad.render(ReportFormat.MD);
    assertThat(md).contains("NOT VERIFIED — figures below are not evidence", "Figures withheld")
        .doesNotContain("Trail verified", "Privileged actions requested", "| Approved |");
    JsonNode json = new ObjectMapper().readTree(bad.render(ReportFormat.JSON));
    assertThat(json.get("verified").asBoolean()).isFalse();
    assertThat(json.get("figures").isNull()).isTrue();
    assertThat(json.at("/verification/firstBadSeq").asLong()).isPositive();
    assertThat(bad.render(ReportFormat.HTML)).contains("NOT VERIFIED").doesNotContain("Trail verified");
  }

  @Test
  @DisplayName("S30 a deleted event makes the report NOT VERIFIED")
  void deletedEventMakesTheReportNotVerified() throws Exception {
    Path dir = tamperedCopy("deleted", lines -> lines.remove(indexOf(lines, "\"type\":\"DECIDED\"", 1200)));
    ComplianceReport bad = ComplianceReport.builder().log(dir).key(trail.key).clock(FIXED).build();
    assertThat(bad.verification().verified()).isFalse();
    assertThat(bad.figures()).isEmpty();
  }

  @Test
  @DisplayName("S32 a trail checked against another key is NOT VERIFIED")
  void wrongKeyMakesTheReportNotVerified() {
    ComplianceReport bad = ComplianceReport.builder().log(trail.dir)
        .key(Ed25519Signer.generate(GeneratedTrail.KEY_ID).verificationKey()).clock(FIXED).build();
    assertThat(bad.verification().verified()).isFalse();
    assertThat(bad.render(ReportFormat.MD)).contains("NOT VERIFIED").doesNotContain("Trail verified");
  }

  @Test
  void unverifiedFiguresOnRequestAreMarkedUnverifiedEverywhere() throws Exception {
    Path dir = tamperedCopy("edited-include", lines -> {
      int i = indexOf(lines, "\"decision\":\"DENY\"", 10);
      lines.set(i, lines.get(i).replace("\"decision\":\"DENY\"", "\"decision\":\"APPROVE\""));
    });
    ComplianceReport bad = ComplianceReport.builder().log(dir).key(trail.key).includeUnverifiedFigures(true).clock(FIXED).build();
    assertThat(bad.figures()).isPresent();
    String md = bad.render(ReportFormat.MD);
    assertThat(md).contains("NOT VERIFIED — figures below are not evidence", "## Summary (UNVERIFIED)")
        .doesNotContain("Trail verified");
    assertThat(bad.controls()).allSatisfy(c -> assertThat(c.attention()).contains("The trail did NOT verify: these figures are not evidence."));
    assertThat(bad.render(ReportFormat.HTML)).contains("UNVERIFIED");
  }

  @Test
  void tornLastLineIsLeftOutAndNoted() throws Exception {
    Path dir = tmp.resolve("torn");
    Files.createDirectories(dir);
    GeneratedTrail.write(dir.resolve(AuditLog.segmentName(1)), trail.lines.subList(0, 100));
    Files.writeString(dir.resolve(AuditLog.segmentName(1)), "{\"seq\":101,\"type\":\"VO", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    ComplianceReport r = ComplianceReport.builder().log(dir).key(trail.key).clock(FIXED).build();
    assertThat(r.verification().verified()).isTrue();
    assertThat(r.verification().eventsChecked()).isEqualTo(100);
    assertThat(r.verification().notes()).anySatisfy(n -> assertThat(n).contains("torn tail"));
  }

  @Test
  void pemWithoutKeyIdIsBoundToTheLogsKeyIdAndMustStillVerify() {
    ComplianceReport r = ComplianceReport.builder().log(trail.dir).keyPem(trail.pem).clock(FIXED).build();
    assertThat(r.verification().verified()).isTrue();
    assertThat(r.verification().notes()).anySatisfy(n -> assertThat(n).contains("taken as key id '" + GeneratedTrail.KEY_ID + "'"));
  }

  @Test
  void builderRefusesAReportWithoutKeyOrLogAndAnInvertedPeriod() {
    assertThatThrownBy(() -> ComplianceReport.builder().log(trail.dir).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs the trail's public key");
    assertThatThrownBy(() -> ComplianceReport.builder().key(trail.key).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs an audit log");
    assertThatThrownBy(() -> ComplianceReport.builder().from(Instant.parse("2026-02-01T00:00:00Z")).to(Instant.parse("2026-01-01T00:00:00Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the report period must end after it starts but was from 2026-02-01T00:00:00Z to 2026-01-01T00:00:00Z");
    assertThatThrownBy(() -> ComplianceReport.builder().log(tmp.resolve("missing")).key(trail.key).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing does not exist");
  }

  interface Edit {
    void apply(List<String> lines);
  }

  static Path tamperedCopy(String name, Edit edit) throws Exception {
    List<String> lines = new ArrayList<>(trail.lines);
    edit.apply(lines);
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    GeneratedTrail.write(dir.resolve(AuditLog.segmentName(1)), lines);
    return dir;
  }

  static int indexOf(List<String> lines, String needle, int from) {
    for (int i = from; i < lines.size(); i++) {
      if (lines.get(i).contains(needle)) {
        return i;
      }
    }
    throw new IllegalStateException("no line after " + from + " contains " + needle);
  }
}
