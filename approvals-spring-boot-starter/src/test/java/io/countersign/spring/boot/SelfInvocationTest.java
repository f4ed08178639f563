package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.asyncAs;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalConfigurationException;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Lazy;

/** S56: self-invocation of guarded methods, including method references, and the accepted fix (the bean's own proxy). */
class SelfInvocationTest {

  private static final Set<String> REFUND = Set.of("refund(Ljava/lang/String;)V");

  /** Hands its own guarded method to a consumer as {@code this::refund}: the call bypasses the proxy. */
  static class ByMethodReference {
    public void refundAll(List<String> orders) {
      orders.forEach(this::refund);
    }

    @RequiresApproval(approvers = "group:sre")
    public void refund(String order) {}
  }

  /** An unbound reference ({@code Type::refund}) may be applied to {@code this}. */
  static class ByUnboundReference {
    public void refundAll(String order) {
      java.util.function.BiConsumer<ByUnboundReference, String> refund = ByUnboundReference::refund;
      refund.accept(this, order);
    }

    @RequiresApproval(approvers = "group:sre")
    public void refund(String order) {}
  }

  /** Calls its guarded method from an anonymous inner class, on the outer instance. */
  static class ByInnerClass {
    public Runnable later(String order) {
      return new Runnable() {
        @Override
        public void run() {
          refund(order);
        }
      };
    }

    @RequiresApproval(approvers = "group:sre")
    public void refund(String order) {}
  }

  /** The standard fix: calls go through an injected {@code @Lazy} reference to the bean's own proxy. */
  static class ThroughOwnProxy {
    final List<String> refunded = new CopyOnWriteArrayList<>();

    @Autowired
    @Lazy
    ThroughOwnProxy self;

    public void refundAll(List<String> orders) {
      for (String order : orders) {
        self.refund(order.trim().isEmpty() ? "none" : order);
      }
      Consumer<String> each = self::refund;
      each.accept("last");
      orders.forEach(o -> self.refund(o));
    }

    @RequiresApproval(approvers = "group:sre")
    public void refund(String order) {
      refunded.add(order);
    }

    public List<String> refunded() {
      return refunded;
    }
  }

  @Test
  @DisplayName("S56 a method reference this::refund is found as a self-invocation and fails startup")
  void methodReferenceFailsStartup() {
    assertThat(GuardedBeans.selfInvocations(ByMethodReference.class, REFUND)).containsExactly(
        ByMethodReference.class.getName() + "#refundAll calls the guarded method " + ByMethodReference.class.getName()
            + "#refund (as a method reference)");
    runner().withBean(ByMethodReference.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
        .isInstanceOf(ApprovalConfigurationException.class)
        .hasMessageContaining("ByMethodReference#refundAll calls the guarded method")
        .hasMessageContaining("@Lazy"));
  }

  @Test
  @DisplayName("S56 unbound method references and calls from inner classes on the outer instance are found")
  void unboundReferenceAndInnerClassAreFound() {
    assertThat(GuardedBeans.selfInvocations(ByUnboundReference.class, REFUND)).singleElement().asString()
        .contains("#refundAll calls the guarded method").endsWith("#refund (as a method reference)");
    assertThat(GuardedBeans.selfInvocations(ByInnerClass.class, REFUND)).singleElement().asString()
        .contains("code in a nested class of ByInnerClass calls the guarded method");
  }

  @Test
  @DisplayName("S56 calls through the bean's own @Lazy proxy are accepted and each one is guarded")
  void callsThroughTheOwnProxyAreAcceptedAndGuarded() {
    assertThat(GuardedBeans.selfInvocations(ThroughOwnProxy.class, REFUND)).isEmpty();
    runner().withBean(ThroughOwnProxy.class).run(context -> {
      assertThat(context).hasNotFailed();
      ThroughOwnProxy bean = context.getBean(ThroughOwnProxy.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      var call = asyncAs(ALICE, () -> {
        bean.refundAll(List.of());
        return bean.refunded();
      });
      approver.approve(awaitRequest(approver).id(), BOB, "ok");
      assertThat(call.get(10, TimeUnit.SECONDS)).containsExactly("last");
    });
  }
}
