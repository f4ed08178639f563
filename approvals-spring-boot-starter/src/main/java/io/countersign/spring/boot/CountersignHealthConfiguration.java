package io.countersign.spring.boot;

import io.countersign.ApprovalGate;
import io.countersign.spi.Approver;
import io.countersign.spi.AuditSink;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link CountersignHealthIndicator} as the {@code countersign} health contributor when
 * Spring Boot's health support is on the classpath (it comes with {@code spring-boot-starter-actuator})
 * and a gate exists; {@code management.health.countersign.enabled=false} turns it off.
 */
@AutoConfiguration(after = CountersignAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, ApprovalGate.class})
@ConditionalOnBean(ApprovalGate.class)
@ConditionalOnEnabledHealthIndicator("countersign")
public class CountersignHealthConfiguration {

  /** Remembers the last failed request for the health details (a gate listener: it observes only). */
  @Bean
  CountersignHealthIndicator.FailedRequests countersignFailedRequests() {
    return new CountersignHealthIndicator.FailedRequests();
  }

  /** The health of the gate, its audit sinks and its approval channel. */
  @Bean(name = "countersignHealthIndicator")
  @ConditionalOnMissingBean(name = "countersignHealthIndicator")
  public CountersignHealthIndicator countersignHealthIndicator(ApprovalGate gate, ObjectProvider<AuditSink> sinks,
      ObjectProvider<Approver> approvers, ObjectProvider<GateShutdown> shutdown,
      CountersignHealthIndicator.FailedRequests failures) {
    return new CountersignHealthIndicator(gate, sinks.orderedStream().toList(), approvers.getIfUnique(),
        shutdown.getIfAvailable(), failures);
  }
}
