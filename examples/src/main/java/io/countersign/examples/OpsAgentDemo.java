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
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.log.VerificationResult;
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
 * <p>The audit trail goes to a durable, append-only log directory ({@link FileAuditSink}, group
 * commit, hash chain continuing across files) as it happens. At the end the demo prints the trail,
 * writes the public key next to the log, and verifies the log on disk against the Ed25519 key
 * generated for this run, as an auditor would with {@code countersign verify}. A console program, so the transcript goes to
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
   * @param auditFile the log file the trail was written to (inside the audit directory)
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
   * @param args optionally the audit log directory (default {@code target/demo-audit}); emptied first
   */
  public static void main(String[] args) throws Exception {
    Path auditDir = Path.of(args.length > 0 ? args[0] : "target/demo-audit");
    Result result = run(System.out, auditDir, null);
    if (!result.verification().ok()) {
      throw new IllegalStateException(result.verification().summary());
    }
  }

  /**
   * Runs the whole demo, printing the transcript to {@code out}.
   *
   * @param auditDir the directory of the durable audit log (emptied first; the public key goes in it as {@code pub.pem})
   * @param manualClock a clock the script advances past the push's deadline, or {@code null} to use
   *     the real clock and really wait for it (two seconds)
   */
  public static Result run(PrintStream out, Path auditDir, ManualTimeSource manualClock) throws Exception {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(auditDir, "auditDir");
    return new OpsAgentDemo(out, manualClock).run(auditDir);
  }

  private Result run(Path auditDir) throws Exception {
    Path dir = auditDir.toAbsolutePath().normalize();
    emptyDirectory(dir); // a fresh key per run, so a fresh log per run
    FileAuditSink log = FileAuditSink.open(dir);
    AuditTrail.Builder trailBuilder = AuditTrail.builder().sink(log).sink(audit).signer(signer);
    if (manualClock != null) {
      trailBuilder.timeSource(manualClock); // the closing checkpoint then carries the same clock as the events
    }
    AuditTrail trail = trailBuilder.build();
    ApprovalGate.Builder builder = ApprovalGate.builder()
        .approver(approver)
        .auditTrail(trail)
        .checkGuarded(Operations.class); // the annotations are checked now, not on the first call
    if (manualClock != null) {
      builder.timeSource(manualClock);
    }
    ApprovalGate gate = builder.build();
    Countersign.install(gate);
    int rows;
    Grant grant;
    ApprovalDeniedException push;
    try {
      printIntro();
      rows = exportApprovedByBob();
      grant = grantDeniedByCarol();
      push = pushExpires();
    } finally {
      Countersign.uninstall();
      gate.close(); // seals the log with a signed closing checkpoint
      agentThread.shutdownNow();
    }
    List<AuditEvent> events = audit.events();
    new TrailPrinter(out).print(events);
    VerificationResult verification = verifyLog(dir);
    return new Result(rows, grant.aliceVote, grant.denied, push, ops.performed(), events, verification,
        firstLogFile(dir));
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
    out.println("    (no reviewer answers; waiting for the " + request.requirement().timeout() + " deadline)");
    if (manualClock != null) {
      manualClock.advance(request.requirement().timeout());
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
    out.println("    needs      " + r.requirement().quorum() + " approval(s) from " + String.join(", ", r.requirement().approvers())
        + " within " + r.requirement().timeout());
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

  private VerificationResult verifyLog(Path dir) throws IOException {
    Path keyFile = dir.resolve("pub.pem");
    Files.writeString(keyFile, signer.verificationKey().toPem(), StandardCharsets.US_ASCII);
    out.println();
    out.println("Audit log written to  " + dir);
    out.println("Public key written to " + keyFile);
    // verify what is on disk, as an auditor would, not the objects in memory
    VerificationResult result = AuditVerifier.builder().key(signer.verificationKey()).build().verifyLog(dir);
    out.println(result.summary());
    out.println("Check it yourself:  approvals-audit-cli/bin/countersign verify --key " + keyFile + " " + dir);
    return result;
  }

  /** The log's first file ({@code audit-<first seq>.jsonl}; the demo's trail fits in one). */
  private static Path firstLogFile(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("audit-\\d+\\.jsonl")).sorted().findFirst()
          .orElseThrow(() -> new IOException("no audit log file in " + dir));
    }
  }

  private static void emptyDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.delete(f);
        }
      }
    }
    Files.createDirectories(dir);
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
