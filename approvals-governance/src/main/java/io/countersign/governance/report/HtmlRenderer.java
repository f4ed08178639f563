package io.countersign.governance.report;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link ComplianceReport} as one self-contained HTML page: inline CSS, an inline SVG chart
 * of decisions over time, no scripts and no external resources, so it can be archived and opened
 * anywhere. Every value from the log is HTML-escaped (reviewer ids and reasons are user input).
 */
final class HtmlRenderer {

  private static final String APPROVED = "#2e7d32";
  private static final String DENIED = "#c62828";
  private static final String EXPIRED = "#ef8f00";
  private static final String OTHER = "#78909c";

  private HtmlRenderer() {}

  private static final String CSS = """
      :root{--ink:#1d2330;--muted:#5b6475;--line:#dde2ea;--bg:#f5f7fa;--card:#fff;--ok:#1b5e20;--okbg:#e8f5e9;--bad:#b71c1c;--badbg:#ffebee;--warn:#8a5300;--warnbg:#fff4e0}
      *{box-sizing:border-box}
      body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
      main{max-width:1120px;margin:0 auto;padding:28px 24px 48px}
      h1{font-size:26px;margin:0 0 4px}
      h2{font-size:19px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
      h3{font-size:15px;margin:0}
      .meta{color:var(--muted);font-size:13px;margin-bottom:18px}
      .meta span{margin-right:18px}
      .banner{border-radius:10px;padding:14px 18px;margin:10px 0 18px;font-weight:600;border:1px solid}
      .banner.ok{background:var(--okbg);color:var(--ok);border-color:#a5d6a7}
      .banner.bad{background:var(--badbg);color:var(--bad);border-color:#ef9a9a;font-size:18px}
      .banner small{display:block;font-weight:400;color:var(--ink);margin-top:4px;font-size:13px}
      .kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
      .kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
      .kpi .v{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
      .kpi .l{color:var(--muted);font-size:13px}
      .kpi.approved .v{color:#2e7d32}.kpi.denied .v{color:#c62828}.kpi.expired .v{color:#b26a00}
      .card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
      .controls{display:grid;grid-template-columns:repeat(2,1fr);gap:12px}
      .control ul{margin:8px 0 0;padding-left:18px}
      .control li{margin:3px 0;font-size:14px}
      .control li.att{color:var(--warn)}
      .fw{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
      .pill{float:right;font-size:11px;font-weight:700;padding:2px 8px;border-radius:99px;letter-spacing:.03em}
      .pill.EVIDENCE{background:var(--okbg);color:var(--ok)}
      .pill.ATTENTION{background:var(--warnbg);color:var(--warn)}
      .pill.NO_ACTIVITY{background:#eceff1;color:var(--muted)}
      table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden;font-size:14px}
      th,td{text-align:left;padding:7px 12px;border-bottom:1px solid var(--line)}
      th{background:#eef1f6;font-weight:600;font-size:13px}
      td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
      tr:last-child td{border-bottom:0}
      code{white-space:nowrap;font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f6;padding:1px 5px;border-radius:4px}
      .two{display:grid;grid-template-columns:1fr 1fr;gap:12px}
      .legend span{display:inline-block;margin-right:16px;font-size:13px;color:var(--muted)}
      .legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
      .muted{color:var(--muted)}
      footer{margin-top:28px;color:var(--muted);font-size:12px}
      """;

