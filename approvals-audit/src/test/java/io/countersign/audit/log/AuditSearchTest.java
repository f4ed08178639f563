package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.EventType;
import io.countersign.audit.AuditChains;

import static io.countersign.audit.AuditChains.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditSearchTest {

  @TempDir
  Path dir;

  @BeforeEach
  void writeLog() throws IOException {
    try (FileAuditSink sink = FileAuditSink.open(dir); AuditTrail trail = AuditTrail.builder().sink(sink).signer(AuditChains.key("k1")).build()) {
      trail.record(AuditEvent.builder(EventType.REQUESTED).time(T0).requestId("r1")
          .field("action", Map.of("name", "payments.refund", "method", "Payments#refund"))
          .field("actor", Map.of("id", "agent:bot", "kind", "AGENT")).field("onBehalfOf", "carol")).join();
      trail.record(AuditEvent.builder(EventType.VOTE).time(T0.plusSeconds(60)).requestId("r1")
          .field("action", Map.of("name", "payments.refund", "method", "Payments#refund"))
          .field("vote", Map.of("reviewer", "bob", "decision", "DENY"))).join();
      trail.record(AuditEvent.builder(EventType.DECIDED).time(T0.plusSeconds(61)).requestId("r1")
          .field("action", Map.of("name", "payments.refund", "method", "Payments#refund"))
          .field("outcome", "REJECTED")).join();
      trail.record(AuditEvent.builder(EventType.REQUESTED).time(T0.plus(Duration.ofHours(2))).requestId("r2")
          .field("action", Map.of("name", "ops.restart", "method", "Ops#restart"))
          .field("actor", Map.of("id", "alice", "kind", "HUMAN"))).join();
    }
  }

  private List<String> find(AuditSearch search) throws IOException {
    return search.find(dir, 100).stream().map(e -> e.seq() + ":" + e.type()).toList();
  }

  @Test
  void searchesByActionSubstringActorReviewerDecisionAndTime() throws IOException {
    assertThat(find(AuditSearch.builder().action("refund").build())).containsExactly("1:REQUESTED", "2:VOTE", "3:DECIDED");
    assertThat(find(AuditSearch.builder().actor("carol").build())).containsExactly("1:REQUESTED");
    assertThat(find(AuditSearch.builder().actor("alice").build())).containsExactly("4:REQUESTED");
    assertThat(find(AuditSearch.builder().reviewer("bob").decision("deny").build())).containsExactly("2:VOTE");
    assertThat(find(AuditSearch.builder().decision("REJECTED").build())).containsExactly("3:DECIDED");
    assertThat(find(AuditSearch.builder().since(T0.plusSeconds(60)).until(T0.plusSeconds(61)).build())).containsExactly("2:VOTE");
    assertThat(find(AuditSearch.builder().type(EventType.CHECKPOINT).build())).containsExactly("5:CHECKPOINT");
    assertThat(find(AuditSearch.builder().build())).hasSize(5);
  }

  @Test
  void findStopsAtTheLimit() throws IOException {
    assertThat(AuditSearch.builder().build().find(dir, 2)).extracting(AuditEvent::seq).containsExactly(1L, 2L);
  }

  @Test
  void criteriaAreValidatedAtOnce() {
    assertThatIllegalArgumentException().isThrownBy(() -> AuditSearch.builder().actor(" "))
        .withMessage("actor must not be blank but was ' '");
    assertThatIllegalArgumentException().isThrownBy(() -> AuditSearch.builder().since(T0).until(T0))
        .withMessage("until must be after since (" + T0 + ") but was " + T0);
  }
}
