package io.countersign.audit.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test fixtures for log directories: write lines as a log, read a log's lines back. */
final class LogDirs {

  private LogDirs() {
  }

  /** Writes {@code lines} as a one-file log directory {@code dir} (created) and returns {@code dir}. */
  static Path writeLog(Path dir, List<String> lines) throws IOException {
    Files.createDirectories(dir);
    StringBuilder text = new StringBuilder();
    lines.forEach(l -> text.append(l).append('\n'));
    Files.writeString(dir.resolve(LogFiles.fileName(1)), text, StandardCharsets.UTF_8);
    return dir;
  }

  /** All lines of all log files of {@code dir}, in chain order. */
  static List<String> readLog(Path dir) throws IOException {
    List<String> all = new ArrayList<>();
    for (LogFiles.LogFile f : LogFiles.list(dir)) {
      all.addAll(Files.readAllLines(f.path(), StandardCharsets.UTF_8));
    }
    return all;
  }
}
