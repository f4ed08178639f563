package io.countersign.examples.springboot;

import io.countersign.Actor;
import io.countersign.ActorContext;
import io.countersign.CallContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Says who calls, from request headers, and runs the request as that caller
 * ({@link ActorContext#runAs}), where the starter's actor resolver finds it:
 * <ul>
 *   <li>{@value #USER} (required): the human, e.g. {@code alice};
 *   <li>{@value #AGENT} (optional): an AI agent or tool acting for that human, e.g. {@code support-bot}
 *       (the caller is then the agent, and {@code alice} can not approve its requests);
 *   <li>{@value #JUSTIFICATION} (optional): why, shown to reviewers.
 * </ul>
 *
 * <p><b>For the example only:</b> anyone who can reach the port can claim any name in a header, which
 * is why the service listens on 127.0.0.1. In production the caller is your real authentication:
 * with Spring Security on the classpath the starter takes the authenticated principal
 * ({@code SpringSecurityActorResolver}) and this filter is not needed.
 */
@Component
public class CallerHeaderFilter extends OncePerRequestFilter {

  /** The human caller's id. */
  public static final String USER = "X-User";
  /** The id of an agent acting for {@link #USER}. */
  public static final String AGENT = "X-Agent";
  /** Why the call is made, shown to reviewers. */
  public static final String JUSTIFICATION = "X-Justification";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final int MAX_JUSTIFICATION = 500;

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return !(path.startsWith("/exports") || path.startsWith("/iam/"));
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String user = request.getHeader(USER);
    String agent = request.getHeader(AGENT);
    String justification = request.getHeader(JUSTIFICATION);
    if (user == null) {
      reject(response, HttpServletResponse.SC_UNAUTHORIZED, "UNAUTHENTICATED", "Say who calls with an " + USER
          + " header (this example's stand-in for real authentication).");
      return;
    }
    if (!ID.matcher(user).matches() || (agent != null && !ID.matcher(agent).matches())) {
      reject(response, HttpServletResponse.SC_BAD_REQUEST, "BAD_CALLER", USER + " and " + AGENT
          + " must be 1 to 64 letters, digits or ._@-");
      return;
    }
    if (justification != null && justification.length() > MAX_JUSTIFICATION) {
      reject(response, HttpServletResponse.SC_BAD_REQUEST, "BAD_CALLER", JUSTIFICATION + " must be at most "
          + MAX_JUSTIFICATION + " characters but has " + justification.length());
      return;
    }
    Actor actor = agent == null ? Actor.human(user) : Actor.agent(agent, user);
    try {
      ActorContext.runAs(new CallContext(actor, justification, null), () -> {
        chain.doFilter(request, response);
        return null;
      });
    } catch (IOException | ServletException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ServletException(e);
    }
  }

  private static void reject(HttpServletResponse response, int status, String error, String message) throws IOException {
    response.setStatus(status);
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    // fixed texts only: nothing from the request is echoed
    response.getWriter().write("{\"status\":" + status + ",\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
  }
}
