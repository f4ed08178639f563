package io.countersign.governance.report;

import java.util.List;

/**
 * What the audit trail shows for one control of a compliance framework. It states evidence found in
 * the log, never a verdict of compliance: controls also depend on processes the log cannot show.
 *
 * @param framework e.g. {@code "SOC 2"}, {@code "ISO/IEC 27001:2022"}, {@code "NIST SP 800-53 Rev. 5"}, {@code "EU AI Act"}
 * @param control e.g. {@code "CC6.3"}, {@code "A.8.15"}, {@code "AU-9"}, {@code "Art. 14"}
 * @param title the control's short name
 * @param status what the log offers for it
 * @param evidence sentences with figures from the log
 * @param attention anomalies or gaps a reviewer should look at (empty if none)
 */
public record ControlEvidence(String framework, String control, String title, Status status, List<String> evidence,
    List<String> attention) {

  /** Copies the lists. */
  public ControlEvidence {
    evidence = List.copyOf(evidence);
    attention = List.copyOf(attention);
  }

  /** What the log offers for a control. */
  public enum Status {
    /** The log holds evidence for the control and shows no anomaly. */
    EVIDENCE,
    /** The log holds evidence, and also something to look at (see {@link #attention()}). */
    ATTENTION,
    /** Nothing in the period bears on the control. */
    NO_ACTIVITY
  }
}
