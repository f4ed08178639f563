package io.countersign.passkeys;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A WebAuthn assertion as it travels in {@link io.countersign.Vote#evidence()} and is recorded in the
 * VOTE audit event: every part needed to re-check the reviewer's signature offline. All values are
 * unpadded Base64url (RFC 4648 section 5), exactly the bytes the browser returned.
 *
 * @param credentialId the credential that signed ({@code rawId})
 * @param authenticatorData the authenticator data (RP id hash, flags, signature counter)
 * @param clientDataJson the client data JSON (type, challenge, origin)
 * @param signature the signature over {@code authenticatorData || SHA-256(clientDataJSON)}
 * @param userHandle the user handle a discoverable credential returns, or {@code null}
 */
public record PasskeyAssertion(String credentialId, String authenticatorData, String clientDataJson, String signature,
    String userHandle) {

  /** {@code vote.evidence.type} of a passkey assertion. */
  public static final String TYPE = "webauthn.get";
  /** Evidence member names. */
  public static final String F_TYPE = "type";
  public static final String F_CREDENTIAL_ID = "credentialId";
  public static final String F_AUTHENTICATOR_DATA = "authenticatorData";
  public static final String F_CLIENT_DATA_JSON = "clientDataJSON";
  public static final String F_SIGNATURE = "signature";
  public static final String F_USER_HANDLE = "userHandle";

  /** Largest accepted size of one Base64url part, in characters (assertions are a few hundred bytes). */
  public static final int MAX_PART_LENGTH = 8_192;

  public PasskeyAssertion {
    credentialId = part(F_CREDENTIAL_ID, credentialId, true);
    authenticatorData = part(F_AUTHENTICATOR_DATA, authenticatorData, true);
    clientDataJson = part(F_CLIENT_DATA_JSON, clientDataJson, true);
    signature = part(F_SIGNATURE, signature, true);
    userHandle = part(F_USER_HANDLE, userHandle, false);
  }

  /**
   * Reads a passkey assertion from vote evidence.
   *
   * @return {@code null} if {@code evidence} is {@code null} or empty (an unsigned vote)
   * @throws IllegalArgumentException naming the member, if the evidence is not a well-formed passkey assertion
   */
  public static PasskeyAssertion fromEvidence(Map<String, String> evidence) {
    if (evidence == null || evidence.isEmpty()) {
      return null;
    }
    if (!TYPE.equals(evidence.get(F_TYPE))) {
      throw new IllegalArgumentException("vote evidence type must be '" + TYPE + "' but was '" + evidence.get(F_TYPE) + "'");
    }
    return new PasskeyAssertion(evidence.get(F_CREDENTIAL_ID), evidence.get(F_AUTHENTICATOR_DATA),
        evidence.get(F_CLIENT_DATA_JSON), evidence.get(F_SIGNATURE), evidence.get(F_USER_HANDLE));
  }

  /** This assertion as vote evidence (what the gate records in {@code vote.evidence}). */
  public Map<String, String> toEvidence() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(F_TYPE, TYPE);
    m.put(F_CREDENTIAL_ID, credentialId);
    m.put(F_AUTHENTICATOR_DATA, authenticatorData);
    m.put(F_CLIENT_DATA_JSON, clientDataJson);
    m.put(F_SIGNATURE, signature);
    if (userHandle != null) {
      m.put(F_USER_HANDLE, userHandle);
    }
    return m;
  }

  /** Decodes one unpadded Base64url part. */
  public static byte[] decode(String base64url) {
    return Base64.getUrlDecoder().decode(base64url);
  }

  /** Encodes bytes as unpadded Base64url. */
  public static String encode(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String part(String name, String value, boolean required) {
    if (value == null || value.isEmpty()) {
      if (required) {
        throw new IllegalArgumentException("passkey assertion member '" + name + "' is missing");
      }
      return null;
    }
    if (value.length() > MAX_PART_LENGTH) {
      throw new IllegalArgumentException("passkey assertion member '" + name + "' must have at most " + MAX_PART_LENGTH
          + " characters but had " + value.length());
    }
    if (!value.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("passkey assertion member '" + name + "' must be unpadded Base64url");
    }
    try {
      decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("passkey assertion member '" + name + "' is not valid Base64url");
    }
    return value;
  }
}
