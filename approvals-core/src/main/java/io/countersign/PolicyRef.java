package io.countersign;

/**
 * Which policy decided a request, recorded in every audit event so an auditor knows the rules in force.
 *
 * @param id the policy name ({@code "annotation"} for rules written on the method)
 * @param version the policy's version label
 * @param digest SHA-256 (hex) of the policy's canonical form
 * @param ruleName the name of the policy rule of the policy matched, or {@code null}
 */
public record PolicyRef(String id, String version, String digest, String ruleName) {}
