package io.countersign.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * What {@code mvn verify} runs of the benchmarks: three JMH benchmarks (the woven allowed path,
 * durable appends with many in flight, and verification of a small gate-shaped log on two
 * threads), in process, no warm-up, one short iteration. It proves
 * the harness is generated and runs; it measures nothing (use {@code benchmarks/run.sh full} for
 * figures).
 */
class SmokeBenchmarkTest {

  @Test
  void wovenAllowedPathBenchmarkRunsUnderJmh() throws Exception {
    runOnce(new OptionsBuilder()
        .include(InterceptionBenchmark.class.getName() + ".countersignWoven$")
        .measurementTime(TimeValue.milliseconds(100))
        .timeUnit(TimeUnit.NANOSECONDS));
  }

  @Test
  void durableAppendBenchmarkRunsUnderJmhWithTwoThreads() throws Exception {
    runOnce(new OptionsBuilder()
        .include(DurableAppendBenchmark.class.getName() + ".append4096ThenDurable$")
        .param("sink", "file-checkpoint")
        .threads(2)
        .measurementTime(TimeValue.milliseconds(100))
        .timeUnit(TimeUnit.SECONDS));
  }

  @Test
  void verificationBenchmarkRunsUnderJmhOnTwoThreads() throws Exception {
    runOnce(new OptionsBuilder()
        .include(VerificationBenchmark.class.getName() + ".verifyLog$")
        .param("events", "20000")
        .param("content", "gate-mix")
        .param("threads", "2"));
  }

  /** Runs the one selected benchmark in process, without warm-up, for one iteration, and checks it scored. */
  private static void runOnce(ChainedOptionsBuilder options) throws Exception {
    Collection<RunResult> results = new Runner(options
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build()).run();

    assertThat(results).hasSize(1);
    assertThat(results.iterator().next().getPrimaryResult().getScore()).isPositive();
  }
}
