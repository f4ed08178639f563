package io.countersign.http.internal;

import io.countersign.text.Escape;

/**
 * HTML building with escaping by default: every piece of request data goes through {@link #esc}
 * (arguments, justifications and reasons may hold hostile markup).
 */
public final class Html {

  private Html() {}

  /** Escapes text for use in element content and quoted attribute values ({@link Escape#html}). */
  public static String esc(String s) {
    return Escape.html(s);
  }

  /** A full page around {@code body}; {@code base} is the page handler's context path. */
  public static String page(String base, String title, String signedInAs, String csrf, String body) {
    return page(base, title, signedInAs, csrf, body, java.util.List.of(), java.util.Map.of());
  }

  /**
   * A full page around {@code body} that also loads {@code scripts} (same-origin paths, deferred)
   * and shows {@code nav} (label to path) in the top bar.
   */
  public static String page(String base, String title, String signedInAs, String csrf, String body,
      java.util.List<String> scripts, java.util.Map<String, String> nav) {
    StringBuilder b = new StringBuilder(4096);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<meta name=\"referrer\" content=\"no-referrer\">")
        .append("<title>").append(esc(title)).append(" \u00b7 Countersign</title>")
        .append("<link rel=\"stylesheet\" href=\"").append(esc(base)).append("/static/style.css\">")
        .append("<script src=\"").append(esc(base)).append("/static/countdown.js\" defer></script>");
    for (String script : scripts) {
      b.append("<script src=\"").append(esc(script)).append("\" defer></script>");
    }
    b        .append("</head><body><header class=\"topbar\"><div class=\"wrap topbar-inner\">")
        .append("<a class=\"brand\" href=\"").append(esc(base)).append("/\">Countersign <span>reviews</span></a>");
    if (signedInAs != null) {
      nav.forEach((label, path) -> b.append("<a class=\"nav-link\" href=\"").append(esc(path)).append("\">")
          .append(esc(label)).append("</a>"));
      b.append("<form class=\"who\" method=\"post\" action=\"").append(esc(base)).append("/logout\">")
          .append("<span class=\"who-name\">").append(esc(signedInAs)).append("</span>")
          .append("<input type=\"hidden\" name=\"csrf\" value=\"").append(esc(csrf)).append("\">")
          .append("<button class=\"link\" type=\"submit\">Sign out</button></form>");
    }
    b.append("</div></header><main class=\"wrap\">").append(body).append("</main></body></html>\n");
    return b.toString();
  }
}
