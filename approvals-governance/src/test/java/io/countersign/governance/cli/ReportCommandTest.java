package io.countersign.governance.cli;

import io.countersign.audit.log.AuditLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.governance.report.TestTrails;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

  @TempDir
  static Path tmp;
  static TestTrails.Trail trail;

  @BeforeAll
  static void generate() throws Exception {
    trail = TestTrails.generate(tmp.resolve("logs"), 500);
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ReportCommand.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void markdownOnStdoutPrintsTheKnownCountsAndExitsZero() {
    Run r = run(trail.dir().toString(), "--key", trail.pem().toString(), "--format", "md");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("> **Trail verified: ", "| Privileged actions requested | 500 |\n", "| Approved | 400 |\n",
        "| Denied | 50 |\n", "| Expired (no decision in time: denied) | 50 |\n", "| Self-approval attempts refused | 50 |\n",
        "| Approvals by the agent's principal refused | 50 |\n", "| Approved with quorum met | 400 |\n");
    assertThat(r.err()).startsWith("Trail verified: ");
  }

  @Test
  void jsonWithExplicitKeyIdAndPeriodCountsOnlyThePeriod() throws Exception {
    Run all = run(trail.dir().toString(), "--key", "audit-2026=" + trail.pem(), "--format", "json");
    assertThat(all.code()).isZero();
    JsonNode json = new ObjectMapper().readTree(all.out());
    assertThat(json.at("/figures/requests/requested").asLong()).isEqualTo(500);
    assertThat(json.at("/figures/requests/approved").asLong()).isEqualTo(400);
    assertThat(json.at("/figures/votes/refused/SELF_APPROVAL").asLong()).isEqualTo(50);

    Run firstDay = run(trail.dir().toString(), "--key", trail.pem().toString(), "--format", "json",
        "--from", "2026-03-01", "--to", "2026-03-01");
    JsonNode day = new ObjectMapper().readTree(firstDay.out());
    assertThat(day.at("/period/from").asText()).isEqualTo("2026-03-01T00:00:00Z");
    assertThat(day.at("/period/to").asText()).isEqualTo("2026-03-02T00:00:00Z");
    assertThat(day.at("/figures/requests/requested").asLong()).isBetween(1L, 499L);
  }

  @Test
  void htmlGoesToTheOutputFile() throws Exception {
    Path out = tmp.resolve("report.html");
    Run r = run(trail.dir().toString(), "--key", trail.pem().toString(), "--format", "html", "-o", out.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(Files.readString(out)).startsWith("<!DOCTYPE html>").contains("Trail verified: ", "<svg ");
  }

  @Test
  @DisplayName("S29 the CLI on a tampered log exits 1 and prints NOT VERIFIED without figures")
  void tamperedLogExitsOneAndWithholdsFigures() throws Exception {
    List<String> lines = new ArrayList<>(trail.lines());
    for (int i = 300; i < lines.size(); i++) {
      if (lines.get(i).contains("\"outcome\":\"REJECTED\"")) {
        lines.set(i, lines.get(i).replace("\"outcome\":\"REJECTED\"", "\"outcome\":\"APPROVED\""));
        break;
      }
    }
    Path dir = tmp.resolve("tampered");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(AuditLog.segmentName(1)), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    Run r = run(dir.toString(), "--key", trail.pem().toString(), "--format", "md");
    assertThat(r.code()).isEqualTo(ReportCommand.NOT_VERIFIED);
    assertThat(r.out()).contains("NOT VERIFIED — figures below are not evidence", "Figures withheld")
        .doesNotContain("Trail verified", "| Approved |");
    assertThat(r.err()).startsWith("NOT VERIFIED — figures below are not evidence: audit trail BROKEN at seq ");

    Run json = run(dir.toString(), "--key", trail.pem().toString(), "--format", "json", "--include-unverified");
    assertThat(json.code()).isEqualTo(ReportCommand.NOT_VERIFIED);
    JsonNode n = new ObjectMapper().readTree(json.out());
    assertThat(n.get("verified").asBoolean()).isFalse();
    assertThat(n.at("/figures/evidence").asBoolean()).isFalse();
  }

  @Test
  void usageErrorsExitTwoWithAMessageNamingTheBadValue() {
    Run noKey = run(trail.dir().toString());
    assertThat(noKey.code()).isEqualTo(ReportCommand.USAGE);
    assertThat(noKey.err()).contains("Missing required option: '--key=[KEYID=]PEM'");

    Run badFormat = run(trail.dir().toString(), "--key", trail.pem().toString(), "--format", "pdf");
    assertThat(badFormat.code()).isEqualTo(ReportCommand.USAGE);
    assertThat(badFormat.err()).contains("report format must be one of html, md, json but was 'pdf'");

    Run badDate = run(trail.dir().toString(), "--key", trail.pem().toString(), "--from", "yesterday");
    assertThat(badDate.code()).isEqualTo(ReportCommand.USAGE);
    assertThat(badDate.err()).contains("--from must be a date (2026-01-31) or a UTC instant (2026-01-31T12:00:00Z) but was 'yesterday'");

    Run missingLog = run(tmp.resolve("nope").toString(), "--key", trail.pem().toString());
    assertThat(missingLog.code()).isEqualTo(ReportCommand.USAGE);
    assertThat(missingLog.err()).contains("nope does not exist");
  }

  @Test
  void datesMeanWholeDaysAndInstantsAreTakenAsGiven() {
    assertThat(ReportCommand.parseWhen("--from", "2026-01-31", false)).isEqualTo(Instant.parse("2026-01-31T00:00:00Z"));
    assertThat(ReportCommand.parseWhen("--to", "2026-01-31", true)).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(ReportCommand.parseWhen("--to", "2026-01-31T12:00:00Z", true)).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
    assertThatThrownBy(() -> ReportCommand.parseWhen("--to", "31/01/2026", true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'31/01/2026'");
  }
}
