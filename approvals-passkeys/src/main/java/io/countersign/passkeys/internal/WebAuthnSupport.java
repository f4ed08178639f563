package io.countersign.passkeys.internal;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.converter.exception.DataConversionException;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.AuthenticationRequest;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.RegistrationRequest;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.verifier.exception.BadChallengeException;
import com.webauthn4j.verifier.exception.BadOriginException;
import com.webauthn4j.verifier.exception.BadRpIdException;
import com.webauthn4j.verifier.exception.BadSignatureException;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import com.webauthn4j.verifier.exception.NotAllowedCredentialIdException;
import com.webauthn4j.verifier.exception.UserNotPresentException;
import com.webauthn4j.verifier.exception.UserNotVerifiedException;
import io.countersign.passkeys.PasskeyAssertion;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The glue to webauthn4j: every parse of CBOR, COSE keys, attestation objects, authenticator data
 * and client data, and every signature, origin, RP id, challenge, flag and counter check, is
 * webauthn4j's. Used alike by the live guard and the offline verifier.
 */
public final class WebAuthnSupport {

  /**
   * Non-strict: attestation statements are checked for consistency but no attestation trust anchor
   * is required (passkeys mostly answer {@code none}); the trust in a credential comes from its
   * enrolment by an authenticated reviewer, recorded in the trail.
   */
  private static final WebAuthnManager MANAGER = WebAuthnManager.createNonStrictWebAuthnManager();

  /** Algorithms offered and accepted at enrolment: ES256, EdDSA, RS256. */
  public static final List<PublicKeyCredentialParameters> ALGORITHMS = List.of(
      new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
      new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
      new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));

  private WebAuthnSupport() {}

  /** A verified registration: the credential and what an enrolment records about it. */
  public record Registration(byte[] credentialId, CredentialRecordImpl record, String aaguid, boolean userVerified) {}

  /**
   * Verifies a registration ({@code navigator.credentials.create} result) against the expected
   * challenge, origins and RP id.
   *
   * @throws RuntimeException a webauthn4j {@code VerificationException} or {@code DataConversionException}
   */
  public static Registration verifyRegistration(byte[] attestationObject, byte[] clientDataJson, byte[] challenge,
      Set<String> origins, String rpId, boolean userVerificationRequired) {
    RegistrationData data = MANAGER.parse(new RegistrationRequest(attestationObject, clientDataJson));
    MANAGER.verify(data, new RegistrationParameters(server(origins, rpId, challenge), ALGORITHMS, userVerificationRequired, true));
    var authData = data.getAttestationObject().getAuthenticatorData();
    var credential = authData.getAttestedCredentialData();
    CredentialRecordImpl record = new CredentialRecordImpl(data.getAttestationObject(), data.getCollectedClientData(),
        data.getClientExtensions(), data.getTransports());
    return new Registration(credential.getCredentialId(), record, credential.getAaguid().toString(), authData.isFlagUV());
  }

  /**
   * Verifies an assertion made by {@code record}'s credential: signature, challenge, origin, RP id,
   * user presence, user verification (if required) and that the signature counter went up (when the
   * authenticator keeps one). Does not change {@code record}.
   *
   * @return the assertion's signature counter
   * @throws RuntimeException a webauthn4j {@code VerificationException} or {@code DataConversionException}
   */
  public static long verifyAssertion(CredentialRecordImpl record, PasskeyAssertion a, byte[] challenge, Set<String> origins,
      String rpId, boolean userVerificationRequired) {
    byte[] credentialId = PasskeyAssertion.decode(a.credentialId());
    AuthenticationRequest request = new AuthenticationRequest(credentialId,
        a.userHandle() == null ? null : PasskeyAssertion.decode(a.userHandle()),
        PasskeyAssertion.decode(a.authenticatorData()), PasskeyAssertion.decode(a.clientDataJson()), null,
        PasskeyAssertion.decode(a.signature()));
    AuthenticationData data = MANAGER.parse(request);
    MANAGER.verify(data, new AuthenticationParameters(server(origins, rpId, challenge), record, List.of(credentialId),
        userVerificationRequired, true));
    return data.getAuthenticatorData().getSignCount();
  }

  private static final com.webauthn4j.converter.AuthenticatorDataConverter AUTH_DATA =
      new com.webauthn4j.converter.AuthenticatorDataConverter(new com.webauthn4j.converter.util.ObjectConverter());

  /** The signature counter of raw authenticator data (decoded by webauthn4j). */
  public static long signCount(byte[] authenticatorData) {
    return AUTH_DATA.extractSignCount(authenticatorData);
  }

  /** The user handle a reviewer's credentials are created with: SHA-256 of a prefixed id, so it carries no personal data. */
  public static byte[] userHandle(String reviewerId) {
    return sha256(("countersign-reviewer:" + reviewerId).getBytes(StandardCharsets.UTF_8));
  }

  /** SHA-256. */
  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  /** A sentence for the reviewer (and the report) saying why webauthn4j refused. */
  public static String explain(RuntimeException e) {
    if (e instanceof BadChallengeException) {
      return "the signature covers different content than this vote (the request, its arguments, the decision, the reason "
          + "or the deadline differ from what was signed)";
    }
    if (e instanceof MaliciousCounterValueException) {
      return "the passkey's signature counter did not increase: the assertion was replayed or the authenticator cloned";
    }
    if (e instanceof BadOriginException) {
      return "the assertion was made on another web origin than this reviewer page";
    }
    if (e instanceof BadRpIdException) {
      return "the assertion was made for another relying party (RP id)";
    }
    if (e instanceof BadSignatureException) {
      return "the assertion's signature does not verify with the enrolled public key";
    }
    if (e instanceof UserNotVerifiedException) {
      return "the authenticator did not verify the user (PIN or biometric), which this policy requires";
    }
    if (e instanceof UserNotPresentException) {
      return "the authenticator did not confirm the user's presence";
    }
    if (e instanceof NotAllowedCredentialIdException) {
      return "the assertion names a credential other than the one checked";
    }
    if (e instanceof DataConversionException) {
      return "the assertion is malformed and could not be decoded";
    }
    return "the assertion did not verify (" + e.getClass().getSimpleName() + ")";
  }

  private static ServerProperty server(Set<String> origins, String rpId, byte[] challenge) {
    return ServerProperty.builder()
        .origins(origins.stream().map(Origin::new).collect(Collectors.toSet()))
        .rpId(rpId)
        .challenge(new DefaultChallenge(challenge))
        .build();
  }
}
