package io.countersign.spring.boot.docs;

import io.countersign.ApprovalGate;
import io.countersign.InMemoryApprover;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.micrometer.MicrometerGateListener;
import io.countersign.opentelemetry.TraceIdActorResolver;
import io.micrometer.core.instrument.MeterRegistry;

/** The plain-Java (no Spring) snippets of docs/INTEGRATIONS.md. */
final class PlainJavaSnippets {

  private PlainJavaSnippets() {}

  static ApprovalGate gateWithMetricsAndTraceIds(MeterRegistry meterRegistry) {
    // snippet: plain-java
    ApprovalGate gate = ApprovalGate.builder()
        .approver(new InMemoryApprover())
        .auditSink(new InMemoryAuditSink())
        .listener(new MicrometerGateListener(meterRegistry))      // countersign.* meters
        .actorResolver(TraceIdActorResolver.ofActorContext())     // OpenTelemetry trace id in every event
        .build();
    // end-snippet
    return gate;
  }
}
