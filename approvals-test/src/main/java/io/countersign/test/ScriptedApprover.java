package io.countersign.test;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.InMemoryApprover;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.spi.Approver;
import io.countersign.spi.VoteSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link Approver} whose reviewers answer from a script, for tests that must not wait: each
 * request delivered is answered, on the calling thread and on the {@link ManualTimeSource fake
 * clock}, by the scripted votes in order (a step after {@link #after(Duration)} first moves the clock
 * to that offset from the request's creation), and if the request is still pending after the script,
 * the clock moves to its deadline so it expires at once. Votes go through the gate like any
 * channel's, so every rule (eligibility, self-approval, quorum) applies.
 *
 * <pre>{@code
 * approver.member("alice", "finance-leads").member("bob", "finance-leads");
 * approver.approveAs("alice").approveAs("bob");   // both approve each request at once
 * approver.denyAs("alice", "not this quarter");   // (another test) one deny vetoes
 * approver.noAnswer();                             // nobody answers: the request expires
 * approver.after(Duration.ofMinutes(5)).approveAs("sec-oncall");  // an answer five minutes in
 * approver.hold();                                 // leave requests pending; vote yourself
 * }</pre>
 *
 * <p>A script step that would be ignored is an error, never silently dropped: {@code noAnswer()} or
 * {@code hold()} after scripted votes, a vote scripted after {@code hold()}, and an {@code after(...)}
 * with no vote after it each throw {@link IllegalStateException} naming the step (the last one when
 * a request arrives; {@link TestGate#close()} then fails the test with the same message). To script a
 * new answer for later calls in the same test, call {@link #reset()} first.
 *
 * <p>Not thread-safe for scripting; scripting happens on the test thread before the calls.
 */
public final class ScriptedApprover implements Approver {

  /** The channel name recorded with scripted votes. */
  public static final String CHANNEL = "scripted";

  private record Step(Duration at, Vote vote) {}

  private record Delivered(ApprovalRequest request, VoteSink sink) {}

  private final ManualTimeSource clock;
  private final Map<String, Set<String>> directory = new HashMap<>();
  private final List<Step> script = new ArrayList<>();
  private final List<Delivered> delivered = new ArrayList<>();
  private final List<VoteResult> results = new ArrayList<>();
  private final Map<String, ApprovalStatus> lastStatus = new HashMap<>();
  private Duration nextOffset = Duration.ZERO;
  private boolean afterWithoutVote;
  private boolean hold;
  private String scriptError;

  ScriptedApprover(ManualTimeSource clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Declares a reviewer and the groups the directory says they belong to. */
  public ScriptedApprover member(String reviewerId, String... groups) {
    directory.put(reviewerId, Set.of(groups));
    return this;
  }

  /** The reviewer with this id and the groups declared with {@link #member}. */
  public Reviewer reviewer(String reviewerId) {
    return new Reviewer(reviewerId, directory.getOrDefault(reviewerId, Set.of()));
  }

  /** Scripts an approval by {@code reviewerId} (with a reason). */
  public ScriptedApprover approveAs(String reviewerId) {
    return approveAs(reviewerId, "approved by " + reviewerId + " in a test");
  }

  /** Scripts an approval by {@code reviewerId} with this reason ({@code null} for none). */
  public ScriptedApprover approveAs(String reviewerId, String reason) {
    return step(Vote.approve(reviewer(reviewerId), reason, CHANNEL));
  }

  /** Scripts a denial by {@code reviewerId}. */
  public ScriptedApprover denyAs(String reviewerId) {
    return denyAs(reviewerId, "denied by " + reviewerId + " in a test");
  }

  /** Scripts a denial by {@code reviewerId} with this reason. */
  public ScriptedApprover denyAs(String reviewerId, String reason) {
    return step(Vote.deny(reviewer(reviewerId), reason, CHANNEL));
  }

  /** Scripts any vote. */
  public ScriptedApprover vote(Vote vote) {
    return step(Objects.requireNonNull(vote, "vote"));
  }

  /**
   * Makes the next scripted votes happen {@code offset} after the request was created (fake clock).
   * A vote must follow.
   */
  public ScriptedApprover after(Duration offset) {
    Objects.requireNonNull(offset, "offset");
    if (offset.isNegative() || offset.compareTo(nextOffset) < 0) {
      throw new IllegalArgumentException("after(offset) must not go back in time: already at " + nextOffset + " but was " + offset);
    }
    requireNotHolding("after(" + offset + ")");
    this.nextOffset = offset;
    this.afterWithoutVote = true;
    return this;
  }

  /**
   * Nobody answers: every request expires at once (the fake clock jumps to its deadline). Only on
   * an empty script: after scripted votes it throws, because it would drop them (a request the
   * script leaves pending expires at its deadline anyway); call {@link #reset()} first to start over.
   */
  public ScriptedApprover noAnswer() {
    requireEmptyScript("noAnswer()");
    hold = false;
    return this;
  }

  /**
   * Requests stay pending: nothing is voted and the clock does not move; vote with
   * {@link #vote(String, Vote)} or advance the clock yourself (from another thread if the call is
   * synchronous). Only on an empty script (see {@link #noAnswer()}).
   */
  public ScriptedApprover hold() {
    requireEmptyScript("hold()");
    hold = true;
    return this;
  }

  /** Forgets the script (votes, {@code after}, {@code hold}), to script a new answer for the next calls. */
  public ScriptedApprover reset() {
    script.clear();
    nextOffset = Duration.ZERO;
    afterWithoutVote = false;
    hold = false;
    return this;
  }

  private void requireEmptyScript(String what) {
    if (!script.isEmpty() || afterWithoutVote) {
      throw new IllegalStateException(what + " after a script of " + describeScript() + " would drop those steps. "
          + "A request the script leaves undecided expires at its deadline anyway, so leave out " + what
          + " to have the steps run first; or call reset() before " + what + " to start a new script.");
    }
  }

  private void requireNotHolding(String what) {
    if (hold) {
      throw new IllegalStateException(what + " after hold() would never run: held requests get no scripted votes. "
          + "Vote on them with vote(requestId, vote) or approveNow(requestId, reviewerId), or call reset() first.");
    }
  }

  private String describeScript() {
    List<String> steps = new ArrayList<>();
    for (Step s : script) {
      steps.add((s.at().isZero() ? "" : "after " + s.at() + " ") + label(s.vote()));
    }
    if (afterWithoutVote) {
      steps.add("after(" + nextOffset + ") with no vote after it");
    }
    return steps.toString();
  }

  private static String label(Vote vote) {
    return vote.decision().name().toLowerCase(Locale.ROOT) + " by " + vote.reviewer().id();
  }

  private ScriptedApprover step(Vote vote) {
    requireNotHolding(label(vote));
    script.add(new Step(nextOffset, vote));
    afterWithoutVote = false;
    return this;
  }

  /**
   * The first script error found when a request arrived ({@code after(...)} with no vote after it),
   * or {@code null}; {@link TestGate#close()} throws it.
   */
  synchronized String scriptError() {
    return scriptError;
  }

  @Override
  public void request(ApprovalRequest request, VoteSink votes) {
    List<Step> steps;
    boolean holding;
    synchronized (this) {
      delivered.add(new Delivered(request, votes));
      if (afterWithoutVote) {
        String error = "the script ends with after(" + nextOffset + ") and no vote after it: " + describeScript()
            + "; script the vote that should come then (e.g. after(" + nextOffset + ").approveAs(\"bob\"))";
        if (scriptError == null) {
          scriptError = error;
        }
        throw new IllegalStateException(error);
      }
      steps = List.copyOf(script);
      holding = hold;
    }
    if (holding) {
      return;
    }
    for (Step s : steps) {
      moveClockTo(request.createdAt().plus(s.at()));
      VoteResult r = votes.vote(s.vote());
      synchronized (this) {
        results.add(r);
      }
    }
    if (!isDecided(request.id())) {
      moveClockTo(request.deadline());
    }
  }

  private void moveClockTo(Instant at) {
    Duration d = Duration.between(clock.now(), at);
    if (!d.isNegative()) {
      clock.advance(d);
    }
  }

  private synchronized boolean isDecided(String requestId) {
    ApprovalStatus s = lastStatus.get(requestId);
    return s != null && s.state().isTerminal();
  }

  @Override
  public synchronized void update(ApprovalStatus status) {
    lastStatus.put(status.request().id(), status);
  }

  /** Votes on a delivered request now, through the sink the gate bound to it. */
  public VoteResult vote(String requestId, Vote vote) {
    VoteSink sink;
    synchronized (this) {
      sink = delivered.stream().filter(d -> d.request().id().equals(requestId)).map(Delivered::sink).findFirst().orElse(null);
    }
    if (sink == null) {
      return new VoteResult(VoteResult.Refusal.UNKNOWN_REQUEST, null, "No request with id '" + requestId + "' was delivered.");
    }
    VoteResult r = sink.vote(vote);
    synchronized (this) {
      results.add(r);
    }
    return r;
  }

  /** Approves a delivered request now as {@code reviewerId}. */
  public VoteResult approveNow(String requestId, String reviewerId) {
    return vote(requestId, Vote.approve(reviewer(reviewerId), "approved by " + reviewerId + " in a test", InMemoryApprover.CHANNEL));
  }

  /** Every request delivered, in order. */
  public synchronized List<ApprovalRequest> requests() {
    return delivered.stream().map(Delivered::request).toList();
  }

  /** The last request delivered. */
  public synchronized Optional<ApprovalRequest> lastRequest() {
    return delivered.isEmpty() ? Optional.empty() : Optional.of(delivered.get(delivered.size() - 1).request());
  }

  /** The gate's answer to every vote cast so far (scripted or not), in order. */
  public synchronized List<VoteResult> voteResults() {
    return List.copyOf(results);
  }

  /** The last status the gate reported for a request. */
  public synchronized Optional<ApprovalStatus> status(String requestId) {
    return Optional.ofNullable(lastStatus.get(requestId));
  }
}
