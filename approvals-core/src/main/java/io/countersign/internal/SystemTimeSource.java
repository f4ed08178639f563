package io.countersign.internal;

import io.countersign.spi.TimeSource;

/** The system time source ({@link TimeSource#system()}), under the name internal code has used. */
public final class SystemTimeSource {

  /** The wall clock with the shared deadline timer. */
  public static final TimeSource INSTANCE = TimeSource.system();

  private SystemTimeSource() {}
}
