package io.countersign.passkeys;

import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalStatus;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.http.ApprovalWeb;
import io.countersign.http.BearerTokenAuthenticator;
import io.countersign.http.WebApprover;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A gate with a signed in-memory audit trail and a manual clock, the web channel behind the passkey
 * guard, and the reviewer page with the passkey extension on a JDK server on {@code host}.
 */
final class PasskeyHarness implements AutoCloseable {

  static final String BOB = "token-bob-sre-lead-0000003";
  static final String CAROL = "token-carol-sre-lead-00004";
  static final Actor AGENT = Actor.agent("ops-agent-7", "dave");

  final ManualTimeSource time = new ManualTimeSource();
  final InMemoryAuditSink audit = new InMemoryAuditSink();
  final Ed25519Signer signer = Ed25519Signer.generate("service-key");
  final AuditTrail trail = AuditTrail.builder().sink(audit).signer(signer).timeSource(time).build();
  final WebApprover web = new WebApprover();
  final Operations target = new Operations();
  final BearerTokenAuthenticator tokens = BearerTokenAuthenticator.builder()
      .token(BOB, Reviewer.of("bob", "sre-leads"))
      .token(CAROL, Reviewer.of("carol", "sre-leads"))
      .build();
  final HttpServer server;
  final String origin;
  final ReviewerPasskeys passkeys;
  final ApprovalGate gate;

  private final ExecutorService callers = Executors.newCachedThreadPool();
  private final ExecutorService http = Executors.newFixedThreadPool(4);
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  PasskeyHarness(String host) throws Exception {
    this(host, SignatureRequirement.always());
  }

  PasskeyHarness(String host, SignatureRequirement requirement) throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin = "http://" + host + ":" + server.getAddress().getPort();
    passkeys = ReviewerPasskeys.builder().relyingParty(host, origin).auditTrail(trail).timeSource(time)
        .signaturesRequired(requirement).reviewPage(id -> java.net.URI.create(origin + "/review/requests/" + id)).build();
    gate = ApprovalGate.builder().approver(passkeys.guardApprover(web)).auditTrail(trail).timeSource(time)
        .checkGuarded(Operations.class).build();
    ApprovalWeb.builder().queue(web).authenticator(tokens).timeSource(time).extension(passkeys.pageExtension()).build()
        .mount(server, "");
    server.setExecutor(http);
    server.start();
  }

  record Call(String requestId, CompletableFuture<Object> result) {}

  /** Calls {@code Operations#method(args)} as the agent on a caller thread and waits until its request is pending. */
  Call call(String method, Object... args) {
    Method m = Arrays.stream(Operations.class.getMethods()).filter(x -> x.getName().equals(method)).findFirst().orElseThrow();
    CompletableFuture<Object> result = CompletableFuture.supplyAsync(() -> {
      try {
        return ActorContext.runAs(new CallContext(AGENT, "ticket OPS-42", null), () -> {
          try {
            return gate.guard(Invocation.of(m, target, args), () -> {
              try {
                return m.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
          } catch (Exception | Error e) {
            throw e;
          } catch (Throwable t) {
            throw new IllegalStateException(t);
          }
        });
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, callers);
    String[] found = new String[1];
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (ApprovalStatus s : web.pending()) {
        if (seen.add(s.request().id())) {
          found[0] = s.request().id();
          return true;
        }
      }
      return false;
    });
    return new Call(found[0], result);
  }

  List<AuditEvent> events(EventType type) {
    return audit.events().stream().filter(e -> e.type().equals(type)).toList();
  }

  List<AuditEvent> votes(String requestId) {
    return audit.events(requestId).stream().filter(e -> e.type() == EventType.VOTE).toList();
  }

  /** The service's hash chain and signatures verify. */
  boolean chainVerifies() {
    return AuditVerifier.verify(audit.events(), signer.verificationKey()).ok();
  }

  @Override
  public void close() {
    server.stop(0);
    http.shutdownNow();
    callers.shutdownNow();
    gate.close();
  }
}
