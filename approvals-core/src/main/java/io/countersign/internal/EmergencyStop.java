package io.countersign.internal;

import io.countersign.ActorContext;
import io.countersign.ActorKind;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.CallContext;
import io.countersign.HaltStatus;
import io.countersign.PolicyRef;
import io.countersign.RequestState;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emergency stop: who may halt, the halt in force, and the resume request that lifts it once
 * approved. While halted every guarded call and every pending request (except resume requests) is
 * denied.
 */
final class EmergencyStop {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.gate");

  /** The pseudo-method of resume requests (they are approval requests like any other). */
  static final String RESUME_METHOD = "io.countersign.ApprovalGate#resume";

  private final GateSettings settings;
  private final AuditRecorder audit;
  private final Requests requests;
  /** The emergency stop in force, or null. Changed only under {@link #haltLock}. */
  private volatile HaltStatus halt;
  private final Object haltLock = new Object();

  EmergencyStop(GateSettings settings, AuditRecorder audit, Requests requests) {
    this.settings = settings;
    this.audit = audit;
    this.requests = requests;
  }

  /** The halt in force, or null (read on every guarded call: one volatile read). */
  HaltStatus current() {
    return halt;
  }

  void halt(Reviewer by, String reason) {
    ApprovalRequirement controllers = requireEmergencyStop("halt", by, reason);
    HaltStatus status;
    synchronized (haltLock) {
      if (halt != null) {
        LOG.info("Halt by {} ignored: already halted by {}", by.id(), halt.by());
        return;
      }
      status = new HaltStatus(by.id(), reason, audit.now());
      halt = status;
      // stopping is the safe direction: the halt holds even if it cannot be recorded (logged loudly)
      if (!audit.record(AuditEvent.builder(EventType.HALTED).time(status.since()).field("by", by.id()).field("reason", reason)
          .field("controllers", AuditFields.rule(controllers)))) {
        LOG.error("EMERGENCY STOP by {} is in force but could not be recorded in the audit trail", by.id());
      }
    }
    LOG.warn("EMERGENCY STOP by {}: {} - every guarded call is denied until a resume is approved", by.id(), reason);
    requests.endWaiting(r -> !isResume(r), RequestState.REJECTED, haltReason(status));
  }

  String requestResume(Reviewer by, String reason) {
    ApprovalRequirement controllers = requireEmergencyStop("resume", by, reason);
    if (halt == null) {
      throw new IllegalStateException("Guarded actions are not halted; there is nothing to resume.");
    }
    Instant now = audit.now();
    ApprovalRequest request = new ApprovalRequest(settings.idSource().get(), "Resume guarded actions after the emergency stop",
        RESUME_METHOD, io.countersign.Actor.human(by.id()), reason, null, List.of(), Arguments.digest(new Object[0]),
        controllers, new PolicyRef("emergency-stop", "1", AuditFields.ruleDigest(RESUME_METHOD, controllers), "resume"),
        now, now.plus(controllers.timeout()));
    PendingRequest r = requests.handle(request, null);
    r.decision.thenAccept(state -> {
      if (state == RequestState.APPROVED) {
        synchronized (haltLock) {
          HaltStatus was = halt;
          halt = null;
          audit.recordQuietly(audit.event(EventType.RESUMED, request).field("requestedBy", by.id())
              .field("approvedBy", r.status().votes().stream().map(v -> v.reviewerId()).toList())
              .field("haltedBy", was == null ? null : was.by()));
        }
        LOG.warn("Emergency stop lifted: resume request {} by {} was approved", request.id(), by.id());
      }
    });
    requests.start(r, null);
    return request.id();
  }

  Optional<HaltStatus> haltStatus() {
    return Optional.ofNullable(halt);
  }

  private ApprovalRequirement requireEmergencyStop(String what, Reviewer by, String reason) {
    ApprovalRequirement controllers = settings.emergencyStop();
    if (controllers == null) {
      throw new IllegalStateException("The emergency stop is not configured: call emergencyStop(rule) on the gate builder "
          + "to say who may halt and who approves a resume.");
    }
    java.util.Objects.requireNonNull(by, "by");
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("a " + what + " needs a reason but was " + (reason == null ? "null" : "'" + reason + "'"));
    }
    ActorContext.current().map(CallContext::actor).filter(a -> a.kind() != ActorKind.HUMAN).ifPresent(a -> {
      LOG.warn("Refused {} by {} {}: only humans may {}", what, a.kind(), a.id(), what);
      throw new ApprovalRejectedException(a.kind() + " " + a.id() + " cannot " + what
          + " guarded actions: only an authorised human can.", null, null);
    });
    if (!controllers.isEligible(by)) {
      throw new ApprovalRejectedException(by.id() + " is not allowed to " + what + " guarded actions (allowed: "
          + String.join(", ", controllers.approvers()) + ").", null, null);
    }
    return controllers;
  }

  static boolean isResume(ApprovalRequest request) {
    return RESUME_METHOD.equals(request.method());
  }

  static String haltReason(HaltStatus h) {
    return "guarded actions are halted (emergency stop by " + h.by() + " at " + h.since() + ": " + h.reason() + ")";
  }
}
