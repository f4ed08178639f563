package io.countersign.governance.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.governance.cli.ReportCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the demo trail and its reports (html, md, json) through the CLI, for the screenshot in
 * docs/report-screenshot.png. Runs only when asked:
 * {@code mvn -pl approvals-governance test -Dtest=ReportDemo -Dcountersign.reportDemo=target/report-demo}.
 */
@EnabledIfSystemProperty(named = "countersign.reportDemo", matches = ".+")
class ReportDemo {

  @Test
  void writeDemoReports() throws Exception {
    Path dir = Path.of(System.getProperty("countersign.reportDemo"));
    GeneratedTrail trail = GeneratedTrail.generate(dir.resolve("logs"), 1000);
    for (ReportFormat format : ReportFormat.values()) {
      StringWriter err = new StringWriter();
      int code = ReportCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err), trail.dir.toString(),
          "--key", trail.pem.toString(), "--format", format.extension(), "-o", dir.resolve("report." + format.extension()).toString());
      assertThat(code).as(err.toString()).isZero();
    }
    assertThat(Files.size(dir.resolve("report.html"))).isPositive();
  }
}
