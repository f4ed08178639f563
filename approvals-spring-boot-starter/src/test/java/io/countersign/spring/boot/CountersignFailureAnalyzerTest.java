package io.countersign.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApprovalConfigurationException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.boot.diagnostics.FailureAnalyzer;

class CountersignFailureAnalyzerTest {

  @Test
  void misconfigurationBecomesTheHeadlineOfTheFailedStartup() {
    ApprovalConfigurationException bad = new ApprovalConfigurationException(
        "@RequiresApproval on com.example.Ops#push: quorum must be >= 1 but was 0");
    FailureAnalysis analysis = new CountersignFailureAnalyzer()
        .analyze(new BeanCreationException("approvalGate", "Failed to instantiate", bad));

    assertThat(analysis.getDescription()).contains("com.example.Ops#push: quorum must be >= 1 but was 0");
    assertThat(analysis.getAction()).contains("countersign.* property");
    assertThat(analysis.getCause()).isSameAs(bad);
  }

  @Test
  void isRegisteredForSpringBoot() throws Exception {
    boolean registered = false;
    for (java.net.URL url : java.util.Collections.list(getClass().getClassLoader().getResources(SpringFactoriesLoader.FACTORIES_RESOURCE_LOCATION))) {
      java.util.Properties p = new java.util.Properties();
      try (java.io.InputStream in = url.openStream()) {
        p.load(in);
      }
      registered |= p.getProperty(FailureAnalyzer.class.getName(), "").contains(CountersignFailureAnalyzer.class.getName());
    }
    assertThat(registered).as("CountersignFailureAnalyzer listed in a META-INF/spring.factories").isTrue();
  }
}
