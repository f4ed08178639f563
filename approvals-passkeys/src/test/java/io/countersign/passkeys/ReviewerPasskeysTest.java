package io.countersign.passkeys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Decision;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.InMemoryAuditSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The passkey guard, challenge and verifier without a browser (the browser flows are in {@code PasskeyBrowserIT}). */
class ReviewerPasskeysTest {

  private static final Reviewer BOB = Reviewer.of("bob", "sre-leads");

  @Test
  void canonicalStatementIsSortedCompactJsonWithEscapesAsJsonStringify() {
    String canonical = VoteChallenge.canonical("req-1", "Deploy \"prod\"", "aa", null, Decision.DENY,
        "line 1\r\nline 2\u0001 caf\u00e9", "2026-01-01T00:00:00Z");

    assertThat(canonical).isEqualTo("{\"action\":\"Deploy \\\"prod\\\"\",\"argsDigest\":\"aa\",\"deadline\":\"2026-01-01T00:00:00Z\","
        + "\"decision\":\"DENY\",\"policyDigest\":null,\"reason\":\"line 1\\nline 2\\u0001 caf\u00e9\",\"requestId\":\"req-1\","
        + "\"type\":\"countersign.vote.v1\"}");
  }

  @Test
  void challengeIsSha256OfTheCanonicalStatement() throws Exception {
    String canonical = VoteChallenge.canonical("r", "a", "d", "p", Decision.APPROVE, null, "2026-01-01T00:00:00Z");
    byte[] expected = java.security.MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));

    assertThat(VoteChallenge.challenge("r", "a", "d", "p", Decision.APPROVE, null, "2026-01-01T00:00:00Z")).isEqualTo(expected);
    assertThat(HexFormat.of().formatHex(VoteChallenge.challenge("r", "a", "d", "p", Decision.DENY, null, "2026-01-01T00:00:00Z")))
        .as("another decision, another challenge").isNotEqualTo(HexFormat.of().formatHex(expected));
  }

  @Test
  @DisplayName("S07 an unsigned vote from a channel that cannot sign (Slack) is refused, recorded, and points to the page")
  void unsignedSlackVoteIsRefusedWhenSignaturesAreRequired() throws Exception {
    try (PasskeyHarness h = new PasskeyHarness("localhost")) {
      PasskeyHarness.Call call = h.call("deploy", "prod", "n");

      VoteResult result = h.web.vote(call.requestId(), Vote.approve(BOB, null, "slack"));

      assertThat(result.refusal()).isEqualTo(VoteResult.Refusal.NOT_ELIGIBLE);
      assertThat(result.message()).contains("requires your passkey signature", "slack",
          h.origin + "/review/requests/" + call.requestId());
      assertThat(call.result()).isNotDone();
      org.awaitility.Awaitility.await().until(() -> !h.votes(call.requestId()).isEmpty());
      io.countersign.audit.FieldValue vote = h.votes(call.requestId()).get(0).get("vote");
      assertThat(vote.path("refusal").asText()).isEqualTo(ReviewerPasskeys.REFUSAL_SIGNATURE_REQUIRED);
      assertThat(vote.path("counted").asBoolean(true)).isFalse();
    }
  }

  @Test
  void unsignedVoteCountsWhenTheRequestDoesNotRequireSignatures() throws Exception {
    try (PasskeyHarness h = new PasskeyHarness("localhost", SignatureRequirement.forRules("prod-deploy"))) {
      PasskeyHarness.Call call = h.call("deploy", "prod", "n");

      assertThat(h.web.vote(call.requestId(), Vote.approve(BOB, null, "slack")).counted()).isTrue();
      assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo("deployed prod");
    }
  }

  @Test
  void forgedEvidenceNamingAnUnknownPasskeyIsRefused() throws Exception {
    try (PasskeyHarness h = new PasskeyHarness("localhost", SignatureRequirement.never())) {
      PasskeyHarness.Call call = h.call("deploy", "prod", "n");
      Map<String, String> forged = new PasskeyAssertion("AAAA", "AAAA", "AAAA", "AAAA", null).toEvidence();

      VoteResult result = h.web.vote(call.requestId(), Vote.approve(BOB, null, "http").withEvidence(forged));

      assertThat(result.counted()).isFalse();
      assertThat(result.message()).contains("not enrolled");
      assertThat(call.result()).isNotDone();
    }
  }

  @Test
  void malformedEvidenceIsRefusedNamingTheMember() {
    assertThatThrownBy(() -> PasskeyAssertion.fromEvidence(Map.of("type", "webauthn.get", "credentialId", "a+b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("passkey assertion member 'credentialId' must be unpadded Base64url");
    assertThatThrownBy(() -> PasskeyAssertion.fromEvidence(Map.of("type", "sms-code")))
        .hasMessage("vote evidence type must be 'webauthn.get' but was 'sms-code'");
  }

  @Test
  void builderRejectsAnOriginOutsideTheRelyingParty() {
    assertThatThrownBy(() -> ReviewerPasskeys.builder().relyingParty("review.example.com", "https://evil.example.net"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("relyingParty origin 'https://evil.example.net' is not on the RP id 'review.example.com' or a subdomain of it");
    assertThatThrownBy(() -> ReviewerPasskeys.builder().relyingParty("review.example.com", "https://review.example.com").build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("auditTrail is required");
  }

  @Test
  void forRulesNeedsAtLeastOneName() {
    assertThatThrownBy(SignatureRequirement::forRules).hasMessageContaining("at least one");
  }

  @Test
  void verifierCliAnswersTwoForAMissingLog() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = ReviewerSignatureVerifier.run(new String[] {"/nonexistent/countersign.jsonl"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot read audit log /nonexistent/countersign.jsonl");
  }

  @Test
  void verifierPassesAnEmptyTrail() {
    InMemoryAuditSink sink = new InMemoryAuditSink();
    AuditTrail.builder().sink(sink).build();

    assertThat(ReviewerSignatureVerifier.builder().build().verify(sink.events()).ok()).isTrue();
  }
}
