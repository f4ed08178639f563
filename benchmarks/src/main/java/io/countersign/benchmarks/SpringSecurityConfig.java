package io.countersign.benchmarks;

import java.util.List;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Plain Spring (no Boot) method security, as an application configures it: {@code @EnableMethodSecurity}
 * with class-based proxies (Spring Boot's default), one {@link SpringOperations} bean.
 */
@Configuration
@EnableMethodSecurity(proxyTargetClass = true)
public class SpringSecurityConfig {

  /** The secured bean (the context wraps it in the method-security proxy). */
  @Bean
  public SpringOperations springOperations() {
    return new SpringOperations();
  }

  /** Starts a context and returns it; the caller closes it. */
  public static AnnotationConfigApplicationContext start() {
    return new AnnotationConfigApplicationContext(SpringSecurityConfig.class);
  }

  /** Authenticates the current thread as a user with role {@code role} (as a request filter would once per request). */
  public static void authenticateCurrentThread(String user, String role) {
    SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
        user, null, List.of(new SimpleGrantedAuthority("ROLE_" + role))));
  }

  /** Clears the current thread's security context. */
  public static void clearCurrentThread() {
    SecurityContextHolder.clearContext();
  }
}
