package io.countersign.governance.archfixture.compliant.admin;

import io.countersign.RequiresApproval;
import io.countersign.governance.archfixture.IamClient;

/** Complies: the privileged call sits in an annotated method, or in a private helper only guarded code calls. */
public class UserAdmin {

  private final IamClient iam = new IamClient();

  @RequiresApproval(approvers = "group:iam-admins")
  public void grantAdmin(String user) {
    iam.grant(user, "admin");
  }

  @RequiresApproval(approvers = "group:iam-admins")
  public void grantAuditor(String user) {
    doGrant(user, "auditor");
  }

  private void doGrant(String user, String role) {
    iam.grant(user, role);
  }
}
