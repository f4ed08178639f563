package io.countersign.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Where a builder's database is: an existing {@link DataSource} or a JDBC URL with credentials, set
 * once and validated at once. Shared by the store's and the audit sink's builders so that both say
 * the same thing about the same mistake.
 */
final class ConnectionSettings {

  private DataSource dataSource;
  private String jdbcUrl;
  private String user;
  private String password;

  void dataSource(DataSource dataSource) {
    requireUnset();
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  void jdbcUrl(String jdbcUrl, String user, String password) {
    requireUnset();
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with 'jdbc:postgresql:' but was " + (jdbcUrl == null ? "null" : "'" + jdbcUrl + "'"));
    }
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  /** @throws IllegalStateException if neither was given */
  void requireSet() {
    if (dataSource == null && jdbcUrl == null) {
      throw new IllegalStateException("a dataSource or a jdbcUrl is required: call dataSource(...) or jdbcUrl(...)");
    }
  }

  /** The given pool, or {@code null} when a URL was given instead. */
  DataSource dataSource() {
    return dataSource;
  }

  String jdbcUrl() {
    return jdbcUrl;
  }

  String user() {
    return user;
  }

  String password() {
    return password;
  }

  /** A new connection: from the pool if one was given, else a direct one to the URL. */
  Connection connect() throws SQLException {
    return dataSource != null ? dataSource.getConnection() : DriverManager.getConnection(jdbcUrl, user, password);
  }

  private void requireUnset() {
    if (dataSource != null || jdbcUrl != null) {
      throw new IllegalStateException("dataSource/jdbcUrl was already set to " + (dataSource != null ? dataSource : jdbcUrl));
    }
  }
}
