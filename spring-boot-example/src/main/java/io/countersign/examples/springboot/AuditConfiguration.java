package io.countersign.examples.springboot;

import io.countersign.audit.AuditTrail;
import io.countersign.ApprovalConfigurationException;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The audit trail: a durable {@link FileAuditSink} and an Ed25519 {@link Ed25519Signer}. The trail
 * continues the hash chain the sink found on disk with this signer, so the log verifies across
 * restarts, and the gate closes it (signed closing checkpoint) when the application stops.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(AuditConfiguration.class);

  /** Append-only JSON Lines in {@code example.audit.dir}; one writer per directory. */
  @Bean
  public FileAuditSink auditSink(ExampleProperties properties) throws IOException {
    return FileAuditSink.open(properties.audit().dir());
  }

  /**
   * Signs every audit event. The key comes from {@code example.audit.signing-key} (production: your
   * secret store, e.g. {@code EXAMPLE_AUDIT_SIGNING_KEY}); for the example, from a key file made
   * once, so that a restarted service keeps signing with the same key. The public key is written as
   * PEM for {@code countersign verify --key}.
   */
  @Bean
  public Ed25519Signer auditSigner(ExampleProperties properties, FileAuditSink auditSink) throws IOException {
    ExampleProperties.Audit audit = properties.audit();
    byte[] key;
    if (audit.signingKey() != null && !audit.signingKey().isBlank()) {
      key = decode(audit.signingKey().strip(), "example.audit.signing-key");
    } else if (Files.exists(audit.signingKeyFile())) {
      key = decode(Files.readString(audit.signingKeyFile(), StandardCharsets.US_ASCII).strip(),
          "the key file " + audit.signingKeyFile());
    } else if (auditSink.lastSeq() > 0) {
      // a new key could sign new events, but nobody could verify the old ones with it
      throw new ApprovalConfigurationException("The audit log in " + audit.dir() + " has " + auditSink.lastSeq()
          + " events but its signing key file " + audit.signingKeyFile() + " is missing: restore the key, set "
          + "example.audit.signing-key, or move the old log away to start a new one.");
    } else {
      key = createKeyFile(audit.signingKeyFile());
      LOG.info("Created a new audit signing key in {} (for this example only: keep production keys in a secret store)",
          audit.signingKeyFile());
    }
    Ed25519Signer signer = Ed25519Signer.of(audit.keyId(), key);
    Path pem = audit.publicKeyFile();
    if (pem.getParent() != null) {
      Files.createDirectories(pem.getParent());
    }
    Files.writeString(pem, signer.verificationKey().toPem(), StandardCharsets.US_ASCII);
    return signer;
  }

  private static byte[] decode(String base64, String source) {
    try {
      byte[] key = Base64.getDecoder().decode(base64);
      if (key.length != Ed25519Signer.PRIVATE_KEY_LENGTH) {
        throw new IllegalArgumentException("it has " + key.length + " bytes");
      }
      return key;
    } catch (IllegalArgumentException e) {
      // never echo the value: it is a private key
      throw new ApprovalConfigurationException(source + " must be a Base64 Ed25519 private key of "
          + Ed25519Signer.PRIVATE_KEY_LENGTH + " bytes, but " + e.getMessage(), e);
    }
  }

  private static byte[] createKeyFile(Path file) throws IOException {
    byte[] key = new byte[Ed25519Signer.PRIVATE_KEY_LENGTH];
    new SecureRandom().nextBytes(key);
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system
    } catch (FileAlreadyExistsException e) {
      throw new ApprovalConfigurationException("The audit signing key file " + file + " appeared while creating it: "
          + "is another instance starting on the same directories?", e);
    }
    Files.writeString(file, Base64.getEncoder().encodeToString(key), StandardCharsets.US_ASCII,
        StandardOpenOption.TRUNCATE_EXISTING);
    return key;
  }
}
