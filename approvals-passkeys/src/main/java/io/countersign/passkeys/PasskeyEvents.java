package io.countersign.passkeys;

import io.countersign.audit.EventType;

/**
 * The audit event types this module records. They are not well-known to core, so compare them
 * with {@code equals}, never {@code ==}.
 */
public final class PasskeyEvents {

  /**
   * A reviewer enrolled a passkey (WebAuthn credential) bound to their identity; carries the
   * reviewer id, the credential id and the registration (attestation object, client data) so that
   * the set of valid reviewer keys is itself part of the verifiable trail. Not tied to a request.
   */
  public static final EventType ENROLLED = EventType.of("PASSKEY_ENROLLED");

  /** A reviewer's passkey was revoked; votes it signs afterwards are not accepted. Not tied to a request. */
  public static final EventType REVOKED = EventType.of("PASSKEY_REVOKED");

  private PasskeyEvents() {
  }
}
