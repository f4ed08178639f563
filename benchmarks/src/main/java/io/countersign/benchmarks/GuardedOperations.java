package io.countersign.benchmarks;

import io.countersign.RequiresApproval;
import java.util.concurrent.CompletableFuture;

/**
 * The Countersign variant: methods woven at compile time with {@code ApprovalAspect} (see the
 * aspectj-maven-plugin in this module's pom), exactly as a user's build weaves them. Every call goes
 * aspect -> {@code Countersign.gate()} -> {@code ApprovalGate.guard}.
 */
public class GuardedOperations implements Operations {

  /** Allowed path: the named policy answers {@code PolicyDecision.allow} (no digest of its own). */
  @Override
  @RequiresApproval(policy = BenchmarkGates.ALLOW_POLICY, action = "Transfer funds")
  public long transfer(long amount) {
    return Work.transfer(amount);
  }

  /** Allowed path through a policy that supplies its own digest (as {@code policy.Policy} does). */
  @RequiresApproval(policy = BenchmarkGates.ALLOW_POLICY_WITH_DIGEST, action = "Transfer funds")
  public long transferDigestPolicy(long amount) {
    return Work.transfer(amount);
  }

  /** Refused by policy: used by the tests to prove the benchmarked class really is woven. */
  @RequiresApproval(policy = BenchmarkGates.DENY_POLICY, action = "Drop database")
  public long dropDatabase(long id) {
    return Work.transfer(id);
  }

  /** Needs one approval from ops-leads: the approval round trip. */
  @RequiresApproval(approvers = "group:ops-leads", quorum = 1, timeout = "PT1M", action = "Deploy release")
  public long deploy(long build) {
    return Work.transfer(build);
  }

  /** Asynchronous, needs one approval: the caller gets a future at once (many-pending harness). */
  @RequiresApproval(approvers = "group:ops-leads", quorum = 1, timeout = "PT30M", action = "Restart service")
  public CompletableFuture<Long> restartAsync(long node) {
    return CompletableFuture.completedFuture(Work.transfer(node));
  }
}
