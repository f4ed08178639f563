package io.countersign.internal;

import io.countersign.Actor;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.Argument;
import io.countersign.PolicyRef;
import io.countersign.Vote;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shapes of the gate's audit event fields, in one place so that every event spells them alike. */
final class AuditFields {

  private AuditFields() {}

  static Map<String, Object> actor(Actor actor) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", actor.id());
    m.put("kind", actor.kind().name());
    return m;
  }

  static Map<String, Object> action(ApprovalRequest r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", r.action());
    m.put("method", r.method());
    return m;
  }

  static Map<String, Object> rule(ApprovalRequirement rule) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("approvers", rule.approvers());
    m.put("quorum", rule.quorum());
    m.put("timeout", rule.timeout().toString());
    m.put("reasonRequired", rule.reasonRequired());
    if (rule.quorums().size() > 1) {
      // several clauses: each with its own count (one clause keeps the shape of earlier events)
      List<Map<String, Object>> clauses = new ArrayList<>();
      for (ApprovalRequirement.Quorum q : rule.quorums()) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("approvers", q.approvers());
        c.put("count", q.count());
        clauses.add(c);
      }
      m.put("quorums", clauses);
    }
    if (rule.escalation() != null) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("after", rule.escalation().after().toString());
      e.put("approvers", rule.escalation().approvers());
      e.put("notify", rule.escalation().recipients());
      m.put("escalation", e);
    }
    return m;
  }

  static Map<String, Object> policy(PolicyRef p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("version", p.version());
    m.put("digest", p.digest());
    if (p.ruleName() != null) {
      m.put("rule", p.ruleName());
    }
    return m;
  }

  static List<Map<String, Object>> args(List<Argument> args) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Argument a : args) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", a.name());
      m.put("type", a.type());
      m.put("value", a.value());
      if (a.sensitive()) {
        m.put("redacted", true);
      }
      out.add(m);
    }
    return out;
  }

  static Map<String, Object> vote(Vote v, boolean counted, String refusal) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("reviewer", v.reviewer().id());
    m.put("channel", v.channel());
    m.put("decision", v.decision().name());
    if (v.reason() != null) {
      m.put("reason", v.reason());
    }
    if (v.evidence() != null) {
      m.put("evidence", v.evidence());
    }
    m.put("counted", counted);
    if (refusal != null) {
      m.put("refusal", refusal);
    }
    return m;
  }

  /** A stable digest of a rule written on a method: what an auditor compares across events. */
  static String ruleDigest(String methodId, ApprovalRequirement rule) {
    String text = methodId + "|" + String.join(",", rule.approvers()) + "|" + rule.quorum() + "|"
        + rule.timeout() + "|" + rule.reasonRequired();
    return HexFormat.of().formatHex(Arguments.sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
