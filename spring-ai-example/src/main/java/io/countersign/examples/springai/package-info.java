/** A Spring AI agent whose @Tool methods need human approval through the Spring Boot starter (Countersign example). */
package io.countersign.examples.springai;
