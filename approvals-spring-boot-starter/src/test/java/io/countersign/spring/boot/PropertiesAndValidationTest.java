package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalRejectedException;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import io.countersign.audit.InMemoryAuditSink;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class PropertiesAndValidationTest {

  @Test
  void propertiesBindToTheirTypedValues() {
    runner().withPropertyValues("countersign.max-pending-per-actor=3", "countersign.audit-timeout=2s",
        "countersign.aop.order=42", "countersign.audit.default-sink=slf4j", "countersign.aop.self-invocation=fail",
        "countersign.metrics.enabled=false").run(context -> {
          CountersignProperties p = context.getBean(CountersignProperties.class);
          assertThat(p.getMaxPendingPerActor()).isEqualTo(3);
          assertThat(p.getAuditTimeout()).isEqualTo(Duration.ofSeconds(2));
          assertThat(p.getAop().getOrder()).isEqualTo(42);
          assertThat(context.getBean(ApprovalAdvisor.class).getOrder()).isEqualTo(42);
          assertThat(p.getAudit().getDefaultSink()).isEqualTo(CountersignProperties.DefaultSink.SLF4J);
          assertThat(p.getAop().getSelfInvocation()).isEqualTo(CountersignProperties.SelfInvocation.FAIL);
          assertThat(p.getMetrics().isEnabled()).isFalse();
        });
  }

  @Test
  @DisplayName("S26 countersign.max-pending-per-actor reaches the gate: the excess request is refused")
  void maxPendingPerActorIsEnforced() {
    runner().withPropertyValues("countersign.max-pending-per-actor=1").run(context -> {
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      as(ALICE, () -> ops.restart("billing"));
      awaitRequest(context.getBean(InMemoryApprover.class));
      assertThatThrownBy(() -> as(ALICE, () -> ops.restart("search")).join())
          .hasRootCauseInstanceOf(ApprovalRejectedException.class)
          .rootCause().hasMessageContaining("already has 1 pending");
      assertThat(ops.ran()).isEmpty();
    });
  }

  @Test
  void maxPendingPerActorBelowOneFailsStartupNamingTheProperty() {
    runner().withPropertyValues("countersign.max-pending-per-actor=0").run(context -> assertThat(context).hasFailed()
        .getFailure().rootCause().isInstanceOf(IllegalArgumentException.class)
        .hasMessage("countersign.max-pending-per-actor must be >= 1 but was 0"));
  }

  @Test
  void nonPositiveAuditTimeoutFailsStartupNamingTheProperty() {
    runner().withPropertyValues("countersign.audit-timeout=0s").run(context -> assertThat(context).hasFailed()
        .getFailure().rootCause().hasMessage("countersign.audit-timeout must be positive but was PT0S"));
  }

  @Test
  void unparsableDurationFailsStartupNamingThePropertyAndValue() {
    runner().withPropertyValues("countersign.audit-timeout=soon").run(context -> assertThat(context).hasFailed()
        .getFailure().hasStackTraceContaining("Failed to bind properties under 'countersign.audit-timeout'")
        .hasStackTraceContaining("'soon' is not a valid duration"));
  }

  @Test
  void unknownDefaultSinkFailsStartupNamingThePropertyAndValue() {
    runner().withPropertyValues("countersign.audit.default-sink=s3").run(context -> assertThat(context).hasFailed()
        .getFailure().hasStackTraceContaining("Failed to bind properties under 'countersign.audit.default-sink'")
        .hasStackTraceContaining("s3"));
  }

  @Test
  void withoutAnAuditSinkStartupFailsSayingHowToConfigureOne() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class))
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .isInstanceOf(ApprovalConfigurationException.class)
            .hasMessageContaining("declares no AuditSink bean")
            .hasMessageContaining("countersign.audit.default-sink"));
  }

  @Test
  void defaultSinkPropertySuppliesTheTrailWhenNoSinkBeanExists() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class))
        .withPropertyValues("countersign.audit.default-sink=in-memory")
        .run(context -> assertThat(context).hasNotFailed().hasBean("approvalGate"));
  }

  @Test
  void twoApproverBeansFailStartupSayingHowToCompose() {
    runner().withBean("one", InMemoryApprover.class).withBean("two", InMemoryApprover.class)
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("exactly one Approver bean but found 2")
            .hasMessageContaining("CompositeApprover.of"));
  }

  @Test
  void everyAuditSinkBeanReceivesTheEvents() {
    InMemoryAuditSink second = new InMemoryAuditSink();
    runner().withBean("secondSink", InMemoryAuditSink.class, () -> second).run(context -> {
      as(ALICE, () -> context.getBean(Fixtures.Ops.class).restart("billing"));
      String id = awaitRequest(context.getBean(InMemoryApprover.class)).id();
      assertThat(second.events(id)).isNotEmpty();
    });
  }

  // ------------------------------------------------------------ annotations of beans

  static class BadQuorum {
    @RequiresApproval(approvers = "group:sre", quorum = 0)
    public void wipe() {}
  }

  static class PrivateGuarded {
    public void run() {
      wipe();
    }

    @RequiresApproval(approvers = "group:sre")
    private void wipe() {}
  }

  static class FinalGuarded {
    @RequiresApproval(approvers = "group:sre")
    public final void wipe() {}
  }

  static class SelfInvoking {
    public void nightly() {
      wipe("all");
    }

    @RequiresApproval(approvers = "group:sre")
    public void wipe(String what) {}
  }

  @Test
  void invalidAnnotationOnABeanFailsStartupNamingMethodAttributeAndValue() {
    runner().withBean(BadQuorum.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("BadQuorum#wipe").hasMessageContaining("quorum").hasMessageContaining("0"));
  }

  @Test
  void privateGuardedMethodFailsStartupBecauseSpringAopCannotInterceptIt() {
    runner().withBean(PrivateGuarded.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("PrivateGuarded#wipe: the method is private")
        .hasMessageContaining("would run without approval"));
  }

  @Test
  void finalGuardedMethodFailsStartup() {
    runner().withBean(FinalGuarded.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
        .hasMessageContaining("FinalGuarded#wipe: the method is final"));
  }

  @Test
  void selfInvocationIsOnlyWarnedAboutWhenConfiguredTo() {
    runner().withBean(SelfInvoking.class).withPropertyValues("countersign.aop.self-invocation=warn")
        .run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  @DisplayName("S56 self-invocation fails startup by default, naming caller and callee")
  void selfInvocationFailsStartupByDefaultNamingCallerAndCallee() {
    runner().withBean(SelfInvoking.class)
        .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
            .hasMessageContaining("SelfInvoking#nightly calls the guarded method")
            .hasMessageContaining("SelfInvoking#wipe")
            .hasMessageContaining("bypasses the Spring AOP proxy"));
  }

  @Test
  void selfInvocationScanFindsOnlyCallsOfGuardedMethodsOnTheSameClass() {
    assertThat(GuardedBeans.selfInvocations(SelfInvoking.class, Set.of("wipe(Ljava/lang/String;)V")))
        .containsExactly(SelfInvoking.class.getName() + "#nightly calls the guarded method "
            + SelfInvoking.class.getName() + "#wipe");
    assertThat(GuardedBeans.selfInvocations(Fixtures.Ops.class, Set.of("restart(Ljava/lang/String;)Ljava/util/concurrent/CompletableFuture;")))
        .isEmpty();
  }
}
