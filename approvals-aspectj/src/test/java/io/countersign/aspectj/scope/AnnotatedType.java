package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** A type-level annotation: its public methods are guarded, Object's three methods and non-public ones not. */
@RequiresApproval(approvers = "bob")
public class AnnotatedType {

  public String publicMethod(String s) {
    return "ran " + s;
  }

  public static String publicStatic(long n) {
    return "ran " + n;
  }

  protected String protectedMethod() {
    return "ran";
  }

  String packageMethod() {
    return "ran";
  }

  private String privateMethod() {
    return "ran";
  }

  public boolean equals(AnnotatedType other) {
    return other == this;
  }

  public String toString(int radix) {
    return Integer.toString(42, radix);
  }

  @Override
  public String toString() {
    return "AnnotatedType";
  }

  @Override
  public boolean equals(Object o) {
    return o == this;
  }

  @Override
  public int hashCode() {
    return 42;
  }

  /** A nested type is a type of its own: the outer type's annotation does not guard it. */
  public static class Nested {
    public String nestedMethod() {
      return "ran";
    }
  }
}
