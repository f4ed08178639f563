package io.countersign.internal;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Decision;
import io.countersign.RequestState;
import io.countersign.Vote;
import io.countersign.VoteRecord;
import io.countersign.VoteResult.Refusal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Why {@link Lifecycle} refuses a vote, as pure functions of a request's state: separation of
 * duties, eligibility, one approval per reviewer, reasons; and the sentence shown for each refusal.
 */
final class VoteRules {

  private VoteRules() {}

  /** Why a vote on a pending request must be refused, or {@code null} if it counts. */
  static Refusal refusal(ApprovalStatus s, Vote vote, io.countersign.ApprovalRequirement in) {
    ApprovalRequest request = s.request();
    String reviewer = vote.reviewer().id();
    if (reviewer.equals(request.actor().id())) {
      return Refusal.SELF_APPROVAL;
    }
    if (reviewer.equals(request.actor().onBehalfOf())) {
      return Refusal.ON_BEHALF_OF;
    }
    if (!in.isEligible(vote.reviewer())) {
      return Refusal.NOT_ELIGIBLE;
    }
    if (vote.decision() == Decision.APPROVE && Lifecycle.approvers(s.votes()).contains(reviewer)) {
      return Refusal.DUPLICATE;
    }
    if (vote.decision() == Decision.APPROVE && request.requirement().reasonRequired()
        && (vote.reason() == null || vote.reason().isBlank())) {
      return Refusal.REASON_REQUIRED;
    }
    return null;
  }

  /** Why a vote on a request already in the terminal {@code state} is refused. */
  static Refusal refusalForDecided(RequestState state) {
    return switch (state) {
      case EXPIRED -> Refusal.EXPIRED;
      case ABANDONED -> Refusal.ABANDONED;
      default -> Refusal.ALREADY_DECIDED;
    };
  }

  /** The sentence shown to the reviewer for {@code refusal}; {@code s} is the snapshot after the vote. */
  static String message(Refusal refusal, Vote vote, ApprovalStatus s) {
    ApprovalRequest request = s.request();
    String who = vote.reviewer().id();
    return switch (refusal) {
      case SELF_APPROVAL -> who + " requested this action and cannot approve or deny it.";
      case ON_BEHALF_OF -> "The agent " + request.actor().id() + " acts for " + who
          + ", so " + who + " cannot approve or deny its request.";
      case NOT_ELIGIBLE -> who + " is not an eligible reviewer (eligible: " + String.join(", ", request.requirement().approvers()) + ").";
      case DUPLICATE -> who + " has already approved; each reviewer counts once.";
      case REASON_REQUIRED -> "This approval needs a reason.";
      case ALREADY_DECIDED -> "The request was already decided: " + s.state() + ".";
      case EXPIRED -> "The request expired at " + request.deadline() + ".";
      case ABANDONED -> "The request was abandoned (" + s.outcomeReason() + "); it can no longer be approved.";
      default -> refusal.name();
    };
  }
}
