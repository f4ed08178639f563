package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** Annotations on an interface: the abstract one guards no implementation, the default method guards itself. */
public interface GuardedContract {

  @RequiresApproval(approvers = "bob")
  String abstractMethod();

  @RequiresApproval(approvers = "bob")
  default String defaultMethod() {
    return "ran";
  }
}
