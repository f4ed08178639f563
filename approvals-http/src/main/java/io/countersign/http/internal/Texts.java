package io.countersign.http.internal;

import java.time.Duration;

/** Small text formats shared by the page and the Teams card. */
public final class Texts {

  private Texts() {}

  /** A remaining time for people: {@code "2 h 5 min"}, {@code "14 min 32 s"}, {@code "expired"}. */
  public static String remaining(Duration d) {
    if (d.isNegative() || d.isZero()) {
      return "expired";
    }
    long s = d.getSeconds();
    long days = s / 86_400;
    long h = (s % 86_400) / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    if (days > 0) {
      return days + " d " + h + " h";
    }
    if (h > 0) {
      return h + " h " + m + " min";
    }
    if (m > 0) {
      return m + " min " + sec + " s";
    }
    return Math.max(sec, 1) + " s";
  }

  /** {@code text} cut to {@code max} characters with an ellipsis, or {@code ""} for null. */
  public static String abbreviate(String text, int max) {
    if (text == null) {
      return "";
    }
    return text.length() <= max ? text : text.substring(0, Math.max(0, max - 1)) + "\u2026";
  }
}
