package io.countersign.governance.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;

/** Renders a {@link ComplianceReport} as one JSON object with stable field names (documented in the README). */
final class JsonRenderer {

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private JsonRenderer() {}

  static String render(ComplianceReport report) {
    JsonNodeFactory nf = JsonNodeFactory.instance;
    ObjectNode root = nf.objectNode();
    Verification v = report.verification();
    root.put("verified", v.verified());
    root.put("headline", report.headline());
    root.put("generatedAt", report.generatedAt().toString());
    ObjectNode period = root.putObject("period");
    time(period, "from", report.from());
    time(period, "to", report.to());
    ObjectNode ver = root.putObject("verification");
    ver.put("status", v.status());
    ver.put("summary", v.summary());
    ver.put("eventsChecked", v.eventsChecked());
    if (!v.verified()) {
      ver.put("firstBadSeq", v.firstBadSeq());
    }
    ver.put("reason", v.reason());
    ver.put("signatureMode", v.signatureMode());
    ver.put("signaturesVerified", v.signaturesVerified());
    v.keyIds().forEach(ver.putArray("keyIds")::add);
    ver.put("closed", v.closed());
    ver.put("lastSeq", v.lastSeq());
    v.files().forEach(ver.putArray("files")::add);
    v.notes().forEach(ver.putArray("notes")::add);
    ReportFigures f = report.figures().orElse(null);
    root.put("figuresWithheld", f == null);
    if (f == null) {
      root.putNull("figures");
      root.putArray("controls");
      return write(root);
    }
    ObjectNode fig = root.putObject("figures");
    fig.put("evidence", v.verified());
    time(fig, "firstEvent", f.firstEvent());
    time(fig, "lastEvent", f.lastEvent());
    fig.put("events", f.events());
    ObjectNode byType = fig.putObject("eventsByType");
    new TreeMap<>(f.eventsByType()).forEach(byType::put);
    ReportFigures.Requests r = f.requests();
    ObjectNode req = fig.putObject("requests");
    req.put("requested", r.requested());
    req.put("approved", r.approved());
    req.put("denied", r.denied());
    req.put("expired", r.expired());
    req.put("cancelled", r.cancelled());
    req.put("failed", r.failed());
    req.put("refusedBeforeRequest", r.refusedBeforeRequest());
    req.put("undecided", r.undecided());
    ObjectNode votes = fig.putObject("votes");
    votes.put("approvalsCounted", f.votes().approvalsCounted());
    votes.put("denialsCounted", f.votes().denialsCounted());
    votes.put("countedSelfApprovals", f.votes().countedSelfApprovals());
    ObjectNode refused = votes.putObject("refused");
    new TreeMap<>(f.votes().refused()).forEach(refused::put);
    ObjectNode quorum = fig.putObject("quorum");
    quorum.put("approvedWithQuorum", f.quorum().approvedWithQuorum());
    quorum.put("approvedBelowQuorum", f.quorum().approvedBelowQuorum());
    quorum.put("multiPartyApprovals", f.quorum().multiPartyApprovals());
    ObjectNode exec = fig.putObject("execution");
    exec.put("executed", f.execution().executed());
    exec.put("failed", f.execution().failed());
    exec.put("deliveryFailed", f.execution().deliveryFailed());
    exec.put("executedWithoutApproval", f.execution().executedWithoutApproval());
    exec.put("executedMoreThanOnce", f.execution().executedMoreThanOnce());
    ObjectNode times = fig.putObject("decisionTimes");
    times.put("decisions", f.decisionTimes().decisions());
    duration(times, "median", f.decisionTimes().median());
    duration(times, "p95", f.decisionTimes().p95());
    duration(times, "max", f.decisionTimes().max());
    ObjectNode actors = fig.putObject("actors");
    actors.put("requesters", f.actors().requesters());
    actors.put("agentRequests", f.actors().agentRequests());
    actors.put("reviewers", f.actors().reviewers());
    ObjectNode content = fig.putObject("recordContent");
    content.put("requestedComplete", f.recordContent().requestedComplete());
    content.put("requestedTotal", f.recordContent().requestedTotal());
    content.put("decidedComplete", f.recordContent().decidedComplete());
    content.put("decidedTotal", f.recordContent().decidedTotal());
    ArrayNode table = fig.putArray("approvalsByReviewer");
    for (ReportFigures.ReviewerApprovals a : f.approvalsByReviewer()) {
      table.addObject().put("reviewer", a.reviewer()).put("action", a.action()).put("approved", a.approved()).put("denied", a.denied());
    }
    ArrayNode policies = fig.putArray("policies");
    for (ReportFigures.PolicyInForce p : f.policies()) {
      policies.addObject().put("id", p.id()).put("version", p.version()).put("digest", p.digest()).put("requests", p.requests())
          .put("firstSeen", p.firstSeen().toString()).put("lastSeen", p.lastSeen().toString());
    }
    fig.put("policyChanges", f.policyChanges());
    ArrayNode halts = fig.putArray("halts");
    for (ReportFigures.Halt h : f.halts()) {
      halts.addObject().put("time", h.time().toString()).put("type", h.type()).put("by", h.by()).put("reason", h.reason()).put("seq", h.seq());
    }
    ObjectNode timeline = fig.putObject("timeline");
    duration(timeline, "bucket", f.timeline().bucket());
    ArrayNode buckets = timeline.putArray("buckets");
    for (ReportFigures.Bucket b : f.timeline().buckets()) {
      buckets.addObject().put("start", b.start().toString()).put("approved", b.approved()).put("denied", b.denied())
          .put("expired", b.expired()).put("other", b.other());
    }
    ArrayNode controls = root.putArray("controls");
    for (ControlEvidence c : report.controls()) {
      ObjectNode n = controls.addObject();
      n.put("framework", c.framework()).put("control", c.control()).put("title", c.title()).put("status", c.status().name());
      c.evidence().forEach(n.putArray("evidence")::add);
      c.attention().forEach(n.putArray("attention")::add);
    }
    return write(root);
  }

  private static void time(ObjectNode n, String field, Instant t) {
    if (t == null) {
      n.putNull(field);
    } else {
      n.put(field, t.toString());
    }
  }

  private static void duration(ObjectNode n, String field, Duration d) {
    if (d == null) {
      n.putNull(field);
      n.putNull(field + "Millis");
    } else {
      n.put(field, d.toString());
      n.put(field + "Millis", d.toMillis());
    }
  }

  private static String write(ObjectNode root) {
    try {
      return MAPPER.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e); // a tree of plain nodes always serializes
    }
  }
}
