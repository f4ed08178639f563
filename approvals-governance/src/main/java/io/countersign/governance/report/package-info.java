/**
 * Compliance evidence reports from a Countersign audit trail
 * ({@link io.countersign.governance.report.ComplianceReport}): verify first, then figures per control,
 * rendered as self-contained HTML, Markdown or JSON.
 */
package io.countersign.governance.report;
