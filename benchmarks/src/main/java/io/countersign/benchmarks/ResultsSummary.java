package io.countersign.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one {@code run.sh full} results directory (JMH JSON files + the pending harness output) into
 * the Markdown tables of {@code docs/BENCHMARKS.md}, with every ratio computed from figures of that
 * same run. {@code java -cp ... io.countersign.benchmarks.ResultsSummary benchmarks/results/<run>}
 */
public final class ResultsSummary {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ResultsSummary() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ResultsSummary <results directory written by run.sh full>");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    StringBuilder out = new StringBuilder();
    interception(dir.resolve("interception.json"), out);
    roundTrip(dir.resolve("roundtrip.json"), out);
    for (int t : new int[] {1, 2, 8}) {
      append(dir.resolve("append-t" + t + ".json"), t, out);
    }
    for (int t : new int[] {1, 4}) {
      durableAppend(dir.resolve("durable-append-t" + t + ".json"), t, out);
    }
    verification(dir.resolve("verification.json"), out);
    Path pending = dir.resolve("pending.txt");
    if (Files.exists(pending)) {
      out.append("\n### 5. 10,000 pending async approvals\n\n```\n").append(Files.readString(pending).strip()).append("\n```\n");
    }
    System.out.print(out);
  }

  private static void interception(Path file, StringBuilder out) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    Map<String, double[]> rows = new LinkedHashMap<>(); // name -> {ns/op, error, B/op}
    for (JsonNode r : JSON.readTree(file.toFile())) {
      rows.put(method(r), new double[] {score(r), r.path("primaryMetric").path("scoreError").asDouble(), secondary(r, "gc.alloc.rate.norm")});
    }
    double plain = rows.getOrDefault("plain", new double[] {0})[0];
    double spring = rows.getOrDefault("springPreAuthorize", new double[] {Double.NaN})[0];
    out.append("### 1. Interception overhead, allowed path\n\n")
        .append("| variant | ns/op | ± | overhead vs plain (ns) | overhead / Spring's | B/op |\n|---|---:|---:|---:|---:|---:|\n");
    rows.forEach((name, v) -> out.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s | %.0f |%n",
        name, v[0], v[1], v[0] - plain, name.equals("plain") ? "-" : String.format(Locale.ROOT, "%.3fx", (v[0] - plain) / (spring - plain)), v[2])));
  }

  private static void roundTrip(Path file, StringBuilder out) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    out.append("\n### 2. Approval round trip (4 durable audit events per call)\n\n")
        .append("| audit | ops/s | p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
    Map<String, double[]> rows = new LinkedHashMap<>();
    for (JsonNode r : JSON.readTree(file.toFile())) {
      String audit = r.path("params").path("audit").asText();
      double[] row = rows.computeIfAbsent(audit, k -> new double[5]);
      if (r.path("mode").asText().equals("thrpt")) {
        row[0] = score(r) * 1000; // ops/ms -> ops/s
      } else {
        JsonNode p = r.path("primaryMetric").path("scorePercentiles");
        row[1] = p.path("50.0").asDouble();
        row[2] = p.path("99.0").asDouble();
        row[3] = p.path("99.9").asDouble();
        row[4] = p.path("100.0").asDouble();
      }
    }
    rows.forEach((audit, v) -> out.append(String.format(Locale.ROOT, "| %s | %.0f | %.3f | %.3f | %.3f | %.3f |%n",
        audit, v[0], v[1], v[2], v[3], v[4])));
  }

  private static void append(Path file, int threads, StringBuilder out) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    Map<String, Map<String, Double>> bySink = new LinkedHashMap<>(); // sink -> method -> events/s
    for (JsonNode r : JSON.readTree(file.toFile())) {
      bySink.computeIfAbsent(r.path("params").path("sink").asText(), k -> new LinkedHashMap<>()).put(method(r), score(r));
    }
    out.append(String.format(Locale.ROOT, "%n### 3. Audit append, %d thread(s), events/s%n%n", threads))
        .append("| sink | each durable | vs logback | vs logback+fsync | 64 then durable | vs logback | vs logback+fsync |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|\n");
    Map<String, Double> logback = bySink.getOrDefault("logback-json", Map.of());
    Map<String, Double> logbackFsync = bySink.getOrDefault("logback-json-fsync", Map.of());
    for (Iterator<Map.Entry<String, Map<String, Double>>> it = bySink.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Map<String, Double>> e = it.next();
      double each = e.getValue().getOrDefault("appendEachDurable", Double.NaN);
      double batch = e.getValue().getOrDefault("append64ThenDurable", Double.NaN);
      out.append(String.format(Locale.ROOT, "| %s | %.0f | %.2fx | %.2fx | %.0f | %.2fx | %.2fx |%n", e.getKey(),
          each, each / logback.getOrDefault("appendEachDurable", Double.NaN),
          each / logbackFsync.getOrDefault("appendEachDurable", Double.NaN),
          batch, batch / logback.getOrDefault("append64ThenDurable", Double.NaN),
          batch / logbackFsync.getOrDefault("append64ThenDurable", Double.NaN)));
    }
  }

  private static void verification(Path file, StringBuilder out) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    out.append("\n### 4. Verification of a log on disk\n\n| content | threads | events | ms per log | ± | events/s |\n"
        + "|---|---:|---:|---:|---:|---:|\n");
    for (JsonNode r : JSON.readTree(file.toFile())) {
      JsonNode params = r.path("params");
      long events = params.path("events").asLong();
      double ms = score(r);
      out.append(String.format(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f |%n", params.path("content").asText("-"),
          params.path("threads").asText("-"), events, ms, r.path("primaryMetric").path("scoreError").asDouble(),
          events / (ms / 1000)));
    }
  }

  private static void durableAppend(Path file, int threads, StringBuilder out) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    out.append(String.format(Locale.ROOT, "%n### 3b. Durable append, 4,096 in flight per thread, %d thread(s)%n%n"
        + "| sink | events/s | ± |%n|---|---:|---:|%n", threads));
    for (JsonNode r : JSON.readTree(file.toFile())) {
      out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f |%n", r.path("params").path("sink").asText(), score(r),
          r.path("primaryMetric").path("scoreError").asDouble()));
    }
  }

  private static String method(JsonNode r) {
    String name = r.path("benchmark").asText();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static double score(JsonNode r) {
    return r.path("primaryMetric").path("score").asDouble();
  }

  private static double secondary(JsonNode r, String suffix) {
    for (Iterator<Map.Entry<String, JsonNode>> it = r.path("secondaryMetrics").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().endsWith(suffix)) {
        return e.getValue().path("score").asDouble();
      }
    }
    return Double.NaN;
  }
}
