package io.countersign.audit.log;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The on-disk layout shared by {@link FileAuditSink}, {@link AuditVerifier} and {@link AuditSearch}:
 * file names, listing in chain order, and a streaming line reader that knows whether the last line
 * was terminated. Specified in {@code docs/AUDIT-FORMAT.md}, section 13.
 */
final class LogFiles {

  /** {@code audit-<first seq, 16 digits>.jsonl}. */
  static final Pattern NAME = Pattern.compile("audit-(\\d{16})\\.jsonl");
  static final String TORN_SUFFIX = ".torn";
  static final String LOCK_FILE = "audit.lock";

  private LogFiles() {
  }

  /** One log file and the seq its name says it starts with. */
  record LogFile(Path path, long firstSeq) {
    String name() {
      return path.getFileName().toString();
    }
  }

  static String fileName(long firstSeq) {
    return String.format(Locale.ROOT, "audit-%016d.jsonl", firstSeq);
  }

  /** {@link #list(Path, boolean)} refusing symbolic links. */
  static List<LogFile> list(Path dir) throws IOException {
    return list(dir, false);
  }

  /**
   * The log files of {@code dir} in chain order (by the seq in their names).
   *
   * @throws IOException naming the file if one named like a log file is a symbolic link (unless
   *     {@code followLinks}) or not a regular file: its target is never read
   */
  static List<LogFile> list(Path dir, boolean followLinks) throws IOException {
    List<LogFile> files = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          requireRegular(p, followLinks);
          files.add(new LogFile(p, Long.parseLong(m.group(1))));
        }
      }
    }
    files.sort(Comparator.comparingLong(LogFile::firstSeq));
    return files;
  }

  private static void requireRegular(Path p, boolean followLinks) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (attributes.isSymbolicLink()) {
      if (!followLinks) {
        throw new IOException("audit log file " + p.getFileName() + " in " + p.getParent()
            + " is a symbolic link; refused (a log file must be a regular file; follow links explicitly to read it)");
      }
      attributes = Files.readAttributes(p, BasicFileAttributes.class);
    }
    if (!attributes.isRegularFile()) {
      throw new IOException("audit log file " + p.getFileName() + " in " + p.getParent() + " is not a regular file ("
          + (attributes.isDirectory() ? "a directory" : "a device, FIFO or socket") + "); refused");
    }
  }

  /** Torn tails set aside by {@link FileAuditSink} ({@code *.torn}), sorted by name. */
  static List<Path> tornFiles(Path dir) throws IOException {
    List<Path> torn = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + TORN_SUFFIX)) {
      stream.forEach(p -> {
        if (TORN_NAME.matcher(p.getFileName().toString()).matches()) {
          torn.add(p);
        }
      });
    }
    torn.sort(Comparator.comparing(Path::toString));
    return torn;
  }

  /** A torn tail set aside by {@link FileAuditSink}: {@code audit-<16 digits>.jsonl[.<n>].torn}. */
  static final Pattern TORN_NAME = Pattern.compile("audit-\\d{16}\\.jsonl(\\.\\d+)?\\.torn");

  /**
   * The entries of {@code dir} that are neither a segment, a torn tail nor the lock file, sorted:
   * not part of the log, and reported (format section 13) rather than silently skipped, since a
   * renamed segment would otherwise vanish from verification without a trace.
   */
  static List<String> strays(Path dir) throws IOException {
    List<String> strays = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        String name = p.getFileName().toString();
        boolean segment = NAME.matcher(name).matches() && Files.isRegularFile(p);
        if (!segment && !TORN_NAME.matcher(name).matches() && !name.equals(LOCK_FILE)) {
          strays.add(name);
        }
      }
    }
    strays.sort(Comparator.naturalOrder());
    return strays;
  }

  /** No event line is longer than this; a file without newlines must not exhaust memory. */
  static final int MAX_LINE = 16 * 1024 * 1024;

  /**
   * {@code length} bytes of {@code bytes} from {@code offset} decoded as strict UTF-8.
   *
   * @throws CharacterCodingException if they are not well-formed UTF-8
   */
  static String strictText(byte[] bytes, int offset, int length) throws CharacterCodingException {
    String s = new String(bytes, offset, length, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') >= 0) { // malformed input, or a literal U+FFFD: decide strictly
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, offset, length)).toString();
    }
    return s;
  }

  /**
   * Reads LF-terminated lines of UTF-8 one at a time with a bounded buffer, so memory stays flat
   * however large the file. Tells whether the line just read ended with LF (a last line without
   * one is a torn write, not an event).
   */
  static final class LineReader implements Closeable {

    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[4096];
    private int lineLength;
    private boolean terminated;
    private long lineNumber;

    LineReader(InputStream in) {
      this.in = in;
    }

    /**
     * Advances to the next line; false at end of input. A line longer than 16 MiB is an error
     * (no event is that large; a file without newlines must not exhaust memory).
     */
    boolean next() throws IOException {
      lineLength = 0;
      while (true) {
        if (pos == limit) {
          limit = in.read(buf, 0, buf.length);
          pos = 0;
          if (limit <= 0) {
            limit = 0;
            if (lineLength == 0) {
              return false;
            }
            terminated = false;
            lineNumber++;
            return true;
          }
        }
        int start = pos;
        while (pos < limit && buf[pos] != '\n') {
          pos++;
        }
        append(start, pos - start);
        if (pos < limit) {
          pos++; // the LF
          terminated = true;
          lineNumber++;
          return true;
        }
      }
    }

    private void append(int from, int n) throws IOException {
      if (n == 0) {
        return;
      }
      if (lineLength + n > line.length) {
        if (lineLength + n > MAX_LINE) {
          throw new IOException("line " + (lineNumber + 1) + " is longer than " + MAX_LINE + " bytes");
        }
        line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
      }
      System.arraycopy(buf, from, line, lineLength, n);
      lineLength += n;
    }

    boolean terminated() {
      return terminated;
    }

    long lineNumber() {
      return lineNumber;
    }

    int length() {
      return lineLength;
    }

    /** The current line's bytes (the first {@link #length()} of them); overwritten by {@link #next()}. */
    byte[] bytes() {
      return line;
    }

    /** The current line decoded as strict UTF-8. */
    String text() throws CharacterCodingException {
      return strictText(line, 0, lineLength);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
