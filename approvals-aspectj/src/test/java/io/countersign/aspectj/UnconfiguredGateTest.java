package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ActorContext;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Countersign;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Woven code with no gate installed. Also proves that this module's test classes are woven with its
 * own aspect: without weaving these calls would simply run.
 */
class UnconfiguredGateTest {

  private final Ops ops = new Ops();

  @BeforeEach
  void noGateInstalled() {
    assertThat(Countersign.uninstall()).as("a previous test left a gate installed").isEmpty();
  }

  @Test
  @DisplayName("S28 a woven method called before a gate is installed is denied with instructions")
  void deniedWithInstructionsWhenNoGateIsInstalled() {
    assertThatThrownBy(() -> ActorContext.runAs(WovenGateFixture.AGENT, "no gate", () -> ops.pushConfig("prod", "cfg")))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("no approval gate is installed, so the guarded call was denied")
        .hasMessageContaining("Countersign.install(ApprovalGate.builder().approver(...).auditSink(...).build())");
    assertThat(ops.configPushes).hasValue(0);
  }

  @Test
  @DisplayName("S28 an async woven method called before a gate is installed returns a denied future")
  void asyncCallReturnsDeniedFutureWhenNoGateIsInstalled() throws Exception {
    CompletableFuture<String> result = ActorContext.runAs(WovenGateFixture.AGENT, "no gate", () -> ops.exportTable("customers"));

    assertThat(WovenGateFixture.failure(result, ApprovalUnavailableException.class))
        .hasMessageContaining("Countersign.install(");
    assertThat(ops.exports).hasValue(0);
  }

  @Test
  @DisplayName("S28 a woven static method called before a gate is installed is denied")
  void staticMethodDeniedWhenNoGateIsInstalled() {
    int before = Ops.FLEET_RESTARTS.get();

    assertThatThrownBy(() -> Ops.restartFleet("eu-west"))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("Countersign.install(");
    assertThat(Ops.FLEET_RESTARTS).hasValue(before);
  }
}
