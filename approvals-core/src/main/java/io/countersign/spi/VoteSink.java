package io.countersign.spi;

import io.countersign.Vote;
import io.countersign.VoteResult;

/**
 * Where a channel hands reviewers' votes for one request. Bound to that request: it can never be
 * used to vote on another one. Thread-safe; every vote, counted or refused, is recorded.
 */
@FunctionalInterface
public interface VoteSink {

  /** Submits a vote and says whether it was counted and, if not, why. */
  VoteResult vote(Vote vote);
}
