package io.countersign.governance.report;

import io.countersign.audit.AuditFormatException;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.log.AuditLog;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.VerificationKey;
import io.countersign.audit.log.VerificationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compliance evidence report drawn from a Countersign audit trail: it verifies the trail first
 * (hash chain and Ed25519 signatures) and says so at the top, then states per control (SOC 2 CC6.3
 * and CC8.1, ISO/IEC 27001 A.8.15, NIST SP 800-53 AU-3, AU-9, AU-10, AC-5, EU AI Act Art. 12 and 14)
 * what the log shows for the period: privileged actions requested, approved, denied, expired;
 * self-approvals refused; quorum; decision times; who approved what; policy versions; halts.
 *
 * <p>A trail that does not verify is never presented as evidence: the report carries a
 * "NOT VERIFIED" banner and, unless {@link Builder#includeUnverifiedFigures(boolean)} asks for
 * them (marked unverified throughout), no figures at all.
 *
 * <pre>{@code
 * ComplianceReport report = ComplianceReport.builder()
 *     .log(Path.of("logs"))
 *     .key(VerificationKey.fromPem("audit-2026", Files.readString(Path.of("pub.pem"))))
 *     .from(Instant.parse("2026-01-01T00:00:00Z")).to(Instant.parse("2026-04-01T00:00:00Z"))
 *     .build();
 * Files.writeString(Path.of("report.html"), report.render(ReportFormat.HTML));
 * }</pre>
 */
public final class ComplianceReport {

  private static final Logger LOG = LoggerFactory.getLogger(ComplianceReport.class);

  private final Verification verification;
  private final ReportFigures figures;
  private final List<ControlEvidence> controls;
  private final Instant from;
  private final Instant to;
  private final Instant generatedAt;

  private ComplianceReport(Verification verification, ReportFigures figures, Instant from, Instant to, Instant generatedAt) {
    this.verification = verification;
    this.figures = figures;
    this.controls = figures == null ? List.of() : Controls.evidence(verification, figures);
    this.from = from;
    this.to = to;
    this.generatedAt = generatedAt;
  }

  /** A builder; at least one log and one verification key are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** What the verifier concluded; shown first in every format. */
  public Verification verification() {
    return verification;
  }

  /**
   * The figures of the period: present if the trail verified, or if unverified figures were asked
   * for (then {@link Verification#verified()} is false and they are not evidence).
   */
  public Optional<ReportFigures> figures() {
    return Optional.ofNullable(figures);
  }

  /** Evidence per control, in the order listed above; empty when there are no figures. */
  public List<ControlEvidence> controls() {
    return controls;
  }

  /** Start of the period (inclusive), or {@code null} for "from the first event". */
  public Instant from() {
    return from;
  }

  /** End of the period (exclusive), or {@code null} for "to the last event". */
  public Instant to() {
    return to;
  }

  /** When the report was generated. */
  public Instant generatedAt() {
    return generatedAt;
  }

  /**
   * The first line of the report: {@code "Trail verified: N events, ..."} or
   * {@code "NOT VERIFIED — figures below are not evidence: ..."}.
   */
  public String headline() {
    Verification v = verification;
    if (!v.verified()) {
      return "NOT VERIFIED — figures below are not evidence: " + v.summary();
    }
    StringBuilder s = new StringBuilder("Trail verified: ").append(Text.count(v.eventsChecked())).append(" events, hash chain intact, ")
        .append(Text.count(v.signaturesVerified())).append(" Ed25519 signature").append(v.signaturesVerified() == 1 ? "" : "s")
        .append(" valid (").append(v.signatureMode()).append(", keys: ").append(String.join(", ", v.keyIds())).append(")");
    s.append(v.closed() ? "; closed at seq " + Text.count(v.lastSeq()) : "; open at seq " + Text.count(v.lastSeq())
        + " (no closing checkpoint: compare with your independently kept head)");
    return s.toString();
  }

  /** The report in {@code format}. */
  public String render(ReportFormat format) {
    return switch (Objects.requireNonNull(format, "format")) {
      case HTML -> HtmlRenderer.render(this);
      case MD -> MarkdownRenderer.render(this);
      case JSON -> JsonRenderer.render(this);
    };
  }

  /**
   * Writes the report in {@code format} to {@code file} (UTF-8).
   *
   * @throws UncheckedIOException if it cannot be written
   */
  public void write(Path file, ReportFormat format) {
    try {
      Files.writeString(file, render(format), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write report to " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ComplianceReport[" + headline() + "]";
  }

  /**
   * Collects the inputs of a report; {@link #build()} verifies the trail and counts the figures.
   * Each setting is validated at once.
   */
  public static final class Builder {
    private Path log;
    private final List<VerificationKey> keys = new ArrayList<>();
    private final List<Path> unnamedPems = new ArrayList<>();
    private Instant from;
    private Instant to;
    private boolean includeUnverified;
    private Clock clock;
    private long startAfterSeq;
    private String startAfterHash = AuditTrail.GENESIS_HASH;

    private Builder() {}

    /**
     * The audit log: a log directory ({@code audit-<seq>.jsonl} files, as {@code FileAuditSink}
     * writes them) or one JSON Lines file, read with {@link AuditLog#open(Path, AuditLog.Option...)}.
     */
    public Builder log(Path fileOrDirectory) {
      Objects.requireNonNull(fileOrDirectory, "log");
      if (log != null) {
        throw new IllegalStateException("log was already set to " + log + "; a report covers one log");
      }
      this.log = fileOrDirectory;
      return this;
    }

    /** Adds a public key the trail's signatures must verify with. */
    public Builder key(VerificationKey key) {
      keys.add(Objects.requireNonNull(key, "key"));
      return this;
    }

    /**
     * Adds a PEM public key file that does not say its key id: it is taken as the key of the id the
     * log's first signed event names (the signatures must still verify with it; the report notes it).
     */
    public Builder keyPem(Path pemFile) {
      unnamedPems.add(Objects.requireNonNull(pemFile, "pemFile"));
      return this;
    }

    /** Start of the period (inclusive); default: the first event. */
    public Builder from(Instant from) {
      if (this.from != null) {
        throw new IllegalStateException("from was already set to " + this.from);
      }
      this.from = Objects.requireNonNull(from, "from");
      checkPeriod();
      return this;
    }

    /** End of the period (exclusive); default: after the last event. */
    public Builder to(Instant to) {
      if (this.to != null) {
        throw new IllegalStateException("to was already set to " + this.to);
      }
      this.to = Objects.requireNonNull(to, "to");
      checkPeriod();
      return this;
    }

    /**
     * Whether a trail that fails verification still gets its figures, each marked unverified (for an
     * investigation). Default false: a failed trail yields the banner and the failure, no figures.
     */
    public Builder includeUnverifiedFigures(boolean include) {
      this.includeUnverified = include;
      return this;
    }

    /** The log continues an earlier one after event {@code seq} with hash {@code hash} (rotated files removed). */
    public Builder startAfter(long seq, String hash) {
      if (seq < 0) {
        throw new IllegalArgumentException("startAfter seq must be >= 0 but was " + seq);
      }
      this.startAfterSeq = seq;
      this.startAfterHash = Objects.requireNonNull(hash, "hash");
      return this;
    }

    /** The clock for {@link ComplianceReport#generatedAt()}; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Verifies the trail and counts the figures.
     *
     * @throws IllegalStateException if no log or no key was given
     * @throws IllegalArgumentException if a log or key file does not exist or a key is not an Ed25519 PEM
     * @throws UncheckedIOException if a file cannot be read
     */
    public ComplianceReport build() {
      if (log == null) {
        throw new IllegalStateException("a report needs an audit log: call log(Path) with a file or directory");
      }
      if (keys.isEmpty() && unnamedPems.isEmpty()) {
        throw new IllegalStateException("a report needs the trail's public key: call key(...) or keyPem(Path); "
            + "without it the signatures, and so the trail's authenticity, cannot be checked");
      }
      AuditLog auditLog = open(log);
      List<String> notes = new ArrayList<>();
      List<VerificationKey> allKeys = new ArrayList<>(keys);
      for (Path pem : unnamedPems) {
        String keyId = firstKeyId(auditLog);
        if (keyId == null) {
          notes.add("key " + pem + " not used: no event in the log is signed");
          continue;
        }
        allKeys.add(VerificationKey.fromPem(keyId, readPem(pem)));
        notes.add("key " + pem + " taken as key id '" + keyId + "' (the id the log's first signed event names)");
      }
      AuditVerifier verifier = AuditVerifier.builder().keys(allKeys.toArray(VerificationKey[]::new))
          .startAfter(startAfterSeq, startAfterHash).build();
      // One pass: the figures count exactly the events the verifier accepted, from the same bytes.
      TrailAnalysis analysis = new TrailAnalysis(from, to);
      VerificationResult result;
      try {
        result = auditLog.verify(verifier, analysis::accept);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read audit log " + log + ": " + e.getMessage(), e);
      }
      if (result.status() == VerificationResult.Status.OPEN && result.reason() != null) {
        notes.add(result.reason());
      }
      notes.addAll(result.notes());
      Verification verification = new Verification(result.ok(), result.status().name(), result.summary(),
          result.eventsChecked(), result.firstBadSeq().orElse(0), result.reason(), result.signatureMode(),
          result.signaturesVerified(), result.keyIdsUsed(), result.closed(), result.lastSeq(),
          auditLog.files().stream().map(Path::toString).toList(), notes);
      if (!verification.verified()) {
        LOG.warn("Audit trail did not verify; the report will say NOT VERIFIED: {}", result.summary());
      }
      ReportFigures figures = verification.verified() || includeUnverified ? analysis.figures() : null;
      Instant now = (clock != null ? clock : Clock.systemUTC()).instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      return new ComplianceReport(verification, figures, from, to, now);
    }

    private void checkPeriod() {
      if (from != null && to != null && !from.isBefore(to)) {
        throw new IllegalArgumentException("the report period must end after it starts but was from " + from + " to " + to);
      }
    }

    private static AuditLog open(Path log) {
      try {
        return AuditLog.open(log);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("audit log " + log + " does not exist", e);
      } catch (IOException e) {
        if (!Files.exists(log, LinkOption.NOFOLLOW_LINKS)) {
          throw new IllegalArgumentException("audit log " + log + " does not exist (or is not a file or directory)", e);
        }
        throw new UncheckedIOException(e.getMessage(), e);
      }
    }

    /** The key id of the log's first signed event, to bind a PEM without one (the verifier still checks it). */
    private static String firstKeyId(AuditLog log) {
      String[] keyId = {null};
      try {
        log.read(event -> {
          keyId[0] = event.keyId();
          return keyId[0] == null;
        });
      } catch (IOException | AuditFormatException e) {
        return null; // verification will report the bad line
      }
      return keyId[0];
    }

    private static String readPem(Path pem) {
      try {
        return Files.readString(pem, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read public key file " + pem + ": " + e.getMessage(), e);
      }
    }
  }
}
