package io.countersign.passkeys;

import io.countersign.audit.FieldValue;
import io.countersign.Decision;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditSearch;
import io.countersign.audit.EventType;
import io.countersign.passkeys.internal.TrailRecords;
import io.countersign.passkeys.internal.WebAuthnSupport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Offline check of reviewer signatures in an audit trail: re-verifies every passkey enrolment in the
 * trail, then every counted vote's assertion against the passkey enrolled to <em>that</em> reviewer
 * (signature, challenge recomputed from the {@code REQUESTED} event and the vote, origin, RP id, user
 * verification, increasing counter), and reports per decision whether it was signed by the reviewers.
 * A vote the service wrote without the reviewer's authenticator is flagged.
 *
 * <p>It does not check the hash chain or the service's signatures: run the core
 * {@link io.countersign.audit.log.AuditVerifier} (or the audit CLI) for that first. Both together prove
 * that the log is intact and that each approval was made with the reviewer's own authenticator.
 *
 * <pre>{@code
 * SignatureReport report = ReviewerSignatureVerifier.builder().build().verify(Path.of("logs"));
 * report.flagged().forEach(d -> System.out.println(d.requestId() + " " + d.verdict()));
 * }</pre>
 *
 * CLI: {@code java -cp ... io.countersign.passkeys.ReviewerSignatureVerifier [--json] [--unsigned-ok]
 * [--rp-id ID] LOG}; exit code 0 all signed, 1 something flagged, 2 unreadable or usage.
 */
public final class ReviewerSignatureVerifier {

  private final String rpId;
  private final boolean userVerification;
  private final boolean unsignedOk;

  private ReviewerSignatureVerifier(Builder b) {
    this.rpId = b.rpId;
    this.userVerification = b.userVerification;
    this.unsignedOk = b.unsignedOk;
  }

  /** A builder; every setting is optional. */
  public static Builder builder() {
    return new Builder();
  }

  /** Verifies the log at {@code path} (a directory of rotated files or one JSON Lines file). */
  public SignatureReport verify(Path path) throws IOException {
    List<AuditEvent> events = new ArrayList<>();
    AuditSearch.builder().build().search(path, e -> {
      events.add(e);
      return true;
    });
    return verify(events);
  }

  private static final class Requested {
    String action;
    String argsDigest;
    String policyDigest;
    String deadline;
    int quorum = 1;
    final List<SignatureReport.VoteCheck> votes = new ArrayList<>();
    final Set<String> signedApprovers = new LinkedHashSet<>();
  }

  /** Verifies events in trail order. */
  public SignatureReport verify(Iterable<AuditEvent> events) {
    Objects.requireNonNull(events, "events");
    Map<String, PasskeyRegistry.Entry> keys = new HashMap<>();
    Map<String, Set<String>> originsOf = new HashMap<>();
    Map<String, String> rpIdOf = new HashMap<>();
    Set<String> usedSignatures = new HashSet<>();
    Map<String, Requested> requests = new HashMap<>();
    List<SignatureReport.DecisionReport> decisions = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int enrolments = 0;
    for (AuditEvent e : events) {
      EventType type = e.type();
      if (PasskeyEvents.ENROLLED.equals(type)) {
        try {
          TrailRecords.Enrolment en = TrailRecords.enrolment(e);
          if (rpId != null && !rpId.equals(en.rpId())) {
            problems.add("PASSKEY_ENROLLED at seq " + e.seq() + " is for RP id " + en.rpId() + ", not " + rpId);
            continue;
          }
          if (keys.containsKey(en.credentialId())) {
            problems.add("PASSKEY_ENROLLED at seq " + e.seq() + " enrols credential " + en.credentialId() + " a second time");
            continue;
          }
          keys.put(en.credentialId(), new PasskeyRegistry.Entry(en.reviewerId(), en.credentialId(), en.userHandle(), en.aaguid(),
              en.time(), en.registration().record()));
          originsOf.put(en.credentialId(), en.origins());
          rpIdOf.put(en.credentialId(), en.rpId());
          enrolments++;
        } catch (IllegalArgumentException ex) {
          problems.add(ex.getMessage());
        }
      } else if (PasskeyEvents.REVOKED.equals(type)) {
        FieldValue p = e.get("passkey");
        PasskeyRegistry.Entry entry = p == null ? null : keys.get(p.path("credentialId").asText(""));
        if (entry != null) {
          entry.revoked = true;
        }
      } else if (type == EventType.REQUESTED && e.requestId() != null) {
        Requested r = new Requested();
        r.action = e.get("action") == null ? null : e.get("action").path("name").asText(null);
        r.argsDigest = e.text("argsDigest");
        r.policyDigest = e.get("policy") == null ? null : e.get("policy").path("digest").asText(null);
        r.deadline = e.text("deadline");
        r.quorum = e.get("rule") == null ? 1 : e.get("rule").path("quorum").asInt(1);
        requests.put(e.requestId(), r);
      } else if (type == EventType.VOTE && e.get("vote") != null && e.get("vote").path("counted").asBoolean(false)) {
        Requested r = requests.get(e.requestId());
        if (r == null) {
          problems.add("VOTE at seq " + e.seq() + " is for request " + e.requestId() + " whose REQUESTED event is not in this trail");
          continue;
        }
        FieldValue vote = e.get("vote");
        String reviewer = vote.path("reviewer").asText("");
        String decision = vote.path("decision").asText("");
        SignatureReport.VoteCheck check = checkVote(e, r, vote, reviewer, decision, keys, originsOf, rpIdOf, usedSignatures);
        r.votes.add(check);
        if (check.status() == SignatureReport.VoteStatus.SIGNED && decision.equals("APPROVE")) {
          r.signedApprovers.add(reviewer);
        }
      } else if (type == EventType.DECIDED && e.requestId() != null) {
        Requested r = requests.remove(e.requestId());
        if (r == null) {
          if ("APPROVED".equals(e.text("outcome"))) {
            decisions.add(new SignatureReport.DecisionReport(e.requestId(), "APPROVED", e.seq(), SignatureReport.Verdict.NOT_SIGNED,
                true, List.of(), 1, List.of()));
            problems.add("DECIDED APPROVED at seq " + e.seq() + " for request " + e.requestId() + " without a REQUESTED event");
          }
          continue;
        }
        decisions.add(decide(e, r));
      }
    }
    return new SignatureReport(decisions, enrolments, problems);
  }

