package io.countersign.spring.boot;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ActorKind;
import io.countersign.CallContext;
import io.countersign.Invocation;
import io.countersign.spi.ActorResolver;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Says who calls from Spring Security's current {@link Authentication}: an authenticated,
 * non-anonymous principal becomes the actor ({@link Actor#human(String) a human} named by
 * {@link Authentication#getName()} unless a mapping says otherwise). Without one, the call falls back
 * to {@link ActorContext}; with neither, the gate denies the call (never anonymous).
 *
 * <p>An authenticated identity beats a self-declared one, with one refinement: when the code runs an
 * agent inside {@code ActorContext.runAs(Actor.agent("bot", "alice"), ...)} and the authenticated user
 * is {@code alice}, the agent context is used (it is more precise and keeps alice off the reviewer
 * list as {@code onBehalfOf}). A justification given through {@code ActorContext} is kept when its
 * actor is the authenticated one.
 *
 * <p>Called on the calling thread (Spring Security's context is thread-bound by default).
 */
public final class SpringSecurityActorResolver implements ActorResolver {

  private final Function<Authentication, Actor> actorMapping;

  /** Maps each authenticated principal to {@link Actor#human(String)} of its name. */
  public SpringSecurityActorResolver() {
    this(authentication -> Actor.human(authentication.getName()));
  }

  /**
   * Maps authenticated principals with {@code actorMapping} (e.g. service accounts to
   * {@link Actor#service(String)} by an authority). A {@code null} result falls back to
   * {@link ActorContext}.
   */
  public SpringSecurityActorResolver(Function<Authentication, Actor> actorMapping) {
    this.actorMapping = Objects.requireNonNull(actorMapping, "actorMapping");
  }

  @Override
  public CallContext resolve(Invocation invocation) {
    Optional<CallContext> declared = ActorContext.current();
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication == null || !authentication.isAuthenticated() || authentication instanceof AnonymousAuthenticationToken) {
      return declared.orElse(null);
    }
    Actor actor = actorMapping.apply(authentication);
    if (actor == null) {
      return declared.orElse(null);
    }
    if (declared.isPresent()) {
      Actor declaredActor = declared.get().actor();
      if (declaredActor.kind() == ActorKind.AGENT && actor.id().equals(declaredActor.onBehalfOf())) {
        return declared.get();
      }
      if (declaredActor.equals(actor)) {
        return declared.get();
      }
    }
    return CallContext.of(actor);
  }

  @Override
  public String toString() {
    return "SpringSecurityActorResolver";
  }
}
