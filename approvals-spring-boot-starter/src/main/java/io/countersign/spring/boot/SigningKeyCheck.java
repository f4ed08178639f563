package io.countersign.spring.boot;

import io.countersign.ApprovalConfigurationException;
import io.countersign.audit.AuditEvent;
import io.countersign.audit.EventType;
import io.countersign.spi.Signer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks at startup that the configured {@link Signer} is the key an existing audit log was signed
 * with under the same key id. A different key under the same id would start silently and the log
 * would later read as tampered from the restart on; a key id the log retired (by a key rotation)
 * would be flagged by every verifier too.
 *
 * <p>How: the newest event signed under the signer's key id is found by reading the log files
 * backwards from the end (usually the last line or the last checkpoint), and its hash is signed
 * again. Ed25519 signatures are deterministic (RFC 8032), so the same key gives the same
 * signature. Logs without such an event (new log, new key id, unsigned log) pass.
 */
final class SigningKeyCheck {

  private static final String SEGMENT = "audit-\\d{16}\\.jsonl";
  private static final int MAX_LINE = 16 * 1024 * 1024;

  private SigningKeyCheck() {}

  /**
   * @throws ApprovalConfigurationException if the log in {@code dir} was signed with another key
   *     under {@code signer}'s key id, retired that key id, or cannot be read
   */
  static void check(Path dir, Signer signer) {
    String keyId = signer.keyId();
    try {
      for (Path file : segmentsNewestFirst(dir)) {
        try (ReverseLines lines = new ReverseLines(file)) {
          for (String line = lines.previous(); line != null; line = lines.previous()) {
            if (!line.contains("\"signature\"")) {
              continue;
            }
            AuditEvent event = AuditEvent.parse(line);
            if (keyId.equals(event.keyId()) && event.signature() != null) {
              verify(file, event, signer);
              return;
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ApprovalConfigurationException ace) {
        throw ace;
      }
      throw new ApprovalConfigurationException("Countersign could not check the signing key '" + keyId
          + "' against the existing audit log in " + dir + " (" + e.getMessage() + "), so it does not start: "
          + "run 'countersign verify " + dir + "' to find the problem.", e);
    }
  }

  private static void verify(Path file, AuditEvent event, Signer signer) {
    String keyId = signer.keyId();
    if (event.type() == EventType.KEY_ROTATION && event.get("rotation") != null
        && !keyId.equals(event.get("rotation").path("keyId").asText())) {
      throw new ApprovalConfigurationException("The audit log " + file + " retired the signing key id '" + keyId
          + "' at seq " + event.seq() + " (key rotation to '" + event.get("rotation").path("keyId").asText()
          + "'), but the configured Signer still uses it: every event it signs would be flagged by verifiers. "
          + "Configure the current key, or a new key under a new key id.");
    }
    String again = Base64.getEncoder().encodeToString(signer.sign(HexFormat.of().parseHex(event.hash())));
    if (!again.equals(event.signature())) {
      throw new ApprovalConfigurationException("The configured Signer uses key id '" + keyId + "', but the existing "
          + "audit log " + file + " was signed with a different key under that id (its newest event signed with '"
          + keyId + "', seq " + event.seq() + ", does not match a signature by the configured key). Continuing would "
          + "make the log read as tampered from the restart on. Configure the key the log was written with, or give "
          + "a new key a new key id (the verifier then needs both public keys).");
    }
  }

  private static List<Path> segmentsNewestFirst(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        if (p.getFileName().toString().matches(SEGMENT) && Files.isRegularFile(p)) {
          files.add(p);
        }
      }
    }
    files.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()); // zero-padded seq in the name
    return files;
  }

  /** Complete lines of a file from the last to the first; an unterminated (torn) last line is skipped. */
  private static final class ReverseLines implements AutoCloseable {
    private final RandomAccessFile file;
    /** File bytes [start, start + buf.length) not yet returned; always ends just after a '\n' (or is empty). */
    private byte[] buf = new byte[0];
    private long start;

    ReverseLines(Path path) throws IOException {
      file = new RandomAccessFile(path.toFile(), "r");
      start = file.length();
      // drop the torn tail, if any: everything after the last newline
      while (start > 0) {
        readMore();
        int nl = lastNewline(buf.length - 1);
        if (nl >= 0) {
          buf = java.util.Arrays.copyOf(buf, nl + 1);
          break;
        }
      }
      if (lastNewline(buf.length - 1) < 0) {
        buf = new byte[0];
      }
    }

    String previous() throws IOException {
      while (true) {
        if (buf.length == 0) {
          return null;
        }
        int nl = lastNewline(buf.length - 2);
        if (nl >= 0 || start == 0) {
          int from = nl + 1;
          String line = new String(buf, from, buf.length - 1 - from, StandardCharsets.UTF_8);
          buf = java.util.Arrays.copyOf(buf, from);
          return line;
        }
        if (buf.length > MAX_LINE) {
          throw new IOException("a line of " + buf.length + " bytes or more, over the " + MAX_LINE + "-byte limit");
        }
        readMore();
      }
    }

    private void readMore() throws IOException {
      int size = (int) Math.min(start, Math.max(64 * 1024, buf.length));
      byte[] more = new byte[size + buf.length];
      file.seek(start - size);
      file.readFully(more, 0, size);
      System.arraycopy(buf, 0, more, size, buf.length);
      buf = more;
      start -= size;
    }

    private int lastNewline(int from) {
      for (int i = from; i >= 0; i--) {
        if (buf[i] == '\n') {
          return i;
        }
      }
      return -1;
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}
