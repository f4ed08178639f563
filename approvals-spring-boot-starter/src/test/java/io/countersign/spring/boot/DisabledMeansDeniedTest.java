package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalUnavailableException;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** S54: disabling Countersign denies guarded calls with a message that says why; it never lets them run unguarded. */
class DisabledMeansDeniedTest {

  @Test
  @DisplayName("S54 countersign.enabled=false: guarded calls are denied saying why, unguarded methods still run")
  void disabledByPropertyDeniesGuardedCalls() {
    runner().withPropertyValues("countersign.enabled=false").run(DisabledMeansDeniedTest::assertGuardedCallsDenied);
  }

  @Test
  @DisplayName("S54 COUNTERSIGN_ENABLED=false from the environment: guarded calls are denied")
  void disabledByEnvironmentDeniesGuardedCalls() {
    runner().withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
            new SystemEnvironmentPropertySource("env", Map.of("COUNTERSIGN_ENABLED", "false"))))
        .run(DisabledMeansDeniedTest::assertGuardedCallsDenied);
  }

  @Test
  @DisplayName("S54 disabled, a self-invoking guarded bean still fails startup (the denial could be bypassed)")
  void disabledStillRefusesSelfInvocation() {
    runner().withPropertyValues("countersign.enabled=false").withBean(PropertiesAndValidationTest.SelfInvoking.class)
        .run(context -> assertThat(context).hasFailed().getFailure()
            .isInstanceOf(ApprovalConfigurationException.class)
            .hasMessageContaining("SelfInvoking#nightly calls the guarded method"));
  }

  private static void assertGuardedCallsDenied(AssertableApplicationContext context) throws Exception {
    assertThat(context).hasNotFailed().doesNotHaveBean(ApprovalGate.class);
    Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
    assertThatThrownBy(() -> as(ALICE, () -> ops.pushConfig("prod")))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageStartingWith("Countersign is disabled (countersign.enabled=false, e.g. from the environment "
            + "variable COUNTERSIGN_ENABLED=false), so this @RequiresApproval call was denied");
    assertThatThrownBy(() -> as(ALICE, () -> ops.restart("billing").join()))
        .isInstanceOf(ApprovalUnavailableException.class);
    assertThat(as(ALICE, ops::status)).isEqualTo("ok");
    assertThat(ops.ran()).containsExactly("status");
  }
}
