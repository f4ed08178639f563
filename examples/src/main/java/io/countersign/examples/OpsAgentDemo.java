package io.countersign.examples;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.Argument;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.VerificationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The Countersign demo: an operations agent acting for alice asks for three privileged actions, and
 * scripted reviewers answer through the in-memory approver.
 *
 * <ol>
 *   <li>Export a customer table: bob (a data owner) approves, the export runs once.</li>
 *   <li>Grant an admin role: alice, for whom the agent acts, tries to approve and is refused; carol
 *       denies with a reason, so the role is never granted.</li>
 *   <li>Push production config (the config body is {@code @Sensitive}): nobody answers within the
 *       two-second timeout, so the push never happens.</li>
 * </ol>
 *
 * <p>It then prints the audit trail, writes it as JSON Lines, and verifies the written file against
 * the Ed25519 key generated for this run. A console program, so the transcript goes to
 * {@code System.out}; the library itself logs through SLF4J only.
 *
 * <p>The agent runs on its own thread because a guarded call blocks until reviewers decide; the
 * main thread plays the reviewers, which keeps the transcript in a deterministic order.
 */
public final class OpsAgentDemo {

  static final Actor AGENT = Actor.agent("ops-agent", "alice");
  static final Reviewer BOB = Reviewer.of("bob", "data-owners");
  static final Reviewer ALICE = Reviewer.of("alice", "security-admins");
  static final Reviewer CAROL = Reviewer.of("carol", "security-admins");
  /** The sensitive argument: it must never appear in the transcript or the audit trail. */
  static final String CONFIG_BODY = "db.url=jdbc:postgresql://db-prod:5432/app\ndb.password=s3cr3t-Pr0d-pa55\nfeature.checkout_v2=on\n";
  static final String KEY_ID = "demo-key";
  /** How long the script waits for the agent's request or call; a safety net, never reached normally. */
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final PrintStream out;
  private final ManualTimeSource manualClock;
  private final InMemoryApprover approver = new InMemoryApprover();
  private final InMemoryAuditSink audit = new InMemoryAuditSink();
  private final Ed25519Signer signer = Ed25519Signer.generate(KEY_ID);
  private final Operations ops = new Operations();
  private final ExecutorService agentThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "ops-agent");
    t.setDaemon(true);
    return t;
  });

  private OpsAgentDemo(PrintStream out, ManualTimeSource manualClock) {
    this.out = out;
    this.manualClock = manualClock;
  }

  /**
   * What the demo did, for its test.
   *
   * @param exportedRows what the approved export returned
   * @param aliceVote the gate's answer to alice's attempt to approve the grant
   * @param grantDenied why the grant did not run
   * @param pushDenied why the config push did not run
   * @param performed what the {@link Operations} bodies did
   * @param events the audit trail
   * @param verification the result of verifying the written audit file
   * @param auditFile where the trail was written
   */
  public record Result(
      int exportedRows,
      VoteResult aliceVote,
      ApprovalDeniedException grantDenied,
      ApprovalDeniedException pushDenied,
      List<String> performed,
      List<AuditEvent> events,
      VerificationResult verification,
      Path auditFile) {}

  /**
   * Runs the demo with the real clock.
   *
   * @param args optionally the path of the JSON Lines audit file (default {@code target/demo-audit.jsonl})
   */
  public static void main(String[] args) throws Exception {
    Path auditFile = Path.of(args.length > 0 ? args[0] : "target/demo-audit.jsonl");
    Result result = run(System.out, auditFile, null);
    if (!result.verification().ok()) {
      throw new IllegalStateException(result.verification().summary());
    }
  }

  /**
   * Runs the whole demo, printing the transcript to {@code out}.
   *
   * @param auditFile where to write the audit trail as JSON Lines (its public key goes next to it)
   * @param manualClock a clock the script advances past the push's deadline, or {@code null} to use
   *     the real clock and really wait for it (two seconds)
   */
  public static Result run(PrintStream out, Path auditFile, ManualTimeSource manualClock) throws Exception {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(auditFile, "auditFile");
    return new OpsAgentDemo(out, manualClock).run(auditFile);
  }

  private Result run(Path auditFile) throws Exception {
    ApprovalGate.Builder builder = ApprovalGate.builder()
        .approver(approver)
        .auditSink(audit)
        .signer(signer)
        .guard(Operations.class); // the annotations are checked now, not on the first call
    if (manualClock != null) {
      builder.timeSource(manualClock);
    }
    ApprovalGate gate = builder.build();
    Countersign.install(gate);
    try {
      printIntro();
      int rows = exportApprovedByBob();
      Grant grant = grantDeniedByCarol();
      ApprovalDeniedException push = pushExpires();
      List<AuditEvent> events = audit.events();
      new TrailPrinter(out).print(events);
      VerificationResult verification = writeAndVerify(events, auditFile);
      return new Result(rows, grant.aliceVote, grant.denied, push, ops.performed(), events, verification, auditFile);
    } finally {
      Countersign.uninstall();
      gate.close();
      agentThread.shutdownNow();
    }
  }

  private void printIntro() {
    out.println("Countersign demo: an operations agent asks for three privileged actions.");
    out.println("  agent      " + AGENT.id() + " (" + AGENT.kind() + ") acting for " + AGENT.onBehalfOf());
    out.println("  reviewers  " + describe(BOB) + ", " + describe(ALICE) + ", " + describe(CAROL));
    out.println("  audit key  " + KEY_ID + " (Ed25519, generated for this run)");
    out.println();
  }

  // ------------------------------------------------------------------ the three scenarios

  private int exportApprovedByBob() throws Exception {
    Future<Integer> call = agentCalls("ticket OPS-101: quarterly churn analysis",
        () -> ops.exportTable("customers", "s3://analytics-exports/2026-q3/"));
    ApprovalRequest request = announce(1, approver.awaitRequest(WAIT));
    vote(approver.approve(request.id(), BOB, "scoped to the analytics bucket"), BOB, "APPROVE", "scoped to the analytics bucket");
    int rows = call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    out.println("    outcome    EXECUTED: " + ops.performed().get(ops.performed().size() - 1));
    out.println();
    return rows;
  }

  private record Grant(VoteResult aliceVote, ApprovalDeniedException denied) {}

  private Grant grantDeniedByCarol() throws Exception {
    Future<Void> call = agentCalls("ticket OPS-102: debug a failing payment job", () -> {
      ops.grantRole("ops-agent", "admin");
      return null;
    });
    ApprovalRequest request = announce(2, approver.awaitRequest(WAIT));
    VoteResult aliceVote = approver.approve(request.id(), ALICE, "my agent needs this");
    vote(aliceVote, ALICE, "APPROVE", "my agent needs this");
    String reason = "standing admin is not allowed; request a time-boxed debug role";
    vote(approver.deny(request.id(), CAROL, reason), CAROL, "DENY", reason);
    return new Grant(aliceVote, outcome(call));
  }

  private ApprovalDeniedException pushExpires() throws Exception {
    Future<Void> call = agentCalls("ticket OPS-103: enable checkout v2", () -> {
      ops.pushConfig("production", CONFIG_BODY);
      return null;
    });
    ApprovalRequest request = announce(3, approver.awaitRequest(WAIT));
    out.println("    (no reviewer answers; waiting for the " + request.rule().timeout() + " deadline)");
    if (manualClock != null) {
      manualClock.advance(request.rule().timeout());
    }
    return outcome(call);
  }

  // ------------------------------------------------------------------ the agent and the reviewers

  private <T> Future<T> agentCalls(String justification, Callable<T> call) {
    return agentThread.submit(() -> ActorContext.runAs(AGENT, justification, call));
  }

  private ApprovalRequest announce(int step, ApprovalRequest r) {
    out.println("[" + step + "] " + r.actor().id() + " asks, for " + r.actor().onBehalfOf() + ": \"" + r.action() + "\"");
    out.println("    request    " + shortId(r.id()) + "  " + r.method());
    out.println("    why        " + r.justification());
    out.println("    arguments  " + r.arguments().stream().map(OpsAgentDemo::describe).collect(Collectors.joining(", ")));
    out.println("    needs      " + r.rule().quorum() + " approval(s) from " + String.join(", ", r.rule().approvers())
        + " within " + r.rule().timeout());
    return r;
  }

  private void vote(VoteResult result, Reviewer reviewer, String decision, String reason) {
    out.println("    vote       " + reviewer.id() + " " + decision + " \"" + reason + "\"");
    out.println("               -> " + (result.counted() ? "counted: " : "REFUSED (" + result.refusal() + "): ") + result.message());
  }

  /** Waits for a call the gate must refuse and prints why it did. */
  private ApprovalDeniedException outcome(Future<?> call) throws InterruptedException, TimeoutException {
    try {
      call.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApprovalDeniedException denied) {
        out.println("    outcome    " + denied.state() + " (" + denied.getClass().getSimpleName() + "): " + denied.getMessage());
        out.println();
        return denied;
      }
      throw new IllegalStateException("the call failed for another reason than a denial", e.getCause());
    }
    throw new IllegalStateException("the call ran although it should have been denied; performed: " + ops.performed());
  }

  // ------------------------------------------------------------------ the audit file

  private VerificationResult writeAndVerify(List<AuditEvent> events, Path auditFile) throws IOException {
    Path file = auditFile.toAbsolutePath().normalize();
    Files.createDirectories(file.getParent());
    Files.write(file, events.stream().map(AuditEvent::toJson).toList(), StandardCharsets.UTF_8);
    Path keyFile = file.resolveSibling(file.getFileName() + ".pub.pem");
    Files.writeString(keyFile, signer.verificationKey().toPem(), StandardCharsets.US_ASCII);
    out.println();
    out.println("Audit trail written to " + file);
    out.println("Public key written to  " + keyFile);
    // verify what is on disk, as an auditor would, not the objects in memory
    VerificationResult result = AuditVerifier.verifyLines(Files.readAllLines(file, StandardCharsets.UTF_8), signer.verificationKey());
    out.println(result.summary());
    return result;
  }

  // ------------------------------------------------------------------ formatting

  static String shortId(String requestId) {
    return requestId == null ? "-" : requestId.length() <= 8 ? requestId : requestId.substring(0, 8);
  }

  private static String describe(Reviewer r) {
    return r.id() + " " + r.groups();
  }

  private static String describe(Argument a) {
    return a.name() + "=" + a.value();
  }
}
