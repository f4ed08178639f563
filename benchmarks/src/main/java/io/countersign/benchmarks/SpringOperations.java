package io.countersign.benchmarks;

import org.springframework.security.access.prepost.PreAuthorize;

/**
 * The Spring Security peer: the same body behind {@code @PreAuthorize("hasRole('OPS')")}, called
 * through the Spring AOP proxy that {@code @EnableMethodSecurity} creates ({@link SpringSecurityConfig}).
 */
public class SpringOperations implements Operations {

  @Override
  @PreAuthorize("hasRole('OPS')")
  public long transfer(long amount) {
    return Work.transfer(amount);
  }
}
