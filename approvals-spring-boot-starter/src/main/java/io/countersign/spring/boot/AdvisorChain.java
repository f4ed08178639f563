package io.countersign.spring.boot;

import io.countersign.ApprovalConfigurationException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.aopalliance.aop.Advice;
import org.springframework.aop.Advisor;
import org.springframework.aop.IntroductionAdvisor;
import org.springframework.aop.MethodBeforeAdvice;
import org.springframework.aop.Pointcut;
import org.springframework.aop.PointcutAdvisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Makes sure that, on every proxy of a guarded bean, nothing that may return without calling the
 * method runs before the approval: a cache would serve one caller's approved result to another, a
 * retry would ask again after a denial, a circuit breaker would return its fallback, and async
 * dispatch would move the approval onto an executor thread that has no caller identity (denied,
 * while the caller sees success).
 *
 * <ul>
 *   <li>Advice that Spring puts ahead of every existing advisor, whatever its order ({@code @Async},
 *   Spring's own {@code @Retryable}): the approval is moved just before it, so it runs first, on
 *   the caller's thread.</li>
 *   <li>Anything else of those kinds ordered before the approval (e.g. {@code @EnableCaching(order =
 *   HIGHEST_PRECEDENCE)}, resilience4j's aspects at a high precedence): startup fails, naming the
 *   method, the advice, both orders and the fix.</li>
 * </ul>
 *
 * <p>A plain (unordered) bean post-processor: Spring runs it after the ordered ones, so it sees the
 * chains the auto-proxy creator and the advising post-processors built. Transactions are checked by
 * {@link TransactionOrderVerifier}.
 */
final class AdvisorChain implements BeanPostProcessor {

  /** Advice that advising post-processors insert before every existing advisor (no order can change that). */
  private static final Set<String> ALWAYS_FIRST = Set.of(
      "org.springframework.aop.interceptor.AsyncExecutionInterceptor",
      "org.springframework.resilience.retry.AbstractRetryInterceptor");

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    if (bean instanceof Advised advised) {
      check(advised, beanName);
    }
    return bean;
  }

  static void check(Advised advised, String beanName) {
    Advisor[] advisors = advised.getAdvisors();
    int approval = indexOfApproval(advisors);
    if (approval < 0) {
      return;
    }
    Class<?> targetClass = AopProxyUtils.ultimateTargetClass(advised);
    List<Method> guarded = guardedMethods((ApprovalAdvisor) advisors[approval], targetClass);
    if (guarded.isEmpty()) {
      return;
    }
    for (int i = 0; i < approval; i++) {
      if (isAny(advisors[i].getAdvice(), ALWAYS_FIRST) && appliesToAny(advisors[i], guarded, targetClass)) {
        if (advised.isFrozen()) {
          break; // reported below
        }
        Advisor approvalAdvisor = advisors[approval];
        advised.removeAdvisor(approvalAdvisor);
        advised.addAdvisor(i, approvalAdvisor);
        advisors = advised.getAdvisors();
        approval = i;
        break;
      }
    }
    Set<String> problems = new LinkedHashSet<>();
    for (int i = 0; i < approval; i++) {
      String risk = risk(advisors[i].getAdvice());
      if (risk == null) {
        continue;
      }
      for (Method m : guarded) {
        if (applies(advisors[i], m, targetClass)) {
          problems.add(describe(m, targetClass, beanName, advisors[i], advisors[approval], risk, advised.isFrozen()));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ApprovalConfigurationException(String.join("\n", problems));
    }
  }

  private static int indexOfApproval(Advisor[] advisors) {
    for (int i = 0; i < advisors.length; i++) {
      if (advisors[i] instanceof ApprovalAdvisor) {
        return i;
      }
    }
    return -1;
  }

  private static List<Method> guardedMethods(ApprovalAdvisor approval, Class<?> targetClass) {
    List<Method> guarded = new ArrayList<>();
    Pointcut pointcut = approval.getPointcut();
    ReflectionUtils.doWithMethods(targetClass, m -> {
      if (!m.isBridge() && !m.isSynthetic() && pointcut.getMethodMatcher().matches(m, targetClass)) {
        guarded.add(m);
      }
    }, ReflectionUtils.USER_DECLARED_METHODS);
    return guarded;
  }

  private static boolean appliesToAny(Advisor advisor, List<Method> methods, Class<?> targetClass) {
    return methods.stream().anyMatch(m -> applies(advisor, m, targetClass));
  }

  /** Whether {@code advisor} intercepts calls of {@code method} (statically: a dynamic matcher may apply). */
  private static boolean applies(Advisor advisor, Method method, Class<?> targetClass) {
    if (advisor instanceof IntroductionAdvisor) {
      return false;
    }
    if (advisor instanceof PointcutAdvisor pa) {
      Pointcut pc = pa.getPointcut();
      return pc.getClassFilter().matches(targetClass) && pc.getMethodMatcher().matches(method, targetClass);
    }
    return true;
  }

  /**
   * Why {@code advice} must not run before the approval, or null if it cannot return without
   * calling the method (before-advice only runs or throws; unknown around-advice is trusted).
   */
  static String risk(Advice advice) {
    if (advice instanceof MethodBeforeAdvice) {
      return null;
    }
    String names = (hierarchy(advice.getClass()) + " " + AspectJ.aspectName(advice)).toLowerCase(Locale.ROOT);
    if (names.contains("org.springframework.aop.aspectj.") && !names.contains("aspectjaroundadvice")) {
      return null; // after/after-returning/after-throwing advice always lets the call through first
    }
    if (names.contains("transactioninterceptor")) {
      return null; // TransactionOrderVerifier reports it with its own advice
    }
    if (names.contains("cache") || names.contains("caching")) {
      return "caching: a cached result is returned without calling the method, so one caller's approved result "
          + "would reach another caller without approval";
    }
    if (names.contains("async")) {
      return "async dispatch: the approval would run on an executor thread without the caller's identity (denied "
          + "and unrecorded while the caller sees success)";
    }
    if (names.contains("retry") || names.contains("retryable")) {
      return "retry: a denied call would be asked again and a recovery value returned without approval";
    }
    for (String word : List.of("circuitbreaker", "fallback", "hystrix", "resilience4j", "bulkhead", "ratelimit", "timelimit")) {
      if (names.contains(word)) {
        return "a circuit breaker/fallback: its fallback is returned without calling the method, so without approval";
      }
    }
    return null;
  }

  private static boolean isAny(Advice advice, Set<String> classNames) {
    for (Class<?> c = advice.getClass(); c != null; c = c.getSuperclass()) {
      if (classNames.contains(c.getName())) {
        return true;
      }
    }
    return false;
  }

  private static String hierarchy(Class<?> type) {
    StringBuilder names = new StringBuilder();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      names.append(c.getName()).append(' ');
    }
    return names.toString();
  }

  private static String describe(Method method, Class<?> targetClass, String beanName, Advisor before,
      Advisor approval, String risk, boolean frozen) {
    int order = before instanceof Ordered o ? o.getOrder() : Ordered.LOWEST_PRECEDENCE;
    int approvalOrder = ((Ordered) approval).getOrder();
    return "@RequiresApproval on " + ClassUtils.getUserClass(targetClass).getName() + "#" + method.getName()
        + " (bean '" + beanName + "'): " + adviceName(before) + " (order " + order + ") runs before the approval "
        + "advisor (order " + approvalOrder + "), which allows " + risk + ". "
        + (frozen ? "The proxy's configuration is frozen, so Countersign cannot put the approval first; unfreeze it. "
            : "Order the approval first: set countersign.aop.order below " + order + " or give that advice a higher "
                + "order (e.g. @EnableCaching(order = Ordered.LOWEST_PRECEDENCE), the default), or move that "
                + "annotation to another bean that the guarded method calls.");
  }

  private static String adviceName(Advisor advisor) {
    String aspect = AspectJ.aspectName(advisor.getAdvice());
    return aspect.isEmpty() ? advisor.getAdvice().getClass().getName() : "the aspect " + aspect;
  }

  /** Kept apart so that AspectJ classes are loaded only when an AspectJ advice is in a chain. */
  private static final class AspectJ {
    private static final String ASPECTJ_ADVICE = "org.springframework.aop.aspectj.AbstractAspectJAdvice";

    static String aspectName(Advice advice) {
      for (Class<?> c = advice.getClass(); c != null; c = c.getSuperclass()) {
        if (c.getName().equals(ASPECTJ_ADVICE)) {
          return Loaded.aspectName(advice);
        }
      }
      return "";
    }

    private static final class Loaded {
      static String aspectName(Advice advice) {
        return ((org.springframework.aop.aspectj.AbstractAspectJAdvice) advice).getAspectJAdviceMethod()
            .getDeclaringClass().getName();
      }
    }
  }
}
