package io.countersign.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Argument;
import io.countersign.VoteRecord;
import java.time.Instant;

/** Renders request statuses as the API's JSON (arguments as redacted by the gate, never raw values). */
public final class StatusJson {

  public static final ObjectMapper MAPPER = new ObjectMapper();

  private StatusJson() {}

  /** The JSON form of one request's status. */
  public static ObjectNode of(ApprovalStatus status) {
    ApprovalRequest r = status.request();
    ObjectNode n = MAPPER.createObjectNode();
    n.put("id", r.id());
    n.put("state", status.state().name());
    n.put("action", r.action());
    n.put("method", r.method());
    ObjectNode requester = n.putObject("requester");
    requester.put("id", r.actor().id());
    requester.put("kind", r.actor().kind().name());
    n.put("onBehalfOf", r.actor().onBehalfOf());
    n.put("justification", r.justification());
    n.put("traceId", r.traceId());
    ArrayNode args = n.putArray("arguments");
    for (Argument a : r.arguments()) {
      ObjectNode an = args.addObject();
      an.put("name", a.name());
      an.put("type", a.type());
      an.put("value", a.value());
      an.put("sensitive", a.sensitive());
    }
    n.put("argsDigest", r.argsDigest());
    ObjectNode policy = n.putObject("policy");
    if (r.policy() != null) {
      policy.put("id", r.policy().id());
      policy.put("version", r.policy().version());
      policy.put("digest", r.policy().digest());
      policy.put("rule", r.policy().ruleName());
    }
    ObjectNode rule = n.putObject("rule");
    ArrayNode approvers = rule.putArray("approvers");
    r.requirement().approvers().forEach(approvers::add);
    rule.put("quorum", r.requirement().quorum());
    rule.put("timeout", r.requirement().timeout().toString());
    rule.put("reasonRequired", r.requirement().reasonRequired());
    n.put("approvals", status.approvals());
    n.put("quorum", status.quorum());
    ArrayNode votes = n.putArray("votes");
    for (VoteRecord v : status.votes()) {
      ObjectNode vn = votes.addObject();
      vn.put("reviewer", v.reviewerId());
      vn.put("decision", v.decision().name());
      vn.put("reason", v.reason());
      vn.put("channel", v.channel());
      vn.put("time", text(v.time()));
    }
    n.put("createdAt", text(r.createdAt()));
    n.put("deadline", text(r.deadline()));
    n.put("decidedAt", text(status.decidedAt()));
    n.put("outcomeReason", status.outcomeReason());
    return n;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
