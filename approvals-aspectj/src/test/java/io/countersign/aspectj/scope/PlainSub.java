package io.countersign.aspectj.scope;

/** Overrides an annotated method of an unannotated superclass without annotating it. */
public class PlainSub extends PlainBase {

  @Override
  public String annotatedInBase() {
    return "sub ran";
  }
}
