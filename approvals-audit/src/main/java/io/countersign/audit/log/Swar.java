package io.countersign.audit.log;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte tests on 8 bytes at once ("SIMD within a register") for the verifier's scans
 * ({@link CanonicalLine}, {@link LogScan}). Hand-written because most of a log's bytes are inside
 * strings and the JDK has no vectorised "find the first of these bytes" for byte arrays; the plain
 * byte loops were the verifier's largest cost. Words are read little-endian, so the lowest set bit
 * of a result marks the first matching byte: {@code Long.numberOfTrailingZeros(r) >>> 3}.
 */
final class Swar {

  static final long ONES_7F = 0x7F7F7F7F7F7F7F7FL;
  static final long HIGH_BITS = 0x8080808080808080L;

  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Swar() {
  }

  /** The 8 bytes of {@code b} from {@code at}, the first in the lowest byte. */
  static long word(byte[] b, int at) {
    return (long) LONG.get(b, at);
  }

  /** {@code value} in each of the 8 bytes of a word. */
  static long repeat(int value) {
    return (value & 0xFFL) * 0x0101010101010101L;
  }

  /**
   * The high bit of each byte of {@code x} equal to the byte repeated in {@code pattern}, and no
   * other bit. Exact per byte: no carry crosses a byte boundary.
   */
  static long equalBytes(long x, long pattern) {
    long d = x ^ pattern;
    return ~(((d & ONES_7F) + ONES_7F) | d | ONES_7F);
  }
}
