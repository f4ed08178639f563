package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** An unannotated superclass with one annotated method. */
public class PlainBase {

  @RequiresApproval(approvers = "carol")
  public String annotatedInBase() {
    return "ran";
  }
}
