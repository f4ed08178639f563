/**
 * A runnable Spring Boot service guarded by Countersign: two REST endpoints whose service methods
 * carry {@code @RequiresApproval}, the HTTP reviewer page, and a signed, durable audit log.
 */
package io.countersign.examples.springboot;
