package io.countersign.http;

import io.countersign.Reviewer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * An {@link Authenticator} backed by a fixed table of bearer tokens, each mapped to one reviewer:
 * for small setups, demos and tests. Only SHA-256 digests of the tokens are kept, so a heap dump
 * or {@link #toString()} never shows a token, and lookups do not compare secrets character by
 * character. Immutable and thread-safe.
 *
 * <pre>{@code
 * BearerTokenAuthenticator tokens = BearerTokenAuthenticator.builder()
 *     .token(System.getenv("BOB_TOKEN"), Reviewer.of("bob", "sre-leads"))
 *     .build();
 * }</pre>
 */
public final class BearerTokenAuthenticator implements Authenticator {

  /** Tokens shorter than this are refused when the table is built (they could be guessed). */
  public static final int MIN_TOKEN_LENGTH = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Reviewer> byDigest;

  private BearerTokenAuthenticator(Map<String, Reviewer> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  /** A builder for the token table. */
  public static Builder builder() {
    return new Builder();
  }

  /** A new random token (256 bits, URL-safe Base64), e.g. to print for a demo reviewer. */
  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public Reviewer authenticate(AuthenticationRequest request) {
    return request.bearerToken().map(t -> byDigest.get(digest(t))).orElse(null);
  }

  @Override
  public String toString() {
    return "BearerTokenAuthenticator[" + byDigest.size() + " tokens]";
  }

  private static String digest(String token) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  /** Collects tokens; each token may map to one reviewer only. */
  public static final class Builder {
    private final Map<String, Reviewer> byDigest = new HashMap<>();

    private Builder() {}

    /**
     * Lets requests bearing {@code token} act as {@code reviewer}.
     *
     * @throws IllegalArgumentException if the token is shorter than {@link #MIN_TOKEN_LENGTH} or has whitespace
     * @throws IllegalStateException if the token was already added
     */
    public Builder token(String token, Reviewer reviewer) {
      Objects.requireNonNull(reviewer, "reviewer");
      if (token == null || token.length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException("bearer token for reviewer '" + reviewer.id() + "' must have at least "
            + MIN_TOKEN_LENGTH + " characters but had " + (token == null ? "none (null)" : token.length()));
      }
      if (!token.equals(token.strip()) || token.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("bearer token for reviewer '" + reviewer.id() + "' must not contain whitespace");
      }
      Reviewer previous = byDigest.putIfAbsent(digest(token), reviewer);
      if (previous != null) {
        throw new IllegalStateException("this bearer token was already added for reviewer '" + previous.id()
            + "'; give reviewer '" + reviewer.id() + "' a token of their own");
      }
      return this;
    }

    /** The immutable authenticator. */
    public BearerTokenAuthenticator build() {
      if (byDigest.isEmpty()) {
        throw new IllegalStateException("BearerTokenAuthenticator needs at least one token: call token(token, reviewer)");
      }
      return new BearerTokenAuthenticator(byDigest);
    }
  }
}
