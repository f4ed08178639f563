package io.countersign.governance.archfixture.compliant.admin;

import io.countersign.RequiresApproval;
import io.countersign.governance.archfixture.IamClient;

/** Complies through the type-level annotation: every public method is guarded. */
@RequiresApproval(approvers = "group:iam-admins")
public class RoleAdmin {

  private final IamClient iam = new IamClient();

  public void grantRole(String user, String role) {
    iam.grant(user, role);
  }
}
