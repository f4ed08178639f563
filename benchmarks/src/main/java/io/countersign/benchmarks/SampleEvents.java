package io.countersign.benchmarks;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * One audit event's content, written the same way to both sides of a comparison: the fields of the
 * gate's REQUESTED event (action, policy, actor, arguments, rule, deadline), about 600 bytes once
 * serialized. Countersign seals it (seq, prevHash, SHA-256 hash, signature); logback's
 * {@code JsonEncoder} writes the same values as key-value pairs.
 */
final class SampleEvents {

  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final Map<String, Object> ACTION = Map.of(
      "name", "Deploy release",
      "method", "io.countersign.benchmarks.GuardedOperations#deploy");
  static final Map<String, Object> POLICY = Map.of(
      "id", "annotation",
      "version", "1",
      "digest", "9f2c1a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
      "rule", "io.countersign.benchmarks.GuardedOperations#deploy");
  static final Map<String, Object> ACTOR = Map.of("id", "ops-agent", "kind", "AGENT", "onBehalfOf", "alice");
  static final List<Map<String, Object>> ARGS = List.of(
      Map.of("name", "build", "type", "long", "value", "4711", "sensitive", false),
      Map.of("name", "environment", "type", "String", "value", "\"production-eu-west-1\"", "sensitive", false));
  static final String ARGS_DIGEST = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";
  static final Map<String, Object> RULE = Map.of(
      "approvers", List.of("group:ops-leads"), "quorum", 1, "timeout", "PT1M", "reasonRequired", false);
  static final String JUSTIFICATION = "ticket OPS-4711: roll out the fix for the checkout timeout";

  private SampleEvents() {}

  /** The event for Countersign's trail (it adds seq, eventId, prevHash, hash, keyId and signature). */
  static AuditEvent.Builder countersign(String requestId, Instant time) {
    return AuditEvent.builder(EventType.REQUESTED).time(time).requestId(requestId)
        .field("traceId", TRACE_ID)
        .field("action", ACTION)
        .field("policy", POLICY)
        .field("actor", ACTOR)
        .field("onBehalfOf", "alice")
        .field("justification", JUSTIFICATION)
        .field("args", ARGS)
        .field("argsDigest", ARGS_DIGEST)
        .field("rule", RULE)
        .field("deadline", time.plusSeconds(60));
  }

  static final String VOTE_ARGS_DIGEST = "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

  /**
   * A VOTE event as the audit throughput harness ({@code AuditThroughputHarness} in
   * approvals-audit-cli) builds it, about 750 bytes sealed: the same fields, values and
   * {@code Map.of} calls per event, so that {@link DurableAppendBenchmark} measures what the
   * harness measures.
   */
  static AuditEvent.Builder vote(String requestId, Instant time) {
    return AuditEvent.builder(EventType.VOTE).time(time).requestId(requestId)
        .field("traceId", TRACE_ID)
        .field("action", Map.of("name", "payments.refund", "method", "com.example.Payments#refund(String,long)"))
        .field("policy", Map.of("id", "refunds", "version", 3, "digest", "9f2c1a7e5b3d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"))
        .field("vote", Map.of("reviewer", "U024BE7LH", "channel", "slack", "decision", "APPROVE", "reason", "checked the ticket, ok",
            "counted", true))
        .field("argsDigest", VOTE_ARGS_DIGEST);
  }

  /** The same content through SLF4J's fluent API, for logback's {@code JsonEncoder} (key-value pairs). */
  static void logback(Logger logger, String requestId, Instant time) {
    logger.atInfo().setMessage("REQUESTED")
        .addKeyValue("type", "REQUESTED")
        .addKeyValue("time", time)
        .addKeyValue("requestId", requestId)
        .addKeyValue("traceId", TRACE_ID)
        .addKeyValue("action", ACTION)
        .addKeyValue("policy", POLICY)
        .addKeyValue("actor", ACTOR)
        .addKeyValue("onBehalfOf", "alice")
        .addKeyValue("justification", JUSTIFICATION)
        .addKeyValue("args", ARGS)
        .addKeyValue("argsDigest", ARGS_DIGEST)
        .addKeyValue("rule", RULE)
        .addKeyValue("deadline", time.plusSeconds(60))
        .log();
  }
}
