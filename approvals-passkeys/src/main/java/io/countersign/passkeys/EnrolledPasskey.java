package io.countersign.passkeys;

import java.time.Instant;

/**
 * A passkey bound to a reviewer, as enrolled on the reviewer page and recorded in the audit trail.
 *
 * @param reviewerId the reviewer the credential is bound to
 * @param credentialId the credential id, unpadded Base64url
 * @param aaguid the authenticator model id it reported (all zeros when attestation is {@code none})
 * @param enrolledAt when it was enrolled
 * @param signCount the last signature counter seen (0 if the authenticator keeps none)
 * @param revoked whether it was revoked (its assertions are no longer accepted)
 */
public record EnrolledPasskey(String reviewerId, String credentialId, String aaguid, Instant enrolledAt, long signCount,
    boolean revoked) {}
