package io.countersign.http.internal;

import io.countersign.Reviewer;
import io.countersign.spi.TimeSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reviewer page sessions: an unguessable session id (kept in an HttpOnly, SameSite=Strict cookie)
 * mapped to the authenticated reviewer and a per-session CSRF token that every form must echo.
 * Sessions expire a fixed time after login, measured on the injected time source.
 */
public final class Sessions {

  /** One logged-in reviewer. */
  public record Session(String id, Reviewer reviewer, String csrfToken, Instant expiresAt) {

    /** Whether {@code presented} is this session's CSRF token (constant-time comparison). */
    public boolean csrfMatches(String presented) {
      return presented != null && MessageDigest.isEqual(
          csrfToken.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final TimeSource time;
  private final Duration ttl;
  private final int maxSessions;

  public Sessions(TimeSource time, Duration ttl, int maxSessions) {
    this.time = time;
    this.ttl = ttl;
    this.maxSessions = maxSessions;
  }

  /** Opens a session for {@code reviewer}. */
  public Session open(Reviewer reviewer) {
    Instant now = time.now();
    if (sessions.size() >= maxSessions) {
      sessions.values().removeIf(s -> !now.isBefore(s.expiresAt()));
      if (sessions.size() >= maxSessions) {
        // drop the session closest to expiry rather than refuse a reviewer's login
        sessions.values().stream().min((a, b) -> a.expiresAt().compareTo(b.expiresAt()))
            .ifPresent(s -> sessions.remove(s.id()));
      }
    }
    Session s = new Session(randomToken(), reviewer, randomToken(), now.plus(ttl));
    sessions.put(s.id(), s);
    return s;
  }

  /** The live session with this id, or {@code null} (unknown or expired). */
  public Session find(String id) {
    if (id == null || id.isEmpty()) {
      return null;
    }
    Session s = sessions.get(id);
    if (s != null && !time.now().isBefore(s.expiresAt())) {
      sessions.remove(id, s);
      return null;
    }
    return s;
  }

  /** Ends the session with this id, if any. */
  public void close(String id) {
    if (id != null) {
      sessions.remove(id);
    }
  }

  /** How long a session lasts after login. */
  public Duration ttl() {
    return ttl;
  }

  static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
