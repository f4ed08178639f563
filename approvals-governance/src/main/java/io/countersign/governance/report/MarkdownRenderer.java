package io.countersign.governance.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders a {@link ComplianceReport} as GitHub-flavoured Markdown. */
final class MarkdownRenderer {

  private MarkdownRenderer() {}

  /** The headline figures, label and value, shared by the Markdown and HTML renderers. */
  static List<String[]> summaryRows(ReportFigures f) {
    ReportFigures.Requests r = f.requests();
    List<String[]> rows = new ArrayList<>();
    rows.add(row("Privileged actions requested", Text.count(r.requested())));
    rows.add(row("Approved", Text.count(r.approved())));
    rows.add(row("Denied", Text.count(r.denied())));
    rows.add(row("Expired (no decision in time: denied)", Text.count(r.expired())));
    rows.add(row("Cancelled", Text.count(r.cancelled())));
    rows.add(row("Failed closed (delivery or audit failure)", Text.count(r.failed())));
    rows.add(row("Refused before a request (policy deny, pending limit)", Text.count(r.refusedBeforeRequest())));
    rows.add(row("Undecided at the end of the log", Text.count(r.undecided())));
    rows.add(row("Self-approval attempts refused", Text.count(f.votes().refused("SELF_APPROVAL"))));
    rows.add(row("Approvals by the agent's principal refused", Text.count(f.votes().refused("ON_BEHALF_OF"))));
    rows.add(row("Votes from ineligible reviewers refused", Text.count(f.votes().refused("NOT_ELIGIBLE"))));
    rows.add(row("Approved with quorum met", Text.count(f.quorum().approvedWithQuorum())));
    rows.add(row("Approved below quorum", Text.count(f.quorum().approvedBelowQuorum())));
    rows.add(row("Multi-party approvals (quorum of 2 or more)", Text.count(f.quorum().multiPartyApprovals())));
    rows.add(row("Median time to decision", Text.duration(f.decisionTimes().median())));
    rows.add(row("95th percentile time to decision", Text.duration(f.decisionTimes().p95())));
    rows.add(row("Executed after approval", Text.count(f.execution().executed())));
    rows.add(row("Executions without approval", Text.count(f.execution().executedWithoutApproval())));
    rows.add(row("Emergency stops (halts)", Text.count(f.halts().stream().filter(h -> h.type().equals("HALTED")).count())));
    rows.add(row("Events in the period", Text.count(f.events())));
    return rows;
  }

  private static String[] row(String label, String value) {
    return new String[] {label, value};
  }

