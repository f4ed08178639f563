package io.countersign.slack.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks Slack's {@code v0} request signature, the request timestamp and replays, in that order of
 * cost, before anything in the body is decoded. Not public API.
 *
 * <p>Signature: {@code v0=} + hex HMAC-SHA256(signing secret, {@code "v0:" + timestamp + ":" + body}),
 * compared in constant time. Timestamps further than {@code maxClockSkew} from the clock (past or
 * future) are refused, so a captured callback is useless after that window; inside it, each valid
 * signature is accepted once (a bounded Caffeine cache remembers them for twice the window, which
 * covers every timestamp still acceptable).
 */
public final class SignatureVerifier {

  /** Why a callback was refused, or {@link #OK}. */
  public enum Verdict {
    OK,
    MISSING_HEADERS,
    MALFORMED_TIMESTAMP,
    STALE_TIMESTAMP,
    FUTURE_TIMESTAMP,
    BAD_SIGNATURE,
    REPLAYED
  }

  /** Header carrying the request timestamp (seconds since the epoch). */
  public static final String TIMESTAMP_HEADER = "X-Slack-Request-Timestamp";
  /** Header carrying the {@code v0=} signature. */
  public static final String SIGNATURE_HEADER = "X-Slack-Signature";

  private static final String VERSION = "v0";
  private static final HexFormat HEX = HexFormat.of();

  private final SecretKeySpec key;
  private final Clock clock;
  private final Duration maxClockSkew;
  private final Cache<String, Boolean> seen;

  public SignatureVerifier(String signingSecret, Clock clock, Duration maxClockSkew, long maxRemembered) {
    Objects.requireNonNull(signingSecret, "signingSecret");
    this.key = new SecretKeySpec(signingSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxClockSkew = Objects.requireNonNull(maxClockSkew, "maxClockSkew");
    // the cache runs on the injected clock so tests that move the clock also expire entries
    this.seen = Caffeine.newBuilder()
        .expireAfterWrite(maxClockSkew.multipliedBy(2))
        .maximumSize(maxRemembered)
        .ticker(() -> {
          Instant now = clock.instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        })
        .build();
  }

  /**
   * Verifies one request (interaction callback or slash command) from its headers (names matched
   * case-insensitively) and the raw body bytes.
   */
  public Verdict verify(java.util.Map<String, ? extends java.util.List<String>> headers, byte[] body) {
    return verify(header(headers, TIMESTAMP_HEADER), header(headers, SIGNATURE_HEADER), body);
  }

  /** Why a request was refused, for logs and the 401 answer (never secret material). */
  public static String describe(Verdict verdict) {
    return switch (verdict) {
      case MISSING_HEADERS -> "missing " + TIMESTAMP_HEADER + " or " + SIGNATURE_HEADER + " header";
      case MALFORMED_TIMESTAMP -> "malformed request timestamp";
      case STALE_TIMESTAMP -> "request timestamp too old";
      case FUTURE_TIMESTAMP -> "request timestamp in the future";
      case BAD_SIGNATURE -> "invalid signature";
      case REPLAYED -> "replayed request";
      case OK -> "ok";
    };
  }

  private static String header(java.util.Map<String, ? extends java.util.List<String>> headers, String name) {
    for (java.util.Map.Entry<String, ? extends java.util.List<String>> e : headers.entrySet()) {
      if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && e.getValue() != null && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }

  /** Verifies one callback from its two Slack headers and the raw body bytes. */
  public Verdict verify(String timestampHeader, String signatureHeader, byte[] body) {
    if (timestampHeader == null || signatureHeader == null) {
      return Verdict.MISSING_HEADERS;
    }
    long timestamp;
    try {
      timestamp = Long.parseLong(timestampHeader.strip());
    } catch (NumberFormatException e) {
      return Verdict.MALFORMED_TIMESTAMP;
    }
    long now = clock.instant().getEpochSecond();
    if (timestamp < now - maxClockSkew.toSeconds()) {
      return Verdict.STALE_TIMESTAMP;
    }
    if (timestamp > now + maxClockSkew.toSeconds()) {
      return Verdict.FUTURE_TIMESTAMP;
    }
    String expected = sign(timestamp, body);
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        signatureHeader.strip().getBytes(StandardCharsets.US_ASCII))) {
      return Verdict.BAD_SIGNATURE;
    }
    // the signature covers timestamp and body, so it identifies this exact callback
    if (seen.asMap().putIfAbsent(expected, Boolean.TRUE) != null) {
      return Verdict.REPLAYED;
    }
    return Verdict.OK;
  }

  /** The {@code X-Slack-Signature} value Slack would send for this timestamp and body. */
  public String sign(long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update((VERSION + ":" + timestamp + ":").getBytes(StandardCharsets.US_ASCII));
      mac.update(body);
      return VERSION + "=" + HEX.formatHex(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "SignatureVerifier[maxClockSkew=" + maxClockSkew + "]"; // never the secret
  }
}
