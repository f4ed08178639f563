package io.countersign.passkeys;

import io.countersign.http.testing.HeadlessChromium;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.FieldValue;
import io.countersign.Reviewer;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.EventType;
import java.io.ByteArrayOutputStream;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;


import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * Passkey-signed decisions in headless Chromium with a virtual authenticator (CTAP2, resident keys,
 * user verification) on the system browser and driver: enrolment, a signed approval that lets the
 * blocked call proceed, and the attacks the signature closes.
 */
class PasskeyBrowserIT {

  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  /**
   * The page's host. Like 127.0.0.1, {@code http://localhost} is a secure context, so WebAuthn works
   * over plain HTTP; but Chromium refuses an IP address as RP id ("This is an invalid domain"), so
   * the browser reaches the server (bound to 127.0.0.1) as localhost, mapped by a host resolver rule.
   */
  private static final String HOST = "localhost";

  private static ChromeDriver driver;
  private static HeadlessChromium chromium;

  private PasskeyHarness h;
  private VirtualAuthenticator authenticator;

  @RegisterExtension
  final TestWatcher screenshotOnFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (driver != null) {
        try {
          Files.write(SCREENSHOTS.resolve("FAILED-" + context.getRequiredTestMethod().getName() + ".png"),
              driver.getScreenshotAs(OutputType.BYTES));
          Files.writeString(SCREENSHOTS.resolve("FAILED-" + context.getRequiredTestMethod().getName() + ".html"),
              driver.getPageSource());
        } catch (IOException | RuntimeException ignored) {
          // a missing screenshot must not hide the failure
        }
      }
    }
  };

  @BeforeAll
  static void startBrowser() throws IOException {
    chromium = HeadlessChromium.start("the passkey browser tests", "--host-resolver-rules=MAP localhost 127.0.0.1");
    driver = chromium.driver();
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stopBrowser() {
    if (chromium != null) {
      chromium.close();
      chromium = null;
      driver = null;
    }
  }

  @BeforeEach
  void start() throws Exception {
    h = new PasskeyHarness(HOST);
    authenticator = driver.addVirtualAuthenticator(new VirtualAuthenticatorOptions()
        .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
        .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL)
        .setHasResidentKey(true)
        .setHasUserVerification(true)
        .setIsUserVerified(true)
        .setIsUserConsenting(true));
  }

  @AfterEach
  void stop() {
    if (authenticator != null) {
      driver.removeVirtualAuthenticator(authenticator);
    }
    assertThat(h.chainVerifies()).as("the service's signed audit chain verifies").isTrue();
    h.close();
  }

  @Test
  @DisplayName("enrol a passkey, approve with a signature: the blocked call proceeds and the trail proves who approved")
  void signedApprovalLetsTheBlockedCallProceed() throws Exception {
    String credential = enrol(PasskeyHarness.BOB);
    AuditEvent enrolment = h.events(PasskeyEvents.ENROLLED).get(0);
    assertThat(enrolment.get("passkey").path("reviewer").asText()).isEqualTo("bob");
    assertThat(enrolment.get("passkey").path("credentialId").asText()).isEqualTo(credential);
    assertThat(enrolment.signature()).as("the enrolment is a signed audit event").isNotNull();

    PasskeyHarness.Call call = h.call("deploy", "prod", "release 4.2");
    openRequest(call.requestId());
    assertThat(call.result()).as("the call blocks until a decision").isNotDone();
    driver.findElement(By.id("approve")).click();

    WebElement result = waitFor(By.id("result"));
    assertThat(result.getAttribute("data-state")).isEqualTo("APPROVED");
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
    assertThat(h.target.ran).containsExactly("deploy prod");
    FieldValue vote = h.votes(call.requestId()).get(0).get("vote");
    assertThat(vote.path("counted").asBoolean()).isTrue();
    assertThat(vote.path("evidence").path("type").asText()).isEqualTo(PasskeyAssertion.TYPE);
    assertThat(vote.path("evidence").path("credentialId").asText()).isEqualTo(credential);
    for (String part : List.of("authenticatorData", "clientDataJSON", "signature")) {
      assertThat(vote.path("evidence").path(part).asText()).as(part).isNotEmpty();
    }

    SignatureReport report = ReviewerSignatureVerifier.builder().build().verify(h.audit.events());
    assertThat(report.ok()).as(report.toText()).isTrue();
    assertThat(report.decisions()).singleElement().satisfies(d -> {
      assertThat(d.verdict()).isEqualTo(SignatureReport.Verdict.SIGNED_BY_REVIEWERS);
      assertThat(d.signedApprovers()).containsExactly("bob");
    });
  }

  @Test
  @DisplayName("S10 a vote signed over other arguments (changed after the page loaded) is refused; the call stays blocked")
  void voteSignedOverOtherArgumentsIsRefused() throws Exception {
    enrol(PasskeyHarness.BOB);
    PasskeyHarness.Call call = h.call("deploy", "prod", "release 4.2");
    openRequest(call.requestId());
    // the page now shows (and signs) other arguments than the request the server holds
    js("document.getElementById('passkey-sign').setAttribute('data-args-digest', '" + "ab".repeat(32) + "')");
    driver.findElement(By.id("approve")).click();

    WebElement error = waitFor(By.id("result"));
    assertThat(error.getText()).contains("not counted", "covers different content");
    assertThat(call.result()).isNotDone();
    assertThat(h.gate.status(call.requestId()).orElseThrow().approvals()).isZero();
    assertThat(lastVote(call.requestId()).path("refusal").asText()).isEqualTo(ReviewerPasskeys.REFUSAL_SIGNATURE_INVALID);

    openRequest(call.requestId());
    driver.findElement(By.id("approve")).click();
    assertThat(waitFor(By.id("result")).getAttribute("data-state")).isEqualTo("APPROVED");
    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
  }

  @Test
  @DisplayName("S11 a replayed assertion (copied from the audit trail) is refused and counted once")
  void replayedAssertionIsRefused() throws Exception {
    enrol(PasskeyHarness.BOB);
    PasskeyHarness.Call call = h.call("rotateKeys", "payments");
    openRequest(call.requestId());
    driver.findElement(By.id("approve")).click();
    assertThat(waitFor(By.id("result")).getText()).contains("Approval counted");
    FieldValue evidence = h.votes(call.requestId()).get(0).get("vote").path("evidence");

    openRequest(call.requestId());
    postVoteWithoutSigning("APPROVE", "", Map.of(
        "pk_credentialId", evidence.path("credentialId").asText(),
        "pk_authenticatorData", evidence.path("authenticatorData").asText(),
        "pk_clientDataJSON", evidence.path("clientDataJSON").asText(),
        "pk_signature", evidence.path("signature").asText(),
        "pk_userHandle", evidence.path("userHandle").asText("")));

    assertThat(waitFor(By.id("result")).getText()).contains("not counted", "replayed");
    assertThat(h.gate.status(call.requestId()).orElseThrow().approvals()).isEqualTo(1);
    assertThat(call.result()).isNotDone();
  }

  @Test
  @DisplayName("S01 an assertion made with another reviewer's passkey is refused")
  void assertionFromAnotherReviewersPasskeyIsRefused() throws Exception {
    String carols = enrol(PasskeyHarness.CAROL);
    enrol(PasskeyHarness.BOB);
    PasskeyHarness.Call call = h.call("deploy", "prod", "release 4.2");
    openRequest(call.requestId());
    // bob's page asks the shared authenticator for carol's credential
    js("document.getElementById('passkey-sign').setAttribute('data-credentials', '" + carols + "')");
    driver.findElement(By.id("approve")).click();

    assertThat(waitFor(By.id("result")).getText()).contains("not counted", "enrolled to another reviewer");
    assertThat(call.result()).isNotDone();
    assertThat(h.gate.status(call.requestId()).orElseThrow().approvals()).isZero();
  }

  @Test
  @DisplayName("S07 an unsigned page vote on a request that requires signatures is refused")
  void unsignedPageVoteIsRefused() throws Exception {
    signIn(PasskeyHarness.BOB);
    PasskeyHarness.Call call = h.call("deploy", "prod", "release 4.2");
    openRequest(call.requestId());
    assertThat(driver.findElement(By.id("passkey-needed")).getText()).contains("needs your passkey signature");
    driver.findElement(By.id("approve")).click();

    assertThat(waitFor(By.id("result")).getText()).contains("not counted", "requires your passkey signature");
    assertThat(call.result()).isNotDone();
    assertThat(lastVote(call.requestId()).path("refusal").asText()).isEqualTo(ReviewerPasskeys.REFUSAL_SIGNATURE_REQUIRED);
  }

  @Test
  @DisplayName("S32 a decision the service injects into its own (validly signed) trail without the reviewer's passkey is flagged")
  void injectedDecisionIsFlaggedByTheVerifier() throws Exception {
    enrol(PasskeyHarness.BOB);
    PasskeyHarness.Call real = h.call("deploy", "prod", "release 4.2");
    openRequest(real.requestId());
    driver.findElement(By.id("approve")).click();
    assertThat(waitFor(By.id("result")).getAttribute("data-state")).isEqualTo("APPROVED");
    real.result().get(10, TimeUnit.SECONDS);
    FieldValue realEvidence = h.votes(real.requestId()).get(0).get("vote").path("evidence");

    // the operator holds the service key: it writes a request, bob's "approval" and the decision itself
    forgeDecision("forged-1", null);
    // ... or copies bob's real assertion into a forged vote on another request
    forgeDecision("forged-2", realEvidence);
    assertThat(AuditVerifier.verify(h.audit.events(), h.signer.verificationKey()).ok())
        .as("the service's own signatures cannot tell the forgery apart").isTrue();

    SignatureReport report = ReviewerSignatureVerifier.builder().build().verify(h.audit.events());
    assertThat(report.ok()).isFalse();
    assertThat(report.decisions()).extracting(SignatureReport.DecisionReport::requestId, SignatureReport.DecisionReport::verdict,
        SignatureReport.DecisionReport::flagged).containsExactly(
        org.assertj.core.groups.Tuple.tuple(real.requestId(), SignatureReport.Verdict.SIGNED_BY_REVIEWERS, false),
        org.assertj.core.groups.Tuple.tuple("forged-1", SignatureReport.Verdict.NOT_SIGNED, true),
        org.assertj.core.groups.Tuple.tuple("forged-2", SignatureReport.Verdict.INVALID_SIGNATURE, true));

    Path log = Files.createTempFile("countersign-forged-", ".jsonl");
    try {
      StringBuilder lines = new StringBuilder();
      h.audit.events().forEach(e -> lines.append(e.toJson()).append('\n'));
      Files.writeString(log, lines.toString());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code = ReviewerSignatureVerifier.run(new String[] {log.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      String text = out.toString(StandardCharsets.UTF_8);
      assertThat(code).as(text).isEqualTo(1);
      assertThat(text).contains(real.requestId() + "  APPROVED  signed by reviewer bob")
          .contains("forged-1  APPROVED  NOT signed by reviewer").contains("[FLAGGED]");
    } finally {
      Files.deleteIfExists(log);
    }
  }

  // ------------------------------------------------------------------ helpers

  private void forgeDecision(String requestId, FieldValue evidence) {
    Instant now = h.time.now();
    h.trail.record(AuditEvent.builder(EventType.REQUESTED).time(now).requestId(requestId)
        .field("action", Map.of("name", "Deploy to production", "method", "Operations#deploy"))
        .field("argsDigest", "cd".repeat(32)).field("deadline", now.plusSeconds(900))
        .field("policy", Map.of("id", "annotation", "version", "1", "digest", "ef".repeat(32)))
        .field("rule", Map.of("approvers", List.of("group:sre-leads"), "quorum", 1))).join();
    Map<String, Object> vote = new java.util.LinkedHashMap<>();
    vote.put("reviewer", "bob");
    vote.put("channel", "http");
    vote.put("decision", "APPROVE");
    vote.put("counted", true);
    if (evidence != null) {
      Map<String, String> copied = new java.util.TreeMap<>();
      evidence.names().forEach(name -> copied.put(name, evidence.path(name).asText()));
      vote.put("evidence", copied);
    }
    h.trail.record(AuditEvent.builder(EventType.VOTE).time(now).requestId(requestId).field("vote", vote)).join();
    h.trail.record(AuditEvent.builder(EventType.DECIDED).time(now).requestId(requestId).field("outcome", "APPROVED")).join();
  }

  /** Signs in with {@code token}, enrols a passkey on the passkeys page and returns its credential id. */
  private String enrol(String token) {
    signIn(token);
    driver.get(h.origin + "/review/x/passkeys/");
    waitFor(By.id("enrol")).click();
    WebElement done = waitFor(By.id("credential-id"));
    return done.getText();
  }

  private void signIn(String token) {
    driver.manage().deleteAllCookies();
    driver.get(h.origin + "/review/login");
    waitFor(By.id("token")).sendKeys(token);
    driver.findElement(By.id("sign-in")).click();
    new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.not(ExpectedConditions.urlContains("/login")));
  }

  private void openRequest(String requestId) {
    driver.get(h.origin + "/review/requests/" + requestId);
    waitFor(By.id("vote-form"));
    new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> "complete".equals(js("return document.readyState")));
  }

  /** Posts the vote form with extra fields as a (malicious) client would, without the page's signing script. */
  private void postVoteWithoutSigning(String decision, String reason, Map<String, String> fields) {
    StringBuilder script = new StringBuilder("var f = document.getElementById('vote-form');"
        + "function put(n, v) { var i = document.createElement('input'); i.type = 'hidden'; i.name = n; i.value = v; f.appendChild(i); }");
    script.append("put('decision', '").append(decision).append("');");
    script.append("f.querySelector('textarea[name=reason]').value = '").append(reason).append("';");
    fields.forEach((k, v) -> script.append("put('").append(k).append("', '").append(v).append("');"));
    script.append("HTMLFormElement.prototype.submit.call(f);");
    js(script.toString());
  }

  private FieldValue lastVote(String requestId) {
    List<AuditEvent> votes = h.votes(requestId);
    return votes.get(votes.size() - 1).get("vote");
  }

  private Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  private WebElement waitFor(By by) {
    return new WebDriverWait(driver, Duration.ofSeconds(15)).until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  @SuppressWarnings("unused")
  private static Reviewer bob() {
    return Reviewer.of("bob", "sre-leads");
  }
}