  static String render(ComplianceReport report) {
    Verification v = report.verification();
    StringBuilder md = new StringBuilder();
    md.append("# Countersign compliance evidence report\n\n");
    if (v.verified()) {
      md.append("> **").append(Text.md(report.headline())).append("**\n\n");
    } else {
      md.append("> ## ⚠ NOT VERIFIED — figures below are not evidence\n>\n> ").append(Text.md(v.summary())).append("\n\n");
    }
    ReportFigures f = report.figures().orElse(null);
    md.append("Period: ").append(Text.md(Text.period(report.from(), report.to(), f))).append("  \n");
    md.append("Generated: ").append(report.generatedAt()).append("  \n");
    md.append("Logs: ").append(Text.md(String.join(", ", v.files()))).append("\n\n");
    if (f == null) {
      md.append("**Figures withheld:** the trail failed verification, so nothing in it can be presented as evidence. ")
          .append("Investigate from seq ").append(v.firstBadSeq()).append(" (").append(Text.md(v.reason()))
          .append("); `--include-unverified` shows the figures marked as unverified.\n\n");
      verificationDetails(md, v);
      return md.toString();
    }
    String mark = v.verified() ? "" : " (UNVERIFIED)";
    md.append("## Summary").append(mark).append("\n\n| Figure | Value |\n|---|---:|\n");
    for (String[] row : summaryRows(f)) {
      md.append("| ").append(row[0]).append(" | ").append(row[1]).append(" |\n");
    }
    md.append("\n## Evidence per control").append(mark).append("\n\n");
    for (ControlEvidence c : report.controls()) {
      md.append("### ").append(c.framework()).append(" ").append(c.control()).append(" — ").append(c.title())
          .append(" · ").append(c.status()).append("\n\n");
      c.evidence().forEach(e -> md.append("- ").append(Text.md(e)).append('\n'));
      c.attention().forEach(a -> md.append("- **Attention:** ").append(Text.md(a)).append('\n'));
      md.append('\n');
    }
    md.append("## Who approved what").append(mark).append("\n\n");
    if (f.approvalsByReviewer().isEmpty()) {
      md.append("No counted votes in the period.\n\n");
    } else {
      md.append("| Reviewer | Action | Approved | Denied |\n|---|---|---:|---:|\n");
      for (ReportFigures.ReviewerApprovals a : f.approvalsByReviewer()) {
        md.append("| ").append(Text.md(a.reviewer())).append(" | ").append(Text.md(a.action())).append(" | ")
            .append(Text.count(a.approved())).append(" | ").append(Text.count(a.denied())).append(" |\n");
      }
      md.append('\n');
    }
    md.append("## Refused votes by reason").append(mark).append("\n\n");
    if (f.votes().refused().isEmpty()) {
      md.append("No vote was refused in the period.\n\n");
    } else {
      md.append("| Refusal | Votes |\n|---|---:|\n");
      for (Map.Entry<String, Long> e : new java.util.TreeMap<>(f.votes().refused()).entrySet()) {
        md.append("| ").append(Text.md(e.getKey())).append(" | ").append(Text.count(e.getValue())).append(" |\n");
      }
      md.append('\n');
    }
    md.append("## Policy versions in force").append(mark).append("\n\n");
    if (f.policies().isEmpty()) {
      md.append("No request in the period named a policy.\n\n");
    } else {
      md.append("| Policy | Version | Digest | Requests | First seen | Last seen |\n|---|---|---|---:|---|---|\n");
      for (ReportFigures.PolicyInForce p : f.policies()) {
        md.append("| ").append(Text.md(p.id())).append(" | ").append(Text.md(p.version())).append(" | ")
            // escaped like every cell: a digest read from the log may hold table syntax
            .append(Text.md(p.digest().length() > 16 ? p.digest().substring(0, 16) + "…" : p.digest())).append(" | ")
            .append(Text.count(p.requests())).append(" | ").append(p.firstSeen()).append(" | ").append(p.lastSeen()).append(" |\n");
      }
      md.append('\n').append("Policy changes recorded in the period: ").append(Text.count(f.policyChanges())).append("\n\n");
    }
    md.append("## Emergency stops").append(mark).append("\n\n");
    if (f.halts().isEmpty()) {
      md.append("No halt or resumption in the period.\n\n");
    } else {
      md.append("| Time | Event | By | Reason | Seq |\n|---|---|---|---|---:|\n");
      for (ReportFigures.Halt h : f.halts()) {
        md.append("| ").append(h.time()).append(" | ").append(h.type()).append(" | ").append(Text.md(h.by())).append(" | ")
            .append(Text.md(h.reason())).append(" | ").append(h.seq()).append(" |\n");
      }
      md.append('\n');
    }
    md.append("## Decisions over time").append(mark).append("\n\n");
    if (f.timeline().buckets().isEmpty()) {
      md.append("No decisions in the period.\n\n");
    } else {
      md.append("Bucket: ").append(Text.bucket(f.timeline().bucket())).append("\n\n")
          .append("| Start (UTC) | Approved | Denied | Expired | Other |\n|---|---:|---:|---:|---:|\n");
      for (ReportFigures.Bucket b : f.timeline().buckets()) {
        md.append("| ").append(b.start()).append(" | ").append(b.approved()).append(" | ").append(b.denied()).append(" | ")
            .append(b.expired()).append(" | ").append(b.other()).append(" |\n");
      }
      md.append('\n');
    }
    verificationDetails(md, v);
    return md.toString();
  }

  private static void verificationDetails(StringBuilder md, Verification v) {
    md.append("## Verification details\n\n")
        .append("- Status: ").append(v.status()).append('\n')
        .append("- Verifier: ").append(Text.md(v.summary())).append('\n')
        .append("- Events verified: ").append(Text.count(v.eventsChecked())).append('\n')
        .append("- Signatures verified: ").append(Text.count(v.signaturesVerified())).append(" (").append(v.signatureMode())
        .append(", keys: ").append(v.keyIds().isEmpty() ? "none" : Text.md(String.join(", ", v.keyIds()))).append(")\n");
    if (!v.verified()) {
      md.append("- First bad seq: ").append(v.firstBadSeq()).append('\n');
    }
    v.notes().forEach(n -> md.append("- Note: ").append(Text.md(n)).append('\n'));
  }
}
