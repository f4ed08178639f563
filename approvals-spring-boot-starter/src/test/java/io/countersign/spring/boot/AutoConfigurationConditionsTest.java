package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import io.countersign.spi.ActorResolver;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.Approver;
import io.countersign.spi.PolicyDecision;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.context.SecurityContextHolder;

class AutoConfigurationConditionsTest {

  @Test
  void gateApproverAndAdvisorAreConfiguredAndTheGuardedBeanIsProxied() {
    runner().run(context -> {
      assertThat(context).hasNotFailed()
          .hasSingleBean(ApprovalGate.class)
          .hasSingleBean(ApprovalAdvisor.class)
          .hasSingleBean(InMemoryApprover.class)
          .hasSingleBean(SpringSecurityActorResolver.class);
      assertThat(AopUtils.isAopProxy(context.getBean(Fixtures.Ops.class))).isTrue();
    });
  }

  @Test
  void disabledBuildsNoGateButKeepsTheGuardedBeanProxied() {
    runner().withPropertyValues("countersign.enabled=false").run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(ApprovalGate.class).hasSingleBean(ApprovalAdvisor.class);
      assertThat(AopUtils.isAopProxy(context.getBean(Fixtures.Ops.class))).isTrue();
    });
  }

  @Test
  void nothingIsConfiguredWithoutTheCoreOnTheClasspath() {
    runner().withClassLoader(new FilteredClassLoader(ApprovalGate.class))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ApprovalAdvisor.class));
  }

  @Test
  void approvedCallRunsAndUnannotatedMethodIsNotGuarded() {
    runner().run(context -> {
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      assertThat(as(ALICE, ops::status)).isEqualTo("ok");

      CompletableFuture<String> call = as(ALICE, () -> ops.restart("billing"));
      ApprovalRequest request = awaitRequest(approver);
      assertThat(request.action()).isEqualTo("Restart a service");
      assertThat(ops.ran()).containsExactly("status");
      approver.approve(request.id(), BOB, "planned");
      assertThat(call.get()).isEqualTo("restarted billing");
      assertThat(ops.ran()).containsExactly("status", "restart billing");
    });
  }

  @Test
  void applicationsApproverReplacesTheInMemoryOne() {
    Approver own = new Approver() {
      @Override
      public void request(io.countersign.ApprovalRequest request, io.countersign.spi.VoteSink votes) {}

      @Override
      public void update(io.countersign.ApprovalStatus status) {}
    };
    runner().withBean("ownApprover", Approver.class, () -> own).run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(InMemoryApprover.class);
      assertThat(context.getBean(Approver.class)).isSameAs(own);
    });
  }

  @Test
  void applicationsGateReplacesTheAutoConfiguredOneAndIsTheOneTheAdviceUses() {
    InMemoryApprover approver = new InMemoryApprover();
    ApprovalGate own = ApprovalGate.builder().approver(approver)
        .auditSink(new io.countersign.audit.InMemoryAuditSink()).build();
    runner().withBean("ownGate", ApprovalGate.class, () -> own).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(ApprovalGate.class);
      assertThat(context.getBean(ApprovalGate.class)).isSameAs(own);
      as(ALICE, () -> context.getBean(Fixtures.Ops.class).restart("billing"));
      assertThat(awaitRequest(approver).method()).endsWith("Ops#restart");
    });
  }

  @Test
  void withoutSpringSecurityTheActorComesFromActorContext() {
    // no guarded bean here: CGLIB cannot subclass through the filtering class loader
    Fixtures.bareRunner().withClassLoader(new FilteredClassLoader(SecurityContextHolder.class)).run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(SpringSecurityActorResolver.class).hasSingleBean(ActorResolver.class);
      ActorResolver resolver = context.getBean(ActorResolver.class);
      assertThat(as(ALICE, () -> resolver.resolve(null)).actor()).isEqualTo(ALICE);
      assertThat(resolver.resolve(null)).isNull();
    });
  }

  @Test
  void applicationsActorResolverReplacesTheDefaults() {
    ActorResolver own = invocation -> io.countersign.CallContext.of(io.countersign.Actor.service("batch"));
    runner().withBean("ownResolver", ActorResolver.class, () -> own).run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(SpringSecurityActorResolver.class);
      context.getBean(Fixtures.Ops.class).restart("billing");
      assertThat(awaitRequest(context.getBean(InMemoryApprover.class)).actor().id()).isEqualTo("batch");
    });
  }

  /** A bean whose method is decided by a named policy bean. */
  static class Reports {
    @RequiresApproval(policy = "business-hours")
    public String export() {
      return "exported";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class PolicyConfig {
    @Bean
    Reports reports() {
      return new Reports();
    }

    @Bean(name = "business-hours")
    ApprovalPolicy businessHours() {
      return (invocation, caller, rule) -> PolicyDecision.allow("always");
    }
  }

  @Test
  void policyBeansAreRegisteredUnderTheirBeanName() {
    runner().withUserConfiguration(PolicyConfig.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(as(ALICE, () -> context.getBean(Reports.class).export())).isEqualTo("exported");
    });
  }

  @Test
  void aPolicyNameWithoutAPolicyBeanFailsStartup() {
    runner().withBean(Reports.class).run(context -> assertThat(context).hasFailed().getFailure()
        .rootCause().hasMessageContaining("Reports#export").hasMessageContaining("business-hours"));
  }
}
