package io.countersign.benchmarks;

/** The baseline: the same body with no interception at all. */
public class PlainOperations implements Operations {

  @Override
  public long transfer(long amount) {
    return Work.transfer(amount);
  }
}
