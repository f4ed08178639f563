package io.countersign.governance.archfixture.violating.admin;

import io.countersign.RequiresApproval;
import io.countersign.governance.archfixture.IamClient;

/** Violates the rule: the private helper is also reachable from an unguarded public method. */
public class LeakyHelper {

  private final IamClient iam = new IamClient();

  @RequiresApproval(approvers = "group:iam-admins")
  public void grantAdmin(String user) {
    doGrant(user);
  }

  public void quietGrant(String user) {
    doGrant(user);
  }

  private void doGrant(String user) {
    iam.grant(user, "admin");
  }
}
