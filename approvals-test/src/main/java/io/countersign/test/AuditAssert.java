package io.countersign.test;

import io.countersign.audit.FieldValue;
import io.countersign.RequestState;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.EventType;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.log.VerificationResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.opentest4j.AssertionFailedError;

/**
 * Fluent assertions over a snapshot of the audit trail: that the chain verifies, which events were
 * recorded, and for one request its decision, reviewers and policy digest. Every failure says what
 * was expected and lists every event recorded (seq, type, request, vote, outcome, reason, policy).
 *
 * <pre>{@code
 * gate.audit().chainVerifies()
 *     .lastRequest().wasApproved().reviewers("alice", "bob").policyDigest(policy.digest()).executed();
 * }</pre>
 */
public final class AuditAssert {

  private final List<AuditEvent> events;
  private final VerificationKey key;

  AuditAssert(List<AuditEvent> events, VerificationKey key) {
    this.events = List.copyOf(events);
    this.key = key;
  }

  /**
   * The failure to throw: {@code message} followed by every recorded event, one per line (the
   * expected and actual values, when given, are shown by IDEs as a diff).
   */
  static AssertionFailedError failure(List<AuditEvent> recorded, String message, Object expected, Object actual) {
    String text = message + describe(recorded);
    return expected == null && actual == null ? new AssertionFailedError(text) : new AssertionFailedError(text, expected, actual);
  }

  static AssertionFailedError failure(List<AuditEvent> recorded, String message) {
    return failure(recorded, message, null, null);
  }

  /** The recorded events as text, one per line, for failure messages. */
  static String describe(List<AuditEvent> recorded) {
    if (recorded.isEmpty()) {
      return "\nrecorded audit events: none";
    }
    StringBuilder b = new StringBuilder("\nrecorded audit events (").append(recorded.size()).append("):");
    for (AuditEvent e : recorded) {
      b.append("\n  #").append(e.seq()).append(' ').append(e.type());
      if (e.requestId() != null) {
        b.append(" request=").append(e.requestId());
      }
      FieldValue vote = e.get("vote");
      if (vote != null) {
        b.append(" vote=").append(vote.path("reviewer").asText()).append(' ').append(vote.path("decision").asText())
            .append(vote.path("counted").asBoolean(false) ? " counted" : " refused " + vote.path("refusal").asText(""));
      }
      appendIfPresent(b, "outcome", e.text("outcome"));
      appendIfPresent(b, "reason", e.text("reason"));
      FieldValue policy = e.type() == EventType.REQUESTED ? e.get("policy") : null;   // the same on each event of a request
      if (policy != null && policy.hasNonNull("id")) {
        b.append(" policy=").append(policy.path("id").asText()).append('/').append(policy.path("rule").asText(""));
      }
    }
    return b.toString();
  }

  private static void appendIfPresent(StringBuilder b, String name, String value) {
    if (value != null) {
      b.append(' ').append(name).append("='").append(value).append('\'');
    }
  }

  /** The events of the snapshot, in order. */
  public List<AuditEvent> events() {
    return events;
  }

  /** Fails unless every hash, link and signature of the trail verifies. */
  public AuditAssert chainVerifies() {
    VerificationResult result = AuditVerifier.verify(events, key);
    if (!result.ok()) {
      throw failure(events, "expected the audit chain to verify, but: " + result.summary());
    }
    return this;
  }

  /** Fails unless the events' types are exactly these, in order. */
  public AuditAssert eventTypes(EventType... expected) {
    List<EventType> actual = events.stream().map(AuditEvent::type).toList();
    if (!actual.equals(Arrays.asList(expected))) {
      throw failure(events, "unexpected audit event types: expected " + Arrays.asList(expected) + " but was " + actual,
          Arrays.asList(expected), actual);
    }
    return this;
  }

  /** Fails if any approval request was opened (e.g. the policy allowed or denied outright). */
  public AuditAssert noRequestOpened() {
    List<AuditEvent> requested = ofType(EventType.REQUESTED);
    if (!requested.isEmpty()) {
      throw failure(events, "expected no approval request, but " + requested.size() + " were opened");
    }
    return this;
  }

  /** Fails unless the trail is empty (e.g. a policy ALLOW records nothing). */
  public AuditAssert isEmpty() {
    if (!events.isEmpty()) {
      throw failure(events, "expected no audit events but found " + events.size());
    }
    return this;
  }

  /** The events of one type, in order. */
  public List<AuditEvent> ofType(EventType type) {
    return events.stream().filter(e -> e.type() == type).toList();
  }

  /** Assertions on the last request opened. */
  public RequestAssert lastRequest() {
    List<AuditEvent> requested = ofType(EventType.REQUESTED);
    if (requested.isEmpty()) {
      throw failure(events, "expected an approval request, but none was opened");
    }
    return request(requested.get(requested.size() - 1).requestId());
  }

  /** Assertions on the request with this id. */
  public RequestAssert request(String requestId) {
    Objects.requireNonNull(requestId, "requestId");
    List<AuditEvent> mine = events.stream().filter(e -> requestId.equals(e.requestId())).toList();
    if (mine.isEmpty()) {
      throw failure(events, "no audit event has requestId " + requestId);
    }
    return new RequestAssert(requestId, mine, events);
  }

