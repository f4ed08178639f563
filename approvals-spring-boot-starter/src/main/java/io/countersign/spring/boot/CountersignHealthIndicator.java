package io.countersign.spring.boot;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalStatus;
import io.countersign.ApprovalUnavailableException;
import io.countersign.Countersign;
import io.countersign.HaltStatus;
import io.countersign.RequestState;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.log.GroupCommitSink;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import io.countersign.spi.GateListener;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Spring Boot Actuator's view of Countersign ({@code /actuator/health/countersign}): the gate
 * (pending requests, emergency stop, static installation, whether it still takes calls), each audit
 * sink (for file sinks: directory writable, and the error that stopped it), and the approval
 * channel (the approver and the last request that failed, e.g. because delivery failed).
 *
 * <p>Status: DOWN when guarded calls cannot run at all (an audit sink failed or cannot write, or
 * the gate is shutting down); OUT_OF_SERVICE while the emergency stop is in force; UP otherwise.
 * Details never include arguments or reasons that could carry sensitive values beyond the
 * gate's own outcome reasons.
 */
public final class CountersignHealthIndicator implements HealthIndicator {

  private final ApprovalGate gate;
  private final List<AuditSink> sinks;
  private final Approver approver;
  private final GateShutdown shutdown;
  private final FailedRequests failures;

  CountersignHealthIndicator(ApprovalGate gate, List<AuditSink> sinks, Approver approver, GateShutdown shutdown,
      FailedRequests failures) {
    this.gate = Objects.requireNonNull(gate, "gate");
    this.sinks = List.copyOf(sinks);
    this.approver = approver;
    this.shutdown = shutdown;
    this.failures = failures;
  }

  @Override
  public Health health() {
    Health.Builder health = Health.up();
    Map<String, Object> gateDetails = new LinkedHashMap<>();
    boolean accepting = shutdown == null || shutdown.isRunning();
    gateDetails.put("acceptingCalls", accepting);
    gateDetails.put("pending", gate.pending().size());
    gateDetails.put("staticallyInstalled", isInstalled());
    HaltStatus halt = gate.haltStatus().orElse(null);
    gateDetails.put("halted", halt == null ? false
        : Map.of("by", halt.by(), "since", halt.since().toString(), "reason", halt.reason()));
    if (halt != null) {
      health.outOfService();
    }
    boolean down = !accepting;

    List<Map<String, Object>> audit = new java.util.ArrayList<>();
    for (AuditSink sink : sinks) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("type", sink.getClass().getSimpleName());
      if (sink instanceof FileAuditSink file) {
        boolean writable = Files.isDirectory(file.directory()) && Files.isWritable(file.directory());
        s.put("directory", file.directory().toString());
        s.put("writable", writable);
        down |= !writable;
      }
      if (sink instanceof GroupCommitSink group && group.failure() != null) {
        s.put("lastError", group.failure().toString());
        down = true;
      }
      audit.add(s);
    }

    Map<String, Object> channels = new LinkedHashMap<>();
    channels.put("approver", approver == null ? "none" : approver.getClass().getSimpleName());
    ApprovalStatus failed = failures == null ? null : failures.last.get();
    if (failed != null) {
      channels.put("lastFailedRequest", Map.of("requestId", failed.request().id(), "reason",
          String.valueOf(failed.outcomeReason()), "at", String.valueOf(failed.decidedAt())));
    }
    if (down) {
      health.down();
    }
    return health.withDetail("gate", gateDetails).withDetail("audit", audit).withDetail("channels", channels).build();
  }

  private boolean isInstalled() {
    try {
      return Countersign.gate() == gate;
    } catch (ApprovalUnavailableException e) {
      return false;
    }
  }

  /** Remembers the last request that ended FAILED (delivery or store failure), for the health details. */
  static final class FailedRequests implements GateListener {
    final AtomicReference<ApprovalStatus> last = new AtomicReference<>();

    @Override
    public void decided(ApprovalStatus status) {
      if (status.state() == RequestState.FAILED) {
        last.set(status);
      }
    }
  }
}
