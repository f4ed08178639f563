package io.countersign;

import java.time.Instant;
import java.util.List;

/**
 * What reviewers are asked to decide: who asks, for whom, what exactly (method and arguments, with
 * sensitive values redacted), why, under which requirement, and until when. Immutable.
 *
 * @param id the request id, unique per call
 * @param action the action as described to reviewers
 * @param method the guarded method as {@code Class#method}
 * @param actor who asks
 * @param justification why, as the caller stated it, or {@code null}
 * @param traceId the caller's trace id, or {@code null}
 * @param arguments the arguments as shown (sensitive ones redacted)
 * @param argsDigest SHA-256 (hex) over the real argument values; the approval is bound to it
 * @param requirement who must approve and how
 * @param policy which policy required the approval
 * @param createdAt when the request was opened
 * @param deadline when it expires
 */
public record ApprovalRequest(
    String id,
    String action,
    String method,
    Actor actor,
    String justification,
    String traceId,
    List<Argument> arguments,
    String argsDigest,
    ApprovalRequirement requirement,
    PolicyRef policy,
    Instant createdAt,
    Instant deadline) {

  public ApprovalRequest {
    arguments = List.copyOf(arguments);
  }
}
