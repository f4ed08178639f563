package io.countersign.http;

import io.countersign.Reviewer;

/**
 * Says who is calling the HTTP API or the reviewer page: turns the credentials of one HTTP request
 * into a verified {@link Reviewer} (id and groups). The reviewer a vote is counted for is always
 * the one this returns, never a value from the request body.
 *
 * <p>Contract: called on an HTTP worker thread for every API request and for every page request
 * without a valid session, possibly concurrently; it should answer quickly (cache keys such as a
 * JWKS). Return {@code null} when the request carries no valid credentials: the caller gets
 * {@code 401}. Throwing is treated the same way (fail closed) and logged without the credentials.
 * Ship {@link BearerTokenAuthenticator} for small setups and tests; see the module README for an
 * OIDC/JWT validator.
 */
@FunctionalInterface
public interface Authenticator {

  /** The verified reviewer behind {@code request}, or {@code null} if it is not authenticated. */
  Reviewer authenticate(AuthenticationRequest request) throws Exception;
}
