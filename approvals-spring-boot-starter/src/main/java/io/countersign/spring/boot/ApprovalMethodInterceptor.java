package io.countersign.spring.boot;

import io.countersign.ApprovalGate;
import io.countersign.Invocation;
import java.lang.reflect.Method;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.BridgeMethodResolver;

/**
 * The Spring AOP advice for {@link io.countersign.RequiresApproval}: adapts a
 * {@link MethodInvocation} to an {@link Invocation} and makes one call to the gate, exactly as the
 * AspectJ aspect does ({@link ApprovalGate#intercept}, which guards methods returning a
 * {@link CompletionStage} without blocking). No rule is evaluated here: every rule lives in the
 * gate.
 *
 * <p>The invocation's live argument array is handed to the gate, so arguments changed between the
 * approval and the call are caught by the gate's digest check.
 */
public final class ApprovalMethodInterceptor implements MethodInterceptor {

  private final Supplier<ApprovalGate> gate;

  /**
   * An interceptor that looks the gate up on each call (the supplier is typically an
   * {@code ObjectProvider}, so the advisor can exist before the gate is built).
   */
  public ApprovalMethodInterceptor(Supplier<ApprovalGate> gate) {
    this.gate = Objects.requireNonNull(gate, "gate");
  }

  @Override
  public Object invoke(MethodInvocation mi) throws Throwable {
    return gate.get().intercept(Invocation.of(guardedMethod(mi), mi.getThis(), mi.getArguments()), mi::proceed);
  }

  /** The implementation method (where the annotation is read), not an interface or bridge method. */
  private static Method guardedMethod(MethodInvocation mi) {
    Object target = mi.getThis();
    Method method = mi.getMethod();
    if (target != null) {
      method = AopUtils.getMostSpecificMethod(method, AopUtils.getTargetClass(target));
    }
    return BridgeMethodResolver.findBridgedMethod(method);
  }

  @Override
  public String toString() {
    return "ApprovalMethodInterceptor";
  }
}
