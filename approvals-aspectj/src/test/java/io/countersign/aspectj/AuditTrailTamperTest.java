package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalRequest;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.EventType;
import io.countersign.audit.log.VerificationResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The trail woven calls leave behind verifies, and any edit of it is found at the edited event. */
class AuditTrailTamperTest extends WovenGateFixture {

  private final Ops ops = new Ops();
  private ApprovalRequest request;

  @BeforeEach
  void approvedAndDeniedCalls() throws Exception {
    Call<String> approved = callAs(AGENT, () -> ops.pushConfig("prod", "cfg"));
    request = nextRequest();
    approver.approve(request.id(), BOB, "checked");
    assertThat(approved.result()).succeedsWithin(WAIT);
    callAs(AGENT, () -> ops.pushConfig("staging", "cfg"));
    approver.deny(nextRequest().id(), CAROL, "not now");
  }

  @Test
  void untouchedTrailVerifiesAsLines() {
    VerificationResult result = AuditVerifier.verifyLines(lines(), signer.verificationKey());

    assertThat(result.ok()).as(result.summary()).isTrue();
    assertThat(result.lastSeq()).isEqualTo(audit.events().size());
  }

  @Test
  @DisplayName("S29 one byte of one event edited: verification fails at that event's seq")
  void verificationFailsAtEditedEvent() {
    AuditEvent decided = events(request.id(), EventType.DECIDED).get(0);
    List<String> lines = lines();
    int index = (int) decided.seq() - 1;
    String original = lines.get(index);
    String edited = original.replace("approved by bob", "approved by bop");
    assertThat(edited).hasSameSizeAs(original).isNotEqualTo(original);
    lines.set(index, edited);

    VerificationResult result = AuditVerifier.verifyLines(lines, signer.verificationKey());

    assertThat(result.ok()).isFalse();
    assertThat(result.firstBadSeq()).hasValue(decided.seq());
    assertThat(result.eventsChecked()).isEqualTo(decided.seq() - 1);
  }

  private List<String> lines() {
    List<String> lines = new ArrayList<>();
    for (AuditEvent event : audit.events()) {
      lines.add(event.toJson());
    }
    return lines;
  }
}
