package io.countersign.examples.springboot;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Shared fixtures: the example's settings for a test run (free ports, temporary directories, fixed
 * reviewer tokens, quiet logs) and a small HTTP client for the service and the reviewer API.
 */
final class ExampleTestSupport {

  static final String DANA_TOKEN = "dana-token-0123456789abcdef";   // data-protection
  static final String DORA_TOKEN = "dora-token-0123456789abcdef";   // data-protection
  static final String IAN_TOKEN = "ian-token-0123456789abcdef";     // iam-admins
  static final String IRENE_TOKEN = "irene-token-0123456789abcdef"; // iam-admins

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Quiet logs for {@code @SpringBootTest(properties = ...)} (applied before the logging system starts). */
  static final String QUIET_GATE_LOG = "logging.level.io.countersign=WARN";
  static final String QUIET_WEB_LOG = "logging.level.org.springframework.boot.web=WARN";
  static final String NO_BANNER = "spring.main.banner-mode=off";
  /** For starts expected to fail: the test asserts the failure, Spring Boot need not print it too. */
  static final String NO_FAILURE_LOG = "logging.level.org.springframework=OFF";

  private ExampleTestSupport() {}

  /** A new temporary directory for one test class's files. */
  static Path tempDir(String name) {
    try {
      return java.nio.file.Files.createTempDirectory("countersign-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The settings every test run uses, as {@code name=value} pairs, with its files under {@code dir}. */
  static List<String> settings(Path dir) {
    List<String> s = new ArrayList<>(List.of(
        "server.port=0",
        "example.reviewer-page.port=0",
        "example.reviewers[0].id=dana", "example.reviewers[0].groups=data-protection", "example.reviewers[0].token=" + DANA_TOKEN,
        "example.reviewers[1].id=dora", "example.reviewers[1].groups=data-protection", "example.reviewers[1].token=" + DORA_TOKEN,
        "example.reviewers[2].id=ian", "example.reviewers[2].groups=iam-admins", "example.reviewers[2].token=" + IAN_TOKEN,
        "example.reviewers[3].id=irene", "example.reviewers[3].groups=iam-admins", "example.reviewers[3].token=" + IRENE_TOKEN,
        "example.audit.dir=" + dir.resolve("audit"),
        "example.audit.signing-key-file=" + dir.resolve("keys/audit-signing.key"),
        "example.audit.public-key-file=" + dir.resolve("keys/audit-public.pem"),
        "example.exports-dir=" + dir.resolve("exports"),
        "spring.main.banner-mode=off",
        "logging.level.io.countersign=WARN",
        "logging.level.org.springframework.boot.web=WARN"));
    return s;
  }

  /** The same settings for a {@code @DynamicPropertySource}. */
  static void register(DynamicPropertyRegistry registry, Path dir) {
    for (String setting : settings(dir)) {
      int eq = setting.indexOf('=');
      registry.add(setting.substring(0, eq), () -> setting.substring(eq + 1));
    }
  }

  /** The same settings as command-line arguments (which beat application.properties). */
  static String[] args(Path dir, String... more) {
    // a name given twice on the command line would be bound as "first,second": replace instead
    List<String> overridden = java.util.Arrays.stream(more).map(m -> m.substring(0, m.indexOf('=') + 1)).toList();
    List<String> args = new ArrayList<>();
    settings(dir).stream().filter(s -> overridden.stream().noneMatch(s::startsWith)).forEach(s -> args.add("--" + s));
    for (String m : more) {
      args.add("--" + m);
    }
    return args.toArray(String[]::new);
  }

  static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
  }

  /** Calls the service as a caller, and the reviewer API as a reviewer, over real HTTP. */
  static final class Client {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI service;
    private final URI reviewerApi;

    Client(int servicePort, URI reviewerApi) {
      this.service = URI.create("http://127.0.0.1:" + servicePort + "/");
      this.reviewerApi = reviewerApi;
    }

    /** POSTs JSON as {@code user} (and {@code agent} acting for them, if not null); answers when the service does. */
    CompletableFuture<HttpResponse<String>> post(String path, String json, String user, String agent) {
      HttpRequest.Builder b = HttpRequest.newBuilder(service.resolve(path))
          .timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json));
      if (user != null) {
        b.header(CallerHeaderFilter.USER, user);
      }
      if (agent != null) {
        b.header(CallerHeaderFilter.AGENT, agent);
      }
      return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String user) throws IOException, InterruptedException {
      return http.send(HttpRequest.newBuilder(service.resolve(path)).header(CallerHeaderFilter.USER, user).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    }

    /** The pending requests the reviewer with {@code token} sees. */
    JsonNode pending(String token) throws IOException, InterruptedException {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(reviewerApi + "?status=pending"))
          .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("reviewer API answered " + r.statusCode() + ": " + r.body());
      }
      return json(r.body()).get("items");
    }

    /** Waits until a request by {@code requester} is pending and returns its id. */
    String awaitPendingRequestOf(String requester, String token) {
      String[] id = new String[1];
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        for (JsonNode item : pending(token)) {
          if (requester.equals(item.path("requester").path("id").asText())) {
            id[0] = item.get("id").asText();
            return true;
          }
        }
        return false;
      });
      return id[0];
    }

    /** Votes through the reviewer API: {@code POST /approvals/{id}/votes} with a bearer token. */
    HttpResponse<String> vote(String token, String requestId, String decision, String reason)
        throws IOException, InterruptedException {
      String body = reason == null
          ? "{\"decision\":\"" + decision + "\"}"
          : "{\"decision\":\"" + decision + "\",\"reason\":" + JSON.writeValueAsString(reason) + "}";
      return http.send(HttpRequest.newBuilder(URI.create(reviewerApi + "/" + requestId + "/votes"))
          .header("Authorization", "Bearer " + token)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
