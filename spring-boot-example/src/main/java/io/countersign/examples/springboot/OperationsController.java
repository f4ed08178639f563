package io.countersign.examples.springboot;

import io.countersign.examples.springboot.CustomerExports.ExportReceipt;
import io.countersign.examples.springboot.IamRoles.RoleGrant;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.server.ResponseStatusException;

/**
 * The service's REST endpoints. The two {@code POST}s call guarded service methods and answer once
 * the reviewer decided: {@code 200} with the result after approval, {@code 403} with the reviewer's
 * reason after a deny or timeout ({@link ApprovalErrors}). Inputs are checked first, so that no
 * human is asked about a call that could not run anyway.
 *
 * <p>While the caller waits no servlet thread is held (Spring MVC async over the gate's
 * {@code CompletionStage}). The wait is bounded by {@code example.max-wait}: then the caller gets
 * {@code 503} and its approval request is cancelled, so a later approval can not run the action for
 * nobody (likewise when the container reports the connection failed).
 */
@RestController
public class OperationsController {

  private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  private final CustomerExports exports;
  private final IamRoles iam;
  private final Duration maxWait;

  /** Endpoints over the two services. */
  public OperationsController(CustomerExports exports, IamRoles iam, ExampleProperties properties) {
    this.exports = exports;
    this.iam = iam;
    this.maxWait = properties.maxWait();
  }

  /**
   * {@code POST /exports {"table":"customers"}}: exports a table once a data-protection reviewer approves.
   *
   * @param table the table to export
   */
  public record ExportRequest(String table) {}

  /**
   * {@code POST /iam/roles {"user":"bob","role":"admin"}}: grants a role once an iam-admins reviewer approves.
   *
   * @param user who gets the role
   * @param role one of {@link IamRoles#ROLES}
   */
  public record RoleGrantRequest(String user, String role) {}

  /** Exports a table; waits for the approval. */
  @PostMapping("/exports")
  public DeferredResult<ExportReceipt> export(@RequestBody ExportRequest request) {
    if (request.table() == null || !exports.tables().contains(request.table())) {
      throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "table must be one of " + new TreeSet<>(exports.tables()));
    }
    return waitFor(exports.exportTable(request.table()));
  }

  /** Grants a role; waits for the approval. */
  @PostMapping("/iam/roles")
  public DeferredResult<RoleGrant> grantRole(@RequestBody RoleGrantRequest request) {
    if (request.user() == null || !USER.matcher(request.user()).matches()) {
      throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "user must be 1 to 64 letters, digits or ._@-");
    }
    if (!IamRoles.ROLES.contains(request.role())) {
      throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "role must be one of " + IamRoles.ROLES);
    }
    return waitFor(iam.grantRole(request.user(), request.role()));
  }

  /** The roles a user has (no approval needed to read). */
  @GetMapping("/iam/roles/{user}")
  public Set<String> roles(@PathVariable String user) {
    return iam.rolesOf(user);
  }

  /** Completes the HTTP response with the guarded call's outcome; cancels the request if the caller goes away. */
  private <T> DeferredResult<T> waitFor(CompletionStage<T> call) {
    CompletableFuture<T> future = call.toCompletableFuture();
    DeferredResult<T> response = new DeferredResult<>(maxWait.toMillis());
    response.onTimeout(() -> {
      // answer first: cancelling completes the future, whose own answer must not win
      response.setErrorResult(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
          "No decision within example.max-wait (" + maxWait + "); the approval request was cancelled."));
      future.cancel(false);
    });
    response.onError(error -> future.cancel(false));
    future.whenComplete((value, error) -> {
      if (error == null) {
        response.setResult(value);
      } else if (!(error instanceof CancellationException)) {
        response.setErrorResult(ApprovalErrors.unwrap(error));
      }
    });
    return response;
  }
}
