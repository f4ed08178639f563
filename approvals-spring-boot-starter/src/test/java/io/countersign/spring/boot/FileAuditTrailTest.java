package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.InMemoryApprover;
import io.countersign.audit.log.AuditVerifier;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.log.VerificationResult;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class FileAuditTrailTest {

  private static final Ed25519Signer SIGNER = Ed25519Signer.of("file-key", new byte[32]);

  @Test
  void aFileSinkBeanContinuesItsChainAcrossRestartsSoTheWholeLogVerifies(@TempDir Path dir) throws Exception {
    ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class))
        .withUserConfiguration(Fixtures.OpsConfig.class)
        .withBean(Ed25519Signer.class, () -> SIGNER)
        .withBean(FileAuditSink.class, () -> open(dir));
    for (int restart = 0; restart < 2; restart++) {
      runner.run(context -> {
        var call = as(ALICE, () -> context.getBean(Fixtures.Ops.class).restart("billing"));
        InMemoryApprover approver = context.getBean(InMemoryApprover.class);
        approver.approve(awaitRequest(approver).id(), BOB, "ok");
        call.join();
      });
    }
    VerificationResult result = AuditVerifier.builder().key(SIGNER.verificationKey()).build().verifyLog(dir);
    assertThat(result.ok()).as(result.summary()).isTrue();
  }

  private static FileAuditSink open(Path dir) {
    try {
      return FileAuditSink.open(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
