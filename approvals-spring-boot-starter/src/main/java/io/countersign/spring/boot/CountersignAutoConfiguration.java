package io.countersign.spring.boot;

import io.countersign.ActorContext;
import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalGate;
import io.countersign.Countersign;
import io.countersign.InMemoryApprover;
import io.countersign.audit.AuditTrail;
import io.countersign.audit.InMemoryAuditSink;
import io.countersign.audit.log.FileAuditSink;
import io.countersign.audit.Slf4jAuditSink;
import io.countersign.micrometer.MicrometerGateListener;
import io.countersign.opentelemetry.TraceIdActorResolver;
import io.countersign.spi.ActorResolver;
import io.countersign.spi.ApprovalPolicy;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import io.countersign.spi.GateListener;
import io.countersign.spi.Signer;
import io.countersign.spi.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.transaction.interceptor.TransactionInterceptor;

/**
 * Auto-configures Countersign in a Spring Boot application: builds the {@link ApprovalGate} from the
 * {@code countersign.*} properties and the application's beans, and guards every
 * {@code @RequiresApproval} bean method through Spring AOP, before any transaction starts.
 *
 * <p>Beans it uses when present (each optional; the starter's own default backs off when the
 * application declares one): one {@link Approver} (default {@link InMemoryApprover}), every
 * {@link AuditSink} (at least one is required, or {@code countersign.audit.default-sink}), one
 * {@link Signer}, every {@link ApprovalPolicy} registered under its bean name, every
 * {@link GateListener}, one {@link ActorResolver} (default: Spring Security's authentication, else
 * {@link ActorContext}), one {@link TimeSource}. A whole {@link ApprovalGate} bean of the
 * application's own replaces the gate and keeps the advice.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(ApprovalGate.class)
@ConditionalOnProperty(prefix = "countersign", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(CountersignProperties.class)
@Import({CountersignAutoConfiguration.AutoProxyRegistrar.class, CountersignAutoConfiguration.AdvisorChecks.class})
public class CountersignAutoConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(CountersignAutoConfiguration.class);

  /** The in-process approver, whose requests channels (an HTTP page, a test) decide through the gate. */
  @Bean
  @ConditionalOnMissingBean(Approver.class)
  public InMemoryApprover countersignApprover() {
    return new InMemoryApprover();
  }

  /** Without Spring Security: the caller is whoever {@link ActorContext#runAs} says. */
  @Bean
  @ConditionalOnMissingBean(ActorResolver.class)
  public ActorResolver countersignActorResolver() {
    return invocation -> ActorContext.current().orElse(null);
  }

  /**
   * The gate, built from properties and beans, with the annotations of every guarded bean class
   * validated now so that a bad annotation fails startup.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(ApprovalGate.class)
  public ApprovalGate approvalGate(CountersignProperties properties, ConfigurableListableBeanFactory beanFactory,
      ObjectProvider<Approver> approvers, ObjectProvider<AuditTrail> trails, ObjectProvider<AuditSink> sinks,
      ObjectProvider<Signer> signers,
      ObjectProvider<GateListener> listeners, ObjectProvider<ActorResolver> actorResolvers,
      ObjectProvider<TimeSource> timeSources) {
    try {
      properties.validate();
    } catch (IllegalArgumentException e) {
      throw new ApprovalConfigurationException("Invalid Countersign configuration: " + e.getMessage(), e);
    }
    ApprovalGate.Builder builder = ApprovalGate.builder()
        .approver(unique(approvers.orderedStream().toList(), "Approver",
            "compose several channels with CompositeApprover.of(a, b) and expose that one bean"))
        .maxPendingPerActor(properties.getMaxPendingPerActor())
        .auditTimeout(properties.getAuditTimeout());

    configureAuditTrail(builder, properties, trails.orderedStream().toList(), sinks.orderedStream().toList(),
        uniqueOrNull(signers.orderedStream().toList(), "Signer"));
    TimeSource timeSource = uniqueOrNull(timeSources.orderedStream().toList(), "TimeSource");
    if (timeSource != null) {
      builder.timeSource(timeSource);
    }
    ActorResolver resolver = unique(actorResolvers.orderedStream().toList(), "ActorResolver", "keep one");
    if (properties.getTracing().isEnabled() && Tracing.available(beanFactory.getBeanClassLoader())) {
      resolver = Tracing.decorate(resolver);
    }
    builder.actorResolver(resolver);
    for (Map.Entry<String, ApprovalPolicy> policy : beanFactory.getBeansOfType(ApprovalPolicy.class).entrySet()) {
      builder.policy(policy.getKey(), policy.getValue());
    }
    listeners.orderedStream().forEach(builder::listener);

    List<Class<?>> guarded = GuardedBeans.find(beanFactory);
    GuardedBeans.check(guarded, properties.getAop().getSelfInvocation());
    ApprovalGate gate = builder.checkGuarded(guarded.toArray(Class<?>[]::new)).build();
    LOG.info("Countersign guards {} bean class(es) with @RequiresApproval: {}", guarded.size(),
        guarded.stream().map(Class::getSimpleName).toList());
    return gate;
  }

  /**
   * Wires the audit trail: an {@code AuditTrail} bean as it is; otherwise the {@code AuditSink} beans
   * and the signer (a durable sink reports the chain it holds, and the trail continues it).
   */
  private static void configureAuditTrail(ApprovalGate.Builder builder, CountersignProperties properties,
      List<AuditTrail> trails, List<AuditSink> auditSinks, Signer signer) {
    AuditTrail trail = uniqueOrNull(trails, "AuditTrail");
    if (trail != null) {
      if (!auditSinks.isEmpty() || signer != null) {
        LOG.info("Countersign uses the AuditTrail bean as it is; AuditSink/Signer beans are not added to it again");
      }
      builder.auditTrail(trail);
      return;
    }
    if (signer != null) {
      // S57: a signing key that is not the one the existing log was signed with under its key id fails startup
      for (AuditSink sink : auditSinks) {
        if (sink instanceof FileAuditSink file) {
          SigningKeyCheck.check(file.directory(), signer);
        }
      }
    }
    if (auditSinks.isEmpty()) {
      switch (properties.getAudit().getDefaultSink()) {
        case IN_MEMORY -> {
          LOG.warn("Countersign writes its audit trail to memory only (countersign.audit.default-sink=in-memory): "
              + "it is lost on restart; declare an AuditSink bean for production");
          builder.auditSink(new InMemoryAuditSink());
        }
        case SLF4J -> builder.auditSink(new Slf4jAuditSink());
        default -> throw new ApprovalConfigurationException("Countersign needs an audit trail and the application "
            + "declares no AuditSink bean: declare one (e.g. FileAuditSink.open(dir)), or set "
            + "countersign.audit.default-sink to slf4j or in-memory (tests and demos only).");
      }
    }
    auditSinks.forEach(builder::auditSink);
    if (signer != null) {
      builder.signer(signer);
    }
  }

  /**
   * The Spring AOP advisor. Static and lazy about the gate, so that it can be created with the other
   * infrastructure before any application bean (whose proxies need it).
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public static ApprovalAdvisor countersignApprovalAdvisor(ObjectProvider<ApprovalGate> gate, Environment environment) {
    return new ApprovalAdvisor(new ApprovalMethodInterceptor(gate::getObject), advisorOrder(environment));
  }

  /** {@code countersign.aop.order}, read before the properties bean exists (advisors are created early). */
  static int advisorOrder(Environment environment) {
    return Binder.get(environment).bind("countersign.aop.order", Integer.class).orElse(ApprovalAdvisor.DEFAULT_ORDER);
  }

  /** Checks of the advisor chains around guarded beans; active whether Countersign is enabled or not. */
  @Configuration(proxyBeanMethods = false)
  @Import(TransactionOrderConfiguration.class)
  static class AdvisorChecks {
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static AdvisorChain countersignAdvisorChain() {
      return new AdvisorChain();
    }
  }

  /** Cancels pending approvals first on shutdown, so that a graceful shutdown never waits for humans. */
  @Bean
  public GateShutdown countersignGateShutdown(ApprovalGate gate, CountersignProperties properties) {
    return new GateShutdown(gate, properties.getShutdownTimeout());
  }

  /** With Spring Security: the authenticated principal is the caller. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(SecurityContextHolder.class)
  static class SecurityConfiguration {
    @Bean
    @ConditionalOnMissingBean(ActorResolver.class)
    public SpringSecurityActorResolver countersignSpringSecurityActorResolver() {
      return new SpringSecurityActorResolver();
    }
  }

  /** With spring-tx: refuse a transaction advisor ordered before the approval. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(TransactionInterceptor.class)
  static class TransactionOrderConfiguration {
    @Bean
    public static TransactionOrderVerifier countersignTransactionOrderVerifier(ListableBeanFactory beanFactory,
        ApprovalAdvisor countersignApprovalAdvisor) {
      return new TransactionOrderVerifier(beanFactory, countersignApprovalAdvisor);
    }
  }

  /** With Micrometer and a registry: meters of requests, decisions, pending requests and time to decision. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, MicrometerGateListener.class})
  @ConditionalOnBean(MeterRegistry.class)
  @ConditionalOnProperty(prefix = "countersign.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
  static class MetricsConfiguration {
    @Bean
    @ConditionalOnMissingBean(MicrometerGateListener.class)
    public MicrometerGateListener countersignMicrometerGateListener(MeterRegistry registry) {
      return new MicrometerGateListener(registry);
    }
  }

  /** Installs the gate for AspectJ-woven classes too, and removes it when the context closes. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "countersign", name = "install-static-gate", havingValue = "true")
  static class StaticGateConfiguration {
    @Bean
    public StaticGateInstallation countersignStaticGateInstallation(ApprovalGate gate) {
      return new StaticGateInstallation(gate);
    }
  }

  /** Holds the static installation of the gate for the context's lifetime. */
  static final class StaticGateInstallation implements DisposableBean {
    private final ApprovalGate gate;

    StaticGateInstallation(ApprovalGate gate) {
      this.gate = gate;
      Countersign.install(gate);
    }

    @Override
    public void destroy() {
      Countersign.uninstall().filter(g -> g != gate).ifPresent(Countersign::install);
    }
  }

  /** Makes sure an auto-proxy creator exists (Boot's AOP auto-configuration or @EnableTransactionManagement may already have one). */
  static final class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar {
    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
      AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
    }
  }

  /** Kept apart so that OpenTelemetry classes are only loaded when they are on the classpath. */
  static final class Tracing {
    static boolean available(ClassLoader loader) {
      return org.springframework.util.ClassUtils.isPresent("io.opentelemetry.api.trace.Span", loader)
          && org.springframework.util.ClassUtils.isPresent("io.countersign.opentelemetry.TraceIdActorResolver", loader);
    }

    static ActorResolver decorate(ActorResolver resolver) {
      return TraceIdActorResolver.decorate(resolver);
    }
  }

  private static <T> T unique(List<T> beans, String type, String advice) {
    if (beans.size() != 1) {
      throw new ApprovalConfigurationException("Countersign needs exactly one " + type + " bean but found "
          + beans.size() + (beans.isEmpty() ? "" : " " + beans) + ": " + advice + ".");
    }
    return beans.get(0);
  }

  private static <T> T uniqueOrNull(List<T> beans, String type) {
    return beans.isEmpty() ? null : unique(beans, type, "keep one");
  }
}
