package io.countersign.governance.cli;

import io.countersign.audit.VerificationKey;
import io.countersign.governance.report.ComplianceReport;
import io.countersign.governance.report.ReportFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code countersign report}: verifies an audit trail and writes the compliance evidence report.
 * A picocli command, runnable on its own ({@link #main}) or as a subcommand of the
 * {@code countersign} CLI ({@code new CommandLine(top).addSubcommand("report", new ReportCommand())}).
 *
 * <p>Exit codes: 0 the trail verified and the report was written; 1 the trail did NOT verify (the
 * report was written with its "NOT VERIFIED" banner, without figures unless
 * {@code --include-unverified}); 2 usage error or unreadable input.
 */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Verifies an audit trail (hash chain and Ed25519 signatures), then writes a compliance evidence report:",
        "SOC 2 CC6.3, CC8.1; ISO/IEC 27001 A.8.15; NIST SP 800-53 AU-3, AU-9, AU-10, AC-5; EU AI Act Art. 12, 14."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the trail verified; report written", "1:the trail did NOT verify; report written with its NOT VERIFIED banner",
        "2:usage error or unreadable input"})
public final class ReportCommand implements Callable<Integer> {

  /** The trail verified. */
  public static final int OK = 0;
  /** The trail did not verify. */
  public static final int NOT_VERIFIED = 1;
  /** Usage error or unreadable input. */
  public static final int USAGE = 2;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "LOG", description = "The audit log: a log directory (audit-<seq>.jsonl files) or one JSON Lines file.")
  Path log;

  @Option(names = "--key", required = true, paramLabel = "[KEYID=]PEM",
      description = {"Ed25519 public key (PEM). Repeatable. Without KEYID= the key is bound to the key id of the log's first "
          + "signed event (its signatures must still verify)."})
  List<String> keys = new ArrayList<>();

  @Option(names = "--from", paramLabel = "WHEN", description = "Start of the period, inclusive: 2026-01-01 or 2026-01-01T09:00:00Z.")
  String from;

  @Option(names = "--to", paramLabel = "WHEN", description = "End of the period: a date means the end of that day; an instant is exclusive.")
  String to;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "md", description = "html, md or json (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report here instead of standard output.")
  Path output;

  @Option(names = "--include-unverified", description = "If the trail does not verify, still show the figures, each marked UNVERIFIED.")
  boolean includeUnverified;

  @Option(names = "--start-after", paramLabel = "SEQ:HASH", description = "The log continues an earlier one after event SEQ whose hash is HASH.")
  String startAfter;

  /** Runs the command and exits with its code. */
  public static void main(String... args) {
    System.exit(run(new PrintWriter(System.out, true, StandardCharsets.UTF_8), new PrintWriter(System.err, true, StandardCharsets.UTF_8), args));
  }

  /** Runs the command with these streams and returns its exit code (for tests and embedding). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new ReportCommand());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(e -> USAGE);
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("countersign report: " + e.getMessage());
      e.getCommandLine().usage(err);
      return USAGE;
    });
    int code = cli.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ComplianceReport report;
    ReportFormat fmt;
    try {
      fmt = ReportFormat.parse(format);
      ComplianceReport.Builder b = ComplianceReport.builder().includeUnverifiedFigures(includeUnverified);
      b.log(log);
      for (String k : keys) {
        int eq = k.indexOf('=');
        if (eq > 0) {
          String id = k.substring(0, eq);
          Path pem = Path.of(k.substring(eq + 1));
          b.key(VerificationKey.fromPem(id, read(pem)));
        } else {
          b.keyPem(Path.of(k));
        }
      }
      if (from != null) {
        b.from(parseWhen("--from", from, false));
      }
      if (to != null) {
        b.to(parseWhen("--to", to, true));
      }
      if (startAfter != null) {
        int colon = startAfter.indexOf(':');
        if (colon < 1) {
          throw new IllegalArgumentException("--start-after must be SEQ:HASH but was '" + startAfter + "'");
        }
        b.startAfter(Long.parseLong(startAfter.substring(0, colon)), startAfter.substring(colon + 1));
      }
      report = b.build();
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
      err.println("countersign report: " + e.getMessage());
      return USAGE;
    }
    String text = report.render(fmt);
    if (output == null) {
      out.print(text);
      out.flush();
    } else {
      try {
        Files.writeString(output, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        err.println("countersign report: cannot write " + output + ": " + e.getMessage());
        return USAGE;
      }
    }
    // The headline goes to stderr as well, so that a script writing the report to a file still sees it.
    err.println(report.headline());
    return report.verification().verified() ? OK : NOT_VERIFIED;
  }

  private static String read(Path pem) {
    try {
      return Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read public key file " + pem + ": " + e.getMessage(), e);
    }
  }

  /** A date ({@code 2026-01-31}: its start, or for an end its end) or an instant ({@code 2026-01-31T12:00:00Z}). */
  static Instant parseWhen(String option, String text, boolean end) {
    try {
      if (text.length() == 10) {
        LocalDate day = LocalDate.parse(text);
        return (end ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(option + " must be a date (2026-01-31) or a UTC instant (2026-01-31T12:00:00Z) but was '"
          + text + "'", e);
    }
  }
}
