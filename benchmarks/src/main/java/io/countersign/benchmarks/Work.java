package io.countersign.benchmarks;

/**
 * The body every benchmarked variant of a guarded method runs, so that plain, woven and Spring
 * variants differ only in how the call is intercepted.
 */
final class Work {

  private Work() {}

  /** A few nanoseconds of real work whose result the benchmark consumes (so it cannot be eliminated). */
  static long transfer(long amount) {
    return amount * 31 + 7;
  }
}
