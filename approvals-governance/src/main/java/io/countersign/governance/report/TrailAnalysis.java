package io.countersign.governance.report;

import io.countersign.audit.FieldValue;
import io.countersign.audit.AuditEvent;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Counts the figures of a report from audit events in chain order. Events before the period still
 * feed per-request state (a decision in the period may belong to a request opened before it), but
 * only events whose time is in {@code [from, to)} are counted. Not thread-safe; one per report.
 */
final class TrailAnalysis {

  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration DAY = Duration.ofDays(1);
  private static final Duration WEEK = Duration.ofDays(7);

  private final Instant from;
  private final Instant to;

  /** What is known about one request from its earlier events. */
  private static final class Req {
    final Instant requestedAt;
    final String actor;
    final String onBehalfOf;
    final String method;
    final boolean inPeriod;
    boolean decided;
    boolean approved;
    int executions;

    Req(Instant requestedAt, String actor, String onBehalfOf, String method, boolean inPeriod) {
      this.requestedAt = requestedAt;
      this.actor = actor;
      this.onBehalfOf = onBehalfOf;
      this.method = method;
      this.inPeriod = inPeriod;
    }
  }

  private final Map<String, Req> requests = new HashMap<>();
  private final Map<String, Long> byType = new TreeMap<>();
  private final Map<String, Long> refused = new TreeMap<>();
  private final Map<List<String>, long[]> reviewerTable = new TreeMap<>(
      Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1)));
  private final Map<List<String>, Object[]> policies = new HashMap<>();
  private final List<ReportFigures.Halt> halts = new ArrayList<>();
  private final List<Duration> decisionTimes = new ArrayList<>();
  private final TreeMap<Instant, long[]> decisionsAt = new TreeMap<>();
  private final Set<String> requesters = new HashSet<>();
  private final Set<String> reviewers = new HashSet<>();

  private Instant first;
  private Instant last;
  private long events;
  private long requested;
  private long approved;
  private long denied;
  private long expired;
  private long cancelled;
  private long failedDecisions;
  private long refusedBeforeRequest;
  private long approvalsCounted;
  private long denialsCounted;
  private long countedSelfApprovals;
  private long withQuorum;
  private long belowQuorum;
  private long multiParty;
  private long executed;
  private long executionFailed;
  private long deliveryFailed;
  private long executedWithoutApproval;
  private long executedTwice;
  private long agentRequests;
  private long requestedComplete;
  private long decidedComplete;
  private long decidedTotal;
  private long policyChanges;

  TrailAnalysis(Instant from, Instant to) {
    this.from = from;
    this.to = to;
  }

  boolean inPeriod(Instant t) {
    return (from == null || !t.isBefore(from)) && (to == null || t.isBefore(to));
  }

  void accept(AuditEvent e) {
    Instant t = e.time();
    boolean in = inPeriod(t);
    String type = e.typeName();
    String rid = e.requestId();
    if (in) {
      events++;
      byType.merge(type, 1L, Long::sum);
      first = first == null ? t : first;
      last = t;
    }
    switch (type) {
      case "REQUESTED" -> requested(e, rid, t, in);
      case "VOTE" -> {
        if (in) {
          vote(e, requests.get(rid));
        }
      }
      case "DECIDED" -> decided(e, rid, t, in);
      case "EXECUTED" -> {
        Req r = requests.get(rid);
        if (r != null) {
          r.executions++;
        }
        if (in) {
          executed++;
          if (r == null || !r.approved) {
            executedWithoutApproval++;
          } else if (r.executions == 2) {
            executedTwice++;
          }
        }
      }
      case "FAILED" -> executionFailed += in ? 1 : 0;
      case "DELIVERY_FAILED" -> deliveryFailed += in ? 1 : 0;
      case "POLICY_CHANGED" -> policyChanges += in ? 1 : 0;
      case "HALTED", "RESUMED" -> {
        if (in) {
          String by = firstText(e, "by", "requestedBy");
          halts.add(new ReportFigures.Halt(t, type, by, e.text("reason"), e.seq()));
        }
      }
      default -> { } // CHECKPOINT, KEY_ROTATION and future types: counted by type only
    }
  }

  private void requested(AuditEvent e, String rid, Instant t, boolean in) {
    FieldValue actor = e.get("actor");
    String actorId = actor == null ? null : text(actor.get("id"));
    String method = method(e);
    if (rid != null) {
      requests.put(rid, new Req(t, actorId, e.text("onBehalfOf"), method, in));
    }
    if (!in) {
      return;
    }
    requested++;
    if (actorId != null) {
      requesters.add(actorId);
    }
    if (actor != null && "AGENT".equals(text(actor.get("kind")))) {
      agentRequests++;
    }
    FieldValue policy = e.get("policy");
    if (actorId != null && method != null && policy != null && text(policy.get("digest")) != null
        && e.text("argsDigest") != null && e.get("rule") != null) {
      requestedComplete++;
    }
    if (policy != null) {
      List<String> key = List.of(str(policy.get("id")), str(policy.get("version")), str(policy.get("digest")));
      Object[] seen = policies.computeIfAbsent(key, k -> new Object[] {0L, t, t});
      seen[0] = (Long) seen[0] + 1;
      seen[2] = t;
    }
  }

  private void vote(AuditEvent e, Req r) {
    FieldValue vote = e.get("vote");
    if (vote == null) {
      return;
    }
    String reviewer = text(vote.get("reviewer"));
    String decision = text(vote.get("decision"));
    if (!vote.path("counted").asBoolean(false)) {
      String refusal = text(vote.get("refusal"));
      refused.merge(refusal == null ? "UNSPECIFIED" : refusal, 1L, Long::sum);
      return;
    }
    reviewers.add(reviewer);
    String method = method(e);
    if (method == null && r != null) {
      method = r.method;
    }
    long[] row = reviewerTable.computeIfAbsent(List.of(str(reviewer), str(method)), k -> new long[2]);
    if ("APPROVE".equals(decision)) {
      approvalsCounted++;
      row[0]++;
      if (r != null && reviewer != null && (reviewer.equals(r.actor) || reviewer.equals(r.onBehalfOf))) {
        countedSelfApprovals++;
      }
    } else if ("DENY".equals(decision)) {
      denialsCounted++;
      row[1]++;
    }
  }

  private void decided(AuditEvent e, String rid, Instant t, boolean in) {
    String outcome = e.text("outcome");
    Req r = rid == null ? null : requests.get(rid);
    boolean lone = r == null && e.get("actor") != null;
    if (r != null) {
      r.decided = true;
      r.approved = "APPROVED".equals(outcome);
    }
    if (!in) {
      return;
    }
    decidedTotal++;
    if (outcome != null && e.text("reason") != null && (rid != null || e.get("action") != null)) {
      decidedComplete++;
    }
    if (lone) {
      refusedBeforeRequest++;
      return;
    }
    int slot;
    switch (outcome == null ? "" : outcome) {
      case "APPROVED" -> {
        approved++;
        slot = 0;
        long approvals = e.get("approvals") == null ? 0 : e.get("approvals").asLong();
        long quorum = e.get("quorum") == null ? 1 : e.get("quorum").asLong();
        if (approvals >= quorum) {
          withQuorum++;
        } else {
          belowQuorum++;
        }
        if (quorum >= 2) {
          multiParty++;
        }
      }
      case "REJECTED" -> {
        denied++;
        slot = 1;
      }
      case "EXPIRED" -> {
        expired++;
        slot = 2;
      }
      case "CANCELLED" -> {
        cancelled++;
        slot = 3;
      }
      default -> {
        failedDecisions++;
        slot = 3;
      }
    }
    if (r != null && (slot == 0 || slot == 1)) {
      decisionTimes.add(Duration.between(r.requestedAt, t));
    }
    decisionsAt.computeIfAbsent(t, k -> new long[4])[slot]++;
  }

  ReportFigures figures() {
    long undecided = requests.values().stream().filter(r -> r.inPeriod && !r.decided).count();
    List<ReportFigures.ReviewerApprovals> table = new ArrayList<>();
    reviewerTable.forEach((k, v) -> table.add(new ReportFigures.ReviewerApprovals(k.get(0), k.get(1), v[0], v[1])));
    List<ReportFigures.PolicyInForce> policyList = new ArrayList<>();
    policies.forEach((k, v) -> policyList.add(new ReportFigures.PolicyInForce(k.get(0), k.get(1), k.get(2), (Long) v[0],
        (Instant) v[1], (Instant) v[2])));
    policyList.sort(Comparator.comparing(ReportFigures.PolicyInForce::firstSeen).thenComparing(ReportFigures.PolicyInForce::id));
    return new ReportFigures(first, last, events, byType,
        new ReportFigures.Requests(requested, approved, denied, expired, cancelled, failedDecisions, refusedBeforeRequest, undecided),
        new ReportFigures.Votes(approvalsCounted, denialsCounted, refused, countedSelfApprovals),
        new ReportFigures.Quorum(withQuorum, belowQuorum, multiParty),
        new ReportFigures.Execution(executed, executionFailed, deliveryFailed, executedWithoutApproval, executedTwice),
        decisionTimes(),
        new ReportFigures.Actors(requesters.size(), agentRequests, reviewers.size()),
        new ReportFigures.RecordContent(requestedComplete, requested, decidedComplete, decidedTotal),
        table, policyList, policyChanges, halts, timeline());
  }

  private ReportFigures.DecisionTimes decisionTimes() {
    if (decisionTimes.isEmpty()) {
      return new ReportFigures.DecisionTimes(0, null, null, null);
    }
    List<Duration> sorted = new ArrayList<>(decisionTimes);
    sorted.sort(null);
    return new ReportFigures.DecisionTimes(sorted.size(), nearestRank(sorted, 50), nearestRank(sorted, 95),
        sorted.get(sorted.size() - 1));
  }

  /** The nearest-rank percentile: the smallest value with at least p% of values at or below it. */
  static Duration nearestRank(List<Duration> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(rank, 1) - 1);
  }

  private ReportFigures.Timeline timeline() {
    Instant start = from != null ? from : first;
    Instant end = to != null ? to : last;
    if (start == null || end == null || decisionsAt.isEmpty()) {
      return new ReportFigures.Timeline(DAY, List.of());
    }
    Duration span = Duration.between(start, end);
    Duration bucket = span.compareTo(Duration.ofHours(48)) <= 0 ? HOUR : span.compareTo(Duration.ofDays(120)) <= 0 ? DAY : WEEK;
    Instant firstDecision = decisionsAt.firstKey();
    Instant lastDecision = decisionsAt.lastKey();
    Instant cursor = truncate(firstDecision, bucket);
    List<ReportFigures.Bucket> buckets = new ArrayList<>();
    while (!cursor.isAfter(lastDecision)) {
      Instant next = cursor.plus(bucket);
      long[] sum = new long[4];
      decisionsAt.subMap(cursor, true, next, false).values().forEach(v -> {
        for (int i = 0; i < 4; i++) {
          sum[i] += v[i];
        }
      });
      buckets.add(new ReportFigures.Bucket(cursor, sum[0], sum[1], sum[2], sum[3]));
      cursor = next;
    }
    return new ReportFigures.Timeline(bucket, buckets);
  }

  private static Instant truncate(Instant t, Duration bucket) {
    if (bucket.equals(HOUR)) {
      return t.truncatedTo(ChronoUnit.HOURS);
    }
    Instant day = t.truncatedTo(ChronoUnit.DAYS);
    if (bucket.equals(DAY)) {
      return day;
    }
    return day.atZone(ZoneOffset.UTC).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toInstant();
  }

  private static String method(AuditEvent e) {
    FieldValue action = e.get("action");
    return action == null ? null : text(action.get("method"));
  }

  private static String firstText(AuditEvent e, String... fields) {
    for (String f : fields) {
      String v = e.text(f);
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static String text(FieldValue n) {
    return n != null && n.isTextual() ? n.textValue() : null;
  }

  private static String str(FieldValue n) {
    String s = text(n);
    return s == null ? (n == null || n.isNull() ? "" : n.toString()) : s;
  }

  private static String str(String s) {
    return s == null ? "" : s;
  }
}
