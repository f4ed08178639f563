package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** A superclass with an annotated method and a type-level annotation, for subclasses to override. */
@RequiresApproval(approvers = "bob")
public class GuardedBase {

  @RequiresApproval(approvers = "carol")
  public String annotatedInBase() {
    return "ran";
  }

  public String publicInAnnotatedBase() {
    return "ran";
  }
}
