package io.countersign.http;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalStatus;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.Approver;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real gate (Ed25519-signed in-memory audit, manual clock) with the web channel, served over real
 * HTTP on 127.0.0.1, plus helpers to make guarded calls on caller threads and to call the API.
 */
public final class GateHarness implements AutoCloseable {

  public static final String ALICE = "token-alice-requester-0001"; // requests as herself; in sre-leads
  public static final String DAVE = "token-dave-principal-00002"; // the human the agent acts for; in sre-leads
  public static final String BOB = "token-bob-sre-lead-0000003";
  public static final String CAROL = "token-carol-sre-lead-00004";
  public static final String MALLORY = "token-mallory-marketing-05"; // not eligible

  public static final ObjectMapper JSON = new ObjectMapper();

  public final ManualTimeSource time = new ManualTimeSource();
  public final InMemoryAuditSink audit = new InMemoryAuditSink();
  public final Ed25519Signer signer = Ed25519Signer.generate("test-key");
  public final WebApprover web = new WebApprover();
  public final Deployments target = new Deployments();
  public final BearerTokenAuthenticator tokens = BearerTokenAuthenticator.builder()
      .token(ALICE, Reviewer.of("alice", "sre-leads"))
      .token(DAVE, Reviewer.of("dave", "sre-leads"))
      .token(BOB, Reviewer.of("bob", "sre-leads"))
      .token(CAROL, Reviewer.of("carol", "sre-leads"))
      .token(MALLORY, Reviewer.of("mallory", "marketing"))
      .build();
  public final ApprovalGate gate;
  public final ApprovalWebServer server;
  public final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private final ExecutorService callers = Executors.newCachedThreadPool();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final ReviewQueue queue;

  /** The gate delivers through the web channel; the page and API read the web channel. */
  public GateHarness() throws Exception {
    this(web -> web, null);
  }

  /**
   * @param approver the gate's approver, given the web channel (e.g. to compose it with others)
   * @param queueOverride what the page and API read, or {@code null} for the web channel
   */
  public GateHarness(Function<WebApprover, Approver> approver, Function<ApprovalGate, ReviewQueue> queueOverride) throws Exception {
    gate = ApprovalGate.builder().approver(approver.apply(web)).auditSink(audit).signer(signer).timeSource(time)
        .guard(Deployments.class).build();
    queue = queueOverride == null ? web : queueOverride.apply(gate);
    server = ApprovalWeb.builder().queue(queue).authenticator(tokens).timeSource(time).build()
        .start(new InetSocketAddress("127.0.0.1", 0));
  }

  /** A guarded call in flight on its own caller thread. */
  public record Call(String requestId, CompletableFuture<Object> result) {}

  /** Calls {@code Deployments#method(args)} as {@code actor} on a caller thread and waits until its request is pending. */
  public Call call(Actor actor, String justification, String method, Object... args) {
    CompletableFuture<Object> result = start(actor, justification, method, args);
    String id = awaitNewRequest();
    return new Call(id, result);
  }

  /** Starts the call without waiting for its request (for channels that cannot show it). */
  public CompletableFuture<Object> start(Actor actor, String justification, String method, Object... args) {
    Method m = Arrays.stream(Deployments.class.getMethods()).filter(x -> x.getName().equals(method)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no method " + method));
    return CompletableFuture.supplyAsync(() -> {
      try {
        return ActorContext.runAs(new CallContext(actor, justification, null),
            () -> {
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
  }

  /** Waits for a request that was not seen before to be pending. */
  public String awaitNewRequest() {
    String[] found = new String[1];
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      for (ApprovalStatus s : queue.pending()) {
        if (seen.add(s.request().id())) {
          found[0] = s.request().id();
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  public URI uri(String path) {
    return server.uri().resolve(path.startsWith("/") ? path.substring(1) : path);
  }

  /** GET with an optional bearer token. */
  public HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POST a raw body to the votes endpoint of {@code requestId}. */
  public HttpResponse<String> vote(String requestId, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/approvals/" + requestId + "/votes"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /** Audit events of one type for one request. */
  public List<AuditEvent> events(String requestId, EventType type) {
    return audit.events(requestId).stream().filter(e -> e.type() == type).toList();
  }

  /** Whether the whole audit chain verifies with the harness's key. */
  public boolean auditVerifies() {
    return AuditVerifier.verify(audit.events(), signer.verificationKey()).ok();
  }

  @Override
  public void close() {
    server.close();
    gate.close();
    callers.shutdownNow();
  }
}
