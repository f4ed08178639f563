package io.countersign.governance.report;

import io.countersign.audit.log.AuditLog;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalDeniedException;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.VerificationKey;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Generates a real audit trail with known counts: {@code requests} calls through a real
 * {@link ApprovalGate} (scripted reviewers, a manual clock, Ed25519 signatures), written as JSON Lines
 * in two files. Every tenth block of calls follows the same script, so the expected figures are
 * simple multiples of {@code requests / 10}:
 *
 * <ul>
 *   <li>0–4: pushConfig by a human developer, approved by bob;
 *   <li>5: payout, approved by frank (finance-leads);
 *   <li>6: pushConfig, denied by carol;
 *   <li>7: pushConfig, nobody votes: expires after 30 minutes;
 *   <li>8: pushConfig by dev-8, who tries to approve it himself (SELF_APPROVAL), then erin from
 *       marketing (NOT_ELIGIBLE), then dave approves;
 *   <li>9: rotateRootKeys (quorum 2) by an agent acting for alice: alice's approval is refused
 *       (ON_BEHALF_OF), bob and carol approve.
 * </ul>
 *
 * Each decision comes {@link #delay(int)} after its request; requests are 40 minutes apart.
 */
final class GeneratedTrail {

  static final Instant START = Instant.parse("2026-03-01T08:00:00Z");
  static final String KEY_ID = "audit-2026";

  final Path dir;
  final Path pem;
  final VerificationKey key;
  final List<String> lines;
  final int requests;
  final int executions;
  final Instant end;

  private GeneratedTrail(Path dir, Path pem, VerificationKey key, List<String> lines, int requests, int executions, Instant end) {
    this.dir = dir;
    this.pem = pem;
    this.key = key;
    this.lines = lines;
    this.requests = requests;
    this.executions = executions;
    this.end = end;
  }

  /** The time from request to decision of request {@code i} (never reaching the 30 minute timeout). */
  static Duration delay(int i) {
    return Duration.ofSeconds(30 + (i * 37L) % 1500);
  }

  /** The decision times of every approved or denied request, as the report must measure them. */
  static List<Duration> humanDecisionDelays(int requests) {
    List<Duration> out = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      if (i % 10 != 7) {
        out.add(delay(i));
      }
    }
    out.sort(null);
    return out;
  }

  static GeneratedTrail generate(Path dir, int requests) throws Exception {
    if (requests % 10 != 0) {
      throw new IllegalArgumentException("requests must be a multiple of 10 but was " + requests);
    }
    ManualTimeSource time = new ManualTimeSource(START);
    Ed25519Signer signer = Ed25519Signer.generate(KEY_ID);
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AtomicInteger current = new AtomicInteger();
    InMemoryApprover[] approver = new InMemoryApprover[1];
    approver[0] = InMemoryApprover.withResponder(request -> respond(approver[0], time, request, current.get()));
    AtomicInteger executions = new AtomicInteger();
    Ops ops = new Ops();
    Method push = Ops.class.getMethod("pushConfig", String.class);
    Method payout = Ops.class.getMethod("payout", String.class, long.class);
    Method rotate = Ops.class.getMethod("rotateRootKeys", String.class);
    // The trail gets the manual clock too, so that its own events (the closing checkpoint) share the timeline.
    AuditTrail auditTrail = AuditTrail.builder().sink(sink).signer(signer).timeSource(time).build();
    try (ApprovalGate gate = ApprovalGate.builder().approver(approver[0]).auditTrail(auditTrail).timeSource(time)
        .checkGuarded(Ops.class).build()) {
      for (int i = 0; i < requests; i++) {
        current.set(i);
        int script = i % 10;
        Actor actor = script == 9 ? Actor.agent("ops-agent", "alice") : Actor.human(script == 8 ? "dev-8" : "dev-" + (i % 5));
        Invocation call = switch (script) {
          case 5 -> Invocation.of(payout, ops, new Object[] {"acct-" + i, 1_000L * i});
          case 9 -> Invocation.of(rotate, ops, new Object[] {"region-" + (i % 3)});
          default -> Invocation.of(push, ops, new Object[] {"prod-" + (i % 4)});
        };
        try {
          ActorContext.runAs(actor, "ticket OPS-" + i, () -> {
            try {
              return gate.guard(call, () -> {
                executions.incrementAndGet();
                return null;
              });
            } catch (Exception | Error e) {
              throw e;
            } catch (Throwable t) {
              throw new IllegalStateException(t);
            }
          });
        } catch (ApprovalDeniedException expected) {
          // denied and expired requests: the script wants them
        }
        time.advance(Duration.ofMinutes(40));
      }
    }
    List<String> lines = sink.events().stream().map(AuditEvent::toJson).toList();
    Files.createDirectories(dir);
    // Two files, as a rotated log: the chain runs across them.
    int split = lines.size() / 2;
    write(dir.resolve(AuditLog.segmentName(1)), lines.subList(0, split));
    write(dir.resolve(AuditLog.segmentName(split + 1)), lines.subList(split, lines.size()));
    Path pem = dir.resolveSibling(dir.getFileName() + "-pub.pem");
    Files.writeString(pem, signer.verificationKey().toPem(), StandardCharsets.US_ASCII);
    return new GeneratedTrail(dir, pem, signer.verificationKey(), lines, requests, executions.get(), time.now());
  }

  static void write(Path file, List<String> lines) throws IOException {
    Files.writeString(file, lines.stream().map(l -> l + "\n").collect(Collectors.joining()), StandardCharsets.UTF_8);
  }

  private static void respond(InMemoryApprover approver, ManualTimeSource time, ApprovalRequest r, int i) {
    Reviewer bob = Reviewer.of("bob", "sre-leads");
    Reviewer carol = Reviewer.of("carol", "sre-leads");
    switch (i % 10) {
      case 7 -> time.advance(Duration.ofMinutes(30)); // nobody answers: the deadline fires
      case 6 -> {
        time.advance(delay(i));
        approver.deny(r.id(), carol, "not during the freeze");
      }
      case 5 -> {
        time.advance(delay(i));
        approver.approve(r.id(), Reviewer.of("frank", "finance-leads"), "invoice matches");
      }
      case 8 -> {
        approver.approve(r.id(), Reviewer.of("dev-8", "sre-leads"), "my own change");
        approver.approve(r.id(), Reviewer.of("erin", "marketing"), "looks fine");
        time.advance(delay(i));
        approver.approve(r.id(), Reviewer.of("dave", "sre-leads"), "checked the diff");
      }
      case 9 -> {
        approver.approve(r.id(), Reviewer.of("alice", "sre-leads"), "my agent, my call");
        approver.approve(r.id(), bob, "rotation window");
        time.advance(delay(i));
        approver.approve(r.id(), carol, "second pair of eyes");
      }
      default -> {
        time.advance(delay(i));
        approver.approve(r.id(), bob, "ok");
      }
    }
  }
}