  private SignatureReport.DecisionReport decide(AuditEvent e, Requested r) {
    String outcome = e.text("outcome") == null ? "UNKNOWN" : e.text("outcome");
    boolean approved = outcome.equals("APPROVED");
    SignatureReport.Verdict verdict;
    if (r.votes.stream().anyMatch(v -> v.status() == SignatureReport.VoteStatus.INVALID)) {
      verdict = SignatureReport.Verdict.INVALID_SIGNATURE;
    } else if (r.votes.isEmpty() && !approved) {
      verdict = SignatureReport.Verdict.NO_VOTES;
    } else if (r.votes.stream().anyMatch(v -> v.status() == SignatureReport.VoteStatus.UNSIGNED)
        || (approved && r.signedApprovers.size() < r.quorum)) {
      verdict = SignatureReport.Verdict.NOT_SIGNED;
    } else {
      verdict = SignatureReport.Verdict.SIGNED_BY_REVIEWERS;
    }
    boolean flagged = verdict == SignatureReport.Verdict.INVALID_SIGNATURE
        || (approved && r.signedApprovers.size() < r.quorum && !unsignedOk);
    return new SignatureReport.DecisionReport(e.requestId(), outcome, e.seq(), verdict, flagged, List.copyOf(r.signedApprovers),
        r.quorum, r.votes);
  }

