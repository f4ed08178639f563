package io.countersign.http.internal;

import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequirement;
import io.countersign.HaltStatus;
import io.countersign.Reviewer;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The emergency stop as the API and the page use it: calls the gate's {@code halt} /
 * {@code requestResume} for the authenticated reviewer and translates the gate's answer into an
 * {@link Outcome} with an HTTP status. The gate alone decides who may halt or resume; the only
 * check made here is that a reason is given and not too long.
 */
public final class EmergencyStopActions {

  /** The answer of one halt or resume attempt. */
  public record Outcome(int status, String error, String message, HaltStatus halt, boolean alreadyHalted,
      String resumeRequestId) {

    /** Whether the gate did what was asked (halted, was already halted, or opened a resume request). */
    public boolean ok() {
      return status == 200;
    }

    static Outcome refused(int status, String error, String message) {
      return new Outcome(status, error, message, null, false, null);
    }
  }

  /** Why the page or API cannot stop anything: the gate was given no emergency stop rule. */
  public static final String NOT_CONFIGURED = "The emergency stop is not configured on this gate: call "
      + "emergencyStop(rule) on the ApprovalGate builder to say who may halt and who approves a resume.";

  private static final Logger LOG = LoggerFactory.getLogger(EmergencyStopActions.class);

  private final ApprovalGate gate;

  public EmergencyStopActions(ApprovalGate gate) {
    this.gate = Objects.requireNonNull(gate, "gate");
    if (gate.emergencyStopRule().isEmpty()) {
      LOG.warn("The HTTP emergency stop endpoints are enabled but gate {} has no emergencyStop rule: they will answer 503", gate);
    }
  }

  /** The emergency stop in force, if any. */
  public Optional<HaltStatus> status() {
    return gate.haltStatus();
  }

  /** Whether the gate has an emergency stop rule. */
  public boolean configured() {
    return gate.emergencyStopRule().isPresent();
  }

  /** The gate's emergency stop rule, if any. */
  public Optional<ApprovalRequirement> rule() {
    return gate.emergencyStopRule();
  }

  /** Whether the rule names {@code reviewer} (to offer the stop control; the gate still decides). */
  public boolean mayControl(Reviewer reviewer) {
    return gate.emergencyStopRule().map(r -> r.isEligible(reviewer)).orElse(false);
  }

  /** What is wrong with this halt or resume reason, or {@code null}. */
  public static String reasonProblem(String what, String reason) {
    if (reason == null || reason.isBlank()) {
      return "reason is required to " + what + ": say why, so the other controllers and the audit trail know.";
    }
    if (reason.length() > ApiHandler.MAX_REASON_LENGTH) {
      return "reason must have at most " + ApiHandler.MAX_REASON_LENGTH + " characters but had " + reason.length() + ".";
    }
    return null;
  }

  /** Halts every guarded call for {@code by}, if the gate allows it. */
  public Outcome halt(Reviewer by, String reason) {
    Outcome refused = precheck("halt", reason);
    if (refused != null) {
      return refused;
    }
    boolean already = gate.haltStatus().isPresent();
    try {
      gate.halt(by, reason.strip());
    } catch (ApprovalRejectedException e) {
      LOG.warn("HTTP halt refused for {}: {}", by.id(), e.getMessage());
      return Outcome.refused(403, "NOT_ALLOWED", e.getMessage());
    } catch (IllegalArgumentException e) {
      return Outcome.refused(400, "BAD_REQUEST", e.getMessage());
    } catch (IllegalStateException e) {
      return Outcome.refused(503, "NOT_CONFIGURED", NOT_CONFIGURED);
    }
    HaltStatus now = gate.haltStatus().orElse(null);
    LOG.info("HTTP halt by {} ({})", by.id(), already ? "already halted" : "halted now");
    return new Outcome(200, null, already && now != null
        ? "Guarded actions were already halted by " + now.by() + "; nothing changed."
        : "Every guarded call is denied until a resume is approved.", now, already, null);
  }

  /** Opens a resume request for {@code by}, if the gate allows it and guarded actions are halted. */
  public Outcome resume(Reviewer by, String reason) {
    Outcome refused = precheck("resume", reason);
    if (refused != null) {
      return refused;
    }
    if (gate.haltStatus().isEmpty()) {
      return Outcome.refused(409, "NOT_HALTED", "Guarded actions are not halted; there is nothing to resume.");
    }
    String id;
    try {
      id = gate.requestResume(by, reason.strip());
    } catch (ApprovalRejectedException e) {
      LOG.warn("HTTP resume refused for {}: {}", by.id(), e.getMessage());
      return Outcome.refused(403, "NOT_ALLOWED", e.getMessage());
    } catch (IllegalArgumentException e) {
      return Outcome.refused(400, "BAD_REQUEST", e.getMessage());
    } catch (IllegalStateException e) {
      // configured was checked above, so the halt was lifted in between
      return Outcome.refused(409, "NOT_HALTED", e.getMessage());
    } catch (ApprovalDeniedException e) {
      LOG.warn("HTTP resume by {} could not be opened: {}", by.id(), e.getMessage());
      return Outcome.refused(503, "UNAVAILABLE", "The resume request could not be opened: " + e.getMessage());
    }
    LOG.info("HTTP resume requested by {}: request {}", by.id(), id);
    String approvers = gate.emergencyStopRule().map(r -> String.join(", ", r.approvers()) + " (quorum " + r.quorum() + ")")
        .orElse("the emergency stop controllers");
    return new Outcome(200, null, "Resume requested: " + approvers + " must approve request " + id
        + ", and not the one who asked; guarded actions stay halted until then.", gate.haltStatus().orElse(null), false, id);
  }

  private Outcome precheck(String what, String reason) {
    if (!configured()) {
      return Outcome.refused(503, "NOT_CONFIGURED", NOT_CONFIGURED);
    }
    String problem = reasonProblem(what, reason);
    return problem == null ? null : Outcome.refused(400, "BAD_REQUEST", problem);
  }
}
