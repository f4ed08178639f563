package io.countersign.examples.springboot;

import io.countersign.RequiresApproval;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Exports a customer table as a CSV file: bulk personal data leaving the system, so every export
 * waits for someone of {@code data-protection}. The table is a fixed in-memory one here; the method
 * would query your database.
 *
 * <p>The method returns a {@link CompletionStage}: the starter then guards it without blocking a
 * thread while the reviewer decides, and the body runs only after approval.
 */
@Service
public class CustomerExports {

  private static final Logger LOG = LoggerFactory.getLogger(CustomerExports.class);

  private static final Map<String, List<String>> TABLES = Map.of(
      "customers", List.of("id,name,email,country",
          "1,Ada Lovelace,ada@example.com,GB",
          "2,Grace Hopper,grace@example.com,US",
          "3,Margaret Hamilton,margaret@example.com,US"),
      "orders", List.of("id,customer_id,total_cents",
          "100,1,12900",
          "101,3,4500"));

  private final Path exportsDir;

  /** Writes exports to {@code example.exports-dir}. */
  public CustomerExports(ExampleProperties properties) {
    this.exportsDir = properties.exportsDir();
  }

  /** The tables that can be exported. */
  public Set<String> tables() {
    return TABLES.keySet();
  }

  /**
   * Writes {@code table} to a new CSV file and says where; runs only once a data-protection reviewer
   * approved this very call.
   *
   * @throws IllegalArgumentException for an unknown table (check {@link #tables()} before asking a human)
   */
  @RequiresApproval(approvers = "group:data-protection", timeout = "PT10M", action = "Export a customer table")
  public CompletionStage<ExportReceipt> exportTable(String table) {
    List<String> rows = TABLES.get(table);
    if (rows == null) {
      throw new IllegalArgumentException("unknown table '" + table + "'; known: " + TABLES.keySet());
    }
    try {
      Files.createDirectories(exportsDir);
      Path file = Files.createTempFile(exportsDir, table + "-", ".csv");
      Files.write(file, rows, StandardCharsets.UTF_8);
      LOG.info("Exported {} rows of table {} to {}", rows.size() - 1, table, file);
      return CompletableFuture.completedFuture(new ExportReceipt(table, rows.size() - 1, file.toAbsolutePath().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the export of table " + table, e);
    }
  }

  /**
   * What an export produced.
   *
   * @param table the exported table
   * @param rows how many data rows were written
   * @param file the CSV file
   */
  public record ExportReceipt(String table, int rows, String file) {}
}
