package io.countersign.audit.log;


/**
 * The whole tamper matrix again with verification on four threads and 61-byte blocks, so that
 * every line crosses a block boundary: each case must be detected with the same first bad seq,
 * line and reason as on one thread.
 */
class TamperMatrixParallelTest extends TamperMatrixTest {

  @Override
  AuditVerifier.Builder verifier() {
    return AuditVerifier.builder().threads(4).scanBlockSize(61);
  }
}
