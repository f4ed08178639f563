package io.countersign.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 and lower-case hex helpers shared by the audit chain and digests of arguments and
 * policies. Internal: not part of the public API.
 */
public final class Hashing {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  // MessageDigest is not thread-safe and getInstance() does a provider lookup per call.
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Hashing::newSha256Digest);

  private Hashing() {
  }

  /**
   * A new SHA-256 digest, for a hot loop that owns it (a thread-local lookup per hash showed up
   * in the verifier's profile; one digest per worker avoids it).
   */
  public static MessageDigest newSha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
  }

  /**
   * This thread's SHA-256 digest, reset, for incremental hashing ({@code update} the parts, then
   * {@code digest}). Do not keep it beyond the current computation: the next call resets it.
   */
  public static MessageDigest sha256Digest() {
    MessageDigest md = SHA256.get();
    md.reset();
    return md;
  }

  /** SHA-256 of the concatenation of {@code parts} (32 bytes). */
  public static byte[] sha256(byte[]... parts) {
    MessageDigest md = SHA256.get();
    md.reset();
    for (byte[] part : parts) {
      md.update(part);
    }
    return md.digest();
  }

  /** SHA-256 of the concatenation of {@code parts}, as 64 lower-case hex characters. */
  public static String sha256Hex(byte[]... parts) {
    return hex(sha256(parts));
  }

  /** Lower-case hex of {@code bytes}. */
  public static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }

  /**
   * Decodes lower-case hex; {@code what} names the value in the error message.
   *
   * @throws IllegalArgumentException if {@code hex} has odd length or a character other than 0-9, a-f
   */
  public static byte[] unhex(String hex, String what) {
    if (!isLowerHex(hex, -1) || hex.length() % 2 != 0) {
      throw new IllegalArgumentException(what + " must be lower-case hex of even length but was '" + hex + "'");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16);
    }
    return out;
  }

  /**
   * True if {@code s} consists only of 0-9 and a-f and, when {@code length >= 0}, has exactly
   * that many characters.
   */
  public static boolean isLowerHex(String s, int length) {
    if (s == null || (length >= 0 && s.length() != length)) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
