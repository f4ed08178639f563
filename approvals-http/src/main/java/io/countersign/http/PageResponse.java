package io.countersign.http;

import java.util.Objects;

/**
 * A {@link PageExtension}'s answer: an HTML body framed by the reviewer page's layout (top bar,
 * styles, scripts and security headers), or a static file.
 *
 * @param status the HTTP status
 * @param title the page title (HTML pages), or {@code null} for a static file
 * @param contentType the content type of a static file, or {@code null} for an HTML page
 * @param body the inner HTML of the page's main area (UTF-8), or the file's bytes
 */
public record PageResponse(int status, String title, String contentType, byte[] body) {

  public PageResponse {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("PageResponse status must be from 200 to 599 but was " + status);
    }
    Objects.requireNonNull(body, "body");
    if ((title == null) == (contentType == null)) {
      throw new IllegalArgumentException("PageResponse needs exactly one of title (HTML page) or contentType (file)");
    }
    body = body.clone();
  }

  /** An HTML page; {@code html} is trusted markup (escape request data before). */
  public static PageResponse html(int status, String title, String html) {
    return new PageResponse(status, Objects.requireNonNull(title, "title"), null,
        Objects.requireNonNull(html, "html").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** A static file such as a script. */
  public static PageResponse file(String contentType, byte[] bytes) {
    return new PageResponse(200, null, Objects.requireNonNull(contentType, "contentType"), bytes);
  }

  /** Whether this is a static file rather than an HTML page. */
  public boolean isFile() {
    return contentType != null;
  }

  @Override
  public byte[] body() {
    return body.clone();
  }
}
