package io.countersign.spi;

/**
 * Signs audit event hashes so that a verifier holding only the public key can detect a rewritten
 * chain. The stock implementation is {@link io.countersign.audit.Ed25519Signer}; KMS- or
 * HSM-backed implementations can plug in here.
 *
 * <p>Contract: may be called from any thread, and is called while the audit trail holds its lock,
 * so it should be fast. Throwing means the event is not recorded (and the gated action does not
 * run).
 */
public interface Signer {

  /** Identifier of the key, recorded in every event as {@code keyId}; must not be blank. */
  String keyId();

  /**
   * Signs {@code message} (the 32 raw bytes of an event hash).
   *
   * @return the raw signature (64 bytes for Ed25519)
   */
  byte[] sign(byte[] message);

  /** Signature algorithm name; verifiers shipped with Countersign support {@code "Ed25519"}. */
  default String algorithm() {
    return "Ed25519";
  }
}