  private SignatureReport.VoteCheck checkVote(AuditEvent e, Requested r, FieldValue vote, String reviewer, String decision,
      Map<String, PasskeyRegistry.Entry> keys, Map<String, Set<String>> originsOf, Map<String, String> rpIdOf,
      Set<String> usedSignatures) {
    FieldValue evidence = vote.get("evidence");
    if (evidence == null || !evidence.isObject()) {
      return new SignatureReport.VoteCheck(e.seq(), reviewer, decision, SignatureReport.VoteStatus.UNSIGNED,
          "no passkey assertion: the trail cannot show that " + reviewer + " made this vote");
    }
    Map<String, String> ev = new HashMap<>();
    for (String name : evidence.names()) {
      ev.put(name, evidence.path(name).asText());
    }
    String problem;
    PasskeyAssertion a = null;
    try {
      a = PasskeyAssertion.fromEvidence(ev);
      problem = null;
    } catch (IllegalArgumentException ex) {
      problem = "malformed assertion: " + ex.getMessage();
    }
    PasskeyRegistry.Entry key = a == null ? null : keys.get(a.credentialId());
    if (problem == null && key == null) {
      problem = "signed by credential " + a.credentialId() + ", which was never enrolled in this trail before the vote";
    } else if (problem == null && key.revoked) {
      problem = "signed by credential " + a.credentialId() + ", which was revoked before the vote";
    } else if (problem == null && !key.reviewerId.equals(reviewer)) {
      problem = "signed by the passkey of " + key.reviewerId + ", not of " + reviewer;
    } else if (problem == null && a.userHandle() != null && !a.userHandle().equals(key.userHandle)) {
      problem = "the assertion's user handle is not the enrolled one";
    }
    if (problem == null) {
      Decision d;
      try {
        d = Decision.valueOf(decision);
      } catch (IllegalArgumentException ex) {
        d = null;
      }
      String signatureKey = a.signature();
      if (d == null) {
        problem = "unknown decision '" + decision + "'";
      } else if (!usedSignatures.add(signatureKey)) {
        problem = "the same assertion was already used by an earlier vote (replay)";
      } else {
        try {
          byte[] challenge = VoteChallenge.challenge(e.requestId(), r.action, r.argsDigest, r.policyDigest, d,
              vote.hasNonNull("reason") ? vote.get("reason").asText() : null, r.deadline);
          long counter = WebAuthnSupport.verifyAssertion(key.record, a, challenge, originsOf.get(a.credentialId()),
              rpIdOf.get(a.credentialId()), userVerification);
          key.record.setCounter(counter);
        } catch (RuntimeException ex) {
          problem = WebAuthnSupport.explain(ex);
        }
      }
    }
    if (problem != null) {
      return new SignatureReport.VoteCheck(e.seq(), reviewer, decision, SignatureReport.VoteStatus.INVALID, problem);
    }
    return new SignatureReport.VoteCheck(e.seq(), reviewer, decision, SignatureReport.VoteStatus.SIGNED,
        "signed with passkey " + a.credentialId());
  }

  /** Runs the CLI and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** The CLI without {@code System.exit}: returns 0 (all signed), 1 (flagged or problems) or 2 (usage, unreadable). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Builder b = builder();
    boolean json = false;
    Path log = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = true;
        case "--unsigned-ok" -> b.unsignedOk(true);
        case "--no-user-verification" -> b.userVerification(false);
        case "--rp-id" -> {
          if (i + 1 >= args.length) {
            err.println("--rp-id needs a value");
            return 2;
          }
          b.rpId(args[++i]);
        }
        case "-h", "--help" -> {
          out.println(usage());
          return 0;
        }
        default -> {
          if (args[i].startsWith("-") || log != null) {
            err.println("unexpected argument '" + args[i] + "'\n" + usage());
            return 2;
          }
          log = Path.of(args[i]);
        }
      }
    }
    if (log == null) {
      err.println(usage());
      return 2;
    }
    SignatureReport report;
    try {
      report = b.build().verify(log);
    } catch (IOException | RuntimeException e) {
      err.println("cannot read audit log " + log + ": " + e.getMessage());
      return 2;
    }
    out.print(json ? report.toJson() + "\n" : report.toText());
    return report.ok() ? 0 : 1;
  }

  private static String usage() {
    return "usage: ReviewerSignatureVerifier [--json] [--unsigned-ok] [--no-user-verification] [--rp-id ID] LOG\n"
        + "  LOG: an audit log directory or JSON Lines file. Exit 0 all decisions signed by reviewers,\n"
        + "  1 a decision is flagged (forged, invalid or unsigned approval), 2 usage or unreadable log.";
  }

  /** Settings of the offline verifier. */
  public static final class Builder {
    private String rpId;
    private boolean userVerification = true;
    private boolean unsignedOk;

    private Builder() {}

    /** Accept only enrolments for this RP id (default: each enrolment's own). */
    public Builder rpId(String rpId) {
      if (rpId == null || rpId.isBlank()) {
        throw new IllegalArgumentException("rpId must not be blank but was '" + rpId + "'");
      }
      this.rpId = rpId;
      return this;
    }

    /** Whether assertions must carry the user-verified flag; default true. */
    public Builder userVerification(boolean required) {
      this.userVerification = required;
      return this;
    }

    /**
     * Do not flag approvals that lack signatures (deployments where only some rules require them);
     * invalid signatures are always flagged. Default false.
     */
    public Builder unsignedOk(boolean ok) {
      this.unsignedOk = ok;
      return this;
    }

    /** The verifier. */
    public ReviewerSignatureVerifier build() {
      return new ReviewerSignatureVerifier(this);
    }
  }
}
