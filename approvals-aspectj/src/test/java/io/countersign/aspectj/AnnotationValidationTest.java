package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ActorContext;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalUnavailableException;
import io.countersign.InMemoryApprover;
import io.countersign.audit.InMemoryAuditSink;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invalid annotation values are reported naming {@code Class#method}, the attribute and the value:
 * at startup for classes given to the builder, and otherwise on the first call, which is denied.
 */
class AnnotationValidationTest extends WovenGateFixture {

  private final BadService bad = new BadService();

  /** Each bad method of {@link BadService} with the problem reported for it (attribute and value). */
  static Stream<Arguments> badMethods() {
    return Stream.of(
        Arguments.of("zeroQuorum", "quorum must be >= 1 but was 0", call(BadService::zeroQuorum)),
        Arguments.of("badTimeout", "timeout must be an ISO-8601 duration such as 'PT15M' but was '15 minutes'",
            call(BadService::badTimeout)),
        Arguments.of("noApprovers", "approvers must name at least one reviewer id or group (or set policy) but was {}",
            call(BadService::noApprovers)));
  }

  private static Consumer<BadService> call(Consumer<BadService> method) {
    return method;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMethods")
  void startupValidationNamesMethodAttributeAndValue(String method, String problem, Consumer<BadService> unused) {
    ApprovalGate.Builder builder = ApprovalGate.builder()
        .approver(new InMemoryApprover())
        .auditSink(new InMemoryAuditSink())
        .checkGuarded(BadService.class);

    assertThatThrownBy(builder::build)
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("@RequiresApproval on " + BadService.class.getName() + "#" + method + ": " + problem);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badMethods")
  void callWithoutStartupValidationDeniedNamingMethodAttributeAndValue(String method, String problem,
      Consumer<BadService> guardedCall) {
    assertThatThrownBy(() -> ActorContext.runAs(AGENT, "misconfigured", () -> guardedCall.accept(bad)))
        .isInstanceOf(ApprovalUnavailableException.class)
        .hasMessageContaining("@RequiresApproval on " + BadService.class.getName() + "#" + method + ": " + problem)
        .hasMessageContaining("the call was denied; fix the annotation");
    assertThat(bad.runs).hasValue(0);
    assertThat(approver.pending()).isEmpty();
  }

  @Test
  void startupValidationAcceptsValidClasses() {
    ApprovalGate checked = ApprovalGate.builder()
        .approver(new InMemoryApprover())
        .auditSink(new InMemoryAuditSink())
        .checkGuarded(Ops.class, Database.class)
        .build();

    assertThat(checked).isNotNull();
    checked.close();
  }
}
