package io.countersign.spi;

import io.countersign.CallContext;
import io.countersign.Invocation;

/**
 * Says who is calling a guarded method. The default reads {@link io.countersign.ActorContext};
 * integrations plug in their own (e.g. from Spring Security's authentication).
 *
 * <p>Called on the calling thread. Returning {@code null} or throwing means there is no actor: the
 * call is denied.
 */
@FunctionalInterface
public interface ActorResolver {

  /** The caller of {@code invocation}, or {@code null} when unknown. */
  CallContext resolve(Invocation invocation);
}
