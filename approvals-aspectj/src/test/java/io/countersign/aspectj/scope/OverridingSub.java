package io.countersign.aspectj.scope;

/** Overrides an annotated method and a method of an annotated type without annotating anything. */
public class OverridingSub extends GuardedBase {

  @Override
  public String annotatedInBase() {
    return "sub ran";
  }

  @Override
  public String publicInAnnotatedBase() {
    return "sub ran";
  }

  public String ownMethod() {
    return "ran";
  }
}
