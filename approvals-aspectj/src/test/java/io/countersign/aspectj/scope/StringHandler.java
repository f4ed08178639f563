package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** An annotated generic implementation: javac copies the annotation onto the bridge {@code handle(Object)}. */
public class StringHandler implements Handler<String> {

  @RequiresApproval(approvers = "bob")
  @Override
  public String handle(String value) {
    return "handled " + value;
  }
}
