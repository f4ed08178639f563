package io.countersign.aspectj;

import io.countersign.RequiresApproval;
import java.util.concurrent.atomic.AtomicInteger;

/** Annotated at type level: every public method needs approval, other methods do not. */
@RequiresApproval(approvers = "group:dba", action = "Database maintenance")
class Database {

  final AtomicInteger drops = new AtomicInteger();
  final AtomicInteger lookups = new AtomicInteger();

  public String dropTable(String table) {
    drops.incrementAndGet();
    return "dropped " + table;
  }

  String rowCount(String table) {
    lookups.incrementAndGet();
    return table + ": 42 rows";
  }
}
