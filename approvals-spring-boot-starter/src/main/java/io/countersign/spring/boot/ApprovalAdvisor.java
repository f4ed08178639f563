package io.countersign.spring.boot;

import io.countersign.GuardedMethods;
import io.countersign.RequiresApproval;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.aop.Advice;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * The Spring AOP advisor that guards {@link RequiresApproval} methods with an
 * {@link ApprovalMethodInterceptor}. It matches what the AspectJ aspect matches, the one rule of
 * {@link GuardedMethods} (methods annotated directly, and public methods of annotated types,
 * {@code toString}, {@code equals} and {@code hashCode} excepted). Classes already woven with the AspectJ aspect are left to it, so that
 * one call never asks for two approvals.
 *
 * <p>Its {@linkplain #getOrder() order} defaults to {@link #DEFAULT_ORDER}, ahead of Spring's
 * transaction advisor (which defaults to {@link Ordered#LOWEST_PRECEDENCE}): the approval is decided
 * before a transaction is opened, so no database connection or lock is held while humans decide.
 */
public final class ApprovalAdvisor extends AbstractPointcutAdvisor {

  private static final long serialVersionUID = 1L;

  /** The default order: well ahead of transactions, caching, retries and other common advice. */
  public static final int DEFAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 1000;

  private final transient ApprovalMethodInterceptor interceptor;
  private final transient Pointcut pointcut = new GuardedMethodPointcut();

  /** An advisor applying {@code interceptor} at {@code order}. */
  public ApprovalAdvisor(ApprovalMethodInterceptor interceptor, int order) {
    this.interceptor = Objects.requireNonNull(interceptor, "interceptor");
    setOrder(order);
  }

  @Override
  public Pointcut getPointcut() {
    return pointcut;
  }

  @Override
  public Advice getAdvice() {
    return interceptor;
  }

  /** Whether Spring AOP should guard {@code method} when called on an instance of {@code targetClass}. */
  static boolean isGuarded(Method method, Class<?> targetClass) {
    Class<?> userClass = ClassUtils.getUserClass(targetClass);
    Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, userClass));
    return isAnnotated(specific) && !isWovenByAspectJ(specific.getDeclaringClass());
  }

  /** The one rule of {@link GuardedMethods}: annotated directly, or a public method of an annotated type. */
  static boolean isAnnotated(Method m) {
    return GuardedMethods.isGuarded(m);
  }

  private static final Map<Class<?>, Boolean> WOVEN = new ConcurrentHashMap<>();
  private static final byte[] ASPECT_NAME = "io/countersign/aspectj/ApprovalAspect".getBytes(StandardCharsets.US_ASCII);

  /** Whether compile-time weaving put the ApprovalAspect into {@code type} (its class file then refers to the aspect). */
  static boolean isWovenByAspectJ(Class<?> type) {
    return WOVEN.computeIfAbsent(type, ApprovalAdvisor::refersToAspect);
  }

  private static boolean refersToAspect(Class<?> type) {
    String resource = type.getName().replace('.', '/') + ".class";
    ClassLoader loader = type.getClassLoader() != null ? type.getClassLoader() : ClassLoader.getSystemClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      return in != null && indexOf(in.readAllBytes(), ASPECT_NAME) >= 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static final class GuardedMethodPointcut extends StaticMethodMatcherPointcut {
    @Override
    public boolean matches(Method method, Class<?> targetClass) {
      return isGuarded(method, targetClass);
    }

    @Override
    public String toString() {
      return "@RequiresApproval methods";
    }
  }

  @Override
  public String toString() {
    return "ApprovalAdvisor[order=" + getOrder() + "]";
  }
}
