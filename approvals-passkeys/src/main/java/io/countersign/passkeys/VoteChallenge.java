package io.countersign.passkeys;

import io.countersign.ApprovalRequest;
import io.countersign.Decision;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The WebAuthn challenge of a signed vote: SHA-256 over a canonical JSON statement of exactly what
 * the reviewer decides — request id, action, arguments digest, policy digest, decision, reason and
 * deadline. The reviewer page computes it in the browser from what it shows; the server and the
 * offline verifier recompute it from the request (or its {@code REQUESTED} audit event) and the vote,
 * so an assertion made for other content, another request or another decision never verifies.
 *
 * <p>Canonical form (also implemented in {@code passkeys.js}; specified in the module README): a JSON
 * object with exactly the members {@code action}, {@code argsDigest}, {@code deadline} (ISO-8601 UTC
 * as written by {@code Instant.toString}), {@code decision} ({@code APPROVE}/{@code DENY}),
 * {@code policyDigest}, {@code reason}, {@code requestId} and {@code type} (always {@value #TYPE}), in
 * that (sorted) order, no whitespace; each value a JSON string, or {@code null} for a missing reason
 * or policy digest; strings escaped as {@code JSON.stringify} does (only {@code "}, {@code \}, control
 * characters as {@code \b \f \n \r \t} or {@code \}{@code u00xx}, and lone surrogates as
 * {@code \}{@code udxxx}, lower-case hex). Before encoding, line breaks in the reason ({@code CR LF}
 * or {@code CR}) become {@code LF}, because browsers submit text areas with {@code CR LF}. The
 * challenge is SHA-256 of the UTF-8 bytes.
 */
public final class VoteChallenge {

  /** The {@code type} member: names the statement and its version. */
  public static final String TYPE = "countersign.vote.v1";

  private VoteChallenge() {}

  /** The canonical statement for a vote on {@code request}. */
  public static String canonical(ApprovalRequest request, Decision decision, String reason) {
    Objects.requireNonNull(request, "request");
    return canonical(request.id(), request.action(), request.argsDigest(),
        request.policy() == null ? null : request.policy().digest(), decision, reason, request.deadline().toString());
  }

  /** The canonical statement from its parts (as an auditor reads them from the trail). */
  public static String canonical(String requestId, String action, String argsDigest, String policyDigest, Decision decision,
      String reason, String deadline) {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(decision, "decision");
    StringBuilder b = new StringBuilder(256).append('{');
    member(b, "action", action).append(',');
    member(b, "argsDigest", argsDigest).append(',');
    member(b, "deadline", deadline).append(',');
    member(b, "decision", decision.name()).append(',');
    member(b, "policyDigest", policyDigest).append(',');
    member(b, "reason", normalizeReason(reason)).append(',');
    member(b, "requestId", requestId).append(',');
    member(b, "type", TYPE);
    return b.append('}').toString();
  }

  /** SHA-256 of the canonical statement for a vote on {@code request}: the WebAuthn challenge. */
  public static byte[] challenge(ApprovalRequest request, Decision decision, String reason) {
    return sha256(canonical(request, decision, reason));
  }

  /** SHA-256 of the canonical statement from its parts. */
  public static byte[] challenge(String requestId, String action, String argsDigest, String policyDigest, Decision decision,
      String reason, String deadline) {
    return sha256(canonical(requestId, action, argsDigest, policyDigest, decision, reason, deadline));
  }

  /** {@code CR LF} and lone {@code CR} become {@code LF}; {@code null} stays {@code null}. */
  public static String normalizeReason(String reason) {
    return reason == null ? null : reason.replace("\r\n", "\n").replace('\r', '\n');
  }

  private static StringBuilder member(StringBuilder b, String name, String value) {
    string(b, name).append(':');
    return value == null ? b.append("null") : string(b, value);
  }

  private static StringBuilder string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          boolean lone = Character.isHighSurrogate(c) ? !(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
              : Character.isLowSurrogate(c) && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
          if (c < 0x20 || lone) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }
}
