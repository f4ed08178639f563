package io.countersign.spring.boot.docs;

import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.PolicyDecision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The configuration shown in docs/INTEGRATIONS.md ("Spring Boot"); {@code DocsSnippetsTest} runs it. */
// snippet: boot-config
@Configuration
public class CountersignConfig {

  @Bean // durable, append-only JSONL; the hash chain continues across restarts
  FileAuditSink auditSink(@Value("${audit.dir}") Path dir) throws IOException {
    return FileAuditSink.open(dir);
  }

  @Bean // signs every audit event; keep the private key in your secret store
  Ed25519Signer auditSigner(@Value("${audit.signing-key}") String base64Key) {
    return Ed25519Signer.of("audit-2026", Base64.getDecoder().decode(base64Key));
  }

  @Bean("large-refunds") // selected by @RequiresApproval(policy = "large-refunds")
  ApprovalPolicy largeRefunds() {
    return (invocation, caller, annotationRule) -> (int) invocation.args()[1] < 10_000
        ? PolicyDecision.allow("small refund")
        : PolicyDecision.require("large refund", annotationRule);
  }
}
// end-snippet
