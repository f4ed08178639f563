package io.countersign.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequirement;
import io.countersign.ApprovalStatus;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.ManualTimeSource;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.EventType;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.Approver;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
  public static final String DIANA = "token-diana-incident-cmdr-6"; // emergency stop controller
  public static final String ERIC = "token-eric-incident-cmdr-07"; // emergency stop controller
  /** Who may halt and approve a resume in {@link #withEmergencyStop}: the incident commanders, one approval, reason required. */
  public static final ApprovalRequirement CONTROLLERS = ApprovalRequirement.of(Set.of(), Set.of("incident-commanders"), 1,
      Duration.ofMinutes(30), true);

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
      .token(DIANA, Reviewer.of("diana", "incident-commanders"))
      .token(ERIC, Reviewer.of("eric", "incident-commanders"))
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
    this(approver, queueOverride, null, false);
  }

  private GateHarness(Function<WebApprover, Approver> approver, Function<ApprovalGate, ReviewQueue> queueOverride,
      ApprovalRequirement controllers, boolean webEmergencyStop) throws Exception {
    ApprovalGate.Builder gb = ApprovalGate.builder().approver(approver.apply(web)).auditSink(audit).signer(signer).timeSource(time)
        .checkGuarded(Deployments.class);
    if (controllers != null) {
      gb.emergencyStop(controllers);
    }
    gate = gb.build();
    queue = queueOverride == null ? web : queueOverride.apply(gate);
    ApprovalWeb.Builder wb = ApprovalWeb.builder().queue(queue).authenticator(tokens).timeSource(time);
    if (webEmergencyStop) {
      wb.emergencyStop(gate);
    }
    server = wb.build().start(new InetSocketAddress("127.0.0.1", 0));
  }

  /** The gate's emergency stop ({@link #CONTROLLERS}) exposed on the API and the page. */
  public static GateHarness withEmergencyStop() throws Exception {
    return new GateHarness(web -> web, null, CONTROLLERS, true);
  }

  /** The web front offers the emergency stop, but the gate was built without an emergency stop rule. */
  public static GateHarness withEmergencyStopUnconfiguredOnTheGate() throws Exception {
    return new GateHarness(web -> web, null, null, true);
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

  /** POST a raw JSON body to {@code path} with an optional bearer token. */
  public HttpResponse<String> postJson(String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
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

  // ---------------------------------------------------------------- reviewer page

  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  /** Signs in on the reviewer page with {@code token} and returns the session cookie ({@code name=value}). */
  public String signIn(String token) throws Exception {
    HttpResponse<String> login = postForm("/review/login", null, "token=" + enc(token));
    assertThat(login.statusCode()).isEqualTo(303);
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  /** GET a page with a session cookie. */
  public HttpResponse<String> page(String path, String cookie) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POST a form, with a session cookie unless {@code null}. */
  public HttpResponse<String> postForm(String path, String cookie, String form) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The CSRF token of the first form on a page. */
  public static String csrf(String html) {
    Matcher m = CSRF.matcher(html);
    assertThat(m.find()).as("the page has a CSRF field").isTrue();
    return m.group(1);
  }

  /** Form-encodes one value. */
  public static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  public static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /** Audit events of one type for one request. */
  public List<AuditEvent> events(String requestId, EventType type) {
    return audit.events(requestId).stream().filter(e -> e.type().equals(type)).toList();
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