  /**
   * Assertions on the last DECIDED event, including decisions the policy made without opening a
   * request (DENY rules).
   */
  public RequestAssert lastDecision() {
    List<AuditEvent> decided = ofType(EventType.DECIDED);
    if (decided.isEmpty()) {
      throw failure(events, "expected a DECIDED event but none was recorded");
    }
    AuditEvent last = decided.get(decided.size() - 1);
    List<AuditEvent> mine = events.stream().filter(e -> Objects.equals(last.requestId(), e.requestId())).toList();
    return new RequestAssert(last.requestId(), mine, events);
  }

  /** Assertions on the events of one request. */
  public static final class RequestAssert {
    private final String requestId;
    private final List<AuditEvent> events;
    private final List<AuditEvent> recorded;

    RequestAssert(String requestId, List<AuditEvent> events, List<AuditEvent> recorded) {
      this.requestId = requestId;
      this.events = events;
      this.recorded = recorded;
    }

    /** The request id. */
    public String requestId() {
      return requestId;
    }

    /** Fails unless the request was decided with this outcome. */
    public RequestAssert decided(RequestState outcome) {
      AuditEvent d = decidedEvent();
      String actual = d.text("outcome");
      if (!outcome.name().equals(actual)) {
        throw failure(recorded, "request " + requestId + " was decided " + actual + " (" + d.text("reason")
            + "), not " + outcome, outcome.name(), actual);
      }
      return this;
    }

    /** Fails unless approved. */
    public RequestAssert wasApproved() {
      return decided(RequestState.APPROVED);
    }

    /** Fails unless rejected (a deny vote or a policy DENY). */
    public RequestAssert wasRejected() {
      return decided(RequestState.REJECTED);
    }

    /** Fails unless it expired without a decision. */
    public RequestAssert expired() {
      return decided(RequestState.EXPIRED);
    }

    /** Fails unless the decision's reason contains {@code text}. */
    public RequestAssert reasonContains(String text) {
      String reason = decidedEvent().text("reason");
      if (reason == null || !reason.contains(text)) {
        throw failure(recorded, "expected the decision reason of " + requestId + " to contain '" + text + "' but was '" + reason + "'");
      }
      return this;
    }

    /** Fails unless the counted votes came from exactly these reviewers, in this order. */
    public RequestAssert reviewers(String... reviewerIds) {
      List<String> actual = votes(true);
      if (!actual.equals(Arrays.asList(reviewerIds))) {
        throw failure(recorded, "unexpected counted reviewers of request " + requestId + ": expected " + Arrays.asList(reviewerIds)
            + " but was " + actual, Arrays.asList(reviewerIds), actual);
      }
      return this;
    }

    /** Fails unless these reviewers' votes were refused (with any reason), in this order. */
    public RequestAssert refusedVotesFrom(String... reviewerIds) {
      List<String> actual = votes(false);
      if (!actual.equals(Arrays.asList(reviewerIds))) {
        throw failure(recorded, "unexpected refused votes on request " + requestId + ": expected " + Arrays.asList(reviewerIds)
            + " but was " + actual, Arrays.asList(reviewerIds), actual);
      }
      return this;
    }

    /** Fails unless every event of the request records this policy digest. */
    public RequestAssert policyDigest(String digest) {
      for (AuditEvent e : events) {
        FieldValue policy = e.get("policy");
        String actual = policy == null || policy.get("digest") == null ? null : policy.get("digest").asText();
        if (e.type() != EventType.VOTE && !Objects.equals(digest, actual)) {
          throw failure(recorded, e.type() + " event of request " + requestId + " records policy digest " + actual
              + ", not " + digest, digest, actual);
        }
      }
      return this;
    }

    /** Fails unless the request records this policy name and matched rule. */
    public RequestAssert policy(String policyId, String ruleName) {
      FieldValue policy = firstEvent().get("policy");
      String id = policy == null ? null : policy.path("id").asText(null);
      String rule = policy == null ? null : policy.path("rule").asText(null);
      if (!Objects.equals(policyId, id) || !Objects.equals(ruleName, rule)) {
        throw failure(recorded, "request " + requestId + " records policy " + id + " rule " + rule,
            policyId + " rule " + ruleName, id + " rule " + rule);
      }
      return this;
    }

    /** Fails unless the approved action ran (an EXECUTED event). */
    public RequestAssert executed() {
      if (events.stream().noneMatch(e -> e.type() == EventType.EXECUTED)) {
        throw failure(recorded, "expected request " + requestId + " to have been executed");
      }
      return this;
    }

    /** Fails if the action ran. */
    public RequestAssert notExecuted() {
      if (events.stream().anyMatch(e -> e.type() == EventType.EXECUTED)) {
        throw failure(recorded, "expected request " + requestId + " not to have been executed");
      }
      return this;
    }

    /** The request's events. */
    public List<AuditEvent> events() {
      return events;
    }

    private AuditEvent firstEvent() {
      return events.get(0);
    }

    private AuditEvent decidedEvent() {
      return events.stream().filter(e -> e.type() == EventType.DECIDED).findFirst().orElseThrow(() ->
          failure(recorded, "request " + requestId + " was not decided"));
    }

    private List<String> votes(boolean counted) {
      List<String> out = new ArrayList<>();
      for (AuditEvent e : events) {
        if (e.type() == EventType.VOTE) {
          FieldValue v = e.get("vote");
          if (v != null && v.path("counted").asBoolean(false) == counted) {
            out.add(v.path("reviewer").asText());
          }
        }
      }
      return out;
    }
  }
}
