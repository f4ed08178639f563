package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.asyncAs;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalBindingException;
import io.countersign.ApprovalRejectedException;
import io.countersign.InMemoryApprover;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Spring advice hands the gate the live call, so the gate's rules hold through Spring AOP. */
class InterceptorBindingTest {

  @Test
  @DisplayName("S10 arguments mutated after approval, before execution, are refused through Spring AOP")
  void argumentsMutatedAfterTheRequestAreRefused() {
    runner().run(context -> {
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      List<String> roles = new ArrayList<>(List.of("viewer"));

      CompletableFuture<String> call = as(ALICE, () -> ops.grant(roles));
      String id = awaitRequest(approver).id();
      roles.add("admin");
      approver.approve(id, BOB, "viewer is fine");

      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ApprovalBindingException.class);
      assertThat(ops.ran()).isEmpty();
    });
  }

  @Test
  void synchronousMethodBlocksUntilApprovedThenRunsOnce() {
    runner().run(context -> {
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      CompletableFuture<String> call = asyncAs(ALICE, () -> ops.pushConfig("prod"));
      String id = awaitRequest(approver).id();
      assertThat(call).isNotDone();
      approver.approve(id, BOB, "change CHG-7");
      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("pushed prod");
      assertThat(ops.ran()).containsExactly("pushConfig prod");
    });
  }

  @Test
  void synchronousMethodDeniedThrowsAndNeverRunsAndTheSignedTrailVerifies() {
    runner().run(context -> {
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      CompletableFuture<String> call = asyncAs(ALICE, () -> ops.pushConfig("prod"));
      approver.deny(awaitRequest(approver).id(), BOB, "freeze");
      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApprovalRejectedException.class);
      assertThat(ops.ran()).isEmpty();
      var key = context.getBean(Ed25519Signer.class).verificationKey();
      assertThat(AuditVerifier.verify(Fixtures.sink(context).events(), key).ok()).isTrue();
    });
  }
}
