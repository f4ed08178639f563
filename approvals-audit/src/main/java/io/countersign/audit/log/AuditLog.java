package io.countersign.audit.log;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An audit log opened for reading: a directory written by {@link FileAuditSink} (segments
 * {@code audit-<seq>.jsonl} in seq order, see {@code docs/AUDIT-FORMAT.md}) or one JSON Lines
 * file. The one reader every tool uses (the CLI's {@code verify}, {@code search} and
 * {@code report}, the PostgreSQL export), so that they cannot disagree about what a log holds.
 *
 * <pre>{@code
 * AuditLog log = AuditLog.open(Path.of("/var/log/countersign"));
 * VerificationResult r = log.verify(AuditVerifier.builder().key(publicKey).build(), event -> count(event));
 * }</pre>
 *
 * <ul>
 *   <li><b>One pass.</b> {@link #verify(AuditVerifier, Consumer)} hands every event the verifier
 *       accepted to the consumer while it verifies, from the same bytes: what is counted is
 *       exactly what was verified, even if a file is replaced while the log is read.</li>
 *   <li><b>Bounded.</b> No line is read past {@value #MAX_LINE_BYTES} bytes: a longer one is an
 *       error, never an {@link OutOfMemoryError}.</li>
 *   <li><b>No links followed.</b> A segment that is a symbolic link, or not a regular file (a
 *       directory, a FIFO, a device), is refused by {@link #open(Path, Option...)} with an error naming it;
 *       its target is never read. {@link Option#FOLLOW_LINKS} reads symbolic links on request.</li>
 * </ul>
 * An instance holds only the list of files; every read opens them anew. Thread-safe.
 */
public final class AuditLog {

  /** The longest line read, in bytes (16 MiB): no event is that large. */
  public static final int MAX_LINE_BYTES = LogFiles.MAX_LINE;

  /** How {@link #open(Path, Option...)} treats the files of a log. */
  public enum Option {
    /** Read segments that are symbolic links (refused by default: a link can point anywhere). */
    FOLLOW_LINKS
  }

  /** Receives events read from a log; return {@code false} to stop reading. */
  @FunctionalInterface
  public interface Visitor {
    /** Called with each event, in log order; {@code false} stops the read. */
    boolean visit(AuditEvent event);
  }

  private final Path path;
  private final boolean directory;
  private final List<LogFiles.LogFile> files;
  private final List<Path> tornFiles;
  private final List<String> strays;
  private final boolean followLinks;

  private AuditLog(Path path, boolean directory, List<LogFiles.LogFile> files, List<Path> tornFiles, List<String> strays,
      boolean followLinks) {
    this.path = path;
    this.directory = directory;
    this.files = files;
    this.tornFiles = tornFiles;
    this.strays = strays;
    this.followLinks = followLinks;
  }

  /**
   * Opens the log at {@code path} (a log directory or one JSON Lines file) for reading.
   *
   * @throws IOException if the path is missing, holds no log file, or a log file is a symbolic
   *     link (unless {@link Option#FOLLOW_LINKS}) or not a regular file; the message names it
   */
  public static AuditLog open(Path path, Option... options) throws IOException {
    Objects.requireNonNull(path, "path must not be null");
    boolean follow = List.of(options).contains(Option.FOLLOW_LINKS);
    LinkOption[] links = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    if (Files.isDirectory(path)) {
      List<LogFiles.LogFile> files = LogFiles.list(path, follow);
      if (files.isEmpty()) {
        throw new IOException("no audit log files (audit-<seq>.jsonl) in directory " + path);
      }
      return new AuditLog(path, true, files, LogFiles.tornFiles(path), LogFiles.strays(path), follow);
    }
    if (Files.isRegularFile(path, links)) {
      return new AuditLog(path, false, List.of(new LogFiles.LogFile(path, -1)), List.of(), List.of(), follow);
    }
    if (Files.isSymbolicLink(path)) {
      throw new IOException("audit log " + path + " is a symbolic link; refused (open it with FOLLOW_LINKS to read its target)");
    }
    if (Files.exists(path, links)) {
      throw new IOException("audit log " + path + " is not a regular file or a directory; refused");
    }
    throw new IOException("audit log not found: " + path + " is neither a file nor a directory");
  }

  /**
   * The name of the log file whose first event has {@code firstSeq}: {@code audit-<seq, 16 digits>.jsonl}
   * ({@code docs/AUDIT-FORMAT.md}, section 13), for writers of a log directory (an export).
   */
  public static String segmentName(long firstSeq) {
    if (firstSeq < 1) {
      throw new IllegalArgumentException("a log file's first seq must be >= 1 but was " + firstSeq);
    }
    return LogFiles.fileName(firstSeq);
  }

  /** The path the log was opened at. */
  public Path path() {
    return path;
  }

  /** The log's files in chain order. */
  public List<Path> files() {
    return files.stream().map(LogFiles.LogFile::path).toList();
  }

  /** Torn tails set aside earlier by {@link FileAuditSink} ({@code *.torn}); not part of the log. */
  public List<Path> tornFiles() {
    return tornFiles;
  }

  /** {@link #verify(AuditVerifier, Consumer)} without a consumer. */
  public VerificationResult verify(AuditVerifier verifier) throws IOException {
    return verify(verifier, null);
  }

  /**
   * Verifies the log and, in the same pass over the same bytes, hands each event the verifier
   * accepted to {@code verified}, in chain order. Events after the first bad one are not read, so
   * a consumer sees exactly the {@link VerificationResult#eventsChecked()} events. Runs the
   * consumer on the calling thread.
   *
   * @param verified receives each verified event; may be {@code null}
   * @throws IOException if a file cannot be read or holds a line longer than {@value #MAX_LINE_BYTES} bytes
   */
  public VerificationResult verify(AuditVerifier verifier, Consumer<AuditEvent> verified) throws IOException {
    Objects.requireNonNull(verifier, "verifier must not be null");
    return verifier.verifyFiles(files, tornFiles, strays, verified);
  }

  /**
   * Reads every event of the log without verifying it (for search: verify first if the answer
   * must be evidence), streaming with bounded memory. A torn last line is skipped.
   *
   * @return the number of events visited
   * @throws IOException if a file cannot be read or holds a line longer than {@value #MAX_LINE_BYTES} bytes
   * @throws AuditFormatException naming file and line, if a complete line is not an event
   */
  public long read(Visitor visitor) throws IOException {
    Objects.requireNonNull(visitor, "visitor must not be null");
    long visited = 0;
    OpenOption[] open = followLinks ? new OpenOption[] {StandardOpenOption.READ}
        : new OpenOption[] {StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS};
    for (LogFiles.LogFile file : files) {
      try (InputStream in = Channels.newInputStream(FileChannel.open(file.path(), open));
          LogFiles.LineReader reader = new LogFiles.LineReader(in)) {
        while (reader.next()) {
          if (!reader.terminated()) {
            break; // torn tail: not an event
          }
          AuditEvent event;
          try {
            event = AuditEvent.parse(reader.text());
          } catch (AuditFormatException | CharacterCodingException e) {
            throw new AuditFormatException(file.name() + " line " + reader.lineNumber() + ": " + e.getMessage(), e);
          }
          visited++;
          if (!visitor.visit(event)) {
            return visited;
          }
        }
      }
    }
    return visited;
  }

  @Override
  public String toString() {
    return "AuditLog[" + path + (directory ? ", " + files.size() + " file(s)" : "") + "]";
  }
}
