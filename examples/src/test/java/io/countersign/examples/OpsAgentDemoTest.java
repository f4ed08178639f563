package io.countersign.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalExpiredException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ManualTimeSource;
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.EventType;
import io.countersign.audit.VerificationKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the demo once, through the compile-time woven {@link Operations}, with a manual clock the
 * script advances past the config push's deadline (so no test waits on the real clock), and checks
 * each part of what it shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpsAgentDemoTest {

  @TempDir
  static Path dir;

  private OpsAgentDemo.Result result;
  private String transcript;

  @BeforeAll
  void runDemo() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      result = OpsAgentDemo.run(out, dir.resolve("demo-audit"), new ManualTimeSource());
    }
    transcript = buffer.toString(StandardCharsets.UTF_8);
  }

  @Test
  void exportApprovedByBobRunsOnce() {
    assertThat(result.exportedRows()).isEqualTo(Operations.EXPORTED_ROWS);
    assertThat(result.performed()).containsExactly(
        "exported " + Operations.EXPORTED_ROWS + " rows of customers to s3://analytics-exports/2026-q3/");
    assertThat(transcript).contains("outcome    EXECUTED: exported 1204 rows of customers");
  }

  @Test
  void aliceCannotApproveTheRequestOfTheAgentActingForHer() {
    assertThat(result.aliceVote().refusal()).isEqualTo(VoteResult.Refusal.ON_BEHALF_OF);
    assertThat(transcript).contains("REFUSED (ON_BEHALF_OF): The agent ops-agent acts for alice, so alice cannot approve");
  }

  @Test
  void grantDeniedByCarolNeverRuns() {
    assertThat(result.grantDenied())
        .isInstanceOf(ApprovalRejectedException.class)
        .hasMessageContaining("denied by carol: standing admin is not allowed");
    assertThat(result.performed()).noneMatch(p -> p.startsWith("granted"));
  }

  @Test
  void unansweredConfigPushExpiresAndNeverRuns() {
    assertThat(result.pushDenied())
        .isInstanceOf(ApprovalExpiredException.class)
        .hasMessageContaining("no decision within PT2S");
    assertThat(result.performed()).noneMatch(p -> p.startsWith("pushed"));
  }

  @Test
  void sensitiveConfigBodyAppearsNowhere() throws Exception {
    String secret = "s3cr3t-Pr0d-pa55";
    assertThat(OpsAgentDemo.CONFIG_BODY).contains(secret);
    assertThat(transcript).doesNotContain(secret).contains("configBody=[redacted]");
    assertThat(Files.readString(result.auditFile())).doesNotContain(secret).contains("[redacted]");
  }

  @Test
  void auditTrailRecordsEveryStepInOrder() {
    assertThat(result.events()).extracting(AuditEvent::type).containsExactly(
        EventType.REQUESTED, EventType.VOTE, EventType.DECIDED, EventType.EXECUTED,
        EventType.REQUESTED, EventType.VOTE, EventType.VOTE, EventType.DECIDED,
        EventType.REQUESTED, EventType.DECIDED,
        EventType.CHECKPOINT);
    assertThat(result.events()).extracting(e -> e.text("outcome")).containsSubsequence("APPROVED", "REJECTED", "EXPIRED");
  }

  @Test
  void writtenAuditTrailVerifiesWithTheGeneratedKey() throws Exception {
    assertThat(result.verification().ok()).as(result.verification().summary()).isTrue();
    assertThat(result.verification().eventsChecked()).isEqualTo(result.events().size());
    assertThat(transcript).contains("audit trail verified: 11 events, chain intact, 11 Ed25519 signatures valid");
    assertThat(Files.readAllLines(result.auditFile())).hasSize(result.events().size());
  }

  @Test
  void editingOneByteOfTheWrittenTrailIsDetected() throws Exception {
    List<String> lines = new ArrayList<>(Files.readAllLines(result.auditFile()));
    lines.set(2, lines.get(2).replace("approved by bob", "approved by eve"));
    VerificationKey key = VerificationKey.fromPem(OpsAgentDemo.KEY_ID,
        Files.readString(dir.resolve("demo-audit").resolve("pub.pem")));

    assertThat(AuditVerifier.verifyLines(lines, key).ok()).isFalse();
    assertThat(AuditVerifier.verifyLines(lines, key).firstBadSeq()).hasValue(3);
  }
}
