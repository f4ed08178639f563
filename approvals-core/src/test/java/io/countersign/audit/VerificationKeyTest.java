package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.countersign.internal.Hashing;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class VerificationKeyTest {

  // RFC 8032 section 7.1, TEST 1.
  private static final String RFC8032_PRIVATE = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  private static final String RFC8032_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  private static final String RFC8032_SIGNATURE = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

  @Test
  void signerReproducesTheRfc8032TestVector() {
    Ed25519Signer signer = Ed25519Signer.of("rfc", Hashing.unhex(RFC8032_PRIVATE, "key"));

    assertThat(Hashing.hex(signer.verificationKey().publicKey())).isEqualTo(RFC8032_PUBLIC);
    assertThat(Hashing.hex(signer.sign(new byte[0]))).isEqualTo(RFC8032_SIGNATURE);
    assertThat(signer.algorithm()).isEqualTo("Ed25519");
  }

  @Test
  void signerRejectsAPrivateKeyOfTheWrongLength() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Ed25519Signer.of("k1", new byte[31]))
        .withMessage("Ed25519 private key for key id 'k1' must be 32 bytes but was 31");
  }

  @Test
  void generatedSignersHaveDistinctKeysAndNeverPrintThem() {
    Ed25519Signer a = Ed25519Signer.generate("a");
    Ed25519Signer b = Ed25519Signer.generate("a");

    assertThat(a.verificationKey()).isNotEqualTo(b.verificationKey());
    assertThat(a.toString()).isEqualTo("Ed25519Signer[keyId=a]");
  }

  @Test
  void pemRoundTripsAndIsReadableByTheJdk() throws Exception {
    VerificationKey key = Ed25519Signer.of("rfc", Hashing.unhex(RFC8032_PRIVATE, "key")).verificationKey();

    String pem = key.toPem();

    assertThat(pem).isEqualTo("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n");
    assertThat(VerificationKey.fromPem("rfc", pem)).isEqualTo(key);
    PublicKey jdkKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(
        Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").strip())));
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(jdkKey);
    verifier.update(new byte[0]);
    assertThat(verifier.verify(Hashing.unhex(RFC8032_SIGNATURE, "sig"))).isTrue();
  }

  @Test
  void fromPemRejectsGarbageSayingWhatItExpected() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> VerificationKey.fromPem("k1", "hello world"))
        .withMessage("PEM for key 'k1' must start with '-----BEGIN PUBLIC KEY-----' but starts with 'hello world'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> VerificationKey.fromPem("k1", "-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n"))
        .withMessageStartingWith("PEM for key 'k1' is not a DER SubjectPublicKeyInfo");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> VerificationKey.fromPem("k1", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n"))
        .withMessage("PEM for key 'k1' has no '-----END PUBLIC KEY-----' line");
  }

  @Test
  void fromPemRejectsAPrivateKeyBlock() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> VerificationKey.fromPem("k1", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
        .withMessage("PEM for key 'k1' must be a public key ('-----BEGIN PUBLIC KEY-----') but is '-----BEGIN PRIVATE KEY-----'");
  }

  @Test
  void fromPemRejectsAnRsaKeyNamingTheAlgorithm() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";

    assertThatIllegalArgumentException()
        .isThrownBy(() -> VerificationKey.fromPem("k1", pem))
        .withMessage("PEM for key 'k1' holds a key of algorithm 1.2.840.113549.1.1.1 (RSA), but audit signatures are Ed25519 (1.3.101.112)");
  }

  @Test
  void constructorRejectsWrongLengthAndBlankKeyId() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new VerificationKey("k1", new byte[33]))
        .withMessage("Ed25519 public key 'k1' must be 32 bytes but was 33");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new VerificationKey(" ", new byte[32]))
        .withMessage("keyId must not be blank but was ' '");
  }

  @Test
  void equalityIsByContentAndTheKeyBytesCannotBeChangedFromOutside() {
    byte[] raw = Hashing.unhex(RFC8032_PUBLIC, "key");
    VerificationKey key = new VerificationKey("rfc", raw);

    raw[0] ^= 1;
    key.publicKey()[1] ^= 1;

    assertThat(key).isEqualTo(new VerificationKey("rfc", Hashing.unhex(RFC8032_PUBLIC, "key")))
        .hasSameHashCodeAs(new VerificationKey("rfc", Hashing.unhex(RFC8032_PUBLIC, "key")))
        .isNotEqualTo(new VerificationKey("other", Hashing.unhex(RFC8032_PUBLIC, "key")));
  }
}
