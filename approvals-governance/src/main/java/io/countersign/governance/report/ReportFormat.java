package io.countersign.governance.report;

import java.util.Locale;

/** The output formats of a {@link ComplianceReport}. */
public enum ReportFormat {
  /** One self-contained HTML file (inline CSS and SVG chart, no external resources), for people. */
  HTML("html"),
  /** GitHub-flavoured Markdown, for tickets, wikis and pull requests. */
  MD("md"),
  /** One JSON object with stable field names, for tools. */
  JSON("json");

  private final String extension;

  ReportFormat(String extension) {
    this.extension = extension;
  }

  /** The usual file name extension, without the dot. */
  public String extension() {
    return extension;
  }

  /**
   * Parses {@code html}, {@code md} (or {@code markdown}) and {@code json}, ignoring case.
   *
   * @throws IllegalArgumentException naming the bad value and the accepted ones
   */
  public static ReportFormat parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "html" -> HTML;
      case "md", "markdown" -> MD;
      case "json" -> JSON;
      default -> throw new IllegalArgumentException("report format must be one of html, md, json but was '" + text + "'");
    };
  }
}
