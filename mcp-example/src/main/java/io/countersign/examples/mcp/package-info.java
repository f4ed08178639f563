/** An MCP server whose privileged tools wait for human approval (Countersign example). */
package io.countersign.examples.mcp;
