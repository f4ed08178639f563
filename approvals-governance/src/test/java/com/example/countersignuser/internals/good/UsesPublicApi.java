package com.example.countersignuser.internals.good;

import io.countersign.ApprovalGate;
import io.countersign.Vote;
import io.countersign.VoteResult;

/** Complies: uses only the public API. */
public class UsesPublicApi {

  public VoteResult vote(ApprovalGate gate, String requestId, Vote vote) {
    return gate.vote(requestId, vote);
  }
}
