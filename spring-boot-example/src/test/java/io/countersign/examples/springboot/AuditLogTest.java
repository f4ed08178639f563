package io.countersign.examples.springboot;

import static io.countersign.examples.springboot.ExampleTestSupport.DANA_TOKEN;
import static io.countersign.examples.springboot.ExampleTestSupport.IAN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.log.VerificationResult;
import io.countersign.http.ApprovalWebServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The durable audit log, checked as an auditor would: with only the files and the public key the
 * example wrote, after the service stopped, and across a restart.
 */
class AuditLogTest {

  @TempDir
  Path dir;

  @Test
  void auditLogOfApprovedAndDeniedCallsVerifiesWithThePublishedKeyAcrossARestart() throws Exception {
    try (ConfigurableApplicationContext app = start()) {
      approveExport(app, "alice");
      denyRoleGrant(app, "bob");
    }
    VerificationResult first = verify();
    assertThat(first.status()).as(first.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(first.closed()).isTrue();
    assertThat(types()).containsExactly(
        "REQUESTED", "VOTE", "DECIDED", "EXECUTED",   // the approved export
        "REQUESTED", "VOTE", "DECIDED",               // the denied grant: never EXECUTED
        "CHECKPOINT");                                // closed when the service stopped

    try (ConfigurableApplicationContext app = start()) {
      approveExport(app, "erin");
    }
    VerificationResult second = verify();
    assertThat(second.status()).as(second.summary()).isEqualTo(VerificationResult.Status.INTACT);
    assertThat(second.eventsChecked()).isEqualTo(first.eventsChecked() + 5);
    assertThat(second.keyIdsUsed()).containsExactly("spring-boot-example");
  }

  @Test
  void startupFailsWhenTheLogExistsButItsSigningKeyIsGone() throws Exception {
    try (ConfigurableApplicationContext app = start()) {
      approveExport(app, "alice");
    }
    Files.delete(dir.resolve("keys/audit-signing.key"));

    assertThatThrownBy(() -> new SpringApplicationBuilder(ExampleApplication.class)
        .run(ExampleTestSupport.args(dir, ExampleTestSupport.NO_FAILURE_LOG)))
        .rootCause()
        .hasMessageContaining("The audit log in " + dir.resolve("audit") + " has ")
        .hasMessageContaining("its signing key file " + dir.resolve("keys/audit-signing.key") + " is missing");
  }

  private ConfigurableApplicationContext start() {
    return new SpringApplicationBuilder(ExampleApplication.class).run(ExampleTestSupport.args(dir));
  }

  private static ExampleTestSupport.Client client(ConfigurableApplicationContext app) {
    int port = ((WebServerApplicationContext) app).getWebServer().getPort();
    return new ExampleTestSupport.Client(port, app.getBean(ApprovalWebServer.class).apiUri());
  }

  private static void approveExport(ConfigurableApplicationContext app, String caller) throws Exception {
    ExampleTestSupport.Client client = client(app);
    CompletableFuture<HttpResponse<String>> response = client.post("exports", "{\"table\":\"customers\"}", caller, null);
    String id = client.awaitPendingRequestOf(caller, DANA_TOKEN);
    assertThat(client.vote(DANA_TOKEN, id, "APPROVE", "ok").statusCode()).isEqualTo(200);
    assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  private static void denyRoleGrant(ConfigurableApplicationContext app, String caller) throws Exception {
    ExampleTestSupport.Client client = client(app);
    CompletableFuture<HttpResponse<String>> response =
        client.post("iam/roles", "{\"user\":\"" + caller + "\",\"role\":\"admin\"}", caller, null);
    String id = client.awaitPendingRequestOf(caller, IAN_TOKEN);
    assertThat(client.vote(IAN_TOKEN, id, "DENY", "no ticket").statusCode()).isEqualTo(200);
    assertThat(response.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(403);
  }

  /** Verifies the log directory with the PEM public key the service published, as the CLI does. */
  private VerificationResult verify() throws IOException {
    String pem = Files.readString(dir.resolve("keys/audit-public.pem"), StandardCharsets.US_ASCII);
    return AuditVerifier.builder()
        .key(VerificationKey.fromPem("spring-boot-example", pem))
        .build()
        .verifyLog(dir.resolve("audit"));
  }

  private List<String> types() throws IOException {
    try (var files = Files.list(dir.resolve("audit"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted()
          .flatMap(f -> {
            try {
              return Files.readAllLines(f).stream();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          })
          .map(line -> ExampleTestSupport.json(line).get("type").asText())
          .toList();
    }
  }
}
