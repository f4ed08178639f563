package io.countersign.governance.report;

import java.nio.file.Path;
import java.util.List;

/** Gives tests in other packages a generated trail (see {@link GeneratedTrail} for the script and its known counts). */
public final class TestTrails {

  private TestTrails() {}

  /** A generated trail: its log directory, the public key PEM file, and its lines. */
  public record Trail(Path dir, Path pem, List<String> lines) {}

  /** Generates {@code requests} (a multiple of 10) gated calls into {@code dir}. */
  public static Trail generate(Path dir, int requests) throws Exception {
    GeneratedTrail t = GeneratedTrail.generate(dir, requests);
    return new Trail(t.dir, t.pem, t.lines);
  }
}
