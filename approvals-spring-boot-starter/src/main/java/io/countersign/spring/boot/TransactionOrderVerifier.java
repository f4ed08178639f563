package io.countersign.spring.boot;

import io.countersign.ApprovalConfigurationException;
import java.util.Map;
import org.springframework.aop.Advisor;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.Ordered;
import org.springframework.transaction.interceptor.TransactionInterceptor;

/**
 * Refuses startup when Spring's transaction advisor would run before the approval advisor: the
 * transaction (and its database connection and locks) would then stay open for as long as humans
 * take to decide, possibly hours. Only loaded when spring-tx is on the classpath.
 */
final class TransactionOrderVerifier implements SmartInitializingSingleton {

  private final ListableBeanFactory beanFactory;
  private final ApprovalAdvisor approvalAdvisor;

  TransactionOrderVerifier(ListableBeanFactory beanFactory, ApprovalAdvisor approvalAdvisor) {
    this.beanFactory = beanFactory;
    this.approvalAdvisor = approvalAdvisor;
  }

  @Override
  public void afterSingletonsInstantiated() {
    Map<String, Advisor> advisors = beanFactory.getBeansOfType(Advisor.class, false, false);
    for (Map.Entry<String, Advisor> e : advisors.entrySet()) {
      Advisor advisor = e.getValue();
      if (!(advisor.getAdvice() instanceof TransactionInterceptor)) {
        continue;
      }
      int txOrder = advisor instanceof Ordered o ? o.getOrder() : Ordered.LOWEST_PRECEDENCE;
      if (txOrder <= approvalAdvisor.getOrder()) {
        throw new ApprovalConfigurationException("countersign.aop.order is " + approvalAdvisor.getOrder()
            + " but the transaction advisor '" + e.getKey() + "' has order " + txOrder
            + ": a @Transactional @RequiresApproval method would hold its transaction open while humans decide. "
            + "Set countersign.aop.order below " + txOrder + " (the default is " + ApprovalAdvisor.DEFAULT_ORDER
            + "), or give @EnableTransactionManagement a higher order.");
      }
    }
  }
}
