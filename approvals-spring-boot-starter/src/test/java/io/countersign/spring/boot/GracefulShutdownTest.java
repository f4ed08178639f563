package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.asyncAs;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalCancelledException;
import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.context.SmartLifecycle;

/** A pending synchronous approval never holds up a graceful shutdown: it ends as CANCELLED first, recorded. */
class GracefulShutdownTest {

  /**
   * Stands in for the web server's graceful shutdown (same phase): it waits, bounded, for the
   * in-flight call to finish and records whether it did.
   */
  static final class DrainingServer implements SmartLifecycle {
    final AtomicReference<CompletableFuture<?>> inFlight = new AtomicReference<>();
    final AtomicBoolean drained = new AtomicBoolean();
    private volatile boolean running;

    @Override
    public void start() {
      running = true;
    }

    @Override
    public void stop() {
      running = false;
      try {
        inFlight.get().handle((v, e) -> null).get(20, TimeUnit.SECONDS);
        drained.set(true);
      } catch (TimeoutException | ExecutionException e) {
        drained.set(false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public boolean isRunning() {
      return running;
    }

    @Override
    public int getPhase() {
      return SmartLifecycle.DEFAULT_PHASE - 1024; // WebServerGracefulShutdownLifecycle's phase
    }
  }

  @Test
  @DisplayName("graceful shutdown: a pending synchronous approval ends as CANCELLED before the server drains, recorded, with a clear exception")
  void pendingSynchronousApprovalIsCancelledBeforeTheServerDrains() throws Exception {
    DrainingServer server = new DrainingServer();
    AtomicReference<InMemoryAuditSink> sink = new AtomicReference<>();
    AtomicReference<ApprovalRequest> request = new AtomicReference<>();
    Fixtures.runner().withPropertyValues("countersign.shutdown-timeout=20s")
        .withBean(DrainingServer.class, () -> server).run(context -> {
          sink.set(Fixtures.sink(context));
          Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
          CompletableFuture<String> call = asyncAs(ALICE, () -> ops.pushConfig("prod"));
          server.inFlight.set(call);
          request.set(awaitRequest(context.getBean(InMemoryApprover.class)));
          context.close();
          assertThat(server.drained).as("the in-flight call ended before the server's drain timed out").isTrue();
          assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
              .cause().isInstanceOf(ApprovalCancelledException.class)
              .hasMessageContaining("was cancelled: " + GateShutdown.REASON)
              .hasMessageContaining("The action did not run");
          assertThat(ops.ran()).isEmpty();
        });
    assertThat(sink.get().events(request.get().id())).filteredOn(e -> e.type() == EventType.DECIDED)
        .singleElement().extracting(AuditEvent::toJson).asString()
        .contains("CANCELLED").contains("the application is shutting down");
  }
}
