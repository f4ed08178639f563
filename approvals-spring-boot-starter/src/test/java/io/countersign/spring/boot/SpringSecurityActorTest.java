package io.countersign.spring.boot;

import static io.countersign.spring.boot.Fixtures.BOB;
import static io.countersign.spring.boot.Fixtures.awaitRequest;
import static io.countersign.spring.boot.Fixtures.runner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalUnavailableException;
import io.countersign.CallContext;
import io.countersign.InMemoryApprover;
import io.countersign.Reviewer;
import io.countersign.VoteResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

class SpringSecurityActorTest {

  @AfterEach
  void clearSecurityContext() {
    SecurityContextHolder.clearContext();
  }

  private static void authenticate(String name) {
    SecurityContextHolder.getContext().setAuthentication(
        UsernamePasswordAuthenticationToken.authenticated(name, "n/a", List.of(new SimpleGrantedAuthority("ROLE_OPS"))));
  }

  @Test
  void authenticatedPrincipalBecomesTheActorShownToReviewers() {
    runner().run(context -> {
      authenticate("carol");
      context.getBean(Fixtures.Ops.class).restart("billing");
      ApprovalRequest request = awaitRequest(context.getBean(InMemoryApprover.class));
      assertThat(request.actor()).isEqualTo(Actor.human("carol"));
    });
  }

  @Test
  @DisplayName("S01 the authenticated requester cannot approve its own request through the starter")
  void authenticatedRequesterCannotApproveOwnRequest() {
    runner().run(context -> {
      authenticate("bob");
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      CompletableFuture<String> call = ops.restart("billing");
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      ApprovalRequest request = awaitRequest(approver);

      VoteResult self = approver.approve(request.id(), BOB, "looks fine to me");
      assertThat(self.counted()).isFalse();
      approver.approve(request.id(), Reviewer.of("dave", "sre"), "ok");
      assertThat(call.join()).isEqualTo("restarted billing");
    });
  }

  @Test
  void authenticationBeatsASelfDeclaredActor() {
    runner().run(context -> {
      authenticate("carol");
      ActorContext.runAs(CallContext.of(Actor.human("mallory")), () -> context.getBean(Fixtures.Ops.class).restart("billing"));
      assertThat(awaitRequest(context.getBean(InMemoryApprover.class)).actor().id()).isEqualTo("carol");
    });
  }

  @Test
  @DisplayName("S02 an agent acting for the authenticated user is the actor, so that user cannot approve it")
  void agentActingForTheAuthenticatedUserIsTheActor() {
    runner().run(context -> {
      authenticate("carol");
      CompletableFuture<String> call = ActorContext.runAs(CallContext.of(Actor.agent("ops-bot", "carol")),
          () -> context.getBean(Fixtures.Ops.class).restart("billing"));
      InMemoryApprover approver = context.getBean(InMemoryApprover.class);
      ApprovalRequest request = awaitRequest(approver);
      assertThat(request.actor()).isEqualTo(Actor.agent("ops-bot", "carol"));
      assertThat(approver.approve(request.id(), Reviewer.of("carol", "sre"), "mine").counted()).isFalse();
      approver.deny(request.id(), BOB, "no");
      assertThatThrownBy(call::join).isInstanceOf(CompletionException.class);
    });
  }

  @Test
  void anonymousAuthenticationFallsBackToActorContext() {
    runner().run(context -> {
      SecurityContextHolder.getContext().setAuthentication(new AnonymousAuthenticationToken("key", "anonymousUser",
          List.of(new SimpleGrantedAuthority("ROLE_ANONYMOUS"))));
      ActorContext.runAs(CallContext.of(Actor.human("erin")), () -> context.getBean(Fixtures.Ops.class).restart("billing"));
      assertThat(awaitRequest(context.getBean(InMemoryApprover.class)).actor().id()).isEqualTo("erin");
    });
  }

  @Test
  void noAuthenticationAndNoActorContextIsDeniedAndTheBodyNeverRuns() {
    runner().run(context -> {
      Fixtures.Ops ops = context.getBean(Fixtures.Ops.class);
      assertThatThrownBy(() -> ops.pushConfig("prod")).isInstanceOf(ApprovalUnavailableException.class)
          .hasMessageContaining("No actor is known");
      assertThat(ops.ran()).isEmpty();
    });
  }
}
