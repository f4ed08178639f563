package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.as;
import static io.countersign.spring.boot.Fixtures.asyncAs;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import io.countersign.audit.EventType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

/** S55: advice that may return without calling the method never runs before the approval. */
class AdvisorOrderTest {

  static final Actor MALLORY = Actor.human("mallory");

  /** A guarded, cached export: the cache must never answer before the approval. */
  static class Exports {
    private final List<String> ran = new CopyOnWriteArrayList<>();

    public List<String> ran() {
      return ran;
    }

    @Cacheable("exports")
    @RequiresApproval(approvers = "group:sre")
    public String export(String customer) {
      ran.add(customer);
      return "rows of " + customer;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class ExportsConfig {
    @Bean
    Exports exports() {
      return new Exports();
    }

    @Bean
    CacheManager cacheManager() {
      return new ConcurrentMapCacheManager("exports");
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableCaching(order = Ordered.HIGHEST_PRECEDENCE)
  static class CacheFirst {}

  @Configuration(proxyBeanMethods = false)
  @EnableCaching
  static class CacheDefaultOrder {}

  @Test
  @DisplayName("S55 a @Cacheable ordered before the approval fails startup naming the method, the advice and the fix")
  void cacheOrderedFirstFailsStartup() {
    Fixtures.bareRunner().withUserConfiguration(ExportsConfig.class, CacheFirst.class).run(context ->
        assertThat(context).hasFailed().getFailure().rootCause()
            .isInstanceOf(ApprovalConfigurationException.class)
            .hasMessageContaining("Exports#export")
            .hasMessageContaining("org.springframework.cache.interceptor.CacheInterceptor (order " + Ordered.HIGHEST_PRECEDENCE + ")")
            .hasMessageContaining("caching: a cached result is returned without calling the method")
            .hasMessageContaining("set countersign.aop.order below " + Ordered.HIGHEST_PRECEDENCE));
  }

  @Test
  @DisplayName("S55 with the cache in its default order, mallory's call asks for approval although alice's result is cached")
  void cacheInDefaultOrderNeverServesAnApprovedResultToAnotherCaller() {
    Fixtures.bareRunner().withUserConfiguration(ExportsConfig.class, CacheDefaultOrder.class).run(context -> {
      assertThat(context).hasNotFailed();
      Exports exports = context.getBean(Exports.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      CompletableFuture<String> alice = asyncAs(ALICE, () -> exports.export("acme"));
      approver.approve(awaitRequest(approver).id(), BOB, "ok");
      assertThat(alice.get(10, TimeUnit.SECONDS)).isEqualTo("rows of acme");

      CompletableFuture<String> mallory = asyncAs(MALLORY, () -> exports.export("acme"));
      ApprovalRequest request = awaitRequest(approver);
      assertThat(request.actor().id()).isEqualTo("mallory");
      approver.deny(request.id(), BOB, "not yours");
      assertThatThrownBy(() -> mallory.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ApprovalRejectedException.class);
      assertThat(exports.ran()).containsExactly("acme");
    });
  }

  /** Guarded methods dispatched with {@code @Async}. */
  static class Reports {
    private final List<String> ran = new CopyOnWriteArrayList<>();

    public List<String> ran() {
      return ran;
    }

    @Async
    @RequiresApproval(approvers = "group:sre")
    public CompletableFuture<String> build(String name) {
      ran.add(name);
      return CompletableFuture.completedFuture("built " + name);
    }

    @Async
    @RequiresApproval(approvers = "group:sre")
    public void purge(String name) {
      ran.add("purge " + name);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAsync
  static class AsyncConfig {
    @Bean
    Reports reports() {
      return new Reports();
    }
  }

  private static ApplicationContextRunner asyncRunner() {
    return Fixtures.bareRunner().withUserConfiguration(AsyncConfig.class);
  }

  @Test
  @DisplayName("S55 @Async: the approval runs on the caller's thread, with the caller as actor, before the dispatch")
  void asyncApprovalRunsOnTheCallersThreadWithItsActor() {
    asyncRunner().run(context -> {
      assertThat(context).hasNotFailed();
      Reports reports = context.getBean(Reports.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      CompletableFuture<String> call = as(ALICE, () -> reports.build("q3"));
      ApprovalRequest request = awaitRequest(approver);
      assertThat(request.actor().id()).isEqualTo("alice");
      approver.approve(request.id(), BOB, "ok");
      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("built q3");
      assertThat(reports.ran()).containsExactly("q3");
    });
  }

  @Test
  @DisplayName("S55 @Async void: a denial reaches the caller and is recorded, instead of a silent success")
  void asyncVoidDenialReachesTheCallerAndIsRecorded() {
    asyncRunner().run(context -> {
      Reports reports = context.getBean(Reports.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      CompletableFuture<Object> call = asyncAs(ALICE, () -> {
        reports.purge("archive");
        return null;
      });
      ApprovalRequest request = awaitRequest(approver);
      approver.deny(request.id(), BOB, "keep it");
      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ApprovalRejectedException.class);
      assertThat(reports.ran()).isEmpty();
      assertThat(Fixtures.sink(context).events(request.id())).extracting(e -> e.type()).contains(EventType.DECIDED);
    });
  }

  /** Stands for a circuit breaker's advice (resilience4j's aspect, Spring Cloud's): returns a fallback when open. */
  static final class CircuitBreakerInterceptor implements org.aopalliance.intercept.MethodInterceptor {
    @Override
    public Object invoke(org.aopalliance.intercept.MethodInvocation invocation) {
      return "fallback";
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class CircuitBreakerFirst {
    @Bean
    @org.springframework.context.annotation.Role(org.springframework.beans.factory.config.BeanDefinition.ROLE_INFRASTRUCTURE)
    static org.springframework.aop.Advisor circuitBreakerAdvisor() {
      var advisor = new org.springframework.aop.support.DefaultPointcutAdvisor(
          new org.springframework.aop.support.annotation.AnnotationMatchingPointcut(null, RequiresApproval.class, false),
          new CircuitBreakerInterceptor());
      advisor.setOrder(Ordered.HIGHEST_PRECEDENCE);
      return advisor;
    }
  }

  @Test
  @DisplayName("S55 a circuit breaker ordered before the approval fails startup (its fallback would answer unapproved)")
  void circuitBreakerOrderedFirstFailsStartup() {
    Fixtures.runner().withUserConfiguration(CircuitBreakerFirst.class).run(context ->
        assertThat(context).hasFailed().getFailure().rootCause()
            .isInstanceOf(ApprovalConfigurationException.class)
            .hasMessageContaining("Ops#pushConfig")
            .hasMessageContaining("CircuitBreakerInterceptor (order " + Ordered.HIGHEST_PRECEDENCE + ")")
            .hasMessageContaining("its fallback is returned without calling the method"));
  }
}
