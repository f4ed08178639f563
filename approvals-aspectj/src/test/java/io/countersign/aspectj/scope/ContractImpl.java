package io.countersign.aspectj.scope;

/** Implements an annotated interface method without annotating it: not guarded (annotations are not inherited). */
public class ContractImpl implements GuardedContract {

  @Override
  public String abstractMethod() {
    return "ran";
  }
}
