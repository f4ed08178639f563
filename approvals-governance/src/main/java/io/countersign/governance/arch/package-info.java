/**
 * ArchUnit rules ({@link io.countersign.governance.arch.CountersignRules}) that users add to their own
 * tests so that code calling privileged APIs stays guarded and nothing depends on Countersign internals.
 * Needs {@code com.tngtech.archunit:archunit} on the test class path (an optional dependency here).
 */
package io.countersign.governance.arch;
