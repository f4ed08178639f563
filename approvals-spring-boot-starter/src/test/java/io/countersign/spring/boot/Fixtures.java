package io.countersign.spring.boot;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import io.countersign.Reviewer;
import io.countersign.audit.Ed25519Signer;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.spi.AuditSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Shared fixtures of the starter's tests: guarded beans, configurations and call helpers. */
final class Fixtures {

  static final Actor ALICE = Actor.human("alice");
  static final Reviewer BOB = Reviewer.of("bob", "sre");
  static final Duration WAIT = Duration.ofSeconds(10);

  private Fixtures() {}

  /** A runner with the auto-configuration, an in-memory audit sink and the guarded {@link Ops} bean. */
  static ApplicationContextRunner runner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class, CountersignDisabledConfiguration.class))
        .withUserConfiguration(AuditConfig.class, OpsConfig.class);
  }

  /** A runner with the auto-configuration and an in-memory audit sink, and no guarded bean. */
  static ApplicationContextRunner bareRunner() {
    return new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class, CountersignDisabledConfiguration.class))
        .withUserConfiguration(AuditConfig.class);
  }

  /** A guarded service whose bodies record that they ran. */
  static class Ops {
    private final List<String> ran = new CopyOnWriteArrayList<>();

    /** What ran, in order (a method, so it reads the target's state through a proxy too). */
    public List<String> ran() {
      return ran;
    }

    @RequiresApproval(approvers = "group:sre", action = "Restart a service")
    public CompletableFuture<String> restart(String service) {
      ran.add("restart " + service);
      return CompletableFuture.completedFuture("restarted " + service);
    }

    @RequiresApproval(approvers = "group:sre")
    public String pushConfig(String env) {
      ran.add("pushConfig " + env);
      return "pushed " + env;
    }

    @RequiresApproval(approvers = "group:sre")
    public CompletableFuture<String> grant(List<String> roles) {
      ran.add("grant " + roles);
      return CompletableFuture.completedFuture("granted " + roles);
    }

    public String status() {
      ran.add("status");
      return "ok";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OpsConfig {
    @Bean
    Ops ops() {
      return new Ops();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class AuditConfig {
    @Bean
    InMemoryAuditSink auditSink() {
      return new InMemoryAuditSink();
    }

    @Bean
    Ed25519Signer auditSigner() {
      return Ed25519Signer.generate("test-key");
    }
  }

  /** Runs {@code call} as {@code actor} on this thread. */
  static <T> T as(Actor actor, Callable<T> call) throws Exception {
    return ActorContext.runAs(CallContext.of(actor), call);
  }

  /** Runs a blocking {@code call} as {@code actor} on another thread. */
  static <T> CompletableFuture<T> asyncAs(Actor actor, Callable<T> call) {
    var executor = Executors.newSingleThreadExecutor();
    CompletableFuture<T> result = new CompletableFuture<>();
    executor.execute(() -> {
      try {
        result.complete(as(actor, call));
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    });
    executor.shutdown();
    return result;
  }

  /** The next request delivered to the in-memory approver. */
  static ApprovalRequest awaitRequest(InMemoryApprover approver) throws InterruptedException {
    ApprovalRequest request = approver.awaitRequest(WAIT);
    if (request == null) {
      throw new AssertionError("no approval request was delivered within " + WAIT);
    }
    return request;
  }

  /** A file audit sink on {@code dir}, for bean suppliers. */
  static io.countersign.audit.log.FileAuditSink openFileSink(java.nio.file.Path dir) {
    try {
      return io.countersign.audit.log.FileAuditSink.open(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** All events of the in-memory audit sink bean. */
  static InMemoryAuditSink sink(org.springframework.context.ApplicationContext context) {
    return (InMemoryAuditSink) context.getBean(AuditSink.class);
  }
}
