package io.countersign.spring.boot.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalGate;
import io.countersign.ApprovalRequest;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Reviewer;
import io.countersign.spring.boot.CountersignAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Keeps docs/INTEGRATIONS.md honest: every block marked {@code <!-- snippet: file#name -->} must be
 * the region {@code snippet: name ... end-snippet} of that file, and the documented Spring Boot
 * configuration must start and work.
 */
class DocsSnippetsTest {

  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Pattern MARKED_BLOCK = Pattern.compile(
      "<!-- snippet: ([^#\\s]+)#([\\w-]+) -->\\s*\\n```\\w*\\n(.*?)\\n```", Pattern.DOTALL);

  @Test
  void everyMarkedBlockOfTheIntegrationsGuideIsItsSourceRegion() throws IOException {
    assertThat(checkMarkedBlocks("docs/INTEGRATIONS.md")).containsExactlyInAnyOrder("boot-config", "boot-service",
        "boot-properties", "plain-java", "agent-tools", "agent-wiring", "agent-run");
  }

  @Test
  void everyMarkedBlockOfTheReadmeIsItsSourceRegion() throws IOException {
    assertThat(checkMarkedBlocks("README.md")).containsExactlyInAnyOrder("boot-service", "agent-tools", "durable-audit");
  }

  /** Checks every marked block of {@code doc} against its source region; returns the names checked. */
  private static List<String> checkMarkedBlocks(String doc) throws IOException {
    String text = Files.readString(ROOT.resolve(doc));
    Matcher m = MARKED_BLOCK.matcher(text);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      String file = m.group(1);
      String name = m.group(2);
      assertThat(m.group(3)).as("%s block %s#%s", doc, file, name).isEqualTo(region(ROOT.resolve(file), name));
      checked.add(name);
    }
    return checked;
  }

  /** The lines between the snippet markers, with their common indentation removed. */
  static String region(Path file, String name) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int start = -1;
    int end = -1;
    for (int i = 0; i < lines.size(); i++) {
      String t = lines.get(i).trim();
      if (t.matches("(//|#) snippet: " + Pattern.quote(name))) {
        start = i + 1;
      } else if (start >= 0 && t.matches("(//|#) end-snippet")) {
        end = i;
        break;
      }
    }
    assertThat(start).as("snippet %s in %s", name, file).isPositive();
    assertThat(end).as("end of snippet %s in %s", name, file).isGreaterThan(start);
    List<String> region = lines.subList(start, end);
    int indent = region.stream().filter(l -> !l.isBlank())
        .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return String.join("\n", region.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList());
  }

  /** What the guide leaves to the application: a database and its transaction manager. */
  @Configuration(proxyBeanMethods = false)
  @EnableTransactionManagement
  static class ApplicationInfrastructure {
    @Bean
    DataSource dataSource() {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:docs;DB_CLOSE_DELAY=-1");
      new JdbcTemplate(h2).execute("create table if not exists refunds(order_id varchar(20), cents int)");
      return h2;
    }

    @Bean
    JdbcTemplate jdbcTemplate(DataSource dataSource) {
      return new JdbcTemplate(dataSource);
    }

    @Bean
    DataSourceTransactionManager transactionManager(DataSource dataSource) {
      return new DataSourceTransactionManager(dataSource);
    }
  }

  @Test
  void documentedSpringBootConfigurationStartsAndGuardsLargeRefunds(@TempDir Path auditDir) throws Exception {
    Properties documented = new Properties();
    try (InputStream in = getClass().getResourceAsStream("/docs/application.properties")) {
      documented.load(in);
    }
    List<String> values = new ArrayList<>();
    documented.forEach((k, v) -> values.add(k + "=" + v));
    values.add("audit.dir=" + auditDir);
    values.add("AUDIT_SIGNING_KEY=" + Base64.getEncoder().encodeToString(new byte[32]));

    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(CountersignAutoConfiguration.class))
        .withUserConfiguration(ApplicationInfrastructure.class, CountersignConfig.class, Refunds.class)
        .withPropertyValues(values.toArray(String[]::new))
        .run(context -> {
          assertThat(context).hasNotFailed();
          Refunds refunds = context.getBean(Refunds.class);
          InMemoryApprover approver = context.getBean(InMemoryApprover.class);
          JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
          CallContext alice = CallContext.of(Actor.human("alice"));

          ActorContext.runAs(alice, () -> {
            refunds.refund("A-1", 2_500);
            return null;
          });
          assertThat(context.getBean(ApprovalGate.class).pending()).isEmpty();

          CompletableFuture<Void> large = CompletableFuture.runAsync(() -> ActorContext.runAs(alice.actor(),
              "customer complaint", () -> refunds.refund("A-2", 25_000)));
          ApprovalRequest request = approver.awaitRequest(Duration.ofSeconds(10));
          assertThat(request.action()).isEqualTo("Refund an order");
          approver.approve(request.id(), Reviewer.of("fiona", "finance-leads"), "checked with the customer");
          large.get(10, TimeUnit.SECONDS);
          assertThat(jdbc.queryForList("select order_id from refunds order by order_id", String.class))
              .containsExactly("A-1", "A-2");
        });
    assertThat(Files.list(auditDir)).isNotEmpty();
  }

  @Test
  void plainJavaSnippetBuildsAGate() {
    try (ApprovalGate gate = PlainJavaSnippets.gateWithMetricsAndTraceIds(new SimpleMeterRegistry())) {
      assertThat(gate.pending()).isEmpty();
    }
  }
}
