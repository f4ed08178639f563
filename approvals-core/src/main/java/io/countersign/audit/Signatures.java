package io.countersign.audit;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Ed25519 verification shared by the trail (key rotation probe) and the verifier. */
public final class Signatures {

  private Signatures() {
  }

  /** Parses a raw public key, or returns {@code null} if it is not a valid curve point encoding. */
  public static Ed25519PublicKeyParameters publicKey(byte[] raw32) {
    try {
      return new Ed25519PublicKeyParameters(raw32, 0);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  public static boolean verifies(byte[] publicKey, byte[] message, byte[] signature) {
    Ed25519PublicKeyParameters key = publicKey(publicKey);
    return key != null && verifies(key, message, signature);
  }

  public static boolean verifies(Ed25519PublicKeyParameters key, byte[] message, byte[] signature) {
    if (signature == null || signature.length != Ed25519.SIGNATURE_SIZE) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, key);
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }
}
