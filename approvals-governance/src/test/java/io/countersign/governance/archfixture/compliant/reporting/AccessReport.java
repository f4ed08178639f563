package io.countersign.governance.archfixture.compliant.reporting;

import io.countersign.governance.archfixture.IamClient;

/** Outside ..admin..: a read-only caller the rule, restricted to admin packages, leaves alone. */
public class AccessReport {

  private final IamClient iam = new IamClient();

  public String show(String user) {
    return iam.describe(user);
  }
}
