package io.countersign.policyexamples;

import io.countersign.RequiresApproval;

/** Infrastructure operations guarded by the {@code ops} policy (see {@link ExamplePolicies#ops}). */
public class InfraOps {

  /** Deploys a service to the current environment. */
  @RequiresApproval(policy = "ops", action = "deploy")
  public String deploy(String service) {
    return "deployed " + service;
  }

  /** Grants a role to a user: an IAM change. */
  @RequiresApproval(policy = "ops", action = "iam.grantRole")
  public String grantRole(String user, String role) {
    return "granted " + role + " to " + user;
  }
}
