package io.countersign.ltw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.audit.EventType;
import io.countersign.audit.log.VerificationResult;
import io.countersign.ltw.service.PayoutService;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The aspect applied by load-time weaving only: {@link PayoutService} is compiled by javac, and
 * surefire starts the JVM with {@code -javaagent:aspectjweaver.jar}, which reads the aop.xml shipped
 * in approvals-aspectj.
 */
class LoadTimeWeavingTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Reviewer ERIN = Reviewer.of("erin", "treasury");

  private final PayoutService payouts = new PayoutService();

  @Test
  void serviceIsWovenAtLoadTimeNotAtCompileTime() {
    assertThat(Weaving.classFileMentionsAspectJ(PayoutService.class))
        .as("PayoutService.class as javac wrote it").isFalse();
    assertThat(Weaving.isWoven(PayoutService.class))
        .as("PayoutService as loaded through the weaving agent").isTrue();
  }

  @Test
  void approvedCallRunsTheBodyOnce() throws Exception {
    try (InstalledGate gate = InstalledGate.install(PayoutService.class)) {
      Future<String> call = gate.callAsAgent(() -> payouts.payOut("ACC-17", 1250));

      ApprovalRequest request = gate.approver.awaitRequest(WAIT);
      assertThat(payouts.payouts()).as("body runs only after approval").isZero();
      assertThat(request.method()).endsWith("PayoutService#payOut");
      assertThat(request.actor()).isEqualTo(InstalledGate.AGENT);
      VoteResult vote = gate.approver.approve(request.id(), ERIN, "refund matches ticket R-7");

      assertThat(vote.counted()).as(vote.message()).isTrue();
      assertThat(call.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("paid 1250 to ACC-17");
      assertThat(payouts.payouts()).isEqualTo(1);
      assertThat(gate.eventTypes())
          .containsExactly(EventType.REQUESTED, EventType.VOTE, EventType.DECIDED, EventType.EXECUTED);
      VerificationResult verification = gate.verifyTrail();
      assertThat(verification.ok()).as(verification.summary()).isTrue();
    }
  }

  @Test
  void deniedCallNeverRunsTheBody() throws Exception {
    try (InstalledGate gate = InstalledGate.install(PayoutService.class)) {
      Future<String> call = gate.callAsAgent(() -> payouts.payOut("ACC-17", 999_999));

      ApprovalRequest request = gate.approver.awaitRequest(WAIT);
      gate.approver.deny(request.id(), ERIN, "amount does not match the ticket");

      assertThatThrownBy(() -> call.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(ApprovalRejectedException.class)
          .hasMessageContaining("denied by erin: amount does not match the ticket");
      assertThat(payouts.payouts()).isZero();
      assertThat(gate.eventTypes()).doesNotContain(EventType.EXECUTED);
    }
  }

  @Test
  void callWithoutInstalledGateIsDenied() {
    assertThatThrownBy(() -> payouts.payOut("ACC-17", 1250))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("no approval gate is installed")
        .hasMessageContaining("Countersign.install(");
    assertThat(payouts.payouts()).isZero();
  }
}
