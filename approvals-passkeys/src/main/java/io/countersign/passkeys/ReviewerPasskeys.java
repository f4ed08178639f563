package io.countersign.passkeys;

import io.countersign.ApprovalRequest;
import io.countersign.ApprovalStatus;
import io.countersign.Reviewer;
import io.countersign.Vote;
import io.countersign.VoteResult;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.EventType;
import io.countersign.http.PageExtension;
import io.countersign.http.ReviewQueue;
import io.countersign.passkeys.internal.WebAuthnSupport;
import io.countersign.spi.Approver;
import io.countersign.spi.TimeSource;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reviewer-signed decisions with passkeys (WebAuthn): reviewers enrol a passkey on the reviewer page
 * (recorded as a signed {@link PasskeyEvents#ENROLLED} audit event), the page asks the browser
 * to sign each vote ({@link VoteChallenge}), and {@link #guardApprover} / {@link #guardQueue}
 * verify the assertion (origin, RP id, challenge, signature counter, user verification) before the
 * gate counts the vote, which then records the full assertion in its VOTE event. Requests selected by
 * the {@link SignatureRequirement} accept signed votes only. Thread-safe; build once.
 *
 * <pre>{@code
 * AuditTrail trail = AuditTrail.builder().sink(sink).signer(signer).build();
 * ReviewerPasskeys passkeys = ReviewerPasskeys.builder()
 *     .relyingParty("review.example.com", "https://review.example.com")
 *     .auditTrail(trail)
 *     .signaturesRequired(SignatureRequirement.forRules("prod-deploy"))
 *     .build();
 * WebApprover web = new WebApprover();
 * ApprovalGate gate = ApprovalGate.builder().auditTrail(trail)
 *     .approver(passkeys.guardApprover(CompositeApprover.of(web, slack))).build();
 * ApprovalWeb http = ApprovalWeb.builder().queue(web).authenticator(oidc)
 *     .extension(passkeys.pageExtension()).build();
 * }</pre>
 */
public final class ReviewerPasskeys {

  /** {@code vote.refusal} recorded when a vote needed a passkey signature and carried none. */
  public static final String REFUSAL_SIGNATURE_REQUIRED = "SIGNATURE_REQUIRED";
  /** {@code vote.refusal} recorded when a vote's passkey assertion did not verify. */
  public static final String REFUSAL_SIGNATURE_INVALID = "SIGNATURE_INVALID";
  /** How long an enrolment challenge stays valid by default. */
  public static final Duration DEFAULT_ENROLMENT_TTL = Duration.ofMinutes(5);
  /** How long enrolment waits for its audit event to be durable by default. */
  public static final Duration DEFAULT_AUDIT_TIMEOUT = Duration.ofSeconds(10);
  /** How many used assertion signatures are remembered to refuse replays (beyond the counter check). */
  static final int REPLAY_MEMORY = 100_000;

  private static final Logger LOG = LoggerFactory.getLogger(ReviewerPasskeys.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String rpId;
  private final String rpName;
  private final Set<String> origins;
  private final AuditTrail trail;
  private final PasskeyRegistry registry;
  private final SignatureRequirement requirement;
  private final boolean userVerification;
  private final TimeSource time;
  private final Duration enrolmentTtl;
  private final Duration auditTimeout;
  private final Function<String, URI> reviewPage;
  private final Map<String, PendingEnrolment> enrolments = new ConcurrentHashMap<>();
  private final Map<String, Boolean> usedSignatures = java.util.Collections.synchronizedMap(
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REPLAY_MEMORY;
        }
      });

  private record PendingEnrolment(String reviewerId, Instant expiresAt) {}

  private ReviewerPasskeys(Builder b) {
    this.rpId = b.rpId;
    this.rpName = b.rpName != null ? b.rpName : "Countersign";
    this.origins = Set.copyOf(b.origins);
    this.trail = b.trail;
    this.registry = b.registry != null ? b.registry : new PasskeyRegistry();
    this.requirement = b.requirement != null ? b.requirement : SignatureRequirement.always();
    this.userVerification = b.userVerification;
    this.time = b.time != null ? b.time : TimeSource.system();
    this.enrolmentTtl = b.enrolmentTtl != null ? b.enrolmentTtl : DEFAULT_ENROLMENT_TTL;
    this.auditTimeout = b.auditTimeout != null ? b.auditTimeout : DEFAULT_AUDIT_TIMEOUT;
    this.reviewPage = b.reviewPage;
  }

  /** A builder; {@link Builder#relyingParty} and {@link Builder#auditTrail} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The reviewer page extension: enrolment pages, the signing script and the vote hook. */
  public PageExtension pageExtension() {
    return new PasskeyPages(this);
  }

  /**
   * Wraps a channel (or a {@link io.countersign.CompositeApprover} of several) so that every vote
   * handed to the gate through it is checked first: a passkey assertion, if present, must verify
   * against this request; requests the {@link SignatureRequirement} selects need one.
   */
  public Approver guardApprover(Approver delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return new Approver() {
      @Override
      public void request(ApprovalRequest request, io.countersign.spi.VoteSink votes) throws Exception {
        delegate.request(request, vote -> {
          VoteResult refused = check(request, vote);
          return refused != null ? refused : votes.vote(vote);
        });
      }

      @Override
      public void update(ApprovalStatus status) {
        delegate.update(status);
      }

      @Override
      public String toString() {
        return "ReviewerPasskeys.guarded(" + delegate + ")";
      }
    };
  }

  /** The same checks for a {@link ReviewQueue} (e.g. {@code ReviewQueue.of(gate)}), before each vote reaches it. */
  public ReviewQueue guardQueue(ReviewQueue delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return new ReviewQueue() {
      @Override
      public List<ApprovalStatus> pending() {
        return delegate.pending();
      }

      @Override
      public Optional<ApprovalStatus> find(String requestId) {
        return delegate.find(requestId);
      }

      @Override
      public VoteResult vote(String requestId, Vote vote) {
        Optional<ApprovalStatus> status = delegate.find(requestId);
        if (status.isPresent()) {
          VoteResult refused = check(status.get().request(), vote);
          if (refused != null) {
            return refused;
          }
        }
        return delegate.vote(requestId, vote);
      }

      @Override
      public String toString() {
        return "ReviewerPasskeys.guarded(" + delegate + ")";
      }
    };
  }

  /** The enrolled passkeys. */
  public PasskeyRegistry registry() {
    return registry;
  }

  /** Whether votes on {@code request} need a reviewer signature (a throwing requirement counts as yes). */
  public boolean requiresSignature(ApprovalRequest request) {
    try {
      return requirement.requiresSignature(request);
    } catch (RuntimeException e) {
      LOG.warn("SignatureRequirement {} failed for request {}; requiring a signature (fail closed): {}", requirement,
          request.id(), e.toString());
      return true;
    }
  }

  /**
   * Revokes a passkey: records {@link PasskeyEvents#REVOKED} and refuses its assertions from now on.
   *
   * @throws IllegalArgumentException if no such passkey is enrolled
   * @throws IllegalStateException if the revocation could not be recorded (the passkey then stays valid)
   */
  public void revoke(String credentialId, Reviewer by, String reason) {
    Objects.requireNonNull(by, "by");
    PasskeyRegistry.Entry entry = registry.entry(credentialId);
    if (entry == null) {
      throw new IllegalArgumentException("no passkey with credential id '" + credentialId + "' is enrolled");
    }
    Map<String, Object> passkey = new LinkedHashMap<>();
    passkey.put("reviewer", entry.reviewerId);
    passkey.put("credentialId", entry.credentialId);
    passkey.put("by", by.id());
    if (reason != null) {
      passkey.put("reason", reason);
    }
    recordDurably(AuditEvent.builder(PasskeyEvents.REVOKED).time(time.now()).field("passkey", passkey), "revocation");
    entry.revoked = true;
    LOG.info("Passkey {} of reviewer {} revoked by {}", shortId(entry.credentialId), entry.reviewerId, by.id());
  }

  // ------------------------------------------------------------------ vote checks

  /** {@code null} if the vote may go to the gate, else the refusal (already recorded). */
  VoteResult check(ApprovalRequest request, Vote vote) {
    PasskeyAssertion assertion;
    try {
      assertion = PasskeyAssertion.fromEvidence(vote.evidence());
    } catch (IllegalArgumentException e) {
      return refuse(request, vote, REFUSAL_SIGNATURE_INVALID, "Your vote was not counted: its passkey signature is malformed ("
          + e.getMessage() + ").");
    }
    if (assertion == null) {
      if (!requiresSignature(request)) {
        return null;
      }
      URI page = reviewPage == null ? null : reviewPage.apply(request.id());
      return refuse(request, vote, REFUSAL_SIGNATURE_REQUIRED, "This request requires your passkey signature (signedBy: passkey), "
          + "so a vote from " + vote.channel() + " is not counted. Open the reviewer page"
          + (page == null ? "" : " " + page) + " and decide there; your browser will ask you to sign.");
    }
    PasskeyRegistry.Entry entry = registry.entry(assertion.credentialId());
    String problem = null;
    if (entry == null) {
      problem = "the passkey that signed it is not enrolled";
    } else if (entry.revoked) {
      problem = "the passkey that signed it was revoked";
    } else if (!entry.reviewerId.equals(vote.reviewer().id())) {
      problem = "the passkey that signed it is enrolled to another reviewer, not to " + vote.reviewer().id();
    } else if (assertion.userHandle() != null && !assertion.userHandle().equals(entry.userHandle)) {
      problem = "the passkey answered with another user handle than the one it was enrolled with";
    }
    if (problem == null) {
      String signatureKey = HexFormat.of().formatHex(WebAuthnSupport.sha256(PasskeyAssertion.decode(assertion.signature())));
      synchronized (entry) {
        if (usedSignatures.containsKey(signatureKey)) {
          problem = "this signature was already used once (a replayed assertion)";
        } else {
          try {
            long counter = WebAuthnSupport.verifyAssertion(entry.record, assertion,
                VoteChallenge.challenge(request, vote.decision(), vote.reason()), origins, rpId, userVerification);
            entry.record.setCounter(counter);
            usedSignatures.put(signatureKey, Boolean.TRUE);
          } catch (RuntimeException e) {
            problem = WebAuthnSupport.explain(e);
            LOG.debug("passkey assertion refused", e);
          }
        }
      }
    }
    if (problem != null) {
      return refuse(request, vote, REFUSAL_SIGNATURE_INVALID, "Your vote was not counted: " + problem + ".");
    }
    LOG.info("Passkey signature verified: request={} reviewer={} decision={} credential={}", request.id(),
        vote.reviewer().id(), vote.decision(), shortId(assertion.credentialId()));
    return null;
  }

  private VoteResult refuse(ApprovalRequest request, Vote vote, String refusal, String message) {
    LOG.warn("Vote refused before the gate: request={} reviewer={} channel={} refusal={}: {}", request.id(),
        vote.reviewer().id(), vote.channel(), refusal, message);
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("reviewer", vote.reviewer().id());
    v.put("channel", vote.channel());
    v.put("decision", vote.decision().name());
    if (vote.reason() != null) {
      v.put("reason", vote.reason());
    }
    if (vote.evidence() != null) {
      v.put("evidence", vote.evidence());
    }
    v.put("counted", false);
    v.put("refusal", refusal);
    v.put("detail", message);
    Map<String, Object> action = new LinkedHashMap<>();
    action.put("name", request.action());
    action.put("method", request.method());
    try {
      trail.record(AuditEvent.builder(EventType.VOTE).time(time.now()).requestId(request.id())
          .field("traceId", request.traceId()).field("action", action).field("vote", v))
          .whenComplete((e, err) -> {
            if (err != null) {
              LOG.error("Could not record the refused vote on request {} in the audit trail: {}", request.id(), err.toString());
            }
          });
    } catch (RuntimeException e) {
      LOG.error("Could not record the refused vote on request {} in the audit trail: {}", request.id(), e.toString());
    }
    return new VoteResult(VoteResult.Refusal.NOT_ELIGIBLE, null, message);
  }

  // ------------------------------------------------------------------ enrolment (used by the page)

  /** A fresh single-use enrolment challenge (unpadded Base64url) for {@code reviewer}. */
  String startEnrolment(Reviewer reviewer) {
    Instant now = time.now();
    enrolments.values().removeIf(p -> !now.isBefore(p.expiresAt()));
    if (enrolments.size() > 10_000) {
      throw new IllegalStateException("too many passkey enrolments in progress (over 10000); try again in a few minutes");
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String challenge = PasskeyAssertion.encode(bytes);
    enrolments.put(challenge, new PendingEnrolment(reviewer.id(), now.plus(enrolmentTtl)));
    return challenge;
  }

  /**
   * Verifies a registration for {@code reviewer}, records it and enrols the passkey.
   *
   * @throws IllegalArgumentException with a sentence for the reviewer if it does not verify
   * @throws IllegalStateException if it could not be recorded (nothing is enrolled then)
   */
  EnrolledPasskey finishEnrolment(Reviewer reviewer, String challenge, String attestationObject, String clientDataJson) {
    PendingEnrolment pending = challenge == null ? null : enrolments.remove(challenge);
    if (pending == null || !pending.reviewerId().equals(reviewer.id()) || !time.now().isBefore(pending.expiresAt())) {
      throw new IllegalArgumentException("This enrolment form is unknown, expired or was already used. Open the passkeys page again.");
    }
    byte[] att;
    byte[] cdj;
    try {
      att = PasskeyAssertion.decode(Objects.requireNonNull(attestationObject, "attestationObject"));
      cdj = PasskeyAssertion.decode(Objects.requireNonNull(clientDataJson, "clientDataJSON"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("The browser's answer was incomplete or not Base64url; nothing was enrolled.");
    }
    WebAuthnSupport.Registration registration;
    try {
      registration = WebAuthnSupport.verifyRegistration(att, cdj, PasskeyAssertion.decode(challenge), origins, rpId,
          userVerification);
    } catch (RuntimeException e) {
      LOG.warn("Passkey enrolment refused for reviewer {}: {}", reviewer.id(), e.toString());
      throw new IllegalArgumentException("The new passkey did not verify: " + WebAuthnSupport.explain(e) + ". Nothing was enrolled.");
    }
    String credentialId = PasskeyAssertion.encode(registration.credentialId());
    String userHandle = PasskeyAssertion.encode(WebAuthnSupport.userHandle(reviewer.id()));
    Instant now = time.now();
    synchronized (registry) {
      if (registry.entry(credentialId) != null) {
        throw new IllegalArgumentException("This passkey is already enrolled.");
      }
      Map<String, Object> passkey = new LinkedHashMap<>();
      passkey.put("reviewer", reviewer.id());
      passkey.put("credentialId", credentialId);
      passkey.put("userHandle", userHandle);
      passkey.put("aaguid", registration.aaguid());
      passkey.put("rpId", rpId);
      passkey.put("origins", List.copyOf(new java.util.TreeSet<>(origins)));
      passkey.put("challenge", challenge);
      passkey.put("attestationObject", attestationObject);
      passkey.put("clientDataJSON", clientDataJson);
      passkey.put("userVerified", registration.userVerified());
      recordDurably(AuditEvent.builder(PasskeyEvents.ENROLLED).time(now).field("passkey", passkey), "enrolment");
      registry.add(new PasskeyRegistry.Entry(reviewer.id(), credentialId, userHandle, registration.aaguid(), now,
          registration.record()));
    }
    LOG.info("Passkey {} enrolled for reviewer {}", shortId(credentialId), reviewer.id());
    return registry.find(credentialId).orElseThrow();
  }

  private void recordDurably(AuditEvent.Builder event, String what) {
    try {
      trail.record(event).get(auditTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recording the passkey " + what + "; it did not take effect", e);
    } catch (Exception e) {
      throw new IllegalStateException("the passkey " + what + " could not be recorded in the audit trail, so it did not take "
          + "effect: " + e, e);
    }
  }

  String rpId() {
    return rpId;
  }

  String rpName() {
    return rpName;
  }

  boolean userVerification() {
    return userVerification;
  }

  static String shortId(String credentialId) {
    return credentialId.length() <= 12 ? credentialId : credentialId.substring(0, 12) + "\u2026";
  }

  @Override
  public String toString() {
    return "ReviewerPasskeys[rpId=" + rpId + ", origins=" + origins + ", " + registry.size() + " passkeys]";
  }

  /** Validating builder for {@link ReviewerPasskeys}; each setting may be set once. */
  public static final class Builder {
    private String rpId;
    private String rpName;
    private final Set<String> origins = new LinkedHashSet<>();
    private AuditTrail trail;
    private PasskeyRegistry registry;
    private SignatureRequirement requirement;
    private boolean userVerification = true;
    private boolean userVerificationSet;
    private TimeSource time;
    private Duration enrolmentTtl;
    private Duration auditTimeout;
    private Function<String, URI> reviewPage;

    private Builder() {}

    /**
     * The relying party: its id (the page's host name, e.g. {@code review.example.com}, or
     * {@code 127.0.0.1} for a local page) and the exact web origins the page is served from (scheme,
     * host and port, e.g. {@code https://review.example.com}). Required.
     */
    public Builder relyingParty(String rpId, String... origins) {
      if (this.rpId != null) {
        throw new IllegalStateException("relyingParty was already set to " + this.rpId + " " + this.origins);
      }
      if (rpId == null || rpId.isBlank() || rpId.contains("/") || rpId.contains(":")) {
        throw new IllegalArgumentException("relyingParty id must be a host name such as review.example.com but was '" + rpId + "'");
      }
      if (origins == null || origins.length == 0) {
        throw new IllegalArgumentException("relyingParty needs at least one origin such as https://" + rpId + " but had none");
      }
      for (String o : origins) {
        URI u;
        try {
          u = URI.create(Objects.requireNonNull(o, "origin"));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("relyingParty origin must be scheme://host[:port] but was '" + o + "'");
        }
        if (u.getScheme() == null || u.getHost() == null || (u.getPath() != null && !u.getPath().isEmpty())) {
          throw new IllegalArgumentException("relyingParty origin must be scheme://host[:port] without a path but was '" + o + "'");
        }
        if (!u.getHost().equals(rpId) && !u.getHost().endsWith("." + rpId)) {
          throw new IllegalArgumentException("relyingParty origin '" + o + "' is not on the RP id '" + rpId + "' or a subdomain of it");
        }
        this.origins.add(o);
      }
      this.rpId = rpId;
      return this;
    }

    /** The name browsers show when creating a passkey; default {@code Countersign}. */
    public Builder relyingPartyName(String name) {
      requireUnset(rpName, "relyingPartyName");
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("relyingPartyName must not be blank but was '" + name + "'");
      }
      this.rpName = name;
      return this;
    }

    /** The trail enrolments, revocations and refused votes are recorded in: the gate's own trail. Required. */
    public Builder auditTrail(AuditTrail trail) {
      requireUnset(this.trail, "auditTrail");
      this.trail = Objects.requireNonNull(trail, "auditTrail");
      return this;
    }

    /** Where enrolled passkeys live; default a new empty one (restore it with {@link PasskeyRegistry#fromTrail}). */
    public Builder registry(PasskeyRegistry registry) {
      requireUnset(this.registry, "registry");
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** Which requests need signed votes; default {@link SignatureRequirement#always()}. */
    public Builder signaturesRequired(SignatureRequirement requirement) {
      requireUnset(this.requirement, "signaturesRequired");
      this.requirement = Objects.requireNonNull(requirement, "signaturesRequired");
      return this;
    }

    /** Whether the authenticator must verify the user (PIN, biometric) at enrolment and for every vote; default true. */
    public Builder userVerification(boolean required) {
      if (userVerificationSet) {
        throw new IllegalStateException("userVerification was already set to " + userVerification);
      }
      this.userVerification = required;
      this.userVerificationSet = true;
      return this;
    }

    /** The clock for enrolment expiry and event times (share the gate's in tests); default the system clock. */
    public Builder timeSource(TimeSource time) {
      requireUnset(this.time, "timeSource");
      this.time = Objects.requireNonNull(time, "timeSource");
      return this;
    }

    /** How long an enrolment form stays valid; default 5 minutes. */
    public Builder enrolmentTtl(Duration ttl) {
      requireUnset(this.enrolmentTtl, "enrolmentTtl");
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("enrolmentTtl must be positive but was " + ttl);
      }
      this.enrolmentTtl = ttl;
      return this;
    }

    /** How long enrolment waits for its audit event to be durable; default 10 seconds. */
    public Builder auditTimeout(Duration timeout) {
      requireUnset(this.auditTimeout, "auditTimeout");
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("auditTimeout must be positive but was " + timeout);
      }
      this.auditTimeout = timeout;
      return this;
    }

    /** The page of one request (e.g. {@code server::requestUri}), linked from the refusal of unsigned votes. */
    public Builder reviewPage(Function<String, URI> requestPage) {
      requireUnset(this.reviewPage, "reviewPage");
      this.reviewPage = Objects.requireNonNull(requestPage, "reviewPage");
      return this;
    }

    /** The immutable passkey support. */
    public ReviewerPasskeys build() {
      if (rpId == null) {
        throw new IllegalStateException("relyingParty is required: call relyingParty(\"review.example.com\", \"https://review.example.com\")");
      }
      if (trail == null) {
        throw new IllegalStateException("auditTrail is required: pass the gate's AuditTrail so enrolments are part of the verifiable trail");
      }
      return new ReviewerPasskeys(this);
    }

    private static void requireUnset(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set to " + current);
      }
    }
  }
}
