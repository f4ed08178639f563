package io.countersign.policy.cel;

import io.countersign.CallContext;
import io.countersign.audit.AuditTrail;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyChangeRefusedException;
import io.countersign.policy.ReloadablePolicy;
import io.countersign.spi.TimeSource;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A policy file loaded at startup and reloadable at runtime: {@link #policy()} is what you register
 * on the gate; {@link #reload(CallContext)} reads and validates the file again and, only if it is
 * valid, swaps it in atomically and records the change (see {@link ReloadablePolicy}). An invalid
 * file never replaces a valid policy: the attempt is recorded and the error thrown.
 *
 * <pre>{@code
 * AuditTrail trail = AuditTrail.builder().sink(fileSink).signer(signer).build();
 * PolicyFile finance = PolicyFile.open("finance", Path.of("policies/finance.yaml"), loader, trail, clock);
 * ApprovalGate gate = ApprovalGate.builder().auditTrail(trail).policy("finance", finance.policy())...build();
 * // later, from an operator's command (never from an agent):
 * finance.reload(CallContext.of(Actor.human("ops-admin")));
 * }</pre>
 */
public final class PolicyFile {

  private static final Logger LOG = LoggerFactory.getLogger("io.countersign.policy");

  private final Path file;
  private final CelPolicyLoader loader;
  private final ReloadablePolicy policy;

  private PolicyFile(Path file, CelPolicyLoader loader, ReloadablePolicy policy) {
    this.file = file;
    this.loader = loader;
    this.policy = policy;
  }

  /**
   * Loads {@code file} (failing at once if it is invalid) as the policy registered under {@code name}.
   *
   * @throws PolicyFileException if the file is invalid
   */
  public static PolicyFile open(String name, Path file, CelPolicyLoader loader, AuditTrail trail, TimeSource time) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(loader, "loader");
    Policy initial = loader.load(file);
    return new PolicyFile(file, loader, new ReloadablePolicy(name, initial, trail, time));
  }

  /** The policy to register on the gate; always the last valid version of the file. */
  public ReloadablePolicy policy() {
    return policy;
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /**
   * Reads the file again and swaps it in if valid and changed.
   *
   * @param by who reloads; an agent is refused (before the file is even read)
   * @return whether the policy changed
   * @throws PolicyFileException if the file is now invalid (the previous policy stays in force)
   * @throws PolicyChangeRefusedException if an agent asks or the change cannot be recorded
   */
  public boolean reload(CallContext by) {
    Objects.requireNonNull(by, "by");
    // S52: who asks is checked before the file is read, so a refused caller learns nothing of it
    policy.checkMayChange(by, file.toString());
    Policy next;
    try {
      next = loader.load(file);
    } catch (PolicyFileException e) {
      LOG.error("Policy file {} is invalid; keeping the previous policy {}:\n{}", file, policy.current(), e.getMessage());
      policy.recordRejected(by, file.toString(), e.problems().size() + " validation problem(s), first: " + e.problems().get(0));
      throw e;
    }
    return policy.replace(next, by, file.toString());
  }
}
