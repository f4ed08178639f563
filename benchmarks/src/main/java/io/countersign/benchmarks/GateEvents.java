package io.countersign.benchmarks;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The four events the gate writes for one approved request (REQUESTED, VOTE, DECIDED, EXECUTED),
 * with the fields and value shapes of a real gate log (taken from the demo's trail), for benchmarks
 * that need a realistic log rather than one event type repeated. Without signatures (checkpoint
 * mode) they are about 1,050, 740, 760 and 670 bytes once sealed: 800 bytes on average.
 */
final class GateEvents {

  private static final Map<String, Object> ACTION = Map.of(
      "name", "Export customer table",
      "method", "io.countersign.examples.Operations#exportTable");
  private static final Map<String, Object> POLICY = Map.of(
      "id", "annotation",
      "version", "1",
      "digest", "e9edcc32b20b607b3e8ac85795bfdb6a4331ae621f88f2d9a9ffd2abd1b7ad45",
      "rule", "io.countersign.examples.Operations#exportTable");
  private static final String ARGS_DIGEST = "c72c8d9fefc6d88ea00ddb5b5286cc796b36b167c93881e30bee867b58777966";

  private GateEvents() {}

  /** Event {@code i} of a run of requests: four events per request, in the gate's order. */
  static AuditEvent.Builder event(long i, Instant time) {
    String requestId = "1f3a07de-c085-4050-af6d-" + String.format("%012d", i / 4);
    switch ((int) (i % 4)) {
      case 0:
        return AuditEvent.builder(EventType.REQUESTED).time(time).requestId(requestId)
            .field("action", ACTION)
            .field("actor", Map.of("id", "ops-agent", "kind", "AGENT"))
            .field("args", List.of(
                Map.of("name", "table", "type", "String", "value", "\"customers\""),
                Map.of("name", "destination", "type", "String", "value", "\"s3://analytics-exports/2026-q3/\"")))
            .field("argsDigest", ARGS_DIGEST)
            .field("deadline", time.plusSeconds(900))
            .field("justification", "ticket OPS-101: quarterly churn analysis")
            .field("onBehalfOf", "alice")
            .field("policy", POLICY)
            .field("rule", Map.of("approvers", List.of("group:data-owners"), "quorum", 1, "reasonRequired", false,
                "timeout", "PT15M"));
      case 1:
        return AuditEvent.builder(EventType.VOTE).time(time).requestId(requestId)
            .field("action", ACTION)
            .field("approvals", 1)
            .field("policy", POLICY)
            .field("quorum", 1)
            .field("vote", Map.of("channel", "slack", "counted", true, "decision", "APPROVE",
                "reason", "scoped to the analytics bucket", "reviewer", "bob"));
      case 2:
        return AuditEvent.builder(EventType.DECIDED).time(time).requestId(requestId)
            .field("action", ACTION)
            .field("approvals", 1)
            .field("argsDigest", ARGS_DIGEST)
            .field("outcome", "APPROVED")
            .field("policy", POLICY)
            .field("quorum", 1)
            .field("reason", "approved by bob");
      default:
        return AuditEvent.builder(EventType.EXECUTED).time(time).requestId(requestId)
            .field("action", ACTION)
            .field("argsDigest", ARGS_DIGEST)
            .field("policy", POLICY);
    }
  }
}
