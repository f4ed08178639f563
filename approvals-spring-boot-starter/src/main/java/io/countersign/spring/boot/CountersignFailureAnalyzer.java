package io.countersign.spring.boot;

import io.countersign.ApprovalConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Makes a Countersign misconfiguration the headline of a failed startup ("APPLICATION FAILED TO
 * START: Description ... Action ...") instead of the last "Caused by" of a long stack trace: the
 * message already names the method or property, the attribute and the bad value.
 */
public final class CountersignFailureAnalyzer extends AbstractFailureAnalyzer<ApprovalConfigurationException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ApprovalConfigurationException cause) {
    return new FailureAnalysis(
        "Countersign's configuration is invalid, so the application did not start (guarded methods never run unguarded):\n\n"
            + cause.getMessage(),
        "Fix the @RequiresApproval annotation or the countersign.* property named above.",
        cause);
  }
}
