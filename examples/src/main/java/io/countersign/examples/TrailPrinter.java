package io.countersign.examples;

import io.countersign.audit.FieldValue;
import io.countersign.audit.AuditEvent;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints an audit trail for people: one line per event with its sequence number, type, short
 * request id, short hash and the facts that matter for that type, instead of the raw JSON.
 */
final class TrailPrinter {

  private final PrintStream out;

  TrailPrinter(PrintStream out) {
    this.out = out;
  }

  void print(List<AuditEvent> events) {
    out.println("Audit trail: " + events.size() + " events, each hash-chained to the one before and signed");
    out.printf("  %3s  %-10s  %-8s  %-8s  %s%n", "seq", "type", "request", "hash", "facts");
    for (AuditEvent e : events) {
      out.printf("  %3d  %-10s  %-8s  %-8s  %s%n",
          e.seq(), e.type(), OpsAgentDemo.shortId(e.requestId()), e.hash().substring(0, 8), facts(e));
    }
  }

  private static String facts(AuditEvent e) {
    return switch (e.type().name()) {
      case "REQUESTED" -> text(e, "actor", "id") + " for " + text(e, "onBehalfOf") + ": \"" + text(e, "action", "name")
          + "\" (" + arguments(e.get("args")) + "), needs " + text(e, "rule", "quorum") + " of "
          + join(e.get("rule").path("approvers")) + " within " + text(e, "rule", "timeout");
      case "VOTE" -> {
        FieldValue vote = e.get("vote");
        String head = vote.path("reviewer").asText() + " " + vote.path("decision").asText();
        if (!vote.path("counted").asBoolean()) {
          yield head + " refused: " + vote.path("refusal").asText();
        }
        yield "DENY".equals(vote.path("decision").asText())
            ? head + " counted (one deny vetoes)"
            : head + " counted (" + text(e, "approvals") + " of " + text(e, "quorum") + " approvals)";
      }
      case "DECIDED" -> text(e, "outcome") + ": " + text(e, "reason");
      case "EXECUTED" -> "\"" + text(e, "action", "name") + "\" ran once";
      case "FAILED" -> "\"" + text(e, "action", "name") + "\" did not complete: "
          + (e.get("reason") != null ? text(e, "reason") : text(e, "error"));
      case "CHECKPOINT" -> "signed head: vouches for every event up to here (the log was closed)";
      case "HALTED" -> "emergency stop by " + text(e, "by") + ": " + text(e, "reason");
      case "ESCALATED" -> "escalated: " + join(e.get("addedApprovers")) + " may now approve";
      default -> "\"" + text(e, "action", "name") + "\"";
    };
  }

  /** The arguments as recorded: sensitive ones appear only as "[redacted]". */
  private static String arguments(FieldValue args) {
    List<String> shown = new ArrayList<>();
    if (args != null) {
      args.forEach(a -> shown.add(a.path("name").asText() + "=" + a.path("value").asText()));
    }
    return String.join(", ", shown);
  }

  private static String join(FieldValue array) {
    List<String> items = new ArrayList<>();
    array.forEach(item -> items.add(item.asText()));
    return String.join(", ", items);
  }

  private static String text(AuditEvent e, String field, String... path) {
    FieldValue node = e.get(field);
    for (String p : path) {
      node = node == null ? null : node.get(p);
    }
    return node == null || node.isNull() ? "-" : node.asText();
  }
}
