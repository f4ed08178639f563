package io.countersign.spring.boot;

import io.countersign.ApprovalConfigurationException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Finds the application's beans with {@code @RequiresApproval} methods at startup, so that the gate
 * validates their annotations before the first call, and reports what Spring AOP cannot guard:
 * private, static or final annotated methods (never intercepted: startup fails) and calls of a
 * guarded method on {@code this} (self-invocation bypasses the proxy: a failure, or only a warning
 * with {@code countersign.aop.self-invocation=warn}).
 */
final class GuardedBeans {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedBeans.class);

  private GuardedBeans() {}

  /** The user classes of the bean definitions that have guarded methods, in definition order. */
  static List<Class<?>> find(ConfigurableListableBeanFactory beanFactory) {
    Set<Class<?>> found = new LinkedHashSet<>();
    for (String name : beanFactory.getBeanDefinitionNames()) {
      BeanDefinition definition = beanFactory.getBeanDefinition(name);
      if (definition.getRole() == BeanDefinition.ROLE_INFRASTRUCTURE) {
        continue;
      }
      Class<?> type;
      try {
        type = beanFactory.getType(name, false);
      } catch (RuntimeException e) {
        continue; // a bean whose type cannot be known without creating it is checked on its first call
      }
      if (type != null && hasGuardedMethod(ClassUtils.getUserClass(type))) {
        found.add(ClassUtils.getUserClass(type));
      }
    }
    return List.copyOf(found);
  }

  /**
   * Checks that Spring AOP can guard every annotated method of {@code classes}.
   *
   * @throws ApprovalConfigurationException naming each method that would run unguarded
   */
  static void check(List<Class<?>> classes, CountersignProperties.SelfInvocation selfInvocation) {
    List<String> problems = new ArrayList<>();
    List<String> selfCalls = new ArrayList<>();
    for (Class<?> type : classes) {
      if (ApprovalAdvisor.isWovenByAspectJ(type)) {
        LOG.info("{} is woven with the AspectJ ApprovalAspect; Spring AOP leaves it to the aspect", type.getName());
        continue;
      }
      Set<String> guarded = new LinkedHashSet<>();
      for (Method m : type.getDeclaredMethods()) {
        if (m.isSynthetic() || m.isBridge() || !ApprovalAdvisor.isAnnotated(m)) {
          continue;
        }
        String id = type.getName() + "#" + m.getName();
        int mod = m.getModifiers();
        if (Modifier.isPrivate(mod) || Modifier.isStatic(mod) || Modifier.isFinal(mod)) {
          String kind = Modifier.isPrivate(mod) ? "private" : Modifier.isStatic(mod) ? "static" : "final";
          problems.add("@RequiresApproval on " + id + ": the method is " + kind + ", so a Spring AOP proxy can never "
              + "intercept it and it would run without approval. Make it a public, non-final instance method called "
              + "through the bean, or weave the class with the AspectJ aspect (approvals-aspectj).");
        } else {
          guarded.add(m.getName() + org.springframework.asm.Type.getMethodDescriptor(m));
        }
      }
      if (!guarded.isEmpty()) {
        selfCalls.addAll(selfInvocations(type, guarded));
      }
    }
    if (!problems.isEmpty()) {
      throw new ApprovalConfigurationException(String.join("\n", problems));
    }
    for (String call : selfCalls) {
      String message = call + ": a call on 'this' (directly, from a lambda or inner class, or as a method reference) "
          + "bypasses the Spring AOP proxy, so the guarded method would run WITHOUT approval when reached that way. "
          + "Call it through the bean's proxy (inject it, e.g. '@Autowired @Lazy " + "<Type> self;' and 'self.method(..)') "
          + "or weave the class with the AspectJ aspect (approvals-aspectj), which guards self-invocation too.";
      if (selfInvocation == CountersignProperties.SelfInvocation.FAIL) {
        throw new ApprovalConfigurationException(message + " (countersign.aop.self-invocation=fail)");
      }
      LOG.warn("{} (countersign.aop.self-invocation=warn; remove it to refuse startup instead)", message);
    }
  }

  private static boolean hasGuardedMethod(Class<?> type) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (!m.isSynthetic() && ApprovalAdvisor.isAnnotated(m)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Calls from a method of {@code type} to one of its own guarded methods on {@code this}, as "Type#caller calls guarded Type#callee". */
  static List<String> selfInvocations(Class<?> type, Set<String> guarded) {
    return SelfInvocationScan.find(type, guarded);
  }
}
