package io.countersign.postgres;

import io.countersign.RequiresApproval;
import io.countersign.RequiresApproval.Mode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Guarded operations of the tests; counts how often each ran, per argument. */
public class Ops {

  final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  /** When set, {@link #rotateKeys} and {@link #migrate} announce themselves and then blocks (an executor "dying mid-run"). */
  volatile CountDownLatch blockForever;

  @RequiresApproval(approvers = {"alice", "bob", "carol"}, quorum = 1, timeout = "PT10M", action = "Restart a service")
  public void restart(String service) {
    count(service);
  }

  @RequiresApproval(approvers = {"alice", "bob", "carol"}, quorum = 2, timeout = "PT10M", action = "Purge a table")
  public void purge(String table) {
    count(table);
  }

  @RequiresApproval(approvers = {"alice", "bob", "carol"}, quorum = 1, timeout = "PT10M", action = "Migrate a schema")
  public void migrate(String schema) throws InterruptedException {
    if (blockForever != null) {
      System.out.println("RUNNING " + schema);
      System.out.flush();
      blockForever.await();
    }
    count(schema);
  }

  @RequiresApproval(approvers = {"alice", "bob"}, quorum = 1, timeout = "PT10M", action = "Rotate keys", mode = Mode.DEFERRED)
  public void rotateKeys(String job) throws InterruptedException {
    if (blockForever != null) {
      System.out.println("RUNNING " + job);
      System.out.flush();
      blockForever.await();
    }
    count(job);
  }

  int runs(String key) {
    AtomicInteger n = runs.get(key);
    return n == null ? 0 : n.get();
  }

  private void count(String key) {
    runs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }
}
