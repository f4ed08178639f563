package io.countersign.audit;

import io.countersign.internal.Hashing;

/**
 * The last event of a hash chain, by sequence number and hash: where a trail continues. A sink
 * that already holds a chain (a log on disk, a table) reports it through
 * {@link io.countersign.spi.AuditSink#head()}, so that a gate restarted on that sink appends the
 * next event instead of starting a second chain the sink would refuse.
 *
 * @param seq the last event's sequence number; 0 for an empty chain
 * @param hash the last event's hash (64 lower-case hex characters); {@link AuditTrail#GENESIS_HASH}
 *     for an empty chain
 */
public record ChainHead(long seq, String hash) {

  /** The head of an empty chain: seq 0 and the genesis hash. */
  public static final ChainHead GENESIS = new ChainHead(0, AuditTrail.GENESIS_HASH);

  /**
   * @throws IllegalArgumentException if {@code seq < 0}, {@code hash} is not 64 lower-case hex
   *     characters, or seq 0 comes with another hash than the genesis hash
   */
  public ChainHead {
    if (seq < 0) {
      throw new IllegalArgumentException("chain head seq must be >= 0 but was " + seq);
    }
    if (!Hashing.isLowerHex(hash, 64)) {
      throw new IllegalArgumentException("chain head hash must be 64 lower-case hex characters but was '" + hash + "'");
    }
    if (seq == 0 && !hash.equals(AuditTrail.GENESIS_HASH)) {
      throw new IllegalArgumentException("chain head seq 0 means genesis, so hash must be " + AuditTrail.GENESIS_HASH
          + " but was " + hash);
    }
  }

  @Override
  public String toString() {
    return "seq " + seq + " (hash " + hash + ")";
  }
}
