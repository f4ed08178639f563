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
 * recorded, and for one request its decision, reviewers and policy digest. Failures say what was
 * expected and list what was recorded.
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

  /** The events of the snapshot, in order. */
  public List<AuditEvent> events() {
    return events;
  }

  /** Fails unless every hash, link and signature of the trail verifies. */
  public AuditAssert chainVerifies() {
    VerificationResult result = AuditVerifier.verify(events, key);
    if (!result.ok()) {
      throw new AssertionFailedError("expected the audit chain to verify, but: " + result.summary());
    }
    return this;
  }

  /** Fails unless the events' types are exactly these, in order. */
  public AuditAssert eventTypes(EventType... expected) {
    List<EventType> actual = events.stream().map(AuditEvent::type).toList();
    if (!actual.equals(Arrays.asList(expected))) {
      throw new AssertionFailedError("unexpected audit event types", Arrays.asList(expected), actual);
    }
    return this;
  }

  /** Fails if any approval request was opened (e.g. the policy allowed or denied outright). */
  public AuditAssert noRequestOpened() {
    List<AuditEvent> requested = ofType(EventType.REQUESTED);
    if (!requested.isEmpty()) {
      throw new AssertionFailedError("expected no approval request, but " + requested.size() + " were opened: " + requested);
    }
    return this;
  }

  /** Fails unless the trail is empty (e.g. a policy ALLOW records nothing). */
  public AuditAssert isEmpty() {
    if (!events.isEmpty()) {
      throw new AssertionFailedError("expected no audit events but found " + events.size() + ": " + events);
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
      throw new AssertionFailedError("expected an approval request, but none was opened; events: " + types());
    }
    return request(requested.get(requested.size() - 1).requestId());
  }

  /** Assertions on the request with this id. */
  public RequestAssert request(String requestId) {
    Objects.requireNonNull(requestId, "requestId");
    List<AuditEvent> mine = events.stream().filter(e -> requestId.equals(e.requestId())).toList();
    if (mine.isEmpty()) {
      throw new AssertionFailedError("no audit event has requestId " + requestId + "; events: " + types());
    }
    return new RequestAssert(requestId, mine);
  }

  /**
   * Assertions on the last DECIDED event, including decisions the policy made without opening a
   * request (DENY rules).
   */
  public RequestAssert lastDecision() {
    List<AuditEvent> decided = ofType(EventType.DECIDED);
    if (decided.isEmpty()) {
      throw new AssertionFailedError("expected a DECIDED event but none was recorded; events: " + types());
    }
    AuditEvent last = decided.get(decided.size() - 1);
    List<AuditEvent> mine = events.stream().filter(e -> Objects.equals(last.requestId(), e.requestId())).toList();
    return new RequestAssert(last.requestId(), mine);
  }

  private List<EventType> types() {
    return events.stream().map(AuditEvent::type).toList();
  }

  /** Assertions on the events of one request. */
  public static final class RequestAssert {
    private final String requestId;
    private final List<AuditEvent> events;

    RequestAssert(String requestId, List<AuditEvent> events) {
      this.requestId = requestId;
      this.events = events;
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
        throw new AssertionFailedError("request " + requestId + " was decided " + actual + " (" + d.text("reason")
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
        throw new AssertionFailedError("expected the decision reason of " + requestId + " to contain '" + text + "' but was '" + reason + "'");
      }
      return this;
    }

    /** Fails unless the counted votes came from exactly these reviewers, in this order. */
    public RequestAssert reviewers(String... reviewerIds) {
      List<String> actual = votes(true);
      if (!actual.equals(Arrays.asList(reviewerIds))) {
        throw new AssertionFailedError("unexpected counted reviewers of request " + requestId, Arrays.asList(reviewerIds), actual);
      }
      return this;
    }

    /** Fails unless these reviewers' votes were refused (with any reason), in this order. */
    public RequestAssert refusedVotesFrom(String... reviewerIds) {
      List<String> actual = votes(false);
      if (!actual.equals(Arrays.asList(reviewerIds))) {
        throw new AssertionFailedError("unexpected refused votes on request " + requestId, Arrays.asList(reviewerIds), actual);
      }
      return this;
    }

    /** Fails unless every event of the request records this policy digest. */
    public RequestAssert policyDigest(String digest) {
      for (AuditEvent e : events) {
        FieldValue policy = e.get("policy");
        String actual = policy == null || policy.get("digest") == null ? null : policy.get("digest").asText();
        if (e.type() != EventType.VOTE && !Objects.equals(digest, actual)) {
          throw new AssertionFailedError(e.type() + " event of request " + requestId + " records policy digest " + actual
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
        throw new AssertionFailedError("request " + requestId + " records policy " + id + " rule " + rule,
            policyId + " rule " + ruleName, id + " rule " + rule);
      }
      return this;
    }

    /** Fails unless the approved action ran (an EXECUTED event). */
    public RequestAssert executed() {
      if (events.stream().noneMatch(e -> e.type() == EventType.EXECUTED)) {
        throw new AssertionFailedError("expected request " + requestId + " to have been executed; its events: " + types());
      }
      return this;
    }

    /** Fails if the action ran. */
    public RequestAssert notExecuted() {
      if (events.stream().anyMatch(e -> e.type() == EventType.EXECUTED)) {
        throw new AssertionFailedError("expected request " + requestId + " not to have been executed; its events: " + types());
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
          new AssertionFailedError("request " + requestId + " was not decided; its events: " + types()));
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

    private List<EventType> types() {
      return events.stream().map(AuditEvent::type).toList();
    }
  }
}
