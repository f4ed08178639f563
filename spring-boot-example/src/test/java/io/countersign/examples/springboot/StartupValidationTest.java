package io.countersign.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalUnavailableException;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A misconfigured service does not start, and says which setting is wrong and why. */
class StartupValidationTest {

  @TempDir
  Path dir;

  @Test
  void invalidCountersignPropertyFailsStartupNamingPropertyAndValue() {
    assertThatThrownBy(() -> start("countersign.max-pending-per-actor=0"))
        .rootCause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("countersign.max-pending-per-actor must be >= 1 but was 0");
    assertThatThrownBy(() -> start("countersign.audit-timeout=-5s"))
        .hasRootCauseMessage("countersign.audit-timeout must be positive but was PT-5S")
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e)
            .hasStackTraceContaining(ApprovalConfigurationException.class.getName() + ": Invalid Countersign configuration"));
  }

  @Test
  void unknownApproverKindFailsStartupNamingTheProperty() {
    assertThatThrownBy(() -> start("example.approver=carrier-pigeon"))
        .hasStackTraceContaining("example.approver")
        .hasStackTraceContaining("carrier-pigeon");
  }

  @Test
  void shortReviewerTokenFailsStartupWithoutEchoingIt() {
    assertThatThrownBy(() -> start("example.reviewers[0].token=guessable"))
        .rootCause()
        .hasMessage("example.reviewers[0].token must be at least 16 characters but has 9 (leave it out to get a random one)");
  }

  @Test
  void signingKeyFileInsideTheLogDirectoryFailsStartup() {
    assertThatThrownBy(() -> start("example.audit.signing-key-file=" + dir.resolve("audit/key")))
        .rootCause()
        .hasMessageStartingWith("example.audit.signing-key-file must not be inside example.audit.dir");
  }

  @Test
  @DisplayName("S54 the service started with countersign.enabled=false denies the guarded export, saying why")
  void disabledCountersignDeniesGuardedCallsSayingWhy() {
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ExampleApplication.class)
        .run(ExampleTestSupport.args(dir, "countersign.enabled=false"))) {
      CustomerExports exports = context.getBean(CustomerExports.class);
      String table = exports.tables().iterator().next();
      assertThatThrownBy(() -> exports.exportTable(table))
          .isInstanceOf(ApprovalUnavailableException.class)
          .hasMessageContaining("Countersign is disabled (countersign.enabled=false");
      assertThat(dir.resolve("exports")).doesNotExist();
    }
  }

  private void start(String setting) {
    new SpringApplicationBuilder(ExampleApplication.class).run(ExampleTestSupport.args(dir, setting, ExampleTestSupport.NO_FAILURE_LOG)).close();
  }
}
