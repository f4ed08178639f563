package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.InMemoryApprover;
import io.countersign.micrometer.MicrometerGateListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.FilteredClassLoader;

class MetricsAutoConfigurationTest {

  @Test
  void requestsDecisionsPendingAndDecisionTimeAreRecordedInTheRegistry() {
    runner().withBean(SimpleMeterRegistry.class).run(context -> {
      assertThat(context).hasSingleBean(MicrometerGateListener.class);
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);

      CompletableFuture<String> call = as(ALICE, () -> context.getBean(Fixtures.Ops.class).restart("billing"));
      String id = awaitRequest(approver).id();
      assertThat(registry.get("countersign.requests").tag("action", "Fixtures$Ops#restart").counter().count()).isEqualTo(1);
      assertThat(registry.get("countersign.pending").gauge().value()).isEqualTo(1);

      approver.approve(id, BOB, "ok");
      call.join();
      assertThat(registry.get("countersign.decisions").tags("action", "Fixtures$Ops#restart", "outcome", "approved")
          .counter().count()).isEqualTo(1);
      assertThat(registry.get("countersign.decision.time").tag("outcome", "approved").timer().count()).isEqualTo(1);
      assertThat(registry.get("countersign.pending").gauge().value()).isZero();
    });
  }

  @Test
  void noListenerWithoutARegistryBean() {
    runner().run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MicrometerGateListener.class));
  }

  @Test
  void noListenerWhenDisabled() {
    runner().withBean(SimpleMeterRegistry.class).withPropertyValues("countersign.metrics.enabled=false")
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MicrometerGateListener.class));
  }

  @Test
  void noListenerWithoutMicrometerOnTheClasspath() {
    Fixtures.bareRunner().withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MicrometerGateListener.class));
  }
}
