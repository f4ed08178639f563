package io.countersign.benchmarks;

/** The operation each interception variant implements: a plain class, a woven one, a Spring bean. */
public interface Operations {

  /** Moves {@code amount}; returns a value derived from it so the call cannot be optimized away. */
  long transfer(long amount);
}
