package io.countersign.spring.boot;

import io.countersign.ApprovalGate;
import io.countersign.ApprovalUnavailableException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * What {@code countersign.enabled=false} (or {@code COUNTERSIGN_ENABLED=false}) means: no gate is
 * built, and every {@code @RequiresApproval} bean method is still intercepted and <em>denied</em>
 * with an {@link ApprovalUnavailableException} that says why. Disabling Countersign never lets a
 * guarded method run without approval; the startup checks (private, final and self-invoked guarded
 * methods, advisors ordered before the approval) run as when it is enabled, because a call that
 * bypasses the proxy would bypass the denial too.
 *
 * <p>There is deliberately no switch that lets guarded methods run unapproved: tests keep
 * Countersign on and decide requests through the {@code InMemoryApprover} bean.
 */
@AutoConfiguration
@ConditionalOnClass(ApprovalGate.class)
@ConditionalOnProperty(prefix = "countersign", name = "enabled", havingValue = "false")
@Import({CountersignAutoConfiguration.AutoProxyRegistrar.class, CountersignAutoConfiguration.AdvisorChecks.class})
public class CountersignDisabledConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(CountersignDisabledConfiguration.class);

  /** The message of every denied call; it names the setting and the way back. */
  static final String DENIED = "Countersign is disabled (countersign.enabled=false, e.g. from the environment variable "
      + "COUNTERSIGN_ENABLED=false), so this @RequiresApproval call was denied: a guarded method never runs without "
      + "approval. Remove the setting to have such calls approved; tests keep Countersign enabled "
      + "(countersign.audit.default-sink=in-memory) and decide requests through the InMemoryApprover bean.";

  /** The advisor, with an advice that denies every guarded call (it never reaches a gate). */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public static ApprovalAdvisor countersignApprovalAdvisor(Environment environment) {
    return new ApprovalAdvisor(new ApprovalMethodInterceptor(CountersignDisabledConfiguration::deny),
        CountersignAutoConfiguration.advisorOrder(environment));
  }

  /** Checks the guarded beans as the enabled starter does, and says at startup that their calls will be denied. */
  @Bean
  public static SmartInitializingSingleton countersignDisabledStartupCheck(ConfigurableListableBeanFactory beanFactory,
      Environment environment) {
    return () -> {
      List<Class<?>> guarded = GuardedBeans.find(beanFactory);
      GuardedBeans.check(guarded, Binder.get(environment).bind("countersign.aop.self-invocation",
          CountersignProperties.SelfInvocation.class).orElse(CountersignProperties.SelfInvocation.FAIL));
      if (!guarded.isEmpty()) {
        LOG.warn("Countersign is disabled (countersign.enabled=false): every @RequiresApproval call of {} will be DENIED",
            guarded.stream().map(Class::getSimpleName).toList());
      }
    };
  }

  private static ApprovalGate deny() {
    LOG.warn("Countersign is disabled (countersign.enabled=false): a @RequiresApproval call was denied");
    throw new ApprovalUnavailableException(DENIED, null, null);
  }
}
