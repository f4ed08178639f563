package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.spi.Approver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CompositeApproverTest {

  static final ApprovalRequest REQUEST = new ApprovalRequest("r1", "Act", "A#b", Actor.human("dave"), null, null, List.of(), "00",
      ApprovalRequirement.of(Set.of("bob"), Set.of(), 1, Duration.ofMinutes(1), false), new PolicyRef("annotation", "1", "00", null),
      Instant.EPOCH, Instant.EPOCH.plusSeconds(60));

  final Approver down = (request, votes) -> {
    throw new java.io.IOException("channel down");
  };

  @Test
  void deliveredWhenOneChannelDelivers() throws Exception {
    InMemoryApprover up = new InMemoryApprover();
    CompositeApprover.of(down, up).request(REQUEST, vote -> null);
    assertThat(up.pending()).containsExactly(REQUEST);
  }

  @Test
  @DisplayName("S22 every channel unreachable -> delivery fails, so the gate denies")
  void failsWhenNoChannelDelivers() {
    assertThatThrownBy(() -> CompositeApprover.of(down, down).request(REQUEST, vote -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no channel could deliver request r1")
        .hasRootCauseMessage("channel down");
  }

  @Test
  void needsAChannel() {
    assertThatThrownBy(CompositeApprover::of).isInstanceOf(IllegalArgumentException.class);
  }
}
