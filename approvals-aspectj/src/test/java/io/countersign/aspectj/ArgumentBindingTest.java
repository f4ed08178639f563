package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalBindingException;
import io.countersign.ApprovalRequest;
import io.countersign.Argument;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** An approval covers exactly the arguments reviewers saw; sensitive ones are shown redacted but still bound. */
class ArgumentBindingTest extends WovenGateFixture {

  private static final String SECRET = "db-password=hunter2";

  private final Ops ops = new Ops();

  @Test
  @DisplayName("S10 a list argument mutated while the request is pending is refused at execution and recorded")
  void refusedWhenArgumentMutatedBeforeExecution() throws Exception {
    List<String> hosts = new ArrayList<>(List.of("web-1", "web-2"));
    Call<Integer> call = callAs(AGENT, () -> ops.deleteHosts(hosts));
    ApprovalRequest request = nextRequest();
    assertThat(request.arguments()).singleElement().satisfies(a -> assertThat(a.value()).isEqualTo("[\"web-1\",\"web-2\"]"));

    hosts.add("db-1");
    approver.approve(request.id(), BOB, "two web hosts, fine");

    assertThat(failure(call.result(), ApprovalBindingException.class))
        .hasMessageContaining("changed after reviewers saw them");
    assertThat(ops.hostDeletions).hasValue(0);
    assertThat(events(request.id(), EventType.FAILED)).singleElement().satisfies(f -> {
      assertThat(field(f, "reason")).contains("arguments changed after the request");
      assertThat(field(f, "argsDigest")).isEqualTo(request.argsDigest());
      assertThat(field(f, "actualArgsDigest")).isNotEqualTo(request.argsDigest());
    });
    assertThat(events(request.id(), EventType.EXECUTED)).isEmpty();
  }

  @Test
  void unchangedListArgumentRunsAfterApproval() throws Exception {
    List<String> hosts = new ArrayList<>(List.of("web-1", "web-2"));
    Call<Integer> call = callAs(AGENT, () -> ops.deleteHosts(hosts));
    ApprovalRequest request = nextRequest();

    approver.approve(request.id(), BOB, "ok");

    assertThat(call.result()).succeedsWithin(WAIT).isEqualTo(2);
    assertThat(ops.hostDeletions).hasValue(1);
  }

  @Test
  void sensitiveArgumentRedactedInRequest() throws Exception {
    callAs(AGENT, () -> ops.pushConfig("prod", SECRET));

    ApprovalRequest request = nextRequest();

    assertThat(request.arguments()).containsExactly(
        new Argument("env", "String", "\"prod\"", false),
        new Argument("configBody", "String", Argument.REDACTED, true));
  }

  @Test
  void sensitiveArgumentRedactedInAuditEvents() throws Exception {
    Call<String> call = callAs(AGENT, () -> ops.pushConfig("prod", SECRET));
    ApprovalRequest request = nextRequest();
    approver.approve(request.id(), BOB, "ok");
    assertThat(call.result()).succeedsWithin(WAIT);

    AuditEvent requested = events(request.id(), EventType.REQUESTED).get(0);
    assertThat(requested.get("args").get(1).get("value").asText()).isEqualTo("[redacted]");
    assertThat(requested.get("args").get(1).get("redacted").asBoolean()).isTrue();
    assertThat(audit.events()).extracting(AuditEvent::toJson).noneMatch(json -> json.contains("hunter2"));
  }

  @Test
  void digestCoversTheRealValueOfSensitiveArgument() throws Exception {
    callAs(AGENT, () -> ops.pushConfig("prod", SECRET));
    ApprovalRequest first = nextRequest();
    callAs(AGENT, () -> ops.pushConfig("prod", "db-password=correct-horse"));
    ApprovalRequest second = nextRequest();

    assertThat(second.arguments()).isEqualTo(first.arguments());
    assertThat(second.argsDigest()).isNotEqualTo(first.argsDigest());
  }
}
