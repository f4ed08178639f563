package io.countersign.governance.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The figures a {@link ComplianceReport} draws from the audit events of its period, each counted
 * from the events themselves (not from the gate's say-so): requests and their outcomes, votes and
 * refusals, quorum, decision times, who approved what, policies in force, emergency stops, and
 * cross-checks that would expose a gate that broke its own rules.
 *
 * @param firstEvent time of the first event in the period, or {@code null} if none
 * @param lastEvent time of the last event in the period, or {@code null} if none
 * @param events events in the period
 * @param eventsByType events in the period per type ({@code REQUESTED}, {@code VOTE}, ...)
 * @param requests requests and their outcomes
 * @param votes votes counted and refused
 * @param quorum quorum of approved requests
 * @param execution what ran after approval
 * @param decisionTimes time from request to a human decision
 * @param actors who requested and who reviewed
 * @param recordContent how many records carry the content NIST AU-3 asks for
 * @param approvalsByReviewer who approved or denied what, by reviewer and action
 * @param policies the policy versions that governed requests in the period
 * @param policyChanges {@code POLICY_CHANGED} events in the period
 * @param halts emergency stops and resumptions in the period
 * @param timeline decisions per time bucket, for the chart
 */
public record ReportFigures(Instant firstEvent, Instant lastEvent, long events, Map<String, Long> eventsByType,
    Requests requests, Votes votes, Quorum quorum, Execution execution, DecisionTimes decisionTimes, Actors actors,
    RecordContent recordContent, List<ReviewerApprovals> approvalsByReviewer, List<PolicyInForce> policies,
    long policyChanges, List<Halt> halts, Timeline timeline) {

  /** Copies the collections. */
  public ReportFigures {
    eventsByType = Map.copyOf(eventsByType);
    approvalsByReviewer = List.copyOf(approvalsByReviewer);
    policies = List.copyOf(policies);
    halts = List.copyOf(halts);
  }

  /**
   * Privileged actions requested and how they were decided ({@code DECIDED} outcomes).
   *
   * @param requested {@code REQUESTED} events: privileged actions that needed approval
   * @param approved decided {@code APPROVED}
   * @param denied decided {@code REJECTED} (a reviewer denied, or a halt refused it)
   * @param expired decided {@code EXPIRED}: no decision before the deadline, so denied
   * @param cancelled decided {@code CANCELLED} (the caller gave up)
   * @param failed decided {@code FAILED} (delivery or audit failure: denied, fail closed)
   * @param refusedBeforeRequest calls refused before a request was opened (policy deny, pending limit)
   * @param undecided requests of the period without a decision in the log
   */
  public record Requests(long requested, long approved, long denied, long expired, long cancelled, long failed,
      long refusedBeforeRequest, long undecided) {}

  /**
   * Votes as the gate recorded them.
   *
   * @param approvalsCounted approving votes that counted
   * @param denialsCounted denying votes that counted
   * @param refused refused votes per refusal reason ({@code SELF_APPROVAL}, {@code ON_BEHALF_OF}, {@code NOT_ELIGIBLE}, ...)
   * @param countedSelfApprovals counted approvals by the requester or the human it acted for: must be 0
   */
  public record Votes(long approvalsCounted, long denialsCounted, Map<String, Long> refused, long countedSelfApprovals) {
    /** Copies the map. */
    public Votes {
      refused = Map.copyOf(refused);
    }

    /** Refused votes with this reason (0 if none). */
    public long refused(String refusal) {
      return refused.getOrDefault(refusal, 0L);
    }

    /** All refused votes. */
    public long refusedTotal() {
      return refused.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * Quorum of the approved requests.
   *
   * @param approvedWithQuorum approved with at least the rule's quorum of distinct approvals
   * @param approvedBelowQuorum approved with fewer approvals than the quorum: must be 0
   * @param multiPartyApprovals approved under a rule needing two or more approvers
   */
  public record Quorum(long approvedWithQuorum, long approvedBelowQuorum, long multiPartyApprovals) {}

  /**
   * What ran.
   *
   * @param executed {@code EXECUTED}: approved calls that ran and returned
   * @param failed {@code FAILED}: approved calls that threw, or were refused just before running
   *     (arguments changed, approval replayed, halt)
   * @param deliveryFailed {@code DELIVERY_FAILED}: requests no channel could deliver
   * @param executedWithoutApproval executions with no approval of that request earlier in the log: must be 0
   * @param executedMoreThanOnce requests executed more than once: must be 0
   */
  public record Execution(long executed, long failed, long deliveryFailed, long executedWithoutApproval,
      long executedMoreThanOnce) {}

  /**
   * Time from {@code REQUESTED} to a human decision ({@code APPROVED} or {@code REJECTED}), nearest-rank
   * percentiles; expiries are excluded (they take the whole timeout by definition).
   *
   * @param decisions decisions measured
   * @param median the 50th percentile, or {@code null} if none
   * @param p95 the 95th percentile, or {@code null} if none
   * @param max the longest, or {@code null} if none
   */
  public record DecisionTimes(long decisions, Duration median, Duration p95, Duration max) {}

  /**
   * Who was involved.
   *
   * @param requesters distinct requesting actors
   * @param agentRequests requests made by AI agents (actor kind {@code AGENT})
   * @param reviewers distinct reviewers with a counted vote
   */
  public record Actors(long requesters, long agentRequests, long reviewers) {}

  /**
   * Records carrying the content of NIST SP 800-53 AU-3 (what, when, where, source, outcome, identity).
   *
   * @param requestedComplete {@code REQUESTED} events with actor, action method, policy digest, args digest and rule
   * @param requestedTotal {@code REQUESTED} events
   * @param decidedComplete {@code DECIDED} events with an outcome, a reason and an action or a request id
   * @param decidedTotal {@code DECIDED} events
   */
  public record RecordContent(long requestedComplete, long requestedTotal, long decidedComplete, long decidedTotal) {}

  /**
   * One row of "who approved what".
   *
   * @param reviewer the reviewer id
   * @param action the action's method ({@code Class#method})
   * @param approved counted approvals
   * @param denied counted denials
   */
  public record ReviewerApprovals(String reviewer, String action, long approved, long denied) {}

  /**
   * A policy version that governed requests.
   *
   * @param id policy id ({@code annotation} for rules written on the method)
   * @param version policy version
   * @param digest SHA-256 of the policy's canonical form
   * @param requests requests governed by it in the period
   * @param firstSeen first request under it in the period
   * @param lastSeen last request under it in the period
   */
  public record PolicyInForce(String id, String version, String digest, long requests, Instant firstSeen, Instant lastSeen) {}

  /**
   * An emergency stop or resumption.
   *
   * @param time when
   * @param type {@code HALTED} or {@code RESUMED}
   * @param by the actor who halted, or who asked to resume
   * @param reason the reason given, or {@code null}
   * @param seq the event's sequence number
   */
  public record Halt(Instant time, String type, String by, String reason, long seq) {}

  /**
   * Decisions per time bucket.
   *
   * @param bucket the bucket length (an hour, a day or a week, chosen from the period's span)
   * @param buckets the buckets in time order, empty ones included
   */
  public record Timeline(Duration bucket, List<Bucket> buckets) {
    /** Copies the list. */
    public Timeline {
      buckets = List.copyOf(buckets);
    }
  }

  /**
   * Decisions in one time bucket.
   *
   * @param start the bucket's start (UTC)
   * @param approved {@code APPROVED} decisions
   * @param denied {@code REJECTED} decisions
   * @param expired {@code EXPIRED} decisions
   * @param other {@code CANCELLED} and {@code FAILED} decisions
   */
  public record Bucket(Instant start, long approved, long denied, long expired, long other) {
    /** All decisions in the bucket. */
    public long total() {
      return approved + denied + expired + other;
    }
  }
}
