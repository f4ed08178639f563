package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.ApprovalUnavailableException;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Actuator health contributor: gate, audit sinks and channel. */
class HealthIndicatorTest {

  private static ApplicationContextRunner runner() {
    return Fixtures.runner().withConfiguration(AutoConfigurations.of(CountersignHealthConfiguration.class));
  }

  private static Health health(org.springframework.context.ApplicationContext context) {
    return context.getBean("countersignHealthIndicator", HealthIndicator.class).health();
  }

  @Test
  void upWithGateSinkAndChannelDetails() {
    runner().run(context -> {
      Health health = health(context);
      assertThat(health.getStatus()).isEqualTo(Status.UP);
      assertThat(health.getDetails().get("gate")).isEqualTo(
          Map.of("acceptingCalls", true, "pending", 0, "staticallyInstalled", false, "halted", false));
      assertThat(health.getDetails().get("audit")).isEqualTo(List.of(Map.of("type", "InMemoryAuditSink")));
      assertThat(health.getDetails().get("channels")).isEqualTo(Map.of("approver", "InMemoryApprover"));
    });
  }

  @Test
  void downOnceTheGateStopsTakingCallsForShutdown() {
    runner().run(context -> {
      context.getBean(GateShutdown.class).stop();
      Health health = health(context);
      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.getDetails().get("gate")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
          .containsEntry("acceptingCalls", false);
    });
  }

  @Test
  void downWhenTheFileSinksDirectoryIsGone(@TempDir Path dir) throws IOException {
    Path logs = Files.createDirectory(dir.resolve("logs"));
    runner().withBean(FileAuditSink.class, () -> Fixtures.openFileSink(logs)).run(context -> {
      assertThat(health(context).getStatus()).isEqualTo(Status.UP);
      try (Stream<Path> files = Files.walk(logs)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      Health health = health(context);
      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.getDetails().get("audit")).asString().contains("writable=false").contains(logs.toString());
    });
  }

  @Test
  void theLastFailedRequestIsReportedUnderChannels() {
    Approver broken = new Approver() {
      @Override
      public void request(ApprovalRequest request, VoteSink votes) throws Exception {
        throw new IOException("slack unreachable");
      }

      @Override
      public void update(ApprovalStatus status) {}
    };
    runner().withBean("brokenApprover", Approver.class, () -> broken).run(context -> {
      assertThatThrownBy(() -> as(ALICE, () -> context.getBean(Fixtures.Ops.class).pushConfig("prod")))
          .isInstanceOf(ApprovalUnavailableException.class);
      assertThat(health(context).getDetails().get("channels")).asString().contains("lastFailedRequest");
    });
  }

  @Test
  void absentWithoutSpringBootHealthOnTheClasspath() {
    Fixtures.bareRunner().withConfiguration(AutoConfigurations.of(CountersignHealthConfiguration.class))
        .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("countersignHealthIndicator"));
  }
}
