package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** A generic implementation in an annotated type: the public bridge {@code handle(Object)} is compiler-made. */
@RequiresApproval(approvers = "bob")
public class TypeLevelHandler implements Handler<Integer>, Comparable<TypeLevelHandler> {

  @Override
  public Integer handle(Integer value) {
    return value + 1;
  }

  @Override
  public int compareTo(TypeLevelHandler o) {
    return 0;
  }
}
