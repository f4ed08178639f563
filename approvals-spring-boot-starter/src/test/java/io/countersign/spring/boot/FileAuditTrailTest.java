package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalConfigurationException;
import org.junit.jupiter.api.DisplayName;

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
    for (int restart = 0; restart < 2; restart++) {
      runner(dir, SIGNER).run(FileAuditTrailTest::approveOneCall);
    }
    VerificationResult result = AuditVerifier.builder().key(SIGNER.verificationKey()).build().verifyLog(dir);
    assertThat(result.ok()).as(result.summary()).isTrue();
  }

  @Test
  @DisplayName("S57 a restart with another key under the log's key id fails startup instead of writing a log that reads as tampered")
  void anotherKeyUnderTheSameKeyIdFailsStartup(@TempDir Path dir) throws Exception {
    runner(dir, SIGNER).run(FileAuditTrailTest::approveOneCall);
    Ed25519Signer impostor = Ed25519Signer.of("file-key", new byte[] {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
    runner(dir, impostor).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("The configured Signer uses key id 'file-key', but the existing audit log")
        .hasMessageContaining("was signed with a different key under that id"));
    runner(dir, Ed25519Signer.generate("new-key")).run(context -> assertThat(context).hasNotFailed());
    runner(dir, SIGNER).run(context -> assertThat(context).hasNotFailed());
  }

  @Test
  @DisplayName("S57 a torn last line does not hide the check: the newest complete signed event is used")
  void tornTailIsSkipped(@TempDir Path dir) throws Exception {
    runner(dir, SIGNER).run(FileAuditTrailTest::approveOneCall);
    try (var files = java.nio.file.Files.list(dir)) {
      Path log = files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).findFirst().orElseThrow();
      java.nio.file.Files.writeString(log, "{\"seq\":99,\"signature\":\"torn", java.nio.file.StandardOpenOption.APPEND);
    }
    SigningKeyCheck.check(dir, SIGNER);
    assertThatThrownBy(() -> SigningKeyCheck.check(dir, Ed25519Signer.generate("file-key")))
        .isInstanceOf(ApprovalConfigurationException.class).hasMessageContaining("different key under that id");
  }

  private static ApplicationContextRunner runner(Path dir, Ed25519Signer signer) {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class))
        .withUserConfiguration(Fixtures.OpsConfig.class)
        .withBean(Ed25519Signer.class, () -> signer)
        .withBean(FileAuditSink.class, () -> Fixtures.openFileSink(dir));
  }

  private static void approveOneCall(org.springframework.context.ApplicationContext context) throws Exception {
    var call = as(ALICE, () -> context.getBean(Fixtures.Ops.class).restart("billing"));
    InMemoryApprover approver = context.getBean(InMemoryApprover.class);
    approver.approve(awaitRequest(approver).id(), BOB, "ok");
    call.join();
  }
}
