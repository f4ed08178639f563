package io.countersign.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.log.VerificationResult;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared fixture of the woven suite: before each test it installs a gate with an
 * {@link InMemoryApprover}, an {@link InMemoryAuditSink}, a fresh Ed25519 key and a
 * {@link ManualTimeSource}; after each test it uninstalls and closes the gate, makes sure no caller
 * thread is still blocked, and verifies the whole audit trail the test produced.
 *
 * <p>Guarded methods are called normally (through the woven aspect), on caller threads started with
 * {@link #callAs}, because a synchronous guarded call blocks until reviewers decide.
 */
abstract class WovenGateFixture {

  /** Upper bound for anything a test waits for; nothing sleeps, so this is only hit when a test fails. */
  static final Duration WAIT = Duration.ofSeconds(10);

  /** An agent acting for alice: the usual requester. */
  static final Actor AGENT = Actor.agent("ops-agent", "alice");
  static final Reviewer ALICE = Reviewer.of("alice", "sre-leads");
  static final Reviewer BOB = Reviewer.of("bob", "sre-leads");
  static final Reviewer CAROL = Reviewer.of("carol", "sre-leads");
  static final Reviewer MALLORY = Reviewer.of("mallory", "interns");

  final ManualTimeSource time = new ManualTimeSource();
  final Ed25519Signer signer = Ed25519Signer.generate("woven-test-key");
  final InMemoryApprover approver = new InMemoryApprover();
  /** The audit sink of the installed gate (a fresh one comes with each gate). */
  InMemoryAuditSink audit;
  ApprovalGate gate;

  private final List<Thread> callerThreads = new CopyOnWriteArrayList<>();
  private final AtomicInteger callerNumber = new AtomicInteger();

  @BeforeEach
  final void installGate() {
    reinstall(approver, List.of(), settings -> {});
  }

  @AfterEach
  final void uninstallGateAndVerifyAuditTrail() throws InterruptedException {
    Countersign.uninstall();
    gate.close(); // cancels whatever a test left pending, which releases its callers
    for (Thread caller : callerThreads) {
      caller.join(WAIT.toMillis());
      assertThat(caller.isAlive()).as("caller thread %s still blocked after the gate was closed", caller.getName()).isFalse();
    }
    List<AuditEvent> events = audit.events();
    VerificationResult result = AuditVerifier.verify(events, signer.verificationKey());
    assertThat(result.ok()).as(result.summary()).isTrue();
    assertThat(result.signaturesVerified()).isEqualTo(events.size());
  }

  /** Replaces the installed gate with one whose settings are adjusted, e.g. {@code b -> b.maxPendingPerActor(2)}. */
  final void reinstall(Consumer<ApprovalGate.Builder> settings) {
    reinstall(approver, List.of(), settings);
  }

  /** Replaces the installed gate with one that delivers requests to {@code approver}. */
  final void reinstall(Approver approver) {
    reinstall(approver, List.of(), settings -> {});
  }

  /** Replaces the installed gate with one that records every event to {@code sink} first, then to {@link #audit}. */
  final void reinstallWithSinkAhead(AuditSink sink) {
    reinstall(approver, List.of(sink), settings -> {});
  }

  /**
   * Replaces the installed gate (which must not have recorded anything yet) with one using this
   * fixture's signer and clock, {@code approver}, the {@code sinksAhead} and then a fresh
   * {@link InMemoryAuditSink}, which becomes {@link #audit}.
   */
  private void reinstall(Approver approver, List<AuditSink> sinksAhead, Consumer<ApprovalGate.Builder> settings) {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    ApprovalGate.Builder builder = ApprovalGate.builder().approver(approver).signer(signer).timeSource(time);
    sinksAhead.forEach(builder::auditSink);
    builder.auditSink(sink);
    settings.accept(builder);
    Countersign.uninstall().ifPresent(ApprovalGate::close);
    gate = builder.build();
    audit = sink;
    Countersign.install(gate);
  }

  /** Calls {@code call} as {@code actor} on a new caller thread; the result completes when the call returns or throws. */
  final <T> Call<T> callAs(Actor actor, Callable<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      try {
        result.complete(ActorContext.runAs(actor, "woven acceptance test", call));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }, "caller-" + callerNumber.incrementAndGet());
    thread.setDaemon(true);
    callerThreads.add(thread);
    thread.start();
    return new Call<>(thread, result);
  }

  /** Calls a void guarded method as {@code actor} on a new caller thread. */
  final Call<Void> callAs(Actor actor, VoidCall call) {
    return callAs(actor, () -> {
      call.run();
      return null;
    });
  }

  /** The next request delivered to the fixture's approver. */
  final ApprovalRequest nextRequest() throws InterruptedException {
    return approver.awaitRequest(WAIT);
  }

  /** The audit events of one request and type, in order. */
  final List<AuditEvent> events(String requestId, EventType type) {
    return audit.events(requestId).stream().filter(e -> e.type().equals(type)).toList();
  }

  /** A field of a VOTE event's {@code vote} object, as text ({@code "reviewer"}, {@code "counted"}, {@code "refusal"}). */
  static String voteField(AuditEvent vote, String field) {
    return vote.get("vote").get(field).asText();
  }

  /** A top-level field of an event, as text ({@code "outcome"}, {@code "reason"}). */
  static String field(AuditEvent event, String field) {
    return event.get(field).asText();
  }

  /** Waits for {@code result} to fail and returns its cause, checking it is a {@code type}. */
  static <E extends Throwable> E failure(CompletableFuture<?> result, Class<E> type) {
    Throwable thrown = catchThrowable(() -> result.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    assertThat(thrown.getCause()).isInstanceOf(type);
    return type.cast(thrown.getCause());
  }

  /** A guarded call running on its own caller thread. */
  record Call<T>(Thread thread, CompletableFuture<T> result) {}

  /** A call of a void method. */
  @FunctionalInterface
  interface VoidCall {
    void run() throws Exception;
  }
}
