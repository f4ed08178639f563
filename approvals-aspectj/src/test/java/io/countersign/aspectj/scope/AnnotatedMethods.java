package io.countersign.aspectj.scope;

import io.countersign.RequiresApproval;

/** Annotations on methods of every visibility, static or not, beside unannotated ones. */
public class AnnotatedMethods {

  @RequiresApproval(approvers = "bob")
  public String publicMethod() {
    return "ran";
  }

  @RequiresApproval(approvers = "bob")
  protected String protectedMethod() {
    return "ran";
  }

  @RequiresApproval(approvers = "bob")
  String packageMethod() {
    return "ran";
  }

  @RequiresApproval(approvers = "bob")
  private String privateMethod() {
    return "ran";
  }

  @RequiresApproval(approvers = "bob")
  public static String staticMethod(int n) {
    return "ran " + n;
  }

  @RequiresApproval(approvers = "bob")
  private static String privateStaticMethod() {
    return "ran";
  }

  @RequiresApproval(approvers = "bob")
  @Override
  public String toString() {
    return "annotated toString is guarded";
  }

  public String unannotated() {
    return "ran";
  }

  public static String unannotatedStatic() {
    return "ran";
  }
}
