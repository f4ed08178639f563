package io.countersign.governance.archfixture;

/** Stands in for a privileged API (an IAM client): calling it changes who can do what. */
public class IamClient {

  public void grant(String user, String role) {}

  public String describe(String user) {
    return user;
  }
}
