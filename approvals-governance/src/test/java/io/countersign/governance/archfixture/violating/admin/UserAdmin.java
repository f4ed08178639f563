package io.countersign.governance.archfixture.violating.admin;

import io.countersign.governance.archfixture.IamClient;

/** Violates the rule: grants admin rights without @RequiresApproval. */
public class UserAdmin {

  private final IamClient iam = new IamClient();

  public void grantAdmin(String user) {
    iam.grant(user, "admin");
  }
}
