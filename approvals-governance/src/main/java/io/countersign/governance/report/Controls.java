package io.countersign.governance.report;

import io.countersign.governance.report.ControlEvidence.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps the figures onto the controls auditors ask about. Each entry says what the log shows, in
 * figures, and what deserves attention; none claims compliance, which also depends on processes
 * outside the log.
 */
final class Controls {

  private Controls() {}

  static List<ControlEvidence> evidence(Verification v, ReportFigures f) {
    ReportFigures.Requests r = f.requests();
    ReportFigures.Votes votes = f.votes();
    ReportFigures.Quorum q = f.quorum();
    ReportFigures.Execution x = f.execution();
    String unverified = v.verified() ? null : "The trail did NOT verify: these figures are not evidence.";
    List<ControlEvidence> out = new ArrayList<>();

    List<String> sod = new ArrayList<>();
    if (votes.countedSelfApprovals() > 0) {
      sod.add(Text.count(votes.countedSelfApprovals()) + " counted approvals came from the requester or the human it acted for.");
    }
    if (q.approvedBelowQuorum() > 0) {
      sod.add(Text.count(q.approvedBelowQuorum()) + " requests were approved with fewer approvals than their quorum.");
    }

    out.add(control("SOC 2", "CC6.3", "Role-based access: authorization, least privilege, separation of duties", unverified,
        r.requested() + r.refusedBeforeRequest(),
        List.of(
            Text.count(r.requested()) + " privileged actions required approval; " + Text.count(r.approved()) + " approved, "
                + Text.count(r.denied()) + " denied, " + Text.count(r.expired()) + " expired (denied by timeout).",
            Text.count(votes.refused("NOT_ELIGIBLE")) + " votes from reviewers outside the eligible groups were refused; "
                + Text.count(votes.refused("SELF_APPROVAL")) + " self-approvals and " + Text.count(votes.refused("ON_BEHALF_OF"))
                + " approvals by the human an agent acted for were refused.",
            Text.count(r.refusedBeforeRequest()) + " calls were refused before a request was opened (policy deny, pending limit)."),
        sod));

    List<String> change = new ArrayList<>();
    if (x.executedWithoutApproval() > 0) {
      change.add(Text.count(x.executedWithoutApproval()) + " executions have no approval of their request earlier in the log.");
    }
    if (x.executedMoreThanOnce() > 0) {
      change.add(Text.count(x.executedMoreThanOnce()) + " requests were executed more than once.");
    }
    if (r.undecided() > 0) {
      change.add(Text.count(r.undecided()) + " requests of the period have no decision in the log (pending at its end, or the log was cut).");
    }
    out.add(control("SOC 2", "CC8.1", "Change management: changes authorized and approved before they run", unverified,
        r.requested(),
        List.of(
            Text.count(r.approved()) + " privileged changes were approved before running; " + Text.count(x.executed())
                + " ran and returned, " + Text.count(x.failed()) + " failed or were refused at execution.",
            "Every execution is checked against an earlier approval of the same request: "
                + Text.count(x.executedWithoutApproval()) + " without approval, " + Text.count(x.executedMoreThanOnce())
                + " executed twice.",
            "Who approved what is listed by reviewer and action (" + Text.count(f.approvalsByReviewer().size()) + " rows)."),
        change));

    List<String> logging = new ArrayList<>();
    if (!v.closed() && v.verified()) {
      logging.add("The log ends without a closing checkpoint (open at seq " + Text.count(v.lastSeq())
          + "): compare with an independently kept head to rule out truncation.");
    }
    out.add(control("ISO/IEC 27001:2022", "A.8.15", "Logging: event logs produced, kept, protected and analysed", unverified,
        f.events(),
        List.of(
            Text.count(f.events()) + " events in the period, from " + Text.time(f.firstEvent()) + " to " + Text.time(f.lastEvent()) + ".",
            "Events by type: " + Text.byType(f.eventsByType()) + ".",
            "This report is the analysis: verified " + Text.count(v.eventsChecked()) + " events before counting."),
        logging));

    ReportFigures.RecordContent c = f.recordContent();
    List<String> content = new ArrayList<>();
    if (c.requestedComplete() < c.requestedTotal()) {
      content.add(Text.count(c.requestedTotal() - c.requestedComplete()) + " REQUESTED records lack actor, action, policy, args digest or rule.");
    }
    if (c.decidedComplete() < c.decidedTotal()) {
      content.add(Text.count(c.decidedTotal() - c.decidedComplete()) + " DECIDED records lack an outcome, reason or subject.");
    }
    out.add(control("NIST SP 800-53 Rev. 5", "AU-3", "Content of audit records", unverified, f.events(),
        List.of(
            Text.count(c.requestedComplete()) + " of " + Text.count(c.requestedTotal())
                + " REQUESTED records name the actor (who), action method (what), policy digest, arguments digest and rule;"
                + " every event carries its time (when), sequence and request id.",
            Text.count(c.decidedComplete()) + " of " + Text.count(c.decidedTotal()) + " DECIDED records carry the outcome and its reason."),
        content));

    List<String> protection = new ArrayList<>();
    if (!v.verified()) {
      protection.add("Verification failed: " + v.summary());
    }
    out.add(control("NIST SP 800-53 Rev. 5", "AU-9", "Protection of audit information", unverified, Math.max(1, v.eventsChecked()),
        List.of(
            "SHA-256 hash chain checked over " + Text.count(v.eventsChecked()) + " events (any edit, deletion, insertion or reordering breaks it).",
            Text.count(v.signaturesVerified()) + " Ed25519 signatures verified (" + v.signatureMode() + ", keys: "
                + (v.keyIds().isEmpty() ? "none" : String.join(", ", v.keyIds())) + ")."),
        protection));

    List<String> nonRepudiation = new ArrayList<>();
    if (v.keyIds().isEmpty()) {
      nonRepudiation.add("No signature verified: the log proves order, not authorship.");
    }
    out.add(control("NIST SP 800-53 Rev. 5", "AU-10", "Non-repudiation", unverified, votes.approvalsCounted() + votes.denialsCounted(),
        List.of(
            Text.count(votes.approvalsCounted()) + " approvals and " + Text.count(votes.denialsCounted())
                + " denials are bound to a named reviewer and channel, in events signed by the trail's key.",
            "Each decision is bound to its request id and arguments digest; " + Text.count(f.actors().reviewers())
                + " distinct reviewers decided for " + Text.count(f.actors().requesters()) + " distinct requesters."),
        nonRepudiation));

    out.add(control("NIST SP 800-53 Rev. 5", "AC-5", "Separation of duties", unverified,
        r.requested(),
        List.of(
            Text.count(votes.refused("SELF_APPROVAL")) + " self-approval attempts refused; "
                + Text.count(votes.refused("ON_BEHALF_OF")) + " approvals by the human an agent acted for refused.",
            "Counted approvals by the requester or its principal, recomputed from the log: " + Text.count(votes.countedSelfApprovals()) + ".",
            Text.count(q.approvedWithQuorum()) + " approvals met their quorum of distinct reviewers ("
                + Text.count(q.multiPartyApprovals()) + " needed two or more); " + Text.count(q.approvedBelowQuorum()) + " did not."),
        sod));

    out.add(control("EU AI Act", "Art. 12", "Record-keeping: automatic logging over the system's lifetime", unverified,
        f.events(),
        List.of(
            Text.count(f.events()) + " events recorded automatically by the gate, each timestamped and chained.",
            Text.count(f.actors().agentRequests()) + " of " + Text.count(r.requested())
                + " requests were made by AI agents, each naming the agent and the human it acted for.",
            "Policy versions in force are identified by digest (" + Text.count(f.policies().size()) + " in the period, "
                + Text.count(f.policyChanges()) + " changes recorded)."),
        logging));

    List<String> oversight = new ArrayList<>();
    if (r.expired() > 0) {
      oversight.add(Text.count(r.expired()) + " requests expired without a human decision (denied by default).");
    }
    long halted = f.halts().stream().filter(h -> h.type().equals("HALTED")).count();
    long resumed = f.halts().size() - halted;
    out.add(control("EU AI Act", "Art. 14", "Human oversight: humans decide, and can stop the system", unverified,
        r.requested() + f.halts().size(),
        List.of(
            Text.count(r.approved() + r.denied()) + " privileged actions were decided by humans; median time to decision "
                + Text.duration(f.decisionTimes().median()) + ", 95th percentile " + Text.duration(f.decisionTimes().p95()) + ".",
            Text.count(r.denied()) + " were stopped by a human deny; " + Text.count(r.expired()) + " were not run because no human approved in time.",
            "Emergency stop: " + Text.count(halted) + " halts and " + Text.count(resumed) + " resumptions recorded."),
        oversight));
    return out;
  }

  private static ControlEvidence control(String framework, String id, String title, String unverified, long activity,
      List<String> evidence, List<String> attention) {
    List<String> notes = new ArrayList<>();
    if (unverified != null) {
      notes.add(unverified);
    }
    notes.addAll(attention);
    Status status = activity == 0 ? Status.NO_ACTIVITY : notes.isEmpty() ? Status.EVIDENCE : Status.ATTENTION;
    return new ControlEvidence(framework, id, title, status, evidence, notes);
  }
}
