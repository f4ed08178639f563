package io.countersign.spi;

import io.countersign.ApprovalStatus;

/**
 * Delivers approval requests to humans (Slack, a web page, e-mail, or in memory for tests) and
 * hands their votes back to the gate through the {@link VoteSink} it is given.
 *
 * <p>Contract: {@link #request} is called once per request, after the request is recorded, from the
 * calling thread; it should deliver (or enqueue delivery) and return quickly. Throwing means the
 * request could not be delivered: the gate records {@code DELIVERY_FAILED} and denies (fail closed).
 * All rules (eligibility, separation of duties, quorum, deadlines) are enforced by the gate, never
 * by the approver; votes may be handed to the sink from any thread.
 */
@FunctionalInterface
public interface Approver {

  /** Delivers {@code request} to its reviewers; their votes go to {@code votes}. */
  void request(io.countersign.ApprovalRequest request, VoteSink votes) throws Exception;

  /**
   * Told after each counted vote and once when the request reaches a terminal state, so a channel
   * can show progress and the outcome. Called from the thread that caused the change; exceptions
   * are logged and ignored (the decision is already made and recorded).
   */
  default void update(ApprovalStatus status) {}

  /**
   * Told when a request still pending reaches its rule's escalation delay: the escalation's reviewers
   * are now eligible and its recipients should be notified. Same threading and failure contract as
   * {@link #update}.
   */
  default void escalated(io.countersign.ApprovalRequest request, io.countersign.policy.Escalation escalation) {}
}
