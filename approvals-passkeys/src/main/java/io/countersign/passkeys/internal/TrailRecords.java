package io.countersign.passkeys.internal;

import io.countersign.audit.FieldValue;
import io.countersign.audit.AuditEvent;
import io.countersign.passkeys.PasskeyAssertion;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

/** Reads the passkey records of an audit trail (enrolments), re-verifying each with webauthn4j. */
public final class TrailRecords {

  private TrailRecords() {}

  /** A {@code PASSKEY_ENROLLED} event, re-verified. */
  public record Enrolment(String reviewerId, String credentialId, String userHandle, String aaguid, String rpId,
      Set<String> origins, Instant time, WebAuthnSupport.Registration registration) {}

  /**
   * Re-verifies an enrolment event: its registration must verify against the challenge, origins and RP
   * id it records, the credential id it names must be the registered one, and its user handle must be
   * the reviewer's.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Enrolment enrolment(AuditEvent event) {
    FieldValue p = event.get("passkey");
    if (p == null || !p.isObject()) {
      throw new IllegalArgumentException("PASSKEY_ENROLLED at seq " + event.seq() + " has no 'passkey' object");
    }
    String reviewer = text(event, p, "reviewer");
    String credentialId = text(event, p, "credentialId");
    String userHandle = text(event, p, "userHandle");
    String rpId = text(event, p, "rpId");
    String challenge = text(event, p, "challenge");
    Set<String> origins = new LinkedHashSet<>();
    p.path("origins").forEach(o -> origins.add(o.asText()));
    if (origins.isEmpty()) {
      throw new IllegalArgumentException("PASSKEY_ENROLLED at seq " + event.seq() + " names no origins");
    }
    WebAuthnSupport.Registration registration;
    try {
      registration = WebAuthnSupport.verifyRegistration(PasskeyAssertion.decode(text(event, p, "attestationObject")),
          PasskeyAssertion.decode(text(event, p, "clientDataJSON")), PasskeyAssertion.decode(challenge), origins, rpId,
          p.path("userVerified").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("PASSKEY_ENROLLED at seq " + event.seq() + " does not verify: " + WebAuthnSupport.explain(e));
    }
    if (!PasskeyAssertion.encode(registration.credentialId()).equals(credentialId)) {
      throw new IllegalArgumentException("PASSKEY_ENROLLED at seq " + event.seq() + " names credential " + credentialId
          + " but its registration is for another credential");
    }
    if (!PasskeyAssertion.encode(WebAuthnSupport.userHandle(reviewer)).equals(userHandle)) {
      throw new IllegalArgumentException("PASSKEY_ENROLLED at seq " + event.seq() + " has a user handle that is not reviewer "
          + reviewer + "'s");
    }
    return new Enrolment(reviewer, credentialId, userHandle, registration.aaguid(), rpId, Set.copyOf(origins), event.time(),
        registration);
  }

  private static String text(AuditEvent event, FieldValue p, String name) {
    FieldValue v = p.get(name);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException(event.type() + " at seq " + event.seq() + " lacks passkey." + name);
    }
    return v.asText();
  }
}
