package io.countersign;

import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An {@link Approver} that keeps requests in memory and lets code vote on them: for unit tests of
 * guarded code, scripted reviewers and demos. Votes go through the gate like any channel's, so
 * every rule applies (a test cannot approve its own request by accident). It keeps every request
 * it was given, so it is meant for tests and demos, not long-running services.
 *
 * <pre>{@code
 * InMemoryApprover approver = new InMemoryApprover();
 * // ... a guarded call is waiting on another thread ...
 * ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(5));
 * approver.approve(request.id(), Reviewer.of("bob", "sre-leads"), "checked the diff");
 * }</pre>
 */
public final class InMemoryApprover implements Approver {

  /** The channel name recorded with this approver's votes. */
  public static final String CHANNEL = "in-memory";

  private final Map<String, Delivered> delivered = new ConcurrentHashMap<>();
  private final Map<String, ApprovalStatus> lastStatus = new ConcurrentHashMap<>();
  private final Map<String, io.countersign.policy.Escalation> escalations = new ConcurrentHashMap<>();
  private final BlockingQueue<ApprovalRequest> arrivals = new LinkedBlockingQueue<>();
  private final Consumer<ApprovalRequest> responder;

  private record Delivered(ApprovalRequest request, VoteSink votes) {}

  /** An approver that waits for code to vote. */
  public InMemoryApprover() {
    this.responder = null;
  }

  private InMemoryApprover(Consumer<ApprovalRequest> responder) {
    this.responder = Objects.requireNonNull(responder, "responder");
  }

  /**
   * An approver that hands every request to {@code responder} on the calling thread as soon as it
   * is delivered, e.g. a scripted reviewer that votes at once. An exception from it is a delivery
   * failure (the request is denied).
   */
  public static InMemoryApprover withResponder(Consumer<ApprovalRequest> responder) {
    return new InMemoryApprover(responder);
  }

  @Override
  public void request(ApprovalRequest request, VoteSink votes) {
    delivered.put(request.id(), new Delivered(request, votes));
    arrivals.add(request);
    if (responder != null) {
      responder.accept(request);
    }
  }

  @Override
  public void update(ApprovalStatus status) {
    lastStatus.put(status.request().id(), status);
  }

  @Override
  public void escalated(ApprovalRequest request, io.countersign.policy.Escalation escalation) {
    escalations.put(request.id(), escalation);
  }

  /** The escalation the gate announced for a request, if it reached one. */
  public Optional<io.countersign.policy.Escalation> escalation(String requestId) {
    return Optional.ofNullable(escalations.get(requestId));
  }

  /** Requests delivered and not yet decided, oldest first. */
  public List<ApprovalRequest> pending() {
    return delivered.values().stream().map(Delivered::request)
        .filter(r -> !status(r.id()).map(s -> s.state().isTerminal()).orElse(false))
        .sorted((a, b) -> a.createdAt().compareTo(b.createdAt())).toList();
  }

  /**
   * Waits for the next delivered request (in delivery order), without busy waiting.
   *
   * @throws IllegalStateException if none arrives within {@code timeout}
   */
  public ApprovalRequest awaitRequest(Duration timeout) throws InterruptedException {
    ApprovalRequest r = arrivals.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (r == null) {
      throw new IllegalStateException("no approval request arrived within " + timeout);
    }
    return r;
  }

  /** Approves as {@code reviewer}; the result says whether the vote counted. */
  public VoteResult approve(String requestId, Reviewer reviewer, String reason) {
    return vote(requestId, Vote.approve(reviewer, reason, CHANNEL));
  }

  /** Denies as {@code reviewer}; one counted deny vetoes the request. */
  public VoteResult deny(String requestId, Reviewer reviewer, String reason) {
    return vote(requestId, Vote.deny(reviewer, reason, CHANNEL));
  }

  /**
   * Submits any vote for the request with this id, through the sink the gate bound to that request
   * (votes on decided requests still reach the gate, which refuses and records them).
   */
  public VoteResult vote(String requestId, Vote vote) {
    Delivered d = delivered.get(requestId);
    if (d == null) {
      return new VoteResult(VoteResult.Refusal.UNKNOWN_REQUEST, null, "No approval request has the id '" + requestId + "'.");
    }
    return d.votes().vote(vote);
  }

  /** The last status the gate reported for a request (progress and outcome). */
  public Optional<ApprovalStatus> status(String requestId) {
    return Optional.ofNullable(lastStatus.get(requestId));
  }
}
