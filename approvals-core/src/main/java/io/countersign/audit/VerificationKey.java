package io.countersign.audit;

import io.countersign.internal.Hashing;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * An Ed25519 public key and the key id events name it by; what {@code io.countersign.audit.log.AuditVerifier} needs to
 * check signatures. Distributed as PEM ({@link #toPem()}), the X.509 SubjectPublicKeyInfo form
 * every crypto library reads.
 *
 * @param keyId the id recorded in signed events' {@code keyId} field
 * @param publicKey the 32-byte raw Ed25519 public key (RFC 8032 encoding); copied in and out
 */
public record VerificationKey(String keyId, byte[] publicKey) {

  /** Length of a raw Ed25519 public key, in bytes. */
  public static final int PUBLIC_KEY_LENGTH = Ed25519PublicKeyParameters.KEY_SIZE;

  /** Object identifier of Ed25519 keys (RFC 8410). */
  private static final ASN1ObjectIdentifier ID_ED25519 = new ASN1ObjectIdentifier("1.3.101.112");

  private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
  private static final String END = "-----END PUBLIC KEY-----";

  // DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }.
  private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  /**
   * Validates and copies the key.
   *
   * @throws IllegalArgumentException if the key id is blank or the key is not a 32-byte Ed25519 key
   */
  public VerificationKey {
    Objects.requireNonNull(keyId, "keyId must not be null");
    Objects.requireNonNull(publicKey, "publicKey must not be null");
    if (keyId.isBlank()) {
      throw new IllegalArgumentException("keyId must not be blank but was '" + keyId + "'");
    }
    if (publicKey.length != PUBLIC_KEY_LENGTH) {
      throw new IllegalArgumentException("Ed25519 public key '" + keyId + "' must be " + PUBLIC_KEY_LENGTH
          + " bytes but was " + publicKey.length);
    }
    publicKey = publicKey.clone();
  }

  /** The same public key under another key id (e.g. to name a PEM file's key). */
  public VerificationKey withId(String newKeyId) {
    return new VerificationKey(newKeyId, publicKey);
  }

  /** A copy of the 32-byte raw public key. */
  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The key as a PEM "PUBLIC KEY" block (X.509 SubjectPublicKeyInfo, RFC 8410), ending with a newline. */
  public String toPem() {
    byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + PUBLIC_KEY_LENGTH);
    System.arraycopy(publicKey, 0, der, SPKI_PREFIX.length, PUBLIC_KEY_LENGTH);
    return BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n" + END + "\n";
  }

  /**
   * Reads an Ed25519 public key from a PEM "PUBLIC KEY" block.
   *
   * @throws IllegalArgumentException naming the key id and what is wrong (not PEM, not a public
   *     key, not Ed25519, bad Base64 or DER)
   */
  public static VerificationKey fromPem(String keyId, String pem) {
    Objects.requireNonNull(keyId, "keyId must not be null");
    Objects.requireNonNull(pem, "pem must not be null");
    String text = pem.strip();
    String what = "PEM for key '" + keyId + "'";
    if (!text.startsWith("-----BEGIN ")) {
      throw new IllegalArgumentException(what + " must start with '" + BEGIN + "' but starts with '" + preview(text) + "'");
    }
    if (!text.startsWith(BEGIN)) {
      throw new IllegalArgumentException(what + " must be a public key ('" + BEGIN + "') but is '" + preview(text) + "'");
    }
    int end = text.indexOf(END);
    if (end < 0) {
      throw new IllegalArgumentException(what + " has no '" + END + "' line");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(BEGIN.length(), end).strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid Base64: " + e.getMessage(), e);
    }
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(der);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(what + " is not a DER SubjectPublicKeyInfo: " + e.getMessage(), e);
    }
    if (info == null) {
      throw new IllegalArgumentException(what + " is empty");
    }
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    if (!ID_ED25519.equals(algorithm)) {
      throw new IllegalArgumentException(what + " holds a key of algorithm " + algorithm.getId() + " (" + algorithmName(algorithm)
          + "), but audit signatures are Ed25519 (" + ID_ED25519.getId() + ")");
    }
    return new VerificationKey(keyId, info.getPublicKeyData().getOctets());
  }

  /** Equal when key id and key bytes are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof VerificationKey
        && ((VerificationKey) o).keyId.equals(keyId)
        && Arrays.equals(((VerificationKey) o).publicKey, publicKey);
  }

  @Override
  public int hashCode() {
    return 31 * keyId.hashCode() + Arrays.hashCode(publicKey);
  }

  /** Key id and hex of the public key. */
  @Override
  public String toString() {
    return "VerificationKey[keyId=" + keyId + ", publicKey=" + Hashing.hex(publicKey) + "]";
  }

  private static String preview(String text) {
    String firstLine = text.lines().findFirst().orElse("");
    return firstLine.length() > 40 ? firstLine.substring(0, 37) + "..." : firstLine;
  }

  private static String algorithmName(ASN1ObjectIdentifier oid) {
    switch (oid.getId()) {
      case "1.2.840.113549.1.1.1": return "RSA";
      case "1.2.840.10045.2.1": return "EC";
      case "1.3.101.110": return "X25519";
      case "1.3.101.111": return "X448";
      case "1.3.101.113": return "Ed448";
      default: return "unknown";
    }
  }
}
