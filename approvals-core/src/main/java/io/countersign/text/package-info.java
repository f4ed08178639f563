/**
 * Escaping of untrusted text (event fields, arguments, reasons) for every output Countersign
 * writes: HTML pages, Markdown reports, terminals. One set of rules, so no output is escaped less
 * than another.
 */
package io.countersign.text;