  /**
   * The page's own policy: no script, no fetch, no form, no base change; the one style sheet by its
   * hash (and style attributes for the chart). The report is opened from disk, where no server sends
   * headers, so the policy travels in a meta tag; text is escaped anyway, this is the second wall.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'none'; style-src '"
      + styleHash() + "'; style-src-attr 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

  private static String styleHash() {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(CSS.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "sha256-" + java.util.Base64.getEncoder().encodeToString(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  static String render(ComplianceReport report) {
    Verification v = report.verification();
    ReportFigures f = report.figures().orElse(null);
    StringBuilder h = new StringBuilder(32_768);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CONTENT_SECURITY_POLICY).append("\">")
        .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
        .append("<title>Countersign compliance evidence report</title><style>").append(CSS).append("</style></head><body><main>\n");
    h.append("<h1>Compliance evidence report</h1>");
    h.append("<div class=\"meta\"><span>Period: ").append(Text.html(Text.period(report.from(), report.to(), f))).append("</span>")
        .append("<span>Generated: ").append(Text.html(report.generatedAt().toString())).append("</span>")
        .append("<span>Source: ").append(Text.html(String.join(", ", v.files()))).append("</span></div>\n");
    if (v.verified()) {
      h.append("<div class=\"banner ok\">✔ ").append(Text.html(report.headline())).append("</div>\n");
    } else {
      h.append("<div class=\"banner bad\">⚠ NOT VERIFIED — figures below are not evidence<small>")
          .append(Text.html(v.summary())).append("</small></div>\n");
    }
    if (f == null) {
      h.append("<div class=\"card\"><b>Figures withheld.</b> The trail failed verification at seq ").append(v.firstBadSeq())
          .append(", so nothing in it can be presented as evidence. Investigate the log from there; ")
          .append("<code>--include-unverified</code> shows the figures marked as unverified.</div>\n");
      verification(h, v);
      return close(h);
    }
    String mark = v.verified() ? "" : " <span class=\"pill ATTENTION\">UNVERIFIED</span>";
    ReportFigures.Requests r = f.requests();
    h.append("<div class=\"kpis\">");
    kpi(h, "", Text.count(r.requested()), "privileged actions requested");
    kpi(h, "approved", Text.count(r.approved()), "approved (" + Text.percent(r.approved(), r.requested()) + ")");
    kpi(h, "denied", Text.count(r.denied()), "denied by a reviewer");
    kpi(h, "expired", Text.count(r.expired()), "expired: no decision in time");
    kpi(h, "", Text.count(f.votes().refused("SELF_APPROVAL") + f.votes().refused("ON_BEHALF_OF")),
        "self-approvals refused (incl. agent's principal)");
    kpi(h, "", Text.count(f.quorum().approvedWithQuorum()), "approvals with quorum met");
    kpi(h, "", Text.duration(f.decisionTimes().median()), "median time to decision");
    kpi(h, "", Text.duration(f.decisionTimes().p95()), "95th percentile time to decision");
    h.append("</div>\n");

    h.append("<h2>Decisions over time").append(mark).append("</h2>\n<div class=\"card\">");
    chart(h, f.timeline());
    h.append("</div>\n");

    h.append("<h2>Evidence per control").append(mark).append("</h2>\n<div class=\"controls\">");
    for (ControlEvidence c : report.controls()) {
      h.append("<div class=\"card control\"><span class=\"pill ").append(c.status().name()).append("\">")
          .append(c.status().name().replace('_', ' ')).append("</span><div class=\"fw\">").append(Text.html(c.framework()))
          .append("</div><h3>").append(Text.html(c.control())).append(" — ").append(Text.html(c.title())).append("</h3><ul>");
      c.evidence().forEach(e -> h.append("<li>").append(Text.html(e)).append("</li>"));
      c.attention().forEach(a -> h.append("<li class=\"att\">⚠ ").append(Text.html(a)).append("</li>"));
      h.append("</ul></div>");
    }
    h.append("</div>\n");

    h.append("<h2>Summary").append(mark).append("</h2>\n<div class=\"two\"><table><tr><th>Figure</th><th class=\"n\">Value</th></tr>");
    List<String[]> rows = MarkdownRenderer.summaryRows(f);
    int half = (rows.size() + 1) / 2;
    for (int i = 0; i < rows.size(); i++) {
      if (i == half) {
        h.append("</table><table><tr><th>Figure</th><th class=\"n\">Value</th></tr>");
      }
      h.append("<tr><td>").append(Text.html(rows.get(i)[0])).append("</td><td class=\"n\">").append(Text.html(rows.get(i)[1])).append("</td></tr>");
    }
    h.append("</table></div>\n");

    h.append("<h2>Who approved what").append(mark).append("</h2>\n");
    if (f.approvalsByReviewer().isEmpty()) {
      h.append("<p class=\"muted\">No counted votes in the period.</p>");
    } else {
      h.append("<table><tr><th>Reviewer</th><th>Action</th><th class=\"n\">Approved</th><th class=\"n\">Denied</th></tr>");
      for (ReportFigures.ReviewerApprovals a : f.approvalsByReviewer()) {
        h.append("<tr><td>").append(Text.html(a.reviewer())).append("</td><td><code>").append(Text.html(a.action()))
            .append("</code></td><td class=\"n\">").append(Text.count(a.approved())).append("</td><td class=\"n\">")
            .append(Text.count(a.denied())).append("</td></tr>");
      }
      h.append("</table>\n");
    }

    h.append("<div class=\"two\"><div><h2>Refused votes").append(mark).append("</h2>");
    if (f.votes().refused().isEmpty()) {
      h.append("<p class=\"muted\">No vote was refused in the period.</p>");
    } else {
      h.append("<table><tr><th>Refusal</th><th class=\"n\">Votes</th></tr>");
      for (Map.Entry<String, Long> e : new TreeMap<>(f.votes().refused()).entrySet()) {
        h.append("<tr><td><code>").append(Text.html(e.getKey())).append("</code></td><td class=\"n\">")
            .append(Text.count(e.getValue())).append("</td></tr>");
      }
      h.append("</table>");
    }
    h.append("</div><div><h2>Emergency stops").append(mark).append("</h2>");
    if (f.halts().isEmpty()) {
      h.append("<p class=\"muted\">No halt or resumption in the period.</p>");
    } else {
      h.append("<table><tr><th>Time</th><th>Event</th><th>By</th><th>Reason</th></tr>");
      for (ReportFigures.Halt x : f.halts()) {
        h.append("<tr><td>").append(x.time()).append("</td><td>").append(x.type()).append("</td><td>").append(Text.html(x.by()))
            .append("</td><td>").append(Text.html(x.reason())).append("</td></tr>");
      }
      h.append("</table>");
    }
    h.append("</div></div>\n");

    h.append("<h2>Policy versions in force").append(mark).append("</h2>\n");
    if (f.policies().isEmpty()) {
      h.append("<p class=\"muted\">No request in the period named a policy.</p>");
    } else {
      h.append("<table><tr><th>Policy</th><th>Version</th><th>Digest</th><th class=\"n\">Requests</th><th>First seen</th><th>Last seen</th></tr>");
      for (ReportFigures.PolicyInForce p : f.policies()) {
        h.append("<tr><td><code>").append(Text.html(p.id())).append("</code></td><td>").append(Text.html(p.version()))
            .append("</td><td><code title=\"").append(Text.html(p.digest())).append("\">")
            .append(Text.html(p.digest().length() > 16 ? p.digest().substring(0, 16) + "…" : p.digest()))
            .append("</code></td><td class=\"n\">").append(Text.count(p.requests())).append("</td><td>").append(p.firstSeen())
            .append("</td><td>").append(p.lastSeen()).append("</td></tr>");
      }
      h.append("</table><p class=\"muted\">Policy changes recorded in the period: ").append(Text.count(f.policyChanges())).append("</p>\n");
    }
    verification(h, v);
    return close(h);
  }

  private static void kpi(StringBuilder h, String cls, String value, String label) {
    h.append("<div class=\"kpi ").append(cls).append("\"><div class=\"v\">").append(Text.html(value))
        .append("</div><div class=\"l\">").append(Text.html(label)).append("</div></div>");
  }

  private static void verification(StringBuilder h, Verification v) {
    h.append("<h2>Verification details</h2>\n<table>");
    detail(h, "Status", v.status());
    detail(h, "Verifier", v.summary());
    detail(h, "Events verified", Text.count(v.eventsChecked()));
    detail(h, "Signatures verified", Text.count(v.signaturesVerified()) + " (" + v.signatureMode() + ", keys: "
        + (v.keyIds().isEmpty() ? "none" : String.join(", ", v.keyIds())) + ")");
    if (!v.verified()) {
      detail(h, "First bad seq", String.valueOf(v.firstBadSeq()));
    }
    for (String n : v.notes()) {
      detail(h, "Note", n);
    }
    h.append("</table>\n");
  }

  private static void detail(StringBuilder h, String label, String value) {
    h.append("<tr><th style=\"width:200px\">").append(Text.html(label)).append("</th><td>").append(Text.html(value)).append("</td></tr>");
  }

  private static String close(StringBuilder h) {
    h.append("<footer>Generated by Countersign from a signed, hash-chained audit trail. Figures are counted from the events; ")
        .append("they are evidence for the controls listed, not a certification of compliance.</footer>\n</main></body></html>\n");
    return h.toString();
  }

  /** A stacked bar chart of decisions per bucket, as inline SVG with axis, grid and legend. */
  private static void chart(StringBuilder h, ReportFigures.Timeline timeline) {
    List<ReportFigures.Bucket> buckets = timeline.buckets();
    if (buckets.isEmpty()) {
      h.append("<p class=\"muted\">No decisions in the period.</p>");
      return;
    }
    int width = 1040;
    int height = 280;
    int left = 48;
    int right = 12;
    int top = 12;
    int bottom = 28;
    double plotW = width - left - right;
    double plotH = height - top - bottom;
    long max = buckets.stream().mapToLong(ReportFigures.Bucket::total).max().orElse(1);
    long step = niceStep(Math.max(max, 1));
    long axisMax = ((Math.max(max, 1) + step - 1) / step) * step;
    h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width).append(' ').append(height)
        .append("\" width=\"100%\" role=\"img\" aria-label=\"Decisions over time\" style=\"font:11px sans-serif\">");
    for (long y = 0; y <= axisMax; y += step) {
      double py = top + plotH - plotH * y / axisMax;
      h.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e7ee\"/>", left, width - right, py, py));
      h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#5b6475\">%s</text>", left - 6, py + 4, Text.count(y)));
    }
    double slot = plotW / buckets.size();
    double barW = Math.max(1, slot * 0.72);
    int labelEvery = (int) Math.ceil(buckets.size() / 12.0);
    DateTimeFormatter fmt = timeline.bucket().compareTo(Duration.ofHours(1)) <= 0
        ? DateTimeFormatter.ofPattern("MMM d HH:mm", Locale.ROOT) : DateTimeFormatter.ofPattern("MMM d", Locale.ROOT);
    for (int i = 0; i < buckets.size(); i++) {
      ReportFigures.Bucket b = buckets.get(i);
      double x = left + i * slot + (slot - barW) / 2;
      double y = top + plotH;
      long[] parts = {b.approved(), b.denied(), b.expired(), b.other()};
      String[] colors = {APPROVED, DENIED, EXPIRED, OTHER};
      for (int p = 0; p < parts.length; p++) {
        if (parts[p] == 0) {
          continue;
        }
        double hgt = plotH * parts[p] / axisMax;
        y -= hgt;
        h.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %d</title></rect>",
            x, y, barW, hgt, colors[p], b.start().atZone(ZoneOffset.UTC).format(fmt), parts[p]));
      }
      if (i % labelEvery == 0) {
        h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#5b6475\">%s</text>",
            x + barW / 2, height - bottom + 16, Text.html(b.start().atZone(ZoneOffset.UTC).format(fmt))));
      }
    }
    h.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa3b2\"/>", left, width - right,
        top + plotH, top + plotH));
    h.append("</svg><div class=\"legend\">");
    legend(h, APPROVED, "approved");
    legend(h, DENIED, "denied");
    legend(h, EXPIRED, "expired");
    legend(h, OTHER, "cancelled / failed");
    h.append("<span>bucket: ").append(Text.bucket(timeline.bucket())).append(" (UTC)</span></div>");
  }

  private static void legend(StringBuilder h, String color, String label) {
    h.append("<span><i style=\"background:").append(color).append("\"></i>").append(label).append("</span>");
  }

  private static long niceStep(long max) {
    double raw = max / 4.0;
    double mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * mag >= raw) {
        return Math.max(1, (long) (m * mag));
      }
    }
    return Math.max(1, (long) (10 * mag));
  }
}
