package io.countersign.examples.springboot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The example's own {@code example.*} settings (Countersign's are under {@code countersign.*}, read
 * by the starter). Immutable; every value is checked when it is bound, so a bad one fails startup
 * with the property's name and the value.
 *
 * @param approver which channel receives approval requests
 * @param reviewerPage where the reviewer page and its JSON API listen
 * @param reviewers who may sign in to the reviewer page, with their groups
 * @param audit where the audit log and its signing key live
 * @param exportsDir where approved exports are written
 * @param maxWait how long an HTTP caller may wait for a decision before its request is cancelled;
 *     longer than the guarded methods' approval timeouts, so that the gate's timeout answers first
 */
@ConfigurationProperties(prefix = "example")
public record ExampleProperties(
    @DefaultValue("web") ApproverKind approver,
    @DefaultValue ReviewerPage reviewerPage,
    List<ReviewerAccount> reviewers,
    @DefaultValue Audit audit,
    @DefaultValue("target/countersign/exports") Path exportsDir,
    @DefaultValue("11m") Duration maxWait) {

  /** Which {@code Approver} the gate delivers requests to. */
  public enum ApproverKind {
    /** {@code WebApprover}: the reviewer page is the channel and lists what was delivered to it. */
    WEB,
    /**
     * The starter's {@code InMemoryApprover}; the reviewer page then reads the requests pending in the
     * gate ({@code ReviewQueue.of(gate)}), as it would over any other channel (Slack, your own).
     */
    IN_MEMORY
  }

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** Checks every value at once. */
  public ExampleProperties {
    if (approver == null) {
      throw new IllegalArgumentException("example.approver must be web or in-memory but was null");
    }
    reviewers = reviewers == null ? List.of() : List.copyOf(reviewers);
    if (reviewers.isEmpty()) {
      throw new IllegalArgumentException("example.reviewers must name at least one reviewer "
          + "(example.reviewers[0].id=dana, example.reviewers[0].groups=data-protection)");
    }
    for (int i = 0; i < reviewers.size(); i++) {
      ReviewerAccount r = reviewers.get(i);
      if (r.id() == null || !ID.matcher(r.id()).matches()) {
        throw new IllegalArgumentException("example.reviewers[" + i + "].id must be 1 to 64 letters, digits or ._@- but was '"
            + r.id() + "'");
      }
      if (r.token() != null && r.token().length() < 16) {
        throw new IllegalArgumentException("example.reviewers[" + i + "].token must be at least 16 characters but has "
            + r.token().length() + " (leave it out to get a random one)");
      }
    }
    if (exportsDir == null) {
      throw new IllegalArgumentException("example.exports-dir must be set");
    }
    if (maxWait == null || maxWait.isZero() || maxWait.isNegative()) {
      throw new IllegalArgumentException("example.max-wait must be positive but was " + maxWait);
    }
  }

  /**
   * {@code example.reviewer-page.*}.
   *
   * @param port the port on 127.0.0.1 (0 picks a free one)
   */
  public record ReviewerPage(@DefaultValue("8081") int port) {
    /** Checks the port. */
    public ReviewerPage {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("example.reviewer-page.port must be from 0 to 65535 but was " + port);
      }
    }
  }

  /**
   * One reviewer who signs in to the page with a bearer token.
   *
   * @param id the reviewer id (the same id space as callers, so self-approval is detected)
   * @param groups the reviewer's groups ({@code @RequiresApproval(approvers = "group:...")})
   * @param token the bearer token; leave it out and a random one is made and printed at startup
   */
  public record ReviewerAccount(String id, Set<String> groups, String token) {
    /** Normalizes the groups. */
    public ReviewerAccount {
      groups = groups == null ? Set.of() : Set.copyOf(groups);
    }

    @Override
    public String toString() {
      return "ReviewerAccount[id=" + id + ", groups=" + groups + ", token=" + (token == null ? "generated" : "***") + "]";
    }
  }

  /**
   * {@code example.audit.*}.
   *
   * @param dir the {@code FileAuditSink} directory
   * @param signingKey the Ed25519 private key, Base64 (32 bytes); from a secret store in production.
   *     Left empty, the key is read from (or, for a new log, created in) {@code signingKeyFile}
   * @param signingKeyFile where the example keeps its generated private key (never next to the log)
   * @param publicKeyFile where the public key is written as PEM, for {@code countersign verify --key}
   * @param keyId the key id the events name
   */
  public record Audit(
      @DefaultValue("target/countersign/audit") Path dir,
      String signingKey,
      @DefaultValue("target/countersign/audit-signing.key") Path signingKeyFile,
      @DefaultValue("target/countersign/audit-public.pem") Path publicKeyFile,
      @DefaultValue("spring-boot-example") String keyId) {
    /** Checks the paths and key id. */
    public Audit {
      if (dir == null || signingKeyFile == null || publicKeyFile == null) {
        throw new IllegalArgumentException("example.audit.dir, signing-key-file and public-key-file must be set");
      }
      if (signingKeyFile.toAbsolutePath().normalize().startsWith(dir.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException("example.audit.signing-key-file must not be inside example.audit.dir ("
            + dir + ") but was " + signingKeyFile + ": whoever can read the log must not get the private key");
      }
      if (keyId == null || !ID.matcher(keyId).matches()) {
        throw new IllegalArgumentException("example.audit.key-id must be 1 to 64 letters, digits or ._@- but was '" + keyId + "'");
      }
    }

    @Override
    public String toString() {
      return "Audit[dir=" + dir + ", signingKey=" + (signingKey == null || signingKey.isBlank() ? "none" : "***")
          + ", signingKeyFile=" + signingKeyFile + ", publicKeyFile=" + publicKeyFile + ", keyId=" + keyId + "]";
    }
  }

  /** Lower-case name of the approver kind, as written in properties. */
  String approverName() {
    return approver.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
