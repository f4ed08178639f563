package io.countersign.passkeys;

import io.countersign.audit.FieldValue;
import com.webauthn4j.credential.CredentialRecordImpl;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.passkeys.internal.TrailRecords;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passkeys enrolled by reviewers, by credential id: which reviewer each is bound to, its public
 * key and its last signature counter. In memory; since every enrolment and revocation is an audit
 * event, {@link #fromTrail} rebuilds it after a restart. Thread-safe.
 */
public final class PasskeyRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(PasskeyRegistry.class);

  private final Map<String, Entry> byCredential = new ConcurrentHashMap<>();

  /** One enrolled credential; mutable parts are guarded by the entry's monitor. */
  static final class Entry {
    final String reviewerId;
    final String credentialId;
    final String userHandle;
    final String aaguid;
    final Instant enrolledAt;
    final CredentialRecordImpl record;
    volatile boolean revoked;

    Entry(String reviewerId, String credentialId, String userHandle, String aaguid, Instant enrolledAt, CredentialRecordImpl record) {
      this.reviewerId = reviewerId;
      this.credentialId = credentialId;
      this.userHandle = userHandle;
      this.aaguid = aaguid;
      this.enrolledAt = enrolledAt;
      this.record = record;
    }

    EnrolledPasskey view() {
      synchronized (this) {
        return new EnrolledPasskey(reviewerId, credentialId, aaguid, enrolledAt, record.getCounter(), revoked);
      }
    }
  }

  /** An empty registry. */
  public PasskeyRegistry() {}

  /**
   * Rebuilds a registry from an audit trail: every {@code PASSKEY_ENROLLED} event that re-verifies,
   * minus {@code PASSKEY_REVOKED} ones, with signature counters advanced to the highest counted
   * signed vote. Enrolment events that do not verify are skipped and logged.
   */
  public static PasskeyRegistry fromTrail(Iterable<AuditEvent> events) {
    PasskeyRegistry registry = new PasskeyRegistry();
    for (AuditEvent e : events) {
      if (PasskeyEvents.ENROLLED.equals(e.type())) {
        try {
          TrailRecords.Enrolment en = TrailRecords.enrolment(e);
          registry.add(new Entry(en.reviewerId(), en.credentialId(), en.userHandle(), en.aaguid(), en.time(),
              en.registration().record()));
        } catch (IllegalArgumentException ex) {
          LOG.warn("Skipping a passkey enrolment that does not verify: {}", ex.getMessage());
        }
      } else if (PasskeyEvents.REVOKED.equals(e.type())) {
        Entry entry = registry.entry(e.get("passkey") == null ? null : e.get("passkey").path("credentialId").asText(null));
        if (entry != null) {
          entry.revoked = true;
        }
      } else if (e.type() == EventType.VOTE) {
        FieldValue evidence = e.get("vote") == null ? null : e.get("vote").get("evidence");
        if (evidence != null && e.get("vote").path("counted").asBoolean(false)) {
          Entry entry = registry.entry(evidence.path(PasskeyAssertion.F_CREDENTIAL_ID).asText(null));
          if (entry != null) {
            try {
              byte[] authData = PasskeyAssertion.decode(evidence.path(PasskeyAssertion.F_AUTHENTICATOR_DATA).asText(""));
              long counter = io.countersign.passkeys.internal.WebAuthnSupport.signCount(authData);
              synchronized (entry) {
                entry.record.setCounter(Math.max(entry.record.getCounter(), counter));
              }
            } catch (RuntimeException ex) {
              LOG.warn("Skipping an unreadable passkey assertion at seq {}: {}", e.seq(), ex.toString());
            }
          }
        }
      }
    }
    return registry;
  }

  /** The reviewer's passkeys that are not revoked, oldest first. */
  public List<EnrolledPasskey> enrolled(String reviewerId) {
    return byCredential.values().stream().filter(e -> e.reviewerId.equals(reviewerId) && !e.revoked).map(Entry::view)
        .sorted(Comparator.comparing(EnrolledPasskey::enrolledAt).thenComparing(EnrolledPasskey::credentialId)).toList();
  }

  /** The passkey with this credential id (unpadded Base64url), revoked or not. */
  public Optional<EnrolledPasskey> find(String credentialId) {
    Entry e = entry(credentialId);
    return e == null ? Optional.empty() : Optional.of(e.view());
  }

  /** The number of passkeys, revoked ones included. */
  public int size() {
    return byCredential.size();
  }

  Entry entry(String credentialId) {
    return credentialId == null ? null : byCredential.get(credentialId);
  }

  void add(Entry entry) {
    Objects.requireNonNull(entry, "entry");
    Entry previous = byCredential.putIfAbsent(entry.credentialId, entry);
    if (previous != null) {
      throw new IllegalStateException("passkey " + entry.credentialId + " is already enrolled for reviewer " + previous.reviewerId);
    }
  }

  @Override
  public String toString() {
    return "PasskeyRegistry[" + byCredential.size() + " passkeys]";
  }
}
