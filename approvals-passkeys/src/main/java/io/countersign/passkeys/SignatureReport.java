package io.countersign.passkeys;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What {@link ReviewerSignatureVerifier} found: per decided request, whether its votes were signed by
 * the reviewers' enrolled passkeys, and the problems with enrolments. Immutable.
 *
 * @param decisions one entry per {@code DECIDED} event, in trail order
 * @param enrolments passkey enrolments that re-verified
 * @param problems enrolments or votes that could not be checked (e.g. a vote on a request whose
 *     {@code REQUESTED} event is missing), in trail order
 */
public record SignatureReport(List<DecisionReport> decisions, int enrolments, List<String> problems) {

  /** How a decision stands. */
  public enum Verdict {
    /** Every counted vote carries a valid assertion of the voter's own passkey (and an approval has a signed quorum). */
    SIGNED_BY_REVIEWERS,
    /** Some counted vote carries no assertion: the trail cannot prove the reviewer made it. */
    NOT_SIGNED,
    /** Some counted vote carries an assertion that does not verify: forged, replayed or bound to other content. */
    INVALID_SIGNATURE,
    /** Decided without votes (expired, cancelled, refused by policy): nothing to sign. */
    NO_VOTES
  }

  /** How one counted vote stands. */
  public enum VoteStatus {
    /** Signed by the voter's enrolled passkey over exactly this vote. */
    SIGNED,
    /** No passkey assertion. */
    UNSIGNED,
    /** An assertion that does not verify. */
    INVALID
  }

  /**
   * One counted vote.
   *
   * @param seq the VOTE event's sequence number
   * @param reviewer who the trail says voted
   * @param decision APPROVE or DENY
   * @param status signed, unsigned or invalid
   * @param detail why it is not signed, or the credential id that signed
   */
  public record VoteCheck(long seq, String reviewer, String decision, VoteStatus status, String detail) {}

  /**
   * One decided request.
   *
   * @param requestId the request
   * @param outcome the {@code DECIDED} outcome (APPROVED, REJECTED, EXPIRED, ...)
   * @param seq the DECIDED event's sequence number
   * @param verdict signed or not
   * @param flagged whether an auditor must look at it: an invalid signature, or an approval without a signed quorum
   * @param signedApprovers distinct reviewers whose approvals are signed
   * @param quorum approvals the rule required
   * @param votes the counted votes
   */
  public record DecisionReport(String requestId, String outcome, long seq, Verdict verdict, boolean flagged,
      List<String> signedApprovers, int quorum, List<VoteCheck> votes) {

    public DecisionReport {
      signedApprovers = List.copyOf(signedApprovers);
      votes = List.copyOf(votes);
    }
  }

  public SignatureReport {
    decisions = List.copyOf(decisions);
    problems = List.copyOf(problems);
  }

  /** Whether nothing is flagged and nothing could not be checked. */
  public boolean ok() {
    return problems.isEmpty() && decisions.stream().noneMatch(DecisionReport::flagged);
  }

  /** The flagged decisions. */
  public List<DecisionReport> flagged() {
    return decisions.stream().filter(DecisionReport::flagged).toList();
  }

  /** One line per decision, then the problems; for people. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    for (DecisionReport d : decisions) {
      b.append(d.requestId()).append("  ").append(d.outcome()).append("  ");
      switch (d.verdict()) {
        case SIGNED_BY_REVIEWERS -> b.append("signed by reviewer").append(d.signedApprovers().size() == 1 ? " " : "s ")
            .append(String.join(", ", d.signedApprovers().isEmpty()
                ? d.votes().stream().map(VoteCheck::reviewer).distinct().toList() : d.signedApprovers()));
        case NO_VOTES -> b.append("no votes");
        default -> {
          b.append(d.verdict() == Verdict.NOT_SIGNED ? "NOT signed by reviewer" : "INVALID reviewer signature");
          d.votes().stream().filter(v -> v.status() != VoteStatus.SIGNED).forEach(v -> b.append("; vote at seq ").append(v.seq())
              .append(" by ").append(v.reviewer()).append(": ").append(v.detail()));
        }
      }
      if (d.flagged()) {
        b.append("  [FLAGGED]");
      }
      b.append('\n');
    }
    problems.forEach(p -> b.append("problem: ").append(p).append('\n'));
    long flagged = decisions.stream().filter(DecisionReport::flagged).count();
    b.append(decisions.size()).append(" decisions, ").append(enrolments).append(" passkey enrolments, ").append(flagged)
        .append(" flagged, ").append(problems.size()).append(" problems\n");
    return b.toString();
  }

  /** The report as JSON, for scripts. */
  public String toJson() {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("ok", ok());
    root.put("enrolments", enrolments);
    ArrayNode ds = root.putArray("decisions");
    for (DecisionReport d : decisions) {
      ObjectNode n = ds.addObject();
      n.put("requestId", d.requestId()).put("outcome", d.outcome()).put("seq", d.seq()).put("verdict", d.verdict().name())
          .put("flagged", d.flagged()).put("quorum", d.quorum());
      d.signedApprovers().forEach(n.putArray("signedApprovers")::add);
      ArrayNode vs = n.putArray("votes");
      for (VoteCheck v : d.votes()) {
        vs.addObject().put("seq", v.seq()).put("reviewer", v.reviewer()).put("decision", v.decision())
            .put("status", v.status().name()).put("detail", v.detail());
      }
    }
    problems.forEach(root.putArray("problems")::add);
    return root.toString();
  }
}
