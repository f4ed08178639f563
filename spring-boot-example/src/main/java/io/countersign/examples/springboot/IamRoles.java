package io.countersign.examples.springboot;

import io.countersign.RequiresApproval;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Grants IAM roles: a privilege change, so every grant waits for someone of {@code iam-admins}. The
 * role table is in memory here; the method would call your identity provider.
 */
@Service
public class IamRoles {

  private static final Logger LOG = LoggerFactory.getLogger(IamRoles.class);

  /** The roles that exist. */
  public static final List<String> ROLES = List.of("viewer", "editor", "admin");

  private final Map<String, Set<String>> granted = new ConcurrentHashMap<>();

  /** Grants {@code role} to {@code user}; runs only once an iam-admins reviewer approved this very call. */
  @RequiresApproval(approvers = "group:iam-admins", timeout = "PT10M", action = "Grant an IAM role")
  public CompletionStage<RoleGrant> grantRole(String user, String role) {
    granted.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(role);
    LOG.info("Granted role {} to {}", role, user);
    return CompletableFuture.completedFuture(new RoleGrant(user, role, rolesOf(user)));
  }

  /** The roles {@code user} has now (reading needs no approval). */
  public Set<String> rolesOf(String user) {
    return new TreeSet<>(granted.getOrDefault(user, Set.of()));
  }

  /**
   * A granted role.
   *
   * @param user who got it
   * @param role the role granted
   * @param roles every role the user has now
   */
  public record RoleGrant(String user, String role, Set<String> roles) {}
}
