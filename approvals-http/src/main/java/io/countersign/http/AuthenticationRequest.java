package io.countersign.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of an HTTP request an {@link Authenticator} may look at. A value object so that fields
 * can be added without breaking implementations.
 *
 * @param method the HTTP method
 * @param path the request path
 * @param headers the request headers, names lower-cased
 * @param remoteAddress the peer's address as text (e.g. {@code 127.0.0.1}), or {@code null}
 */
public record AuthenticationRequest(String method, String path, Map<String, List<String>> headers, String remoteAddress) {

  public AuthenticationRequest {
    TreeMap<String, List<String>> copy = new TreeMap<>();
    if (headers != null) {
      headers.forEach((k, v) -> {
        if (k != null) {
          copy.merge(k.toLowerCase(Locale.ROOT), List.copyOf(v), (a, b) -> {
            java.util.ArrayList<String> all = new java.util.ArrayList<>(a);
            all.addAll(b);
            return List.copyOf(all);
          });
        }
      });
    }
    headers = java.util.Collections.unmodifiableMap(copy);
  }

  /** The first value of header {@code name} (case-insensitive), if present. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.get(0));
  }

  /** The token of an {@code Authorization: Bearer <token>} header, if there is exactly such a header. */
  public Optional<String> bearerToken() {
    List<String> values = headers.get("authorization");
    if (values == null || values.size() != 1) {
      return Optional.empty();
    }
    String value = values.get(0).strip();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = value.substring(7).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }
}
