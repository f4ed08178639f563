/**
 * The {@code countersign report} command ({@link io.countersign.governance.cli.ReportCommand}), a picocli
 * command usable on its own or registered as a subcommand of the {@code countersign} CLI.
 */
package io.countersign.governance.cli;
