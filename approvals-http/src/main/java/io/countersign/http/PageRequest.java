package io.countersign.http;

import io.countersign.Reviewer;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link PageExtension} sees of one reviewer page request. A value object so that fields can
 * be added without breaking extensions.
 *
 * @param base the page's context path (links are {@code base + "/..."}), {@code ""} at the root
 * @param reviewer the signed-in reviewer, or {@code null} for static files
 * @param csrfToken the session's CSRF token, to put in forms as the hidden field {@code csrf}
 * @param method the HTTP method
 * @param path the path below the extension's root (or the request's page path for votes)
 * @param params query parameters of a GET, form fields of a POST (first value of each name)
 * @param secure whether the request came over HTTPS
 */
public record PageRequest(String base, Reviewer reviewer, String csrfToken, String method, String path,
    Map<String, String> params, boolean secure) {

  public PageRequest {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    params = params == null ? Map.of() : Map.copyOf(params);
  }

  /** The value of parameter {@code name}, or {@code null}. */
  public String param(String name) {
    return params.get(name);
  }
}
