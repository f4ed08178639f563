package io.countersign.governance.report;

import io.countersign.text.Escape;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Number, duration and escaping helpers shared by the renderers, so every format spells figures alike. */
final class Text {

  private Text() {}

  /** {@code 12,345}. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** {@code 37.5%} of {@code part} in {@code whole}, or {@code "—"} if the whole is 0. */
  static String percent(long part, long whole) {
    return whole == 0 ? "—" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
  }

  /** {@code 850 ms}, {@code 42 s}, {@code 4 min 05 s}, {@code 2 h 07 min}, {@code 3 d 04 h}; {@code "—"} for null. */
  static String duration(Duration d) {
    if (d == null) {
      return "—";
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    long s = d.getSeconds();
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
    return String.format(Locale.ROOT, "%d d %02d h", s / 86_400, (s % 86_400) / 3600);
  }

  /** A chart bucket length in words: {@code 1 hour}, {@code 1 day}, {@code 1 week}. */
  static String bucket(Duration d) {
    return d.equals(Duration.ofHours(1)) ? "1 hour" : d.equals(Duration.ofDays(1)) ? "1 day" : d.equals(Duration.ofDays(7)) ? "1 week" : duration(d);
  }

  /** {@code REQUESTED 1,000 · VOTE 1,300 · ...}, types in alphabetical order. */
  static String byType(java.util.Map<String, Long> counts) {
    return new java.util.TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + " " + count(e.getValue()))
        .collect(java.util.stream.Collectors.joining(" · "));
  }

  /** ISO-8601 UTC, or {@code "—"}. */
  static String time(Instant t) {
    return t == null ? "—" : t.toString();
  }

  /** The period in words. */
  static String period(Instant from, Instant to, ReportFigures figures) {
    String start = from != null ? from.toString() : figures != null && figures.firstEvent() != null ? figures.firstEvent() + " (first event)" : "the first event";
    String end = to != null ? to + " (exclusive)" : figures != null && figures.lastEvent() != null ? figures.lastEvent() + " (last event)" : "the last event";
    return start + " to " + end;
  }

  /** Escapes text for HTML element content and attribute values ({@link Escape#html}). */
  static String html(String s) {
    return Escape.html(s);
  }

  /** Escapes text for a Markdown table cell ({@link Escape#markdownCell}). */
  static String md(String s) {
    return Escape.markdownCell(s);
  }
}
