package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.ALICE;
import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.asyncAs;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ApprovalConfigurationException;
import io.countersign.ApprovalRejectedException;
import io.countersign.ApprovalRequest;
import io.countersign.InMemoryApprover;
import io.countersign.RequiresApproval;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The approval wait must not hold a database transaction: with a real transaction manager over an
 * embedded H2 database, no connection is borrowed and no transaction begun while humans decide.
 */
class TransactionOrderingTest {

  /** A data source that counts the connections currently borrowed from it. */
  static final class CountingDataSource extends DelegatingDataSource {
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger borrowed = new AtomicInteger();

    CountingDataSource(DataSource target) {
      super(target);
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection c = super.getConnection();
      open.incrementAndGet();
      borrowed.incrementAndGet();
      return (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {Connection.class}, (proxy, method, args) -> {
            if (method.getName().equals("close")) {
              open.decrementAndGet();
            }
            try {
              return method.invoke(c, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }
  }

  /** A transaction manager that counts the transactions it begins. */
  static final class RecordingTransactionManager extends DataSourceTransactionManager {
    final AtomicInteger begun = new AtomicInteger();

    RecordingTransactionManager(DataSource dataSource) {
      super(dataSource);
    }

    @Override
    protected void doBegin(Object transaction, TransactionDefinition definition) {
      begun.incrementAndGet();
      super.doBegin(transaction, definition);
    }
  }

  /** A guarded, transactional service. */
  static class Payments {
    private final JdbcTemplate jdbc;
    private volatile boolean bodySawTransaction;

    Payments(JdbcTemplate jdbc) {
      this.jdbc = jdbc;
    }

    @Transactional
    @RequiresApproval(approvers = "group:sre")
    public int refund(String order, int cents) {
      bodySawTransaction = TransactionSynchronizationManager.isActualTransactionActive();
      return jdbc.update("insert into refunds(order_id, cents) values (?, ?)", order, cents);
    }

    public boolean bodySawTransaction() {
      return bodySawTransaction;
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableTransactionManagement
  static class DatabaseConfig {
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @Bean
    CountingDataSource dataSource() {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:refunds" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
      new JdbcTemplate(h2).execute("create table refunds(order_id varchar(20), cents int)");
      return new CountingDataSource(h2);
    }

    @Bean
    RecordingTransactionManager transactionManager(CountingDataSource dataSource) {
      return new RecordingTransactionManager(dataSource);
    }

    @Bean
    Payments payments(CountingDataSource dataSource) {
      return new Payments(new JdbcTemplate(dataSource));
    }
  }

  private static ApplicationContextRunner runner() {
    return Fixtures.bareRunner().withUserConfiguration(DatabaseConfig.class);
  }

  @Test
  void noConnectionIsHeldAndNoTransactionBegunWhileTheApprovalIsPending() {
    runner().run(context -> {
      CountingDataSource db = context.getBean(CountingDataSource.class);
      RecordingTransactionManager tx = context.getBean(RecordingTransactionManager.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      Payments payments = context.getBean(Payments.class);

      CompletableFuture<Integer> call = asyncAs(ALICE, () -> payments.refund("A-1", 500));
      ApprovalRequest request = awaitRequest(approver);
      assertThat(context.getBean(io.countersign.ApprovalGate.class).pending()).hasSize(1);
      assertThat(tx.begun).hasValue(0);
      assertThat(db.borrowed).hasValue(0);
      assertThat(db.open).hasValue(0);

      approver.approve(request.id(), BOB, "customer called");
      assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(tx.begun).hasValue(1);
      assertThat(payments.bodySawTransaction()).isTrue();
      assertThat(db.open).hasValue(0);
      assertThat(new JdbcTemplate(db).queryForObject("select count(*) from refunds", Integer.class)).isEqualTo(1);
    });
  }

  @Test
  void deniedCallNeverBeginsATransactionNorTouchesTheDatabase() {
    runner().run(context -> {
      CountingDataSource db = context.getBean(CountingDataSource.class);
      RecordingTransactionManager tx = context.getBean(RecordingTransactionManager.class);
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);

      CompletableFuture<Integer> call = asyncAs(ALICE, () -> context.getBean(Payments.class).refund("A-2", 900));
      approver.deny(awaitRequest(approver).id(), BOB, "fraud suspected");
      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(ApprovalRejectedException.class);
      assertThat(tx.begun).hasValue(0);
      assertThat(db.borrowed).hasValue(0);
    });
  }

  @Test
  @DisplayName("the starter refuses to start when the transaction advisor would run before the approval")
  void approvalOrderedAfterTheTransactionFailsStartup() {
    runner().withPropertyValues("countersign.aop.order=" + Ordered.LOWEST_PRECEDENCE).run(context ->
        assertThat(context).hasFailed().getFailure()
            .isInstanceOf(ApprovalConfigurationException.class)
            .hasMessageContaining("countersign.aop.order is " + Ordered.LOWEST_PRECEDENCE)
            .hasMessageContaining("would hold its transaction open while humans decide"));
  }
}
