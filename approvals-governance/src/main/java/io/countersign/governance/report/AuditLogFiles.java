package io.countersign.governance.report;

import io.countersign.audit.AuditEvent;
import io.countersign.audit.AuditFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * The JSON Lines files of one audit trail, in chain order, read as one stream of lines (re-readable,
 * streaming, never the whole log in memory). A directory contributes its {@code *.jsonl} and
 * {@code *.log} files; files are ordered by the {@code seq} of their first event, so rotated files
 * need no naming convention. A last line without its terminating newline is a torn write, not an
 * event (docs/AUDIT-FORMAT.md section 2): it is left out and noted.
 */
final class AuditLogFiles implements Iterable<String> {

  private final List<Path> files;
  private final List<Path> tornTail = new ArrayList<>();

  private AuditLogFiles(List<Path> files) {
    this.files = files;
    for (Path f : files) {
      if (!endsWithNewline(f)) {
        tornTail.add(f);
      }
    }
  }

  /**
   * Collects the log files under these paths (files as given, directories by extension).
   *
   * @throws IllegalArgumentException if a path does not exist or no log file is found
   * @throws UncheckedIOException if a directory cannot be listed
   */
  static AuditLogFiles of(List<Path> paths) {
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("no audit log given: name a log file or a directory of *.jsonl files");
    }
    List<Path> found = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> list = Files.list(p)) {
          list.filter(Files::isRegularFile)
              .filter(f -> f.getFileName().toString().endsWith(".jsonl") || f.getFileName().toString().endsWith(".log"))
              .forEach(found::add);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list audit log directory " + p + ": " + e.getMessage(), e);
        }
      } else if (Files.isRegularFile(p)) {
        found.add(p);
      } else {
        throw new IllegalArgumentException("audit log " + p + " does not exist (or is not a file or directory)");
      }
    }
    found.removeIf(f -> size(f) == 0);
    if (found.isEmpty()) {
      throw new IllegalArgumentException("no audit events found in " + paths + " (looked for non-empty *.jsonl and *.log files)");
    }
    found.sort(Comparator.comparingLong(AuditLogFiles::firstSeq).thenComparing(Path::toString));
    return new AuditLogFiles(List.copyOf(found));
  }

  List<Path> files() {
    return files;
  }

  /** Notes for the verification section: torn last lines left out. */
  List<String> notes() {
    return tornTail.stream().map(f -> f + ": last line has no terminating newline (torn write); left out, not an event").toList();
  }

  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private int index = -1;
      private BufferedReader reader;
      private String next;
      private String pending;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        try {
          while (true) {
            if (reader == null) {
              if (++index >= files.size()) {
                return false;
              }
              reader = Files.newBufferedReader(files.get(index), StandardCharsets.UTF_8);
              pending = reader.readLine();
            }
            if (pending == null) {
              reader.close();
              reader = null;
              continue;
            }
            String line = pending;
            pending = reader.readLine();
            if (pending == null && tornTail.contains(files.get(index))) {
              continue; // the torn last line: not an event
            }
            next = line;
            return true;
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read audit log " + files.get(index) + ": " + e.getMessage(), e);
        }
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String line = next;
        next = null;
        return line;
      }
    };
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + f + ": " + e.getMessage(), e);
    }
  }

  private static boolean endsWithNewline(Path f) {
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      long len = raf.length();
      if (len == 0) {
        return true;
      }
      raf.seek(len - 1);
      return raf.read() == '\n';
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + f + ": " + e.getMessage(), e);
    }
  }

  /** The seq of a file's first event, for ordering; unreadable first lines sort last (verification then reports them). */
  private static long firstSeq(Path f) {
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      String line = r.readLine();
      return line == null ? Long.MAX_VALUE : AuditEvent.parse(line).seq();
    } catch (IOException | AuditFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
